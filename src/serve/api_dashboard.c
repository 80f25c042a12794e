/* api_dashboard.c: what the dashboard's catalogue and title pages read and write: the
 * catalogue list with each title's default artwork, controls and live counts (GET
 * /v1/titles), the title view model (GET /v1/titles/{}/analysis: metadata, shots,
 * candidates, variants, cast and faces, controls) and an editor's controls (POST
 * /v1/titles/{}/variants/{}/pin|unpin|exclude|include), which the server answering
 * applies at once and other servers at their next refresh.
 * Shapes: docs/dashboard.md, docs/json.md and docs/schemas/http-*.schema.json. */
#include <stdlib.h>
#include <string.h>

#include "serve_priv.h"

enum { KA_QUERY_MAX = 256 };

/* The arm a title shows by default: its pin, else variant 1 (the next by number when
 * that one is excluded); -1 for none. */
static int default_arm(const ka_stitle *t)
{
    if (t->pinned >= 0)
        return t->pinned;
    int best = -1;
    for (int a = 0; a < t->n_variants; a++)
        if (!t->excluded[a] && (best < 0 || t->pv[a].number < t->pv[best].number))
            best = a;
    return best;
}

/* The members a catalogue row gains from what the server holds (read-locked). */
static void add_live(const ka_serve_state *st, json_t *row)
{
    const char *id = json_string_value(json_object_get(row, "title_id"));
    const ka_stitle *t = id ? ka_catalog_find(st->cat, id) : NULL;
    const ka_tcount *c = id ? ka_strmap_get(&st->counts, id) : NULL;
    int arm = t ? default_arm(t) : -1;
    int64_t imps = c ? c->impressions : 0, clicks = c ? c->clicks : 0;
    json_object_set_new(row, "n_variants", json_integer(t ? t->n_variants : 0));
    json_object_set_new(row, "default_variant", arm < 0 ? json_null()
        : json_pack("{s:s, s:i, s:o}", "variant_id", t->vid[arm], "variant_number",
                    t->pv[arm].number, "urls", ka_arm_urls(t, arm)));
    json_object_set_new(row, "pinned", t && t->pinned >= 0 ? json_string(t->vid[t->pinned])
                                                           : json_null());
    json_object_set_new(row, "impressions", json_integer(imps));
    json_object_set_new(row, "clicks", json_integer(clicks));
    json_object_set_new(row, "ctr", imps ? ka_json_real((double)clicks / (double)imps, 6)
                                         : json_null());
}

/* The first item of the sorted list a with a title_id after `after` (binary search). */
static size_t first_after(const json_t *a, const char *after)
{
    size_t lo = 0, hi = json_array_size(a);
    while (after && lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *id = json_string_value(json_object_get(json_array_get(a, mid), "title_id"));
        if (id && strcmp(id, after) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* A page of the server's titles list (sorted by id: ka_store_titles_json's order) that
 * hold q in their id, each with its live members; *total counts all that match. The
 * state is read-locked. */
static json_t *titles_page(const ka_serve_state *st, const char *q, const ka_page *p,
                           size_t *total, const char **last, int *more)
{
    json_t *page = json_array(), *x;
    const json_t *all = st->titles_list;
    size_t n = json_array_size(all), from = first_after(all, p->after);
    *more = 0;
    *last = NULL;
    *total = q && *q ? 0 : n;
    for (size_t i = 0; q && *q && i < n; i++) {  /* a search's total: every title */
        const char *id = json_string_value(json_object_get(json_array_get(all, i), "title_id"));
        *total += id && strstr(id, q);
    }
    for (size_t i = from; page && i < n; i++) {
        x = json_array_get(all, i);
        const char *id = json_string_value(json_object_get(x, "title_id"));
        if (!id || (q && *q && !strstr(id, q)))
            continue;
        if (json_array_size(page) == (size_t)p->limit) {
            *more = 1;
            break;
        }
        json_t *row = json_copy(x);
        add_live(st, row);
        json_array_append_new(page, row);
        *last = id;
    }
    return page;
}

enum MHD_Result ka_api_titles(ka_req *r)
{
    ka_page p;
    const char *q = ka_req_query(r, "q");
    if (ka_req_page(r, &p))
        return MHD_YES;
    if (q && strlen(q) > KA_QUERY_MAX)
        return ka_reply_error(r, MHD_HTTP_BAD_REQUEST, "q is at most %d bytes", KA_QUERY_MAX);
    char path[32 + 3 * KA_QUERY_MAX];
    snprintf(path, sizeof path, "/v1/titles");
    if (q && *q) {
        char enc[3 * KA_QUERY_MAX + 1];
        ka_url_encode(q, enc, sizeof enc);
        snprintf(path, sizeof path, "/v1/titles?q=%s", enc);
    }
    size_t total;
    const char *last;
    int more;
    pthread_rwlock_rdlock(&r->srv->st.lock);
    json_t *page = titles_page(&r->srv->st, q, &p, &total, &last, &more);
    json_t *next = more && last ? ka_page_next(path, last, &p) : json_null();
    pthread_rwlock_unlock(&r->srv->st.lock);
    if (!page)
        return ka_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
    return ka_reply_json(r, MHD_HTTP_OK, json_pack("{s:o, s:I, s:o}", "titles", page, "total",
                                                   (json_int_t)total, "next", next));
}

/* ---- the title view model ---- */

/* The URL of an artwork name, or null. */
static json_t *url_or_null(const json_t *name)
{
    char url[160];
    if (!json_is_string(name))
        return json_null();
    ka_artwork_url(json_string_value(name), url, sizeof url);
    return json_string(url);
}

/* The full-frame image of variant number n (the store keeps candidates' own images
 * only when asked to; a chosen one is its variant's), or NULL. */
static const json_t *variant_image(const json_t *variants, const json_t *n)
{
    size_t i;
    const json_t *v;
    json_array_foreach(variants, i, v)
        if (json_is_integer(n) && json_equal(json_object_get(v, "variant_number"), n))
            return json_object_get(json_object_get(v, "images"), "full");
    return NULL;
}

static json_t *candidates_view(json_t *stored, const json_t *variants)
{
    json_t *out = json_array(), *c;
    size_t i;
    json_array_foreach(stored, i, c) {
        json_t *appeal = json_object_get(json_object_get(c, "appeal"), "score");
        const json_t *image = json_object_get(c, "image");
        if (!json_is_string(image))
            image = variant_image(variants, json_object_get(c, "variant_number"));
        json_array_append_new(out, json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:o}",
            "index", json_object_get(c, "index"), "frame", json_object_get(c, "frame"),
            "time_s", json_object_get(c, "time_s"), "shot", json_object_get(c, "shot"),
            "quality_score", json_object_get(c, "quality_score"),
            "appeal", appeal ? appeal : json_null(),
            "variant_number", json_object_get(c, "variant_number"),
            "image", url_or_null(image)));
    }
    return out;
}

/* The variants with their URLs and whether each is pinned or excluded (controls as
 * the server holds them). */
static void variants_view(json_t *variants, const json_t *controls)
{
    ka_add_urls(variants);
    const char *pinned = json_string_value(json_object_get(controls, "pinned"));
    json_t *v, *x;
    size_t i, k;
    json_array_foreach(variants, i, v) {
        const char *id = json_string_value(json_object_get(v, "variant_id"));
        int excluded = 0;
        json_array_foreach(json_object_get(controls, "excluded"), k, x)
            excluded |= id && !strcmp(id, json_string_value(x));
        json_object_set_new(v, "pinned", json_boolean(id && pinned && !strcmp(id, pinned)));
        json_object_set_new(v, "excluded", json_boolean(excluded));
    }
}

/* Each face's image: its candidate's (as the candidates view gives it: cands). */
static void cast_view(json_t *cast, const json_t *cands)
{
    json_t *c, *f;
    size_t i, k;
    json_array_foreach(cast, i, c)
        json_array_foreach(json_object_get(c, "faces"), k, f) {
            json_int_t idx = json_integer_value(json_object_get(f, "candidate_index"));
            const json_t *cand = json_array_get(cands, (size_t)idx);
            json_t *image = json_object_get(cand, "image");
            if (!cand || json_integer_value(json_object_get(cand, "index")) != idx)
                image = NULL;       /* the candidates are stored by index from 0 */
            json_object_set(f, "image", image ? image : json_null());
        }
}

/* The store's parts of the view (the caller holds the database). */
static int analysis_parts(ka_store *db, const char *id, json_t **meta, json_t **shots,
                          json_t **cands, json_t **cast)
{
    int err = ka_store_export_json(db, id, meta);
    if (!err)
        err = ka_store_shots_json(db, id, shots);
    if (!err)
        err = ka_store_candidates_json(db, id, cands);
    if (!err)
        err = ka_store_title_cast_faces(db, id, cast);
    return err;
}

enum MHD_Result ka_api_title_analysis(ka_req *r)
{
    const char *id = r->params[0];
    json_t *meta = NULL, *shots = NULL, *cands = NULL, *cast = NULL;
    pthread_mutex_lock(&r->srv->db_lock);
    int err = analysis_parts(r->srv->db, id, &meta, &shots, &cands, &cast);
    pthread_mutex_unlock(&r->srv->db_lock);
    if (err) {
        json_decref(meta);
        json_decref(shots);
        json_decref(cands);
        json_decref(cast);
        if (err == KA_EINVAL)
            return ka_reply_error(r, MHD_HTTP_NOT_FOUND, "no such title: %s", id);
        return ka_reply_store_error(r, err);
    }
    pthread_rwlock_rdlock(&r->srv->st.lock);
    const ka_stitle *t = ka_catalog_find(r->srv->st.cat, id);
    json_t *controls = t ? ka_stitle_controls_json(t)
                         : json_pack("{s:n, s:[]}", "pinned", "excluded");
    pthread_rwlock_unlock(&r->srv->st.lock);
    json_t *variants = json_object_get(meta, "variants");
    json_t *cview = candidates_view(cands, variants);
    json_decref(cands);
    variants_view(variants, controls);
    cast_view(cast, cview);
    json_t *o = json_pack("{s:s, s:O, s:o, s:o, s:O, s:o, s:o}", "title_id", id,
                          "title", json_object_get(meta, "title"), "shots", shots,
                          "candidates", cview, "variants", variants, "cast", cast,
                          "controls", controls);
    json_decref(meta);
    return o ? ka_reply_json(r, MHD_HTTP_OK, o)
             : ka_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
}

/* ---- controls ---- */

static enum MHD_Result control(ka_req *r, ka_control_op op)
{
    if (!ka_req_empty_body(r))
        return MHD_YES;
    const char *id = r->params[0], *vid = r->params[1];
    int err = WITH_DB(r, ka_state_control(&r->srv->st, r->srv->db, id, vid, op));
    if (err)
        return ka_reply_store_error(r, err);
    pthread_rwlock_rdlock(&r->srv->st.lock);
    const ka_stitle *t = ka_catalog_find(r->srv->st.cat, id);
    json_t *controls = t ? ka_stitle_controls_json(t) : NULL;
    pthread_rwlock_unlock(&r->srv->st.lock);
    if (!controls)                  /* stored, but not yet in this server's catalogue */
        controls = json_pack("{s:n, s:[]}", "pinned", "excluded");
    return ka_reply_json(r, MHD_HTTP_OK, json_pack("{s:s, s:o}", "title_id", id, "controls",
                                                   controls));
}

enum MHD_Result ka_api_variant_pin(ka_req *r) { return control(r, KA_CONTROL_PIN); }
enum MHD_Result ka_api_variant_unpin(ka_req *r) { return control(r, KA_CONTROL_UNPIN); }
enum MHD_Result ka_api_variant_exclude(ka_req *r) { return control(r, KA_CONTROL_EXCLUDE); }
enum MHD_Result ka_api_variant_include(ka_req *r) { return control(r, KA_CONTROL_INCLUDE); }
