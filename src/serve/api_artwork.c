/* api_artwork.c: the question the service exists for: which variant of a title should
 * this user see? GET /v1/artwork?user=U&title=T[&shape=2x3] for one title and
 * POST /v1/artwork:batch {"user": U, "titles": [...], "shape"?} for a row of them. Each
 * answer names the variant (variant_number), its image URLs, the policy (and experiment
 * arm) that chose it and the propensity it had, which clients echo in their events.
 * Shapes: docs/schemas/http-artwork*.schema.json. With --clock request, ?now= says
 * when the question is asked (api_admin.c). */
#include <string.h>

#include "serve_priv.h"

enum { KA_ID_MAX = 256 };

const char *const ka_shape_keys[KA_SERVE_IMAGES] = { "full", "16x9", "2x3", "1x1" };

int ka_shape_index(const char *shape)
{
    for (int s = 0; shape && s < KA_SERVE_IMAGES; s++)
        if (!strcmp(shape, ka_shape_keys[s]))
            return s;
    return -1;
}

json_t *ka_arm_urls(const ka_stitle *t, int arm)
{
    json_t *o = json_object();
    for (int s = 0; o && s < KA_SERVE_IMAGES; s++) {
        const char *name = t->images[arm][s];
        char url[160];
        if (!name)
            continue;
        ka_artwork_url(name, url, sizeof url);
        json_object_set_new(o, ka_shape_keys[s], json_string(url));
    }
    return o;
}

/* The decision for (user, title) as JSON; NULL with *status and why set on failure.
 * The state is read-locked by the caller. */
static json_t *choose(ka_req *r, const char *user, const char *title, int shape, double now,
                      unsigned *status, const char **why)
{
    ka_server *s = r->srv;
    const ka_stitle *t = ka_catalog_find(s->st.cat, title);
    ka_rng *rng = ka_req_rng(r, user, title, now);
    ka_decision d;
    if (!t) {
        *status = MHD_HTTP_NOT_FOUND;
        *why = "no such title (or it has no variants yet)";
        return NULL;
    }
    if (!rng || ka_serve_decide(&s->st, t, user, rng, &d)) {
        *status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        *why = rng ? ka_error_message() : "out of memory";
        return NULL;
    }
    ka_metrics_selection(&s->metrics, d.policy);
    json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:s?, s:s?, s:o, s:s, s:f, s:o, s:o}",
        "user", user, "title_id", t->id, "variant_number", d.variant,
        "variant_id", t->vid[d.arm],
        "scene_type", t->scene[d.arm], "composition", t->composition[d.arm],
        "images", ka_arm_urls(t, d.arm), "policy", ka_decision_policy(&d),
        "propensity", d.propensity,
        "experiment", d.exp ? json_string(d.exp->name) : json_null(),
        "arm", d.exp ? json_string(d.exp->arms[d.exp_arm].name) : json_null());
    if (o && shape >= 0 && t->images[d.arm][shape]) {
        char url[160];
        ka_artwork_url(t->images[d.arm][shape], url, sizeof url);
        json_object_set_new(o, "image", json_string(url));
        json_object_set_new(o, "shape", json_string(ka_shape_keys[shape]));
    }
    if (!o) {
        *status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        *why = "out of memory";
    }
    return o;
}

/* s as a JSON string at out (room: 6 bytes per byte of s, plus 3); returns the end. */
static char *json_string_at(char *out, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    *out++ = '"';
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            *out++ = '\\';
            *out++ = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            out += sprintf(out, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
        } else {
            *out++ = (char)c;           /* UTF-8 passes through (the server checked it) */
        }
    }
    *out++ = '"';
    return out;
}

/* The answer to GET /v1/artwork, written directly: the variant's fixed members were
 * made with the catalogue; only the user, the decision and the shape are added. */
static char *answer_text(const ka_stitle *t, const ka_decision *d, const char *user, int shape,
                         size_t *len)
{
    const char *shape_name = ka_shape_keys[shape >= 0 ? shape : 0];
    const char *image = shape >= 0 ? t->images[d->arm][shape] : NULL;
    const char *exp = d->exp ? d->exp->name : NULL;
    const char *arm = d->exp ? d->exp->arms[d->exp_arm].name : NULL;
    size_t cap = strlen(t->answer[d->arm]) + 6 * strlen(user) + 2 * 6 * 72 +
                 (image ? strlen(image) : 0) + 256;
    char *buf = malloc(cap), *p = buf;
    if (!buf)
        return NULL;
    p += sprintf(p, "{\"user\":");
    p = json_string_at(p, user);
    /* %.15g: as every dump prints reals (KA_JSON_PRECISION), so batch answers agree */
    p += sprintf(p, ",%s,\"policy\":\"%s\",\"propensity\":%.15g,\"experiment\":",
                 t->answer[d->arm], ka_decision_policy(d), d->propensity);
    p = exp ? json_string_at(p, exp) : p + sprintf(p, "null");
    p += sprintf(p, ",\"arm\":");
    p = arm ? json_string_at(p, arm) : p + sprintf(p, "null");
    if (image)
        p += sprintf(p, ",\"image\":\"/artwork/%s\",\"shape\":\"%s\"", image, shape_name);
    p += sprintf(p, "}\n");
    *len = (size_t)(p - buf);
    return buf;
}

static int id_ok(const char *s)
{
    return s && *s && strlen(s) <= KA_ID_MAX;
}

enum MHD_Result ka_api_artwork(ka_req *r)
{
    const char *user = ka_req_query(r, "user"), *title = ka_req_query(r, "title");
    const char *shape = ka_req_query(r, "shape");
    int si = ka_shape_index(shape);
    if (!id_ok(user) || !id_ok(title))   /* (the server refuses URLs that are not UTF-8) */
        return ka_reply_error(r, MHD_HTTP_BAD_REQUEST, "user and title are required"
                              " (1-%d characters each)", KA_ID_MAX);
    if (shape && si < 0)
        return ka_reply_error(r, MHD_HTTP_BAD_REQUEST, "shape must be full, 16x9, 2x3 or 1x1");
    ka_server *s = r->srv;
    double now;
    if (ka_req_now(r, &now))
        return MHD_YES;
    ka_rng *rng = ka_req_rng(r, user, title, now);
    ka_decision d;
    char *text = NULL;
    size_t len = 0;
    int err = 0;
    pthread_rwlock_rdlock(&s->st.lock);
    const ka_stitle *t = ka_catalog_find(s->st.cat, title);
    if (t && rng && !(err = ka_serve_decide(&s->st, t, user, rng, &d)))
        text = answer_text(t, &d, user, si, &len);
    pthread_rwlock_unlock(&s->st.lock);
    if (text) {
        ka_metrics_selection(&s->metrics, d.policy);
        return ka_reply_buffer(r, MHD_HTTP_OK, "application/json", text, len);
    }
    if (!t)
        return ka_reply_error(r, MHD_HTTP_NOT_FOUND, "%s: no such title (or it has no variants"
                              " yet)", title);
    return ka_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s", err ? ka_error_message()
                                                                       : "out of memory");
}

enum MHD_Result ka_api_artwork_batch(ka_req *r)
{
    static const char *const fields[] = { "user", "titles", "shape", NULL };
    double now;
    if (ka_req_now(r, &now))
        return MHD_YES;
    json_t *body = ka_req_json(r);
    if (!body || ka_req_only_fields(r, body, "artwork batch", fields)) {
        json_decref(body);
        return r->replied ? MHD_YES : MHD_NO;
    }
    const char *user = json_string_value(json_object_get(body, "user"));
    const json_t *titles = json_object_get(body, "titles"), *shape = json_object_get(body, "shape");
    int si = ka_shape_index(json_string_value(shape));
    const char *bad = !id_ok(user) ? "user must be a string of 1-256 characters"
                    : !json_is_array(titles) || !json_array_size(titles) ? "titles must be a"
                      " non-empty list of title ids"
                    : json_array_size(titles) > (size_t)r->srv->o.max_batch ? "too many titles"
                    : shape && si < 0 ? "shape must be full, 16x9, 2x3 or 1x1" : NULL;
    if (bad) {
        json_decref(body);
        return ka_reply_error(r, MHD_HTTP_BAD_REQUEST, "%s", bad);
    }
    json_t *out = json_array();
    size_t i;
    json_t *tj;
    pthread_rwlock_rdlock(&r->srv->st.lock);
    json_array_foreach(titles, i, tj) {
        const char *title = json_string_value(tj), *why = "title ids are strings";
        unsigned status = MHD_HTTP_BAD_REQUEST;
        json_t *o = id_ok(title) ? choose(r, user, title, si, now, &status, &why) : NULL;
        /* a title that cannot be answered: the error shape of every route, per title */
        json_array_append_new(out, o ? o : json_pack("{s:O, s:{s:i, s:s}}", "title_id", tj,
                                                     "error", "status", (int)status,
                                                     "message", why));
    }
    pthread_rwlock_unlock(&r->srv->st.lock);
    json_t *reply = json_pack("{s:s, s:o}", "user", user, "artwork", out);
    json_decref(body);
    return ka_reply_json(r, MHD_HTTP_OK, reply);
}
