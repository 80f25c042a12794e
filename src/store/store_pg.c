/* store_pg.c: the PostgreSQL backend (libpq), for many workers on many machines
 * sharing one database. Parameters go typed (int8, float8, bytea in binary, text
 * left for the server to infer); results come back as text and are converted by
 * the column's type. The work queue's take uses FOR UPDATE SKIP LOCKED.
 * A connection lost (the server restarted, a failover) is opened again, for a while:
 * a statement outside a transaction (BEGIN included) waits for the server and runs
 * again; inside one the transaction is gone with the connection, so the statement
 * fails and the caller rolls back and tries again or reports it. */
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store_priv.h"

#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_OID 26
#define OID_FLOAT4 700
#define OID_FLOAT8 701
#define OID_NUMERIC 1700

typedef struct pg_conn {
    PGconn *c;
    int down;                   /* the last reconnection gave up */
} pg_conn;

static PGconn *conn_of(ka_store *s)
{
    return ((pg_conn *)s->impl)->c;
}

/* libpq's message without its trailing newline(s). */
static const char *trimmed(const char *m, char *buf, size_t size)
{
    snprintf(buf, size, "%s", m ? m : "");
    size_t n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    char *w = buf;              /* newlines and tabs become single spaces */
    for (const char *p = buf; *p; p++) {
        char c = *p == '\n' || *p == '\t' ? ' ' : *p;
        if (c != ' ' || (w > buf && w[-1] != ' '))
            *w++ = c;
    }
    *w = '\0';
    return buf;
}

static int fail(ka_store *s, PGresult *r, const char *what)
{
    char buf[1024];
    const char *m = r ? PQresultErrorMessage(r) : NULL;
    if (!m || !*m)
        m = PQerrorMessage(conn_of(s));
    int lost = PQstatus(conn_of(s)) == CONNECTION_BAD;
    int err = ka_error(KA_EIO, "%s: %s%s: %s", s->name, what,
                       lost ? " (connection lost)" : "", trimmed(m, buf, sizeof buf));
    PQclear(r);
    return err;
}

static void silent_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* How long a lost connection is tried again: a restart takes a few seconds; a server
 * down for longer is an outage the caller must see. */
#define RECONNECT_S 30.0

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int session_setup(PGconn *c)
{
    PGresult *r = PQexec(c, "SET client_min_messages = warning");
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok ? 0 : -1;
}

/* Opens the connection again, pausing between tries (up to RECONNECT_S in all);
 * 0 when it is back, else -1 with libpq's last message left in the connection. Once
 * that gave up, the server is tried once per statement, not waited for again: a
 * server answering requests fails them at once while the database is down. */
static int reconnect(ka_store *s)
{
    pg_conn *pc = s->impl;
    double start = now_s(), pause = 0.05, limit = pc->down ? 0 : RECONNECT_S;
    for (;;) {
        PQreset(pc->c);
        if (PQstatus(pc->c) == CONNECTION_OK && !session_setup(pc->c)) {
            ka_log(KA_LOG_WARN, "%s: the connection was lost; connected again after %.1f s",
                   s->name, now_s() - start);
            pc->down = 0;
            return 0;
        }
        if (now_s() - start + pause > limit) {
            pc->down = 1;
            return -1;
        }
        usleep((useconds_t)(pause * 1e6));
        pause = pause * 2 < 1 ? pause * 2 : 1;
    }
}

/* Whether a failed statement may run again on a new connection: only when the
 * connection is gone and no transaction was open on it. */
static int may_retry(ka_store *s)
{
    return PQstatus(conn_of(s)) == CONNECTION_BAD && !s->in_tx && !reconnect(s);
}

static int copy_cell(PGresult *r, int row, int col, ka_sql_val *v)
{
    memset(v, 0, sizeof *v);
    if (PQgetisnull(r, row, col))
        return 0;
    const char *t = PQgetvalue(r, row, col);
    switch (PQftype(r, col)) {
    case OID_BOOL:
        *v = SQL_INT(t[0] == 't');
        return 0;
    case OID_INT2: case OID_INT4: case OID_INT8: case OID_OID:
        *v = SQL_INT(strtoll(t, NULL, 10));
        return 0;
    case OID_FLOAT4: case OID_FLOAT8: case OID_NUMERIC:
        *v = SQL_REAL(strtod(t, NULL));
        return 0;
    case OID_BYTEA: {
        size_t n = 0;
        unsigned char *raw = PQunescapeBytea((const unsigned char *)t, &n);
        if (!raw)
            return -1;
        v->type = KA_SQL_BLOB;
        v->b = ka_store_memdup(raw, n);
        v->n = n;
        PQfreemem(raw);
        return v->b ? 0 : -1;
    }
    default:
        v->type = KA_SQL_TEXT;
        v->n = strlen(t);
        v->s = ka_store_memdup(t, v->n);
        return v->s ? 0 : -1;
    }
}

static int copy_result(PGresult *r, ka_sql_res *res)
{
    res->nrows = PQntuples(r);
    res->ncols = PQnfields(r);
    const char *ct = PQcmdTuples(r);
    res->changes = ct && *ct ? strtoll(ct, NULL, 10) : 0;
    size_t cells = (size_t)res->nrows * res->ncols;
    if (!cells)
        return 0;
    if (!(res->cells = calloc(cells, sizeof *res->cells)))
        return -1;
    for (int i = 0; i < res->nrows; i++)
        for (int c = 0; c < res->ncols; c++)
            if (copy_cell(r, i, c, &res->cells[(size_t)i * res->ncols + c]) < 0)
                return -1;
    return 0;
}

enum { MAX_PARAMS = 64 };

static int pg_query(ka_store *s, const char *sql, const ka_sql_val *p, int n, ka_sql_res *res)
{
    if (n > MAX_PARAMS)
        return ka_error(KA_EINTERNAL, "%s: %d query parameters, at most %d", s->name, n,
                        MAX_PARAMS);
    Oid types[MAX_PARAMS];
    const char *values[MAX_PARAMS];
    int lengths[MAX_PARAMS], formats[MAX_PARAMS];
    char num[MAX_PARAMS][32];
    for (int i = 0; i < n; i++) {
        types[i] = 0;
        values[i] = NULL;
        lengths[i] = 0;
        formats[i] = 0;
        switch (p[i].type) {
        case KA_SQL_INT:
            types[i] = OID_INT8;
            snprintf(num[i], sizeof num[i], "%lld", (long long)p[i].i);
            values[i] = num[i];
            break;
        case KA_SQL_REAL:
            types[i] = OID_FLOAT8;
            if (isnan(p[i].d))
                snprintf(num[i], sizeof num[i], "NaN");
            else if (isinf(p[i].d))
                snprintf(num[i], sizeof num[i], "%sInfinity", p[i].d < 0 ? "-" : "");
            else
                snprintf(num[i], sizeof num[i], "%.17g", p[i].d);
            values[i] = num[i];
            break;
        case KA_SQL_TEXT:
            values[i] = p[i].s;
            break;
        case KA_SQL_BLOB:
            types[i] = OID_BYTEA;
            values[i] = p[i].n ? p[i].b : "";
            lengths[i] = (int)p[i].n;
            formats[i] = 1;
            break;
        default:
            break;
        }
    }
    PGresult *r = PQexecParams(conn_of(s), sql, n, types, values, lengths, formats, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && may_retry(s)) {
        PQclear(r);
        r = PQexecParams(conn_of(s), sql, n, types, values, lengths, formats, 0);
        st = PQresultStatus(r);
    }
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        return fail(s, r, "query failed");
    int err = 0;
    if (res && copy_result(r, res) < 0) {
        ka_sql_res_free(res);
        err = ka_error(KA_ENOMEM, "%s: no memory for a query's rows", s->name);
    }
    PQclear(r);
    return err;
}

static int pg_script(ka_store *s, const char *sql)
{
    PGresult *r = PQexec(conn_of(s), sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && may_retry(s)) {
        PQclear(r);
        r = PQexec(conn_of(s), sql);
        st = PQresultStatus(r);
    }
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        return fail(s, r, "cannot run a statement");
    PQclear(r);
    return 0;
}

static int pg_begin(ka_store *s, int write)
{
    (void)write;                /* row locks do the rest */
    return pg_script(s, "BEGIN");
}

static int pg_commit(ka_store *s)
{
    return pg_script(s, "COMMIT");
}

static int pg_rollback(ka_store *s)
{
    PQclear(PQexec(conn_of(s), "ROLLBACK"));
    return 0;
}

static int pg_table_exists(ka_store *s, const char *table)
{
    ka_sql_res r;
    int err = KA_SQL(s, &r, "SELECT count(*) FROM pg_catalog.pg_tables "
                     "WHERE schemaname = current_schema() AND tablename = $1", SQL_TEXT(table));
    if (err)
        return err;
    int n = (int)ka_sql_int(&r, 0, 0);
    ka_sql_res_free(&r);
    return n > 0;
}

static void pg_close(ka_store *s)
{
    if (s->impl)
        PQfinish(conn_of(s));
    free(s->impl);
    s->impl = NULL;
}

static const ka_store_ops pg_ops = {
    .name = "postgresql", .query = pg_query, .script = pg_script, .begin = pg_begin,
    .commit = pg_commit, .rollback = pg_rollback, .table_exists = pg_table_exists,
    .close = pg_close,
};

int ka_store_pg_open(ka_store *s, const char *url)
{
    /* The URL's own connect_timeout, if any, wins over this default. */
    const char *const keys[] = { "connect_timeout", "application_name", "dbname", NULL };
    const char *const vals[] = { "10", "keyart", url, NULL };
    pg_conn *pc = calloc(1, sizeof *pc);
    if (!pc)
        return ka_error(KA_ENOMEM, "no memory to connect to %s", s->name);
    PGconn *c = pc->c = PQconnectdbParams(keys, vals, 1);
    s->ops = &pg_ops;
    s->impl = pc;
    s->w_id = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
    s->w_blob = "BYTEA";
    s->w_now = "(extract(epoch from clock_timestamp())::float8)";
    s->w_skip_locked = "FOR UPDATE SKIP LOCKED";
    char buf[1024];
    if (!c)
        return ka_error(KA_ENOMEM, "no memory to connect to %s", s->name);
    if (PQstatus(c) != CONNECTION_OK)
        return ka_error(KA_EIO, "cannot connect to %s: %s", s->name,
                        trimmed(PQerrorMessage(c), buf, sizeof buf));
    PQsetNoticeProcessor(c, silent_notice, NULL);
    return pg_script(s, "SET client_min_messages = warning");
}
