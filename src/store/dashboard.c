/* dashboard.c: what the dashboard reads and writes beyond the analysis: editor
 * controls (a title's pinned variant and its excluded ones, by variant id so that a
 * control follows its picture through later analyses), each title's impressions and
 * clicks, an experiment's events per UTC day, and the faces of a title by character.
 *
 * A control row is never deleted: clearing one sets its control to NULL and bumps its
 * version, so the sum of versions (the stamp servers compare) changes on every edit. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "store_priv.h"

/* The variant is one of the title's current ones: 0, or KA_ENOTFOUND saying which
 * part is unknown. */
static int variant_known(ka_store *s, const char *title_id, const char *variant_id)
{
    ka_sql_res r;
    int err = KA_SQL(s, &r, "SELECT (SELECT count(*) FROM titles WHERE title_id = $1 AND"
                     " analysed_at IS NOT NULL), (SELECT count(*) FROM variants v JOIN titles t"
                     " ON t.id = v.title WHERE t.title_id = $1 AND v.variant_id = $2)",
                     SQL_TEXT(title_id), SQL_TEXT(variant_id));
    if (err)
        return err;
    int64_t titles = ka_sql_int(&r, 0, 0), variants = ka_sql_int(&r, 0, 1);
    ka_sql_res_free(&r);
    if (!titles)
        return ka_error(KA_ENOTFOUND, "no title '%s'", title_id);
    if (!variants)
        return ka_error(KA_ENOTFOUND, "title '%s' has no variant '%s'", title_id, variant_id);
    return 0;
}

/* The title's current variants that are not excluded. */
static int servable(ka_store *s, const char *title_id, int64_t *n)
{
    ka_sql_res r;
    int err = KA_SQL(s, &r, "SELECT count(*) FROM variants v JOIN titles t ON t.id = v.title"
                     " WHERE t.title_id = $1 AND NOT EXISTS (SELECT 1 FROM variant_controls c"
                     " WHERE c.title_id = $1 AND c.variant_id = v.variant_id AND"
                     " c.control = 'excluded')", SQL_TEXT(title_id));
    if (!err) {
        *n = ka_sql_int(&r, 0, 0);
        ka_sql_res_free(&r);
    }
    return err;
}

/* Sets (title, variant)'s control to control (NULL clears it) when it is now one of
 * from (NULL: whatever it is). */
static int set_control(ka_store *s, const char *title_id, const char *variant_id,
                       const char *control, const char *from)
{
    if (!from)
        return KA_SQL(s, NULL, "INSERT INTO variant_controls (title_id, variant_id, control)"
                      " VALUES ($1, $2, $3) ON CONFLICT (title_id, variant_id) DO UPDATE SET"
                      " control = $3, version = variant_controls.version + 1, updated_at ="
                      " {NOW}", SQL_TEXT(title_id), SQL_TEXT(variant_id), SQL_TEXT(control));
    return KA_SQL(s, NULL, "UPDATE variant_controls SET control = $3, version = version + 1,"
                  " updated_at = {NOW} WHERE title_id = $1 AND variant_id = $2 AND control = $4",
                  SQL_TEXT(title_id), SQL_TEXT(variant_id), SQL_TEXT(control), SQL_TEXT(from));
}

static int apply_control(ka_store *s, const char *title_id, const char *variant_id,
                         ka_control_op op)
{
    int err = variant_known(s, title_id, variant_id);
    if (err)
        return err;
    switch (op) {
    case KA_CONTROL_PIN: {          /* one pinned variant per title: the last pin wins */
        ka_sql_res r;
        err = KA_SQL(s, &r, "SELECT variant_id FROM variant_controls WHERE title_id = $1 AND"
                     " control = 'pinned' AND variant_id <> $2", SQL_TEXT(title_id),
                     SQL_TEXT(variant_id));
        if (err)
            return err;
        for (int i = 0; !err && i < r.nrows; i++)
            err = set_control(s, title_id, ka_sql_text(&r, i, 0), NULL, "pinned");
        ka_sql_res_free(&r);
        return err ? err : set_control(s, title_id, variant_id, "pinned", NULL);
    }
    case KA_CONTROL_UNPIN:
        return set_control(s, title_id, variant_id, NULL, "pinned");
    case KA_CONTROL_INCLUDE:
        return set_control(s, title_id, variant_id, NULL, "excluded");
    case KA_CONTROL_EXCLUDE: {
        int64_t left = 0;
        if ((err = set_control(s, title_id, variant_id, "excluded", NULL)) ||
            (err = servable(s, title_id, &left)))
            return err;
        return left > 0 ? 0 : ka_error(KA_ECONFLICT, "variant '%s' is the last servable one of"
                                       " title '%s': it cannot be excluded", variant_id, title_id);
    }
    }
    return ka_error(KA_EINVAL, "unknown control");
}

int ka_store_control(ka_store *s, const char *title_id, const char *variant_id,
                     ka_control_op op)
{
    if (!title_id || !variant_id || op < KA_CONTROL_PIN || op > KA_CONTROL_INCLUDE)
        return ka_error(KA_EINVAL, "ka_store_control: no title, variant or control");
    int err = ka_store_begin(s, 1);
    if (err)
        return err;
    err = apply_control(s, title_id, variant_id, op);
    if (err) {
        ka_store_rollback(s);
        return err;
    }
    return ka_store_commit(s);
}

int ka_store_controls_json(ka_store *s, json_t **out)
{
    *out = NULL;
    ka_sql_res r;
    int err = ka_sql(s, &r, "SELECT title_id, variant_id, control FROM variant_controls"
                     " WHERE control IS NOT NULL ORDER BY title_id, variant_id", NULL, 0);
    if (err)
        return ka_store_errctx(err, "cannot read the variant controls");
    json_t *o = json_object();
    for (int i = 0; o && i < r.nrows; i++) {
        const char *title = ka_sql_text(&r, i, 0), *vid = ka_sql_text(&r, i, 1);
        json_t *c = json_object_get(o, title);
        if (!c) {
            c = json_pack("{s:n, s:[]}", "pinned", "excluded");
            json_object_set_new(o, title, c);
        }
        if (!strcmp(ka_sql_text(&r, i, 2), "pinned"))
            json_object_set_new(c, "pinned", json_string(vid));
        else
            json_array_append_new(json_object_get(c, "excluded"), json_string(vid));
    }
    ka_sql_res_free(&r);
    if (!o)
        return ka_error(KA_ENOMEM, "no memory");
    *out = o;
    return 0;
}

int ka_store_controls_stamp(ka_store *s, int64_t *stamp)
{
    ka_sql_res r;
    int err = ka_sql(s, &r, "SELECT count(*), sum(version) FROM variant_controls", NULL, 0);
    if (err)
        return err;
    *stamp = ka_sql_int(&r, 0, 0) + ka_sql_int(&r, 0, 1);
    ka_sql_res_free(&r);
    return 0;
}

int ka_store_title_counts(ka_store *s, int64_t upto,
                          int (*fn)(void *arg, const char *title_id, int64_t impressions,
                                    int64_t clicks), void *arg)
{
    ka_sql_res r;
    int err = KA_SQL(s, &r, "SELECT title_id, sum(CASE WHEN type = 'impression' THEN 1 ELSE 0"
                     " END), sum(CASE WHEN type = 'click' THEN 1 ELSE 0 END) FROM events WHERE"
                     " id <= $1 AND title_id IS NOT NULL AND type IN ('impression', 'click')"
                     " GROUP BY title_id", SQL_INT(upto));
    if (err)
        return ka_store_errctx(err, "cannot count the titles' events");
    for (int i = 0; !err && i < r.nrows; i++)
        err = fn(arg, ka_sql_text(&r, i, 0), ka_sql_int(&r, i, 1), ka_sql_int(&r, i, 2));
    ka_sql_res_free(&r);
    return err;
}

/* The UTC day of an event's ts, as YYYY-MM-DD, in each dialect. */
static const char *day_of_ts(const ka_store *s)
{
    return !strcmp(ka_store_backend(s), "sqlite")
               ? "strftime('%Y-%m-%d', ts, 'unixepoch')"
               : "to_char(to_timestamp(ts) AT TIME ZONE 'UTC', 'YYYY-MM-DD')";
}

int ka_store_experiment_daily(ka_store *s, const char *experiment, json_t **out)
{
    *out = NULL;
    char sql[640];
    snprintf(sql, sizeof sql, "SELECT %s AS day, arm, sum(CASE WHEN type = 'impression' THEN 1"
             " ELSE 0 END), sum(CASE WHEN type = 'click' THEN 1 ELSE 0 END), count(DISTINCT"
             " user_key) FROM events WHERE experiment = $1 AND arm IS NOT NULL GROUP BY 1, arm"
             " ORDER BY 1, arm", day_of_ts(s));
    ka_sql_res r;
    int err = KA_SQL(s, &r, sql, SQL_TEXT(experiment));
    if (err)
        return ka_store_errctx(err, "cannot count the days of experiment %s", experiment);
    json_t *days = json_array(), *day = NULL;
    for (int i = 0; days && i < r.nrows; i++) {
        const char *d = ka_sql_text(&r, i, 0);
        if (!d)
            continue;
        if (!day || strcmp(json_string_value(json_object_get(day, "day")), d)) {
            day = json_pack("{s:s, s:{}}", "day", d, "arms");
            json_array_append_new(days, day);
        }
        int64_t imps = ka_sql_int(&r, i, 2), clicks = ka_sql_int(&r, i, 3);
        json_object_set_new(json_object_get(day, "arms"), ka_sql_text(&r, i, 1),
            json_pack("{s:I, s:I, s:I, s:o}", "impressions", (json_int_t)imps, "clicks",
                      (json_int_t)clicks, "users", (json_int_t)ka_sql_int(&r, i, 4), "ctr",
                      imps ? ka_json_real((double)clicks / (double)imps, 6) : json_null()));
    }
    ka_sql_res_free(&r);
    if (!days)
        return ka_error(KA_ENOMEM, "no memory");
    *out = days;
    return 0;
}

/* One face: {"candidate_index", "time_s", "box", "image"} (image: the candidate's
 * artwork name or null). */
static json_t *face_json(const ka_sql_res *r, int i)
{
    const char *image = ka_sql_text(r, i, 9);
    return json_pack("{s:I, s:o, s:[I, I, I, I], s:o}",
        "candidate_index", (json_int_t)ka_sql_int(r, i, 0),
        "time_s", ka_json_time(ka_sql_real(r, i, 1)),
        "box", (json_int_t)ka_sql_int(r, i, 2), (json_int_t)ka_sql_int(r, i, 3),
        (json_int_t)ka_sql_int(r, i, 4), (json_int_t)ka_sql_int(r, i, 5),
        "image", image ? json_string(image) : json_null());
}

/* The entry of cast named name (made with role when new). */
static json_t *cast_entry(json_t *cast, const char *name, const char *role)
{
    size_t i;
    json_t *c;
    json_array_foreach(cast, i, c)
        if (!strcmp(json_string_value(json_object_get(c, "name")), name))
            return c;
    c = json_pack("{s:s, s:o, s:[]}", "name", name, "role", role ? json_string(role)
                                                                  : json_null(), "faces");
    json_array_append_new(cast, c);
    return c;
}

int ka_store_title_cast_faces(ka_store *s, const char *title_id, json_t **out)
{
    *out = NULL;
    ka_sql_res m, r;
    int err = KA_SQL(s, &m, "SELECT cm.name, cm.role FROM cast_members cm JOIN titles t ON"
                     " t.id = cm.title WHERE t.title_id = $1 ORDER BY cm.id", SQL_TEXT(title_id));
    if (err)
        return ka_store_errctx(err, "cannot read the cast of %s", title_id);
    err = KA_SQL(s, &r, "SELECT c.idx, c.time_s, f.x, f.y, f.w, f.h, i.label, cm.role, f.id,"
                 " c.image FROM faces f JOIN candidates c ON c.id = f.candidate JOIN titles t"
                 " ON t.id = c.title JOIN identities i ON i.id = f.identity LEFT JOIN"
                 " cast_members cm ON cm.id = i.cast_member WHERE t.title_id = $1 AND i.label"
                 " IS NOT NULL ORDER BY c.idx, f.id", SQL_TEXT(title_id));
    if (err) {
        ka_sql_res_free(&m);
        return ka_store_errctx(err, "cannot read the faces of %s", title_id);
    }
    json_t *cast = json_array();
    for (int i = 0; cast && i < m.nrows; i++)
        cast_entry(cast, ka_sql_text(&m, i, 0), ka_sql_text(&m, i, 1));
    for (int i = 0; cast && i < r.nrows; i++) {
        json_t *c = cast_entry(cast, ka_sql_text(&r, i, 6), ka_sql_text(&r, i, 7));
        json_array_append_new(json_object_get(c, "faces"), face_json(&r, i));
    }
    ka_sql_res_free(&m);
    ka_sql_res_free(&r);
    if (!cast)
        return ka_error(KA_ENOMEM, "no memory");
    *out = cast;
    return 0;
}
