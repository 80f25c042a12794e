/* serving.c: the records a server reads and writes besides events: the catalogue (every
 * analysed title's variants, as the server keeps them in memory), experiments and
 * their status changes, the users seen, and policy state snapshots. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "store_priv.h"

static json_t *text_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* [{"name", "role"}] of a variant's characters, from its stored metadata: names from
 * "characters", roles from the faces vision named. */
static json_t *variant_characters(const char *metadata)
{
    json_t *out = json_array();
    json_t *m = metadata ? json_loads(metadata, 0, NULL) : NULL;
    json_t *names = json_object_get(m, "characters");
    json_t *faces = json_object_get(json_object_get(m, "vision"), "faces");
    size_t i, k;
    json_t *name, *face;
    json_array_foreach(names, i, name) {
        const char *n = json_string_value(name), *role = NULL;
        if (!n)
            continue;
        json_array_foreach(faces, k, face) {
            const char *fn = json_string_value(json_object_get(face, "name"));
            if (fn && !strcmp(fn, n)) {
                role = json_string_value(json_object_get(face, "role"));
                break;
            }
        }
        json_array_append_new(out, json_pack("{s:s, s:o}", "name", n, "role",
                                             text_or_null(role)));
    }
    json_decref(m);
    return out;
}

/* The grade (0..3) the ranker gave a variant, from its stored metadata; null for a
 * variant stored before there was one. */
static json_t *variant_appeal_grade(const char *metadata)
{
    json_t *m = metadata ? json_loads(metadata, 0, NULL) : NULL;
    json_t *g = json_object_get(json_object_get(m, "appeal"), "grade");
    json_t *out = json_is_number(g) ? json_real(json_number_value(g)) : json_null();
    json_decref(m);
    return out;
}

static json_t *catalog_variant(const ka_sql_res *r, int i)
{
    return json_pack("{s:I, s:o, s:o, s:o, s:f, s:o, s:o, s:{s:o, s:o, s:o, s:o}}",
        "variant_number", (json_int_t)ka_sql_int(r, i, 1),
        "variant_id", text_or_null(ka_sql_text(r, i, 10)),
        "scene_type", text_or_null(ka_sql_text(r, i, 2)),
        "composition", text_or_null(ka_sql_text(r, i, 3)),
        "quality_score", ka_sql_real(r, i, 4),
        "appeal_grade", variant_appeal_grade(ka_sql_text(r, i, 9)),
        "characters", variant_characters(ka_sql_text(r, i, 9)),
        "images",
        "full", text_or_null(ka_sql_text(r, i, 5)),
        "16x9", text_or_null(ka_sql_text(r, i, 6)),
        "2x3", text_or_null(ka_sql_text(r, i, 7)),
        "1x1", text_or_null(ka_sql_text(r, i, 8)));
}

/* Each title's editor controls ("controls", when it has any): what an engine built
 * from the catalogue alone (keyart simulate) must respect, as a server does. */
static int add_controls(ka_store *s, json_t *titles)
{
    json_t *controls, *t;
    size_t i;
    int err = ka_store_controls_json(s, &controls);
    if (err)
        return err;
    json_array_foreach(titles, i, t) {
        json_t *c = json_object_get(controls, json_string_value(json_object_get(t, "title_id")));
        if (c)
            json_object_set(t, "controls", c);
    }
    json_decref(controls);
    return 0;
}

int ka_store_catalog_json(ka_store *s, json_t **out)
{
    *out = NULL;
    ka_sql_res t, v;
    int err = ka_sql(s, &t, "SELECT id, title_id, genre, analysed_at FROM titles WHERE"
                     " analysed_at IS NOT NULL ORDER BY id", NULL, 0);
    if (err)
        return ka_store_errctx(err, "cannot read the catalogue");
    err = ka_sql(s, &v, "SELECT v.title, v.number, v.scene, v.composition, v.quality_score,"
                 " v.image_full, v.image_16x9, v.image_2x3, v.image_1x1, v.metadata,"
                 " v.variant_id FROM variants v JOIN titles t ON t.id = v.title WHERE"
                 " t.analysed_at IS NOT NULL ORDER BY v.title, v.number", NULL, 0);
    if (err) {
        ka_sql_res_free(&t);
        return ka_store_errctx(err, "cannot read the catalogue");
    }
    ka_sql_res x;
    err = ka_sql(s, &x, "SELECT title, variant_id, number, retired_at FROM retired_variants"
                 " ORDER BY title, retired_at, variant_id", NULL, 0);
    if (err) {
        ka_sql_res_free(&t);
        ka_sql_res_free(&v);
        return ka_store_errctx(err, "cannot read the catalogue");
    }
    json_t *a = json_array();
    int row = 0, xrow = 0;
    for (int i = 0; a && i < t.nrows; i++) {
        int64_t id = ka_sql_int(&t, i, 0);
        json_t *vars = json_array(), *retired = json_array();
        while (row < v.nrows && ka_sql_int(&v, row, 0) < id)
            row++;
        for (; vars && row < v.nrows && ka_sql_int(&v, row, 0) == id; row++)
            json_array_append_new(vars, catalog_variant(&v, row));
        while (xrow < x.nrows && ka_sql_int(&x, xrow, 0) < id)
            xrow++;
        for (; retired && xrow < x.nrows && ka_sql_int(&x, xrow, 0) == id; xrow++)
            json_array_append_new(retired, json_pack("{s:s, s:I, s:o}", "variant_id",
                                  ka_sql_text(&x, xrow, 1), "variant_number",
                                  (json_int_t)ka_sql_int(&x, xrow, 2), "retired_at",
                                  ka_json_time(ka_sql_real(&x, xrow, 3))));
        json_array_append_new(a, json_pack("{s:o, s:o, s:o, s:o, s:o}",
            "title_id", text_or_null(ka_sql_text(&t, i, 1)),
            "genre", text_or_null(ka_sql_text(&t, i, 2)),
            "analysed_at", ka_json_time(ka_sql_real(&t, i, 3)),
            "variants", vars ? vars : json_array(),
            "retired", retired ? retired : json_array()));
    }
    ka_sql_res_free(&t);
    ka_sql_res_free(&v);
    ka_sql_res_free(&x);
    if (!a)
        return ka_error(KA_ENOMEM, "no memory");
    if ((err = add_controls(s, a))) {
        json_decref(a);
        return err;
    }
    *out = a;
    return 0;
}

int ka_store_catalog_stamp(ka_store *s, int64_t *titles, double *latest)
{
    ka_sql_res r;
    int err = ka_sql(s, &r, "SELECT count(*), max(analysed_at) FROM titles WHERE analysed_at"
                     " IS NOT NULL", NULL, 0);
    if (err)
        return ka_store_errctx(err, "cannot read the catalogue");
    *titles = ka_sql_int(&r, 0, 0);
    *latest = ka_sql_real(&r, 0, 1);
    ka_sql_res_free(&r);
    return 0;
}

/* ---- experiments ---- */

int ka_store_experiment_create(ka_store *s, const char *name, const char *config_json)
{
    if (!name || !*name || !config_json)
        return ka_error(KA_EINVAL, "an experiment needs a name and a config");
    ka_sql_res r;
    int err = KA_SQL(s, &r, "INSERT INTO experiments (name, config) VALUES ($1, $2)"
                     " ON CONFLICT (name) DO NOTHING", SQL_TEXT(name), SQL_TEXT(config_json));
    if (err)
        return ka_store_errctx(err, "cannot store experiment %s", name);
    int added = r.changes > 0;
    ka_sql_res_free(&r);
    return added ? 0 : ka_error(KA_ECONFLICT, "experiment '%s' already exists", name);
}

static const char experiment_columns[] =
    "SELECT name, status, config, created_at, started_at, stopped_at, runs FROM experiments";

/* A Unix time, null while there is none. */
static json_t *time_or_null(const ka_sql_res *r, int i, int col)
{
    return ka_sql_cell(r, i, col)->type == KA_SQL_NULL ? json_null()
                                                       : ka_json_time(ka_sql_real(r, i, col));
}

/* One run of an experiment, [start, stop] as stored, as {"started_at", "stopped_at"}. */
static json_t *run_json(const json_t *run)
{
    const json_t *start = json_array_get(run, 0), *stop = json_array_get(run, 1);
    return json_pack("{s:o, s:o}",
        "started_at", json_is_number(start) ? ka_json_time(json_number_value(start)) : json_null(),
        "stopped_at", json_is_number(stop) ? ka_json_time(json_number_value(stop)) : json_null());
}

static json_t *experiment_row(const ka_sql_res *r, int i)
{
    const char *config = ka_sql_text(r, i, 2), *runs_text = ka_sql_text(r, i, 6);
    json_t *c = config ? json_loads(config, 0, NULL) : NULL;
    json_t *stored = runs_text ? json_loads(runs_text, 0, NULL) : NULL, *runs = json_array();
    size_t k;
    json_t *run;
    json_array_foreach(stored, k, run)
        json_array_append_new(runs, run_json(run));
    json_decref(stored);
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o}",
        "name", ka_sql_text(r, i, 0), "status", ka_sql_text(r, i, 1),
        "config", c ? c : json_null(), "created_at", time_or_null(r, i, 3),
        "started_at", time_or_null(r, i, 4), "stopped_at", time_or_null(r, i, 5),
        "runs", runs);
}

int ka_store_experiment_json(ka_store *s, const char *name, json_t **out)
{
    *out = NULL;
    char sql[256];
    snprintf(sql, sizeof sql, "%s WHERE name = $1", experiment_columns);
    ka_sql_res r;
    int err = KA_SQL(s, &r, sql, SQL_TEXT(name));
    if (err)
        return ka_store_errctx(err, "cannot read experiment %s", name);
    if (r.nrows == 1)
        *out = experiment_row(&r, 0);
    int found = r.nrows == 1;
    ka_sql_res_free(&r);
    if (!found)
        return ka_error(KA_ENOTFOUND, "no experiment '%s'", name);
    return *out ? 0 : ka_error(KA_ENOMEM, "no memory");
}

int ka_store_experiments_json(ka_store *s, json_t **out)
{
    *out = NULL;
    char sql[256];
    snprintf(sql, sizeof sql, "%s ORDER BY id", experiment_columns);
    ka_sql_res r;
    int err = ka_sql(s, &r, sql, NULL, 0);
    if (err)
        return ka_store_errctx(err, "cannot read the experiments");
    json_t *a = json_array();
    for (int i = 0; a && i < r.nrows; i++)
        json_array_append_new(a, experiment_row(&r, i));
    ka_sql_res_free(&r);
    if (!a)
        return ka_error(KA_ENOMEM, "no memory");
    *out = a;
    return 0;
}

/* Whether status is one of the comma-separated list. */
static int status_in(const char *status, const char *list)
{
    size_t n = strlen(status);
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && !strncmp(p, status, n))
            return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}

/* The run intervals after a move to `to` at time now: a start opens one, a stop (or a
 * ship of a running experiment) closes the open one. Returns new JSON text (malloc'd). */
static char *runs_after(const char *runs_json, const char *to, double now)
{
    json_t *runs = runs_json ? json_loads(runs_json, 0, NULL) : NULL;
    if (!json_is_array(runs)) {
        json_decref(runs);
        runs = json_array();
    }
    size_t n = json_array_size(runs);
    json_t *last = n ? json_array_get(runs, n - 1) : NULL;
    int open = json_is_array(last) && json_is_null(json_array_get(last, 1));
    if (!strcmp(to, "running") && !open)
        json_array_append_new(runs, json_pack("[f, n]", now));
    else if (strcmp(to, "running") && strcmp(to, "draft") && open)
        json_array_set_new(last, 1, json_real(now));
    char *text = json_dumps(runs, JSON_COMPACT | KA_JSON_REAL);
    json_decref(runs);
    return text;
}

static int set_status(ka_store *s, const char *name, const char *from, const char *to,
                      const char *config_json)
{
    ka_sql_res r;
    int err = KA_SQL(s, &r, "SELECT status, runs, {NOW} FROM experiments WHERE name = $1",
                     SQL_TEXT(name));
    if (err)
        return err;
    char status[32] = "";
    char *runs = NULL;
    double now = 0;                 /* one time for the stamps and the runs */
    if (r.nrows == 1) {
        snprintf(status, sizeof status, "%s", ka_sql_text(&r, 0, 0));
        now = ka_sql_real(&r, 0, 2);
        runs = runs_after(ka_sql_text(&r, 0, 1), to, now);
    }
    int found = r.nrows == 1;
    ka_sql_res_free(&r);
    if (!found)
        return ka_error(KA_ENOTFOUND, "no experiment '%s'", name);
    if (!status_in(status, from)) {
        free(runs);
        return ka_error(KA_ECONFLICT, "experiment '%s' is %s: it cannot become %s",
                        name, status, to);
    }
    if (!runs)
        return ka_error(KA_ENOMEM, "no memory");
    /* started_at: the first start, kept; stopped_at: the last stop, none while running */
#define KA_SET_STATUS "UPDATE experiments SET status = $1, config = COALESCE($2, config)," \
                      " runs = $4"
    if (!strcmp(to, "running"))
        err = KA_SQL(s, NULL, KA_SET_STATUS ", started_at = COALESCE(started_at, $5),"
                     " stopped_at = NULL WHERE name = $3", SQL_TEXT(to), SQL_TEXT(config_json),
                     SQL_TEXT(name), SQL_TEXT(runs), SQL_REAL(now));
    else if (strcmp(to, "draft") && !strcmp(status, "running"))
        err = KA_SQL(s, NULL, KA_SET_STATUS ", stopped_at = $5 WHERE name = $3", SQL_TEXT(to),
                     SQL_TEXT(config_json), SQL_TEXT(name), SQL_TEXT(runs), SQL_REAL(now));
    else
        err = KA_SQL(s, NULL, KA_SET_STATUS " WHERE name = $3", SQL_TEXT(to),
                     SQL_TEXT(config_json), SQL_TEXT(name), SQL_TEXT(runs));
#undef KA_SET_STATUS
    free(runs);
    return err;
}

int ka_store_experiment_set_status(ka_store *s, const char *name, const char *from,
                                   const char *to, const char *config_json)
{
    if (!name || !from || !to)
        return ka_error(KA_EINVAL, "ka_store_experiment_set_status: missing argument");
    int err = ka_store_begin(s, 1);
    if (!err)
        err = set_status(s, name, from, to, config_json);
    if (err) {
        ka_store_rollback(s);
        return err;
    }
    return ka_store_commit(s);
}

/* ---- users ---- */

int ka_store_users_json(ka_store *s, const char *after, int limit, json_t **out)
{
    *out = NULL;
    ka_sql_res r;
    int err = KA_SQL(s, &r, "SELECT user_key, created_at FROM users WHERE user_key > $1"
                     " ORDER BY user_key LIMIT $2", SQL_TEXT(after ? after : ""),
                     SQL_INT(limit > 0 ? limit : 100));
    if (err)
        return ka_store_errctx(err, "cannot read the users");
    json_t *a = json_array();
    for (int i = 0; a && i < r.nrows; i++)
        json_array_append_new(a, json_pack("{s:s, s:o}", "user", ka_sql_text(&r, i, 0),
                                           "first_seen_at", time_or_null(&r, i, 1)));
    ka_sql_res_free(&r);
    if (!a)
        return ka_error(KA_ENOMEM, "no memory");
    *out = a;
    return 0;
}

/* ---- policy state ---- */

int ka_store_policy_state_put(ka_store *s, const ka_store_state *rows, int n)
{
    if (n < 0 || (n > 0 && !rows))
        return ka_error(KA_EINVAL, "ka_store_policy_state_put: no rows");
    int err = n ? ka_store_begin(s, 1) : 0;
    for (int i = 0; !err && i < n; i++) {
        const ka_store_state *r = &rows[i];
        err = KA_SQL(s, NULL, "INSERT INTO policy_state (policy, scope, state, version,"
                     " updated_at) VALUES ($1, $2, $3, $4, {NOW}) ON CONFLICT (policy, scope)"
                     " DO UPDATE SET state = excluded.state, version = excluded.version,"
                     " updated_at = excluded.updated_at WHERE policy_state.version <"
                     " excluded.version", SQL_TEXT(r->policy), SQL_TEXT(r->scope ? r->scope : ""),
                     SQL_BLOB(r->state, r->size), SQL_INT(r->version));
    }
    if (err) {
        ka_store_rollback(s);
        return ka_store_errctx(err, "cannot store policy state");
    }
    return n ? ka_store_commit(s) : 0;
}

int ka_store_policy_state_each(ka_store *s,
                               int (*fn)(void *arg, const char *policy, const char *scope,
                                         const void *state, size_t size, int64_t version),
                               void *arg)
{
    ka_sql_res r;
    int err = ka_sql(s, &r, "SELECT policy, scope, state, version FROM policy_state ORDER BY"
                     " policy, scope", NULL, 0);
    if (err)
        return ka_store_errctx(err, "cannot read policy state");
    for (int i = 0; !err && i < r.nrows; i++) {
        const ka_sql_val *b = ka_sql_cell(&r, i, 2);
        err = fn(arg, ka_sql_text(&r, i, 0), ka_sql_text(&r, i, 1),
                 b->type == KA_SQL_BLOB ? b->b : NULL, b->type == KA_SQL_BLOB ? b->n : 0,
                 ka_sql_int(&r, i, 3));
    }
    ka_sql_res_free(&r);
    return err;
}
