/* cast.c: the cast in the database, as vision uses it. `keyart cast add` appends
 * reference embeddings to a member (cast_members keeps them as one float32 blob per
 * title and name); ka_store_cast_load turns the rows into vision's in-memory cast,
 * one entry per reference; ka_store_identities runs the title-level identity pass
 * with the title's cast, which the analysis itself cannot do (vision knows no
 * database). ka_store_cast_put and ka_store_cast_json replace and read whole
 * members. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "keyart/vision.h"
#include "store_priv.h"

/* Inside the write transaction: the member's row, made empty when new, and locked
 * (on PostgreSQL the UPDATE holds the row until commit, so two adds to one member
 * append one after the other; SQLite's write lock already serialises them). */
static int member_row(ka_store *s, const char *title_id, const char *name, const char *role)
{
    int err = KA_SQL(s, NULL, "INSERT INTO titles (title_id) VALUES ($1) ON CONFLICT"
                     " (title_id) DO NOTHING", SQL_TEXT(title_id));
    if (!err)
        err = KA_SQL(s, NULL, "INSERT INTO cast_members (title, name, role) SELECT id, $2, $3"
                     " FROM titles WHERE title_id = $1 ON CONFLICT (title, name) DO NOTHING",
                     SQL_TEXT(title_id), SQL_TEXT(name), SQL_TEXT(role));
    if (!err)
        err = KA_SQL(s, NULL, "UPDATE cast_members SET role = $3 WHERE name = $2 AND title ="
                     " (SELECT id FROM titles WHERE title_id = $1)", SQL_TEXT(title_id),
                     SQL_TEXT(name), SQL_TEXT(role));
    return err;
}

/* The member's references followed by the new ones. */
static int append(ka_store *s, const char *title_id, const char *name, const float *emb,
                  int n, int dim)
{
    ka_sql_res r;
    int err = KA_SQL(s, &r, "SELECT c.embeddings, c.n_embeddings, c.dim FROM cast_members c"
                     " JOIN titles t ON t.id = c.title WHERE t.title_id = $1 AND c.name = $2",
                     SQL_TEXT(title_id), SQL_TEXT(name));
    if (err)
        return err;
    const ka_sql_val *old = ka_sql_cell(&r, 0, 0);
    int n_old = (int)ka_sql_int(&r, 0, 1), d_old = (int)ka_sql_int(&r, 0, 2);
    size_t old_bytes = old && old->type == KA_SQL_BLOB ? old->n : 0;
    if (n_old > 0 && (d_old != dim || old_bytes != (size_t)n_old * dim * sizeof(float))) {
        ka_sql_res_free(&r);
        return ka_error(KA_EINVAL, "%s of %s has %d references of %d values stored, not of %d:"
                        " they cannot be added to", name, title_id, n_old, d_old, dim);
    }
    if (n_old <= 0)
        old_bytes = 0;
    size_t add = (size_t)n * dim * sizeof(float);
    char *all = malloc(old_bytes + add);
    if (!all) {
        ka_sql_res_free(&r);
        return ka_error(KA_ENOMEM, "no memory for the cast");
    }
    if (old_bytes)
        memcpy(all, old->b, old_bytes);
    memcpy(all + old_bytes, emb, add);
    ka_sql_res_free(&r);
    err = KA_SQL(s, NULL, "UPDATE cast_members SET embeddings = $3, n_embeddings = $4, dim = $5"
                 " WHERE name = $2 AND title = (SELECT id FROM titles WHERE title_id = $1)",
                 SQL_TEXT(title_id), SQL_TEXT(name), SQL_BLOB(all, old_bytes + add),
                 SQL_INT(n_old > 0 ? n_old + n : n), SQL_INT(dim));
    free(all);
    return err;
}

int ka_store_cast_add(ka_store *s, const char *title_id, const char *name, const char *role,
                      const float *embeddings, int n_embeddings, int dim)
{
    if (!title_id || !*title_id || !name || !*name || n_embeddings <= 0 || dim <= 0 ||
        !embeddings)
        return ka_error(KA_EINVAL, "a cast member needs a title, a name and references");
    int err = ka_store_begin(s, 1);
    if (!err)
        err = member_row(s, title_id, name, role);
    if (!err)
        err = append(s, title_id, name, embeddings, n_embeddings, dim);
    if (err) {
        ka_store_rollback(s);
        return ka_store_errctx(err, "cannot add to cast member %s of %s", name, title_id);
    }
    return ka_store_commit(s);
}

/* One member's references into c; members of another dimension are skipped (they
 * could never match) with a warning. */
static int load_member(const ka_sql_res *r, int row, ka_cast *c)
{
    const char *title = ka_sql_text(r, row, 0), *name = ka_sql_text(r, row, 1);
    const ka_sql_val *b = ka_sql_cell(r, row, 3);
    int n = (int)ka_sql_int(r, row, 4), dim = (int)ka_sql_int(r, row, 5);
    if (n <= 0)
        return 0;
    if (dim != KA_FACE_EMBED_DIM || b->type != KA_SQL_BLOB ||
        b->n != (size_t)n * dim * sizeof(float)) {
        ka_log(KA_LOG_WARN, "cast member %s of %s: %d references of %d values, not %d: "
               "not used", name, title, n, dim, KA_FACE_EMBED_DIM);
        return 0;
    }
    ka_role role = KA_ROLE_NONE;
    const char *rn = ka_sql_text(r, row, 2);
    if (rn && ka_role_parse(rn, &role))
        role = KA_ROLE_NONE;        /* a role another program wrote: the name still counts */
    float emb[KA_FACE_EMBED_DIM];   /* the blob need not be aligned for floats */
    int err = 0;
    for (int k = 0; !err && k < n; k++) {
        memcpy(emb, (const char *)b->b + (size_t)k * sizeof emb, sizeof emb);
        ka_cast_entry e = { title, name, role, NULL, emb };
        err = ka_cast_add(c, &e);
    }
    return err;
}

#define CAST_SELECT "SELECT t.title_id, c.name, c.role, c.embeddings, c.n_embeddings," \
    " c.dim FROM cast_members c JOIN titles t ON t.id = c.title"

int ka_store_cast_load(ka_store *s, const char *title_id, ka_cast *c)
{
    ka_sql_res r;
    int err = title_id ? KA_SQL(s, &r, CAST_SELECT " WHERE t.title_id = $1 ORDER BY c.name",
                                SQL_TEXT(title_id))
                       : ka_sql(s, &r, CAST_SELECT " ORDER BY t.title_id, c.name", NULL, 0);
    if (err)
        return ka_store_errctx(err, "cannot read the cast");
    for (int i = 0; !err && i < r.nrows; i++)
        err = load_member(&r, i, c);
    ka_sql_res_free(&r);
    return err;
}

int ka_store_identities(ka_store *s, ka_title *t)
{
    ka_cast *c = NULL;
    const ka_cast_entry *e = NULL;
    int err = ka_cast_new(&c);
    if (!err)
        err = ka_store_cast_load(s, t->id ? t->id : "", c);
    int n = err ? 0 : ka_cast_list(c, NULL, &e);
    if (!err && n < 0)
        err = n;
    if (!err) {
        int k = ka_vision_identities(t, e, n);
        err = k < 0 ? k : 0;
    }
    ka_cast_free(&c);
    return err;
}

/* ---- whole members: replace one, read all as JSON ---- */

/* The row id of title_id, creating a stub row (no analysis yet) when needed. */
static int title_id_row(ka_store *s, const char *title_id, int64_t *id)
{
    ka_sql_res r;
    int err = KA_SQL(s, NULL, "INSERT INTO titles (title_id) VALUES ($1) ON CONFLICT"
                     " (title_id) DO NOTHING", SQL_TEXT(title_id));
    if (!err)
        err = KA_SQL(s, &r, "SELECT id FROM titles WHERE title_id = $1", SQL_TEXT(title_id));
    if (err)
        return err;
    *id = ka_sql_int(&r, 0, 0);
    ka_sql_res_free(&r);
    return 0;
}

int ka_store_cast_put(ka_store *s, const char *title_id, const char *name, const char *role,
                      const float *embeddings, int n_embeddings, int dim)
{
    if (!title_id || !*title_id || !name || !*name || n_embeddings < 0 || dim < 0 ||
        (n_embeddings * dim > 0 && !embeddings))
        return ka_error(KA_EINVAL, "ka_store_cast_put: needs a title, a name and embeddings");
    int64_t id = 0;
    size_t bytes = (size_t)n_embeddings * (size_t)dim * sizeof(float);
    int err = ka_store_begin(s, 1);
    if (!err)
        err = title_id_row(s, title_id, &id);
    if (!err)
        err = KA_SQL(s, NULL, "INSERT INTO cast_members (title, name, role, embeddings,"
                     " n_embeddings, dim) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (title,"
                     " name) DO UPDATE SET role = excluded.role, embeddings ="
                     " excluded.embeddings, n_embeddings = excluded.n_embeddings,"
                     " dim = excluded.dim", SQL_INT(id), SQL_TEXT(name), SQL_TEXT(role),
                     bytes ? SQL_BLOB(embeddings, bytes) : SQL_NULL, SQL_INT(n_embeddings),
                     SQL_INT(dim));
    if (err) {
        ka_store_rollback(s);
        return ka_store_errctx(err, "cannot store cast member %s of %s", name, title_id);
    }
    return ka_store_commit(s);
}

int ka_store_cast_json(ka_store *s, const char *title_id, json_t **out)
{
    *out = NULL;
    ka_sql_res r;
    int err = KA_SQL(s, &r, "SELECT c.name, c.role, c.embeddings, c.n_embeddings, c.dim FROM"
                     " cast_members c JOIN titles t ON t.id = c.title WHERE t.title_id = $1"
                     " ORDER BY c.name", SQL_TEXT(title_id));
    if (err)
        return err;
    json_t *a = json_array();
    for (int i = 0; a && i < r.nrows; i++) {
        const ka_sql_val *b = ka_sql_cell(&r, i, 2);
        int n = (int)ka_sql_int(&r, i, 3), dim = (int)ka_sql_int(&r, i, 4);
        json_t *embs = json_array();
        if (b->type == KA_SQL_BLOB && b->n == (size_t)n * dim * sizeof(float)) {
            const float *f = b->b;
            for (int e = 0; embs && e < n; e++) {
                json_t *one = json_array();
                for (int k = 0; one && k < dim; k++)
                    json_array_append_new(one, json_real(f[(size_t)e * dim + k]));
                json_array_append_new(embs, one);
            }
        }
        const char *role = ka_sql_text(&r, i, 1);
        json_array_append_new(a, json_pack("{s:s, s:o, s:o, s:i}", "name",
                              ka_sql_text(&r, i, 0), "role", role ? json_string(role)
                              : json_null(), "embeddings", embs, "dim", dim));
    }
    ka_sql_res_free(&r);
    if (!a)
        return ka_error(KA_ENOMEM, "no memory");
    *out = a;
    return 0;
}
