/* events.c: what users did, in and out of the store: events, idempotent by the id
 * their client gave them, one by one or in batches written in one transaction; the
 * walk in id order that servers fold into their profiles and policies; and the
 * per-arm sums experiment reports are computed from. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "store_priv.h"

int ka_store_add_event(ka_store *s, const ka_store_event *e)
{
    if (!e || !e->client_id || !*e->client_id || !e->type || !*e->type)
        return ka_error(KA_EINVAL, "an event needs a client id and a type");
    ka_sql_res r;
    int err = KA_SQL(s, &r, "INSERT INTO events (client_id, type, user_key, title_id,"
        " variant_number, experiment, arm, policy, propensity, value, ts, data, variant_id,"
        " received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, COALESCE($11, {NOW}),"
        " $12, $13, COALESCE($14, {NOW}))"
        " ON CONFLICT (client_id) DO NOTHING", SQL_TEXT(e->client_id), SQL_TEXT(e->type),
        SQL_TEXT(e->user), SQL_TEXT(e->title_id),
        e->variant_number > 0 ? SQL_INT(e->variant_number) : SQL_NULL,
        SQL_TEXT(e->experiment), SQL_TEXT(e->arm), SQL_TEXT(e->policy),
        e->propensity >= 0 ? SQL_REAL(e->propensity) : SQL_NULL,
        isnan(e->value) ? SQL_NULL : SQL_REAL(e->value),
        e->ts > 0 ? SQL_REAL(e->ts) : SQL_NULL, SQL_TEXT(e->data_json),
        SQL_TEXT(e->variant_id), e->received_at > 0 ? SQL_REAL(e->received_at) : SQL_NULL);
    if (err)
        return ka_store_errctx(err, "cannot store event %s", e->client_id);
    int added = r.changes > 0;
    ka_sql_res_free(&r);
    return added;
}

int ka_store_add_events(ka_store *s, const ka_store_event *e, int n, int *added)
{
    if (n < 0 || (n > 0 && (!e || !added)))
        return ka_error(KA_EINVAL, "ka_store_add_events: no events");
    if (n == 0)
        return 0;
    int err = ka_store_begin(s, 1);
    for (int i = 0; !err && i < n; i++) {
        int r = ka_store_add_event(s, &e[i]);
        if (r < 0)
            err = r;
        else
            added[i] = r;
        if (!err && r == 1 && e[i].user && *e[i].user)
            err = KA_SQL(s, NULL, "INSERT INTO users (user_key) VALUES ($1) ON CONFLICT"
                         " (user_key) DO NOTHING", SQL_TEXT(e[i].user));
    }
    if (err) {
        ka_store_rollback(s);
        return err;
    }
    return ka_store_commit(s);
}

static void event_row(const ka_sql_res *r, int i, ka_store_event_row *row)
{
    memset(row, 0, sizeof *row);
    row->id = ka_sql_int(r, i, 0);
    row->received_at = ka_sql_real(r, i, 1);
    ka_store_event *e = &row->e;
    e->client_id = ka_sql_text(r, i, 2);
    e->type = ka_sql_text(r, i, 3);
    e->user = ka_sql_text(r, i, 4);
    e->title_id = ka_sql_text(r, i, 5);
    e->variant_number = (int)ka_sql_int(r, i, 6);
    e->experiment = ka_sql_text(r, i, 7);
    e->arm = ka_sql_text(r, i, 8);
    e->policy = ka_sql_text(r, i, 9);
    e->propensity = ka_sql_cell(r, i, 10)->type == KA_SQL_NULL ? -1 : ka_sql_real(r, i, 10);
    e->value = ka_sql_real(r, i, 11);
    e->ts = ka_sql_real(r, i, 12);
    e->data_json = ka_sql_text(r, i, 13);
    e->variant_id = ka_sql_text(r, i, 14);
}

int ka_store_events_after(ka_store *s, int64_t after, int limit, double lag_s,
                          int (*fn)(void *arg, const ka_store_event_row *row), void *arg)
{
    if (!fn || limit < 1)
        return ka_error(KA_EINVAL, "ka_store_events_after: no callback or limit");
    ka_sql_res r;
    int err = KA_SQL(s, &r, "SELECT id, received_at, client_id, type, user_key, title_id,"
                     " variant_number, experiment, arm, policy, propensity, value, ts, data,"
                     " variant_id FROM events WHERE id > $1 AND received_at <= {NOW} - $2 ORDER BY id"
                     " LIMIT $3", SQL_INT(after), SQL_REAL(lag_s > 0 || lag_s == KA_STORE_ANY_AGE ? lag_s : 0),
                     SQL_INT(limit));
    if (err)
        return ka_store_errctx(err, "cannot read events");
    int i = 0;
    for (; i < r.nrows; i++) {
        ka_store_event_row row;
        event_row(&r, i, &row);
        int stop = fn(arg, &row);
        if (stop) {
            ka_sql_res_free(&r);
            return stop;
        }
    }
    ka_sql_res_free(&r);
    return i;
}

int ka_store_experiment_counts(ka_store *s, const char *experiment,
                               int (*fn)(void *arg, const char *arm, const char *user,
                                         const char *type, double n, double n_value,
                                         double sum, double sumsq),
                               void *arg)
{
    ka_sql_res r;
    int err = KA_SQL(s, &r, "SELECT arm, user_key, type, count(*), count(value), sum(value),"
                     " sum(value * value) FROM events WHERE experiment = $1 AND arm IS NOT"
                     " NULL GROUP BY arm, user_key, type ORDER BY arm, user_key, type",
                     SQL_TEXT(experiment));
    if (err)
        return ka_store_errctx(err, "cannot count the events of experiment %s", experiment);
    for (int i = 0; !err && i < r.nrows; i++)
        err = fn(arg, ka_sql_text(&r, i, 0), ka_sql_text(&r, i, 1), ka_sql_text(&r, i, 2),
                 ka_sql_real(&r, i, 3), ka_sql_real(&r, i, 4), ka_sql_real(&r, i, 5),
                 ka_sql_real(&r, i, 6));
    ka_sql_res_free(&r);
    return err;
}
