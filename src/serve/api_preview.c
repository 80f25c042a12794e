/* api_preview.c: the dashboard's read-only views of serving: a viewer preview (GET
 * /v1/users/{}/preview: the row a user would get now, with the reasons, decided as
 * /v1/artwork decides but recording nothing: no event, no assignment, no selection
 * counted), an experiment's events per UTC day (GET /v1/experiments/{}/daily) and the
 * policy types a title or an arm can use (GET /v1/policies).
 * Shapes: docs/dashboard.md and docs/schemas/http-*.schema.json. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_priv.h"

enum { KA_PREVIEW_DEFAULT = 20, KA_PREVIEW_MAX = 200 };

/* "you click action scenes 2.1x your average" when the user's smoothed CTR on the
 * variant's scene type is well off their own average; NULL otherwise. */
static json_t *profile_reason(const ka_profile *p, const ka_profile_opts *o, int scene)
{
    double imps = 0, clicks = 0;
    for (int s = 0; s < KA_SCENE_COUNT; s++) {
        imps += p->scene_imps[s];
        clicks += p->scene_clicks[s];
    }
    if (p->scene_imps[scene] <= 0 || imps <= 0)
        return NULL;
    double prior = o->ctr_prior * o->ctr_prior_n;
    double mine = (p->scene_clicks[scene] + prior) / (p->scene_imps[scene] + o->ctr_prior_n);
    double avg = (clicks + prior) / (imps + o->ctr_prior_n);
    double ratio = avg > 0 ? mine / avg : 0;
    if (ratio > 0.8 && ratio < 1.25)
        return NULL;
    char text[160];
    snprintf(text, sizeof text, "you click %s scenes %.1fx your average",
             ka_scene_name((ka_scene)scene), ratio);
    return json_string(text);
}

static json_t *reasons(const ka_serve_state *st, const ka_stitle *t, const ka_decision *d,
                       const ka_profile *profile)
{
    json_t *a = json_array();
    char text[256];
    if (d->policy == KA_DECISION_PINNED) {
        json_array_append_new(a, json_string("pinned by an editor"));
        return a;
    }
    if (d->exp) {
        snprintf(text, sizeof text, "experiment %s puts you in arm %s", d->exp->name,
                 d->exp->arms[d->exp_arm].name);
        json_array_append_new(a, json_string(text));
    }
    if (d->policy == KA_DECISION_FIXED)
        snprintf(text, sizeof text, "the arm shows variant %d to everyone in it", d->variant);
    else
        snprintf(text, sizeof text, "policy %s chose it with probability %.2f",
                 ka_decision_policy(d), d->propensity);
    json_array_append_new(a, json_string(text));
    json_t *why = profile ? profile_reason(profile, &st->popts, t->pv[d->arm].scene) : NULL;
    if (why)
        json_array_append_new(a, why);
    else if (!profile)
        json_array_append_new(a, json_string("no events from you yet: the policy's view of"
                                             " everyone"));
    if (t->n_excluded) {
        snprintf(text, sizeof text, "%d variant%s excluded by an editor", t->n_excluded,
                 t->n_excluded > 1 ? "s" : "");
        json_array_append_new(a, json_string(text));
    }
    return a;
}

static json_t *preview_item(const ka_serve_state *st, const ka_stitle *t, const ka_decision *d,
                            const ka_profile *profile, int shape)
{
    const char *name = t->images[d->arm][shape] ? t->images[d->arm][shape]
                                                : t->images[d->arm][0];
    char url[160];
    if (name)
        ka_artwork_url(name, url, sizeof url);
    return json_pack("{s:s, s:s, s:i, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o}",
        "title_id", t->id, "variant_id", t->vid[d->arm], "variant_number", d->variant,
        "image", name ? json_string(url) : json_null(), "policy", ka_decision_policy(d),
        "propensity", ka_json_number(d->propensity),
        "experiment", d->exp ? json_string(d->exp->name) : json_null(),
        "arm", d->exp ? json_string(d->exp->arms[d->exp_arm].name) : json_null(),
        "scene_type", t->scene[d->arm] ? json_string(t->scene[d->arm]) : json_null(),
        "composition", t->composition[d->arm] ? json_string(t->composition[d->arm])
                                              : json_null(),
        "reasons", reasons(st, t, d, profile));
}

/* The row for user (the state read-locked): the first limit titles by id, as the
 * server's titles list (GET /v1/titles) has them. */
static json_t *preview_row(const ka_serve_state *st, const char *user, int limit, int shape,
                           ka_rng *rng)
{
    json_t *row = json_array();
    const ka_suser *u = ka_strmap_get(&st->users, user);
    const json_t *all = st->titles_list;
    for (size_t i = 0; row && i < json_array_size(all) && json_array_size(row) < (size_t)limit;
         i++) {
        const char *id = json_string_value(json_object_get(json_array_get(all, i), "title_id"));
        const ka_stitle *t = id && st->cat ? ka_catalog_find(st->cat, id) : NULL;
        ka_decision d;
        if (!t)
            continue;
        if (ka_serve_decide(st, t, user, rng, &d)) {
            json_decref(row);
            return NULL;
        }
        json_array_append_new(row, preview_item(st, t, &d, u ? &u->p : NULL, shape));
    }
    return row;
}

enum MHD_Result ka_api_user_preview(ka_req *r)
{
    const char *limit_s = ka_req_query(r, "limit"), *shape_s = ka_req_query(r, "shape");
    int limit = KA_PREVIEW_DEFAULT, shape = shape_s ? ka_shape_index(shape_s) : 1;
    if (limit_s && ka_parse_int(limit_s, 1, KA_PREVIEW_MAX, &limit))
        return ka_reply_error(r, MHD_HTTP_BAD_REQUEST, "limit must be 1..%d", KA_PREVIEW_MAX);
    if (shape < 0)
        return ka_reply_error(r, MHD_HTTP_BAD_REQUEST, "shape must be full, 16x9, 2x3 or 1x1");
    const char *user = r->params[0];
    ka_rng *rng = ka_serve_rng();
    if (!rng)
        return ka_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
    ka_serve_state *st = &r->srv->st;
    pthread_rwlock_rdlock(&st->lock);
    const ka_suser *u = ka_strmap_get(&st->users, user);
    json_t *profile = u ? json_pack("{s:s, s:I, s:o}", "user", user, "version",
                                    (json_int_t)u->version, "profile",
                                    ka_profile_json(&u->p, &st->popts)) : json_null();
    json_t *row = preview_row(st, user, limit, shape, rng);
    pthread_rwlock_unlock(&st->lock);
    if (!row) {
        json_decref(profile);
        return ka_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s", ka_error_message());
    }
    return ka_reply_json(r, MHD_HTTP_OK, json_pack("{s:s, s:o, s:o}", "user", user,
                                                   "profile", profile, "row", row));
}

enum MHD_Result ka_api_experiment_daily(ka_req *r)
{
    json_t *exp = NULL, *days = NULL;
    pthread_mutex_lock(&r->srv->db_lock);
    int err = ka_store_experiment_json(r->srv->db, r->params[0], &exp);
    if (!err)
        err = ka_store_experiment_daily(r->srv->db, r->params[0], &days);
    pthread_mutex_unlock(&r->srv->db_lock);
    json_decref(exp);
    if (err)
        return ka_reply_store_error(r, err);
    return ka_reply_json(r, MHD_HTTP_OK, json_pack("{s:s, s:o}", "experiment", r->params[0],
                                                   "days", days));
}

enum MHD_Result ka_api_policies(ka_req *r)
{
    int n;
    const ka_policy_type *const *list = ka_policy_list(&n);
    json_t *a = json_array();
    for (int i = 0; a && i < n; i++)
        json_array_append_new(a, json_pack("{s:s, s:s}", "name", list[i]->name,
                                           "description", list[i]->description
                                               ? list[i]->description : ""));
    return ka_reply_json(r, MHD_HTTP_OK, json_pack("{s:o}", "policies", a ? a : json_array()));
}
