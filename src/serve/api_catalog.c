/* api_catalog.c: read-only resources: titles and their variants (from the store),
 * what each policy of a title currently believes, users and their profiles (from
 * memory), the images (from the artwork folder: only names the store writes,
 * <2 hex>/<64 hex>.jpg, so no path can leave the folder), /healthz and /livez.
 * Shapes: docs/json.md and docs/schemas/http-*.schema.json. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "serve_priv.h"


/* Seconds since the server started; both ends on the wall clock with their fractions
 * (time(NULL) against a fractional start read negative in the first second). */
static double uptime_s(const ka_server *s)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    double up = (double)ts.tv_sec + ts.tv_nsec * 1e-9 - s->started_at;
    return up > 0 ? up : 0;
}

enum MHD_Result ka_api_healthz(ka_req *r)
{
    int v = WITH_DB(r, ka_store_schema_version(r->srv->db));
    int loaded = atomic_load(&r->srv->loaded);
    pthread_rwlock_rdlock(&r->srv->st.lock);
    json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:i, s:I, s:o}",
        "status", v < 0 ? "degraded" : loaded ? "ok" : "loading", "version", ka_version(),
        "database", ka_store_backend(r->srv->db), "schema_version", v,
        "titles", r->srv->st.cat ? r->srv->st.cat->n : 0,
        "watermark", (json_int_t)r->srv->st.watermark,
        "uptime_s", ka_json_time(uptime_s(r->srv)));
    pthread_rwlock_unlock(&r->srv->st.lock);
    return ka_reply_json(r, v >= 0 && loaded ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, o);
}

/* Liveness: the process answers (no database, no lock): for load balancers, and the
 * floor the benchmark compares the artwork route with. */
enum MHD_Result ka_api_livez(ka_req *r)
{
    static const char ok[] = "{\"status\":\"ok\"}\n";
    char *body = malloc(sizeof ok);
    if (!body)
        return ka_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
    memcpy(body, ok, sizeof ok);
    return ka_reply_buffer(r, MHD_HTTP_OK, "application/json", body, sizeof ok - 1);
}

void ka_add_urls(json_t *variants)
{
    size_t i;
    json_t *v;
    json_array_foreach(variants, i, v) {
        const char *key;
        json_t *name, *urls = json_object();
        json_object_foreach(json_object_get(v, "images"), key, name) {
            char url[160];
            if (!json_is_string(name))
                continue;
            ka_artwork_url(json_string_value(name), url, sizeof url);
            json_object_set_new(urls, key, json_string(url));
        }
        json_object_set_new(v, "urls", urls);
    }
}

/* The reply for a stored title's JSON: 404 when the store has no such title (it says
 * KA_EINVAL), the store's error otherwise; else its variants get their URLs. */
static enum MHD_Result reply_title(ka_req *r, int err, json_t *o, json_t *variants)
{
    if (err == KA_EINVAL)
        return ka_reply_error(r, MHD_HTTP_NOT_FOUND, "%s", ka_error_message());
    if (err)
        return ka_reply_store_error(r, err);
    ka_add_urls(variants);
    return ka_reply_json(r, MHD_HTTP_OK, o);
}

/* {"title", "variants": [...], "retired": [...]}: the variants served, and those later
 * analyses no longer chose (kept for reports, never served). */
enum MHD_Result ka_api_title_variants(ka_req *r)
{
    json_t *a = NULL, *retired = NULL;
    int err = WITH_DB(r, ka_store_variants_json(r->srv->db, r->params[0], &a));
    if (!err)
        err = WITH_DB(r, ka_store_retired_variants_json(r->srv->db, r->params[0], &retired));
    if (err) {
        json_decref(a);
        return reply_title(r, err, NULL, NULL);
    }
    ka_add_urls(retired);
    return reply_title(r, err, json_pack("{s:s, s:o, s:o}", "title_id", r->params[0], "variants",
                                         a, "retired", retired), a);
}

enum MHD_Result ka_api_title(ka_req *r)
{
    json_t *meta = NULL;
    int err = WITH_DB(r, ka_store_export_json(r->srv->db, r->params[0], &meta));
    return reply_title(r, err, meta, json_object_get(meta, "variants"));
}

/* {"title_id", "policies": {name: {"version", "probabilities": [{"variant_number",
 * "variant_id", "probability"}, ...]}}, "watermark", "controls"}: each policy's
 * probabilities for a user it knows nothing about, each beside the variant it is for,
 * as served under the editor's controls (a pin: 1 for it; exclusions: 0 for them, the
 * rest renormalised). */
enum MHD_Result ka_api_title_policies(ka_req *r)
{
    pthread_rwlock_rdlock(&r->srv->st.lock);
    const ka_stitle *t = ka_catalog_find(r->srv->st.cat, r->params[0]);
    json_t *o = NULL, *pols = json_object();
    for (int k = 0; t && k < KA_SERVE_POLICIES; k++) {
        double p[KA_POLICY_MAX_ARMS];
        ka_policy_ctx c = { .variants = t->pv, .n_variants = t->n_variants,
                            .profile_opts = &r->srv->st.popts };
        if (!t->policy[k] || ka_policy_probs(t->policy[k], &c, p))
            continue;
        ka_stitle_controlled_probs(t, p);
        json_t *probs = json_array();
        for (int a = 0; a < t->n_variants; a++)
            json_array_append_new(probs, json_pack("{s:i, s:s, s:o}", "variant_number",
                                                   t->pv[a].number, "variant_id", t->vid[a],
                                                   "probability", ka_json_number(p[a])));
        json_object_set_new(pols, ka_policy_type_of(t->policy[k])->name,
                            json_pack("{s:I, s:o}", "version", (json_int_t)t->version[k],
                                      "probabilities", probs));
    }
    if (t)
        o = json_pack("{s:s, s:O, s:I, s:o}", "title_id", t->id, "policies", pols, "watermark",
                      (json_int_t)r->srv->st.watermark, "controls", ka_stitle_controls_json(t));
    pthread_rwlock_unlock(&r->srv->st.lock);
    json_decref(pols);
    return t ? ka_reply_json(r, MHD_HTTP_OK, o)
             : ka_reply_error(r, MHD_HTTP_NOT_FOUND, "no such title: %s", r->params[0]);
}

enum MHD_Result ka_api_users(ka_req *r)
{
    ka_page p;
    json_t *a;
    if (ka_req_page(r, &p))
        return MHD_YES;
    int err = WITH_DB(r, ka_store_users_json(r->srv->db, p.after, p.limit, &a));
    if (err)
        return ka_reply_store_error(r, err);
    size_t n = json_array_size(a);  /* a full page may have more after it */
    json_t *next = n == (size_t)p.limit
        ? ka_page_next("/v1/users", json_string_value(json_object_get(json_array_get(a, n - 1),
                                                                      "user")), &p)
        : json_null();
    return ka_reply_json(r, MHD_HTTP_OK, json_pack("{s:o, s:o}", "users", a, "next", next));
}

static json_t *floats(const float *v, int n, const char *(*name)(int))
{
    json_t *o = json_object();
    for (int i = 0; o && i < n; i++)
        if (v[i] > 0)
            json_object_set_new(o, name(i), ka_json_real(v[i], 4));
    return o;
}

static const char *scene_key(int i) { return ka_scene_name((ka_scene)i); }
static const char *comp_key(int i) { return ka_composition_name((ka_composition)i); }
static const char *role_key(int i) { return ka_role_name((ka_role)i); }
static const char *genre_key(int i)
{
    int n;
    const ka_genre *const *g = ka_genre_list(&n);
    return i < n ? g[i]->name : "other";
}

json_t *ka_profile_json(const ka_profile *p, const ka_profile_opts *o)
{
    json_t *ctr = json_object();
    for (int s = 0; ctr && s < KA_SCENE_COUNT; s++)
        if (p->scene_imps[s] > 0)
            json_object_set_new(ctr, scene_key(s), ka_json_real((p->scene_clicks[s] +
                o->ctr_prior * o->ctr_prior_n) / (p->scene_imps[s] + o->ctr_prior_n), 4));
    int n_genres;
    ka_genre_list(&n_genres);
    /* event_weight: the events folded in, each weighed down by its age (the profile's
     * half-life), so not a count */
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "updated_at", ka_json_time(p->ts),
        "event_weight", ka_json_real(p->events, 4),
        "genres", floats(p->genre, n_genres < KA_PROFILE_GENRES ? n_genres : KA_PROFILE_GENRES,
                         genre_key),
        "scene_types", floats(p->scene, KA_SCENE_COUNT, scene_key),
        "compositions", floats(p->composition, KA_COMP_COUNT, comp_key),
        "roles", floats(p->role, KA_ROLE_COUNT, role_key),
        "ctr_by_scene_type", ctr);
}

enum MHD_Result ka_api_user(ka_req *r)
{
    pthread_rwlock_rdlock(&r->srv->st.lock);
    const ka_suser *u = ka_strmap_get(&r->srv->st.users, r->params[0]);
    json_t *o = u ? json_pack("{s:s, s:I, s:o}", "user", r->params[0], "version",
                              (json_int_t)u->version, "profile",
                              ka_profile_json(&u->p, &r->srv->st.popts)) : NULL;
    pthread_rwlock_unlock(&r->srv->st.lock);
    return u ? ka_reply_json(r, MHD_HTTP_OK, o)
             : ka_reply_error(r, MHD_HTTP_NOT_FOUND, "no events from user %s yet", r->params[0]);
}

/* Only what the store names its images: "<2 hex>/<64 hex>.jpg" with matching prefix. */
static int image_name_ok(const char *dir, const char *file)
{
    if (strlen(dir) != 2 || strlen(file) != 68 || strcmp(file + 64, ".jpg") ||
        strncmp(dir, file, 2))
        return 0;
    for (int i = 0; i < 64; i++)
        if (!((file[i] >= '0' && file[i] <= '9') || (file[i] >= 'a' && file[i] <= 'f')))
            return 0;
    return 1;
}

enum MHD_Result ka_api_image(ka_req *r)
{
    const char *dir = r->params[0], *file = r->params[1];
    if (!image_name_ok(dir, file))
        return ka_reply_error(r, MHD_HTTP_BAD_REQUEST, "image paths are /artwork/<2 hex>/<64"
                              " hex>.jpg, as the variants name them");
    char rel[80];
    snprintf(rel, sizeof rel, "%s/%s", dir, file);
    /* The folder may appear after the server started (the first analysis makes it). */
    int dir_fd = r->srv->artwork_fd >= 0 ? r->srv->artwork_fd
               : open(r->srv->artwork, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    /* No symbolic link is followed, neither the file nor its folder: a link inside the
     * artwork folder must not lead out of it. O_NONBLOCK: a FIFO must not hang a thread. */
    int sub_fd = dir_fd < 0 ? -1 : openat(dir_fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                                                       O_CLOEXEC);
    int fd = sub_fd < 0 ? -1 : openat(sub_fd, file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
                                                    O_CLOEXEC);
    if (sub_fd >= 0)
        close(sub_fd);
    if (dir_fd >= 0 && dir_fd != r->srv->artwork_fd)
        close(dir_fd);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        return ka_reply_error(r, MHD_HTTP_NOT_FOUND, "no image %s", rel);
    }
    struct MHD_Response *resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    if (!resp) {
        close(fd);
        return MHD_NO;
    }
    char etag[70];
    snprintf(etag, sizeof etag, "\"%.64s\"", file);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "image/jpeg");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "public, max-age=31536000, immutable");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
    r->status = MHD_HTTP_OK;
    r->replied = 1;
    enum MHD_Result ok = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ok;
}
