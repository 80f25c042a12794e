/* routes.c: every URL the server answers, one row each. KA_ROUTE_AUTH rows need the
 * bearer token; KA_ROUTE_BODY rows read a JSON body before their handler runs;
 * KA_ROUTE_EARLY rows answer while the server still loads its state (the others say
 * 503, try again); KA_ROUTE_PROBE rows are never shed by --max-inflight. Adding a
 * route is adding a row and its handler. */
#include "serve_priv.h"

#define AUTH KA_ROUTE_AUTH
#define BODY KA_ROUTE_BODY
#define EARLY KA_ROUTE_EARLY
#define PROBE KA_ROUTE_PROBE

static const ka_route routes[] = {
    { "GET",  "/healthz",                         EARLY | PROBE, ka_api_healthz, "healthz" },
    { "GET",  "/livez",                           EARLY | PROBE, ka_api_livez,   "livez" },
    { "GET",  "/metrics",                         EARLY | PROBE, ka_api_metrics, "metrics" },
    { "GET",  "/",                                EARLY,       ka_api_ui_index, "ui" },
    { "GET",  "/ui/{}",                           EARLY,       ka_api_ui_file,  "ui_file" },
    { "GET",  "/artwork/{}/{}",                   EARLY,       ka_api_image,    "image" },
    { "GET",  "/v1/artwork",                      0,           ka_api_artwork,  "artwork" },
    { "POST", "/v1/artwork:batch",                BODY,        ka_api_artwork_batch, "artwork_batch" },
    { "POST", "/v1/events",                       AUTH | BODY, ka_api_events,   "events" },
    { "GET",  "/v1/titles",                       0,           ka_api_titles,   "titles" },
    { "GET",  "/v1/titles/{}",                    0,           ka_api_title,    "title" },
    { "GET",  "/v1/titles/{}/variants",           0,           ka_api_title_variants, "title_variants" },
    { "GET",  "/v1/titles/{}/policies",           0,           ka_api_title_policies, "title_policies" },
    { "GET",  "/v1/titles/{}/analysis",           0,           ka_api_title_analysis, "title_analysis" },
    { "POST", "/v1/titles/{}/variants/{}/pin",    AUTH | BODY, ka_api_variant_pin, "variant_pin" },
    { "POST", "/v1/titles/{}/variants/{}/unpin",  AUTH | BODY, ka_api_variant_unpin, "variant_unpin" },
    { "POST", "/v1/titles/{}/variants/{}/exclude", AUTH | BODY, ka_api_variant_exclude, "variant_exclude" },
    { "POST", "/v1/titles/{}/variants/{}/include", AUTH | BODY, ka_api_variant_include, "variant_include" },
    { "GET",  "/v1/policies",                     0,           ka_api_policies, "policies" },
    { "GET",  "/v1/users",                        AUTH,        ka_api_users,    "users" },
    { "GET",  "/v1/users/{}",                     AUTH,        ka_api_user,     "user" },
    { "GET",  "/v1/users/{}/profile",             AUTH,        ka_api_user,     "user_profile" },
    { "GET",  "/v1/users/{}/preview",             AUTH,        ka_api_user_preview, "user_preview" },
    { "GET",  "/v1/experiments",                  0,           ka_api_experiments, "experiments" },
    { "POST", "/v1/experiments",                  AUTH | BODY, ka_api_experiment_create, "experiment_create" },
    { "GET",  "/v1/experiments/{}",               0,           ka_api_experiment, "experiment" },
    { "POST", "/v1/experiments/{}/start",         AUTH | BODY, ka_api_experiment_start, "experiment_start" },
    { "POST", "/v1/experiments/{}/stop",          AUTH | BODY, ka_api_experiment_stop, "experiment_stop" },
    { "POST", "/v1/experiments/{}/ship",          AUTH | BODY, ka_api_experiment_ship, "experiment_ship" },
    { "GET",  "/v1/experiments/{}/report",        0,           ka_api_experiment_report, "experiment_report" },
    { "GET",  "/v1/experiments/{}/daily",         0,           ka_api_experiment_daily, "experiment_daily" },
    { "POST", "/v1/admin/refresh",                AUTH,        ka_api_admin_refresh, "admin_refresh" },
};

const ka_route *ka_routes(int *count)
{
    _Static_assert(sizeof routes / sizeof routes[0] <= KA_ROUTES_MAX, "too many routes");
    *count = (int)(sizeof routes / sizeof routes[0]);
    return routes;
}
