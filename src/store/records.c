/* records.c: the smaller records: a title's cast (reference embeddings, float32
 * blobs) and events, which are idempotent by the id their client gave them. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "store_priv.h"

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

int ka_store_add_event(ka_store *s, const ka_store_event *e)
{
    if (!e || !e->client_id || !*e->client_id || !e->type || !*e->type)
        return ka_error(KA_EINVAL, "an event needs a client id and a type");
    ka_sql_res r;
    int err = KA_SQL(s, &r, "INSERT INTO events (client_id, type, user_key, title_id,"
        " variant_number, experiment, arm, policy, propensity, value, ts, data) VALUES ($1,"
        " $2, $3, $4, $5, $6, $7, $8, $9, $10, COALESCE($11, {NOW}), $12) ON CONFLICT"
        " (client_id) DO NOTHING", SQL_TEXT(e->client_id), SQL_TEXT(e->type),
        SQL_TEXT(e->user), SQL_TEXT(e->title_id),
        e->variant_number > 0 ? SQL_INT(e->variant_number) : SQL_NULL,
        SQL_TEXT(e->experiment), SQL_TEXT(e->arm), SQL_TEXT(e->policy),
        e->propensity >= 0 ? SQL_REAL(e->propensity) : SQL_NULL, SQL_REAL(e->value),
        e->ts > 0 ? SQL_REAL(e->ts) : SQL_NULL, SQL_TEXT(e->data_json));
    if (err)
        return ka_store_errctx(err, "cannot store event %s", e->client_id);
    int added = r.changes > 0;
    ka_sql_res_free(&r);
    return added;
}
