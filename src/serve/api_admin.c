/* api_admin.c: a server whose client keeps the time (keyart serve --clock request, for
 * simulations and tests): the time of a request (?now=), the generator of a decision
 * drawn from it, and POST /v1/admin/refresh, the refresh such a server does only when
 * asked (any server answers it: a refresh now, rather than at the next tick). With
 * them a client replays a run exactly: keyart simulate --over-http gets the report of
 * the same run in process (docs/simulate.md). */
#include <stdlib.h>
#include <time.h>

#include "serve_priv.h"

int ka_req_now(ka_req *r, double *now)
{
    const char *arg = ka_req_query(r, "now");
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    *now = (double)ts.tv_sec + ts.tv_nsec * 1e-9;
    if (!arg)
        return 0;
    if (!r->srv->o.clock_request) {
        ka_reply_error(r, MHD_HTTP_BAD_REQUEST, "now= is for a server on its clients' "
                       "clock (keyart serve --clock request)");
        return -1;
    }
    /* after 2000, before 5138: seconds, as every time of the API */
    if (ka_parse_double(arg, 946684800.0, 1e11, now)) {
        ka_reply_error(r, MHD_HTTP_BAD_REQUEST, "now must be Unix seconds (after 2000)");
        return -1;
    }
    return 0;
}

ka_rng *ka_req_rng(ka_req *r, const char *user, const char *title, double now)
{
    if (!r->srv->o.clock_request)
        return ka_serve_rng();
    ka_rng *rng = ka_serve_decision_rng();
    if (rng)
        ka_rng_seed(rng, ka_decision_seed(r->srv->decision_seed, user, title, now));
    return rng;
}

enum MHD_Result ka_api_admin_refresh(ka_req *r)
{
    ka_server *s = r->srv;
    if (ka_server_fold(s, 1))
        return ka_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "refresh failed: %s",
                              ka_error_message());
    pthread_rwlock_rdlock(&s->st.lock);
    json_t *o = json_pack("{s:I, s:I}", "watermark", (json_int_t)s->st.watermark,
                          "folded", (json_int_t)s->st.folded);
    pthread_rwlock_unlock(&s->st.lock);
    return ka_reply_json(r, MHD_HTTP_OK, o);
}
