/* store.c: opening a store from its URL, the backend-neutral SQL helpers (dialect
 * expansion, parameters, result cells) and transactions. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store_priv.h"

const char *ka_store_default_url(void)
{
    const char *e = getenv("KEYART_DB");
    return e && *e ? e : "sqlite:keyart.db";
}

const char *ka_store_default_artwork(void)
{
    const char *e = getenv("KEYART_ARTWORK");
    return e && *e ? e : "artwork";
}

void *ka_store_memdup(const void *p, size_t n)
{
    char *c = malloc(n + 1);
    if (c) {
        if (n)
            memcpy(c, p, n);
        c[n] = '\0';
    }
    return c;
}

int ka_store_errctx(int err, const char *fmt, ...)
{
    char prev[1024], head[512];
    snprintf(prev, sizeof prev, "%s", ka_error_message());
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    return ka_error(err, "%s%s%s", head, prev[0] ? ": " : "", prev);
}

char *ka_store_url_mask(const char *url)
{
    /* "***" may be longer than what it hides (an empty or short password): room for
     * the user info's and for every password= parameter's to grow */
    size_t n = strlen(url);
    char *m = malloc(2 * n + 4);
    if (!m)
        return NULL;
    memcpy(m, url, n + 1);
    char *scheme = strstr(m, "://");
    if (scheme) {
        char *auth = scheme + 3, *at = strchr(auth, '@'), *slash = strchr(auth, '/');
        char *colon = strchr(auth, ':');
        if (at && (!slash || at < slash) && colon && colon < at) {
            memmove(colon + 4, at, strlen(at) + 1);
            memcpy(colon + 1, "***", 3);
        }
    }
    /* every one: libpq takes the last of a parameter given twice */
    for (char *pw = strstr(m, "password="); pw; pw = strstr(pw + 9, "password=")) {
        char *end = pw + 9;
        while (*end && *end != '&' && *end != ' ')
            end++;
        if (end > pw + 9) {
            memmove(pw + 12, end, strlen(end) + 1);
            memcpy(pw + 9, "***", 3);
        }
    }
    return m;
}

static int has_prefix(const char *s, const char *p)
{
    return !strncasecmp(s, p, strlen(p));
}

int ka_store_url_parse(const char *url, const char *name, const char **path)
{
    *path = NULL;
    if (has_prefix(url, "postgres://") || has_prefix(url, "postgresql://"))
        return 0;
    if (has_prefix(url, "sqlite:")) {
        const char *p = url + 7;
        if (!strncmp(p, "//", 2))
            p += 2;
        if (!*p)
            return ka_error(KA_EINVAL, "database URL '%s' names no file (sqlite:PATH)", name);
        *path = p;
        return 0;
    }
    const char *colon = strchr(url, ':'), *slash = strchr(url, '/');
    if (colon && (!slash || colon < slash))
        return ka_error(KA_EINVAL, "unsupported database URL '%s': use sqlite:PATH, "
                        "postgres://... or postgresql://...", name);
    *path = url;
    return 0;
}

int ka_store_open(const char *url, int flags, ka_store **out)
{
    return ka_store_open_at(url, flags, KA_STORE_SCHEMA_VERSION, out);
}

int ka_store_open_at(const char *url, int flags, int version, ka_store **out)
{
    *out = NULL;
    if (!url || !*url)
        url = ka_store_default_url();
    ka_store *s = calloc(1, sizeof *s);
    if (!s || !(s->url = strdup(url)) || !(s->name = ka_store_url_mask(url))) {
        if (s) {
            free(s->url);
            free(s);
        }
        return ka_error(KA_ENOMEM, "no memory to open %s", url);
    }
    const char *path = NULL;
    int err = ka_store_url_parse(url, s->name, &path);
    if (!err)
        err = path ? ka_store_sqlite_open(s, path, flags) : ka_store_pg_open(s, url);
    if (!err)
        err = ka_store_migrate(s, version);
    if (err) {
        ka_store_close(&s);
        return err;
    }
    *out = s;
    return 0;
}

void ka_store_close(ka_store **ps)
{
    ka_store *s = *ps;
    if (!s)
        return;
    if (s->ops) {
        if (s->in_tx)
            ka_store_rollback(s);
        s->ops->close(s);
    }
    free(s->url);
    free(s->name);
    free(s);
    *ps = NULL;
}

const char *ka_store_backend(const ka_store *s)
{
    return s && s->ops ? s->ops->name : "";
}

const char *ka_store_name(const ka_store *s)
{
    return s ? s->name : "";
}

/* ---- SQL ---- */

char *ka_sql_expand(const ka_store *s, const char *sql)
{
    static const char *const words[] = { "{ID}", "{BLOB}", "{NOW}", "{SKIP_LOCKED}" };
    const char *repl[] = { s->w_id, s->w_blob, s->w_now, s->w_skip_locked };
    int sqlite = !strcmp(s->ops->name, "sqlite");
    size_t cap = strlen(sql) + 1, len = 0;
    for (const char *p = sql; (p = strchr(p, '{')); p++)
        cap += 128;
    char *o = malloc(cap);
    if (!o)
        return NULL;
    for (const char *p = sql; *p;) {
        int done = 0;
        if (*p == '{') {
            for (int w = 0; w < 4 && !done; w++) {
                size_t wl = strlen(words[w]);
                if (!strncmp(p, words[w], wl)) {
                    size_t rl = strlen(repl[w]);
                    memcpy(o + len, repl[w], rl);
                    len += rl;
                    p += wl;
                    done = 1;
                }
            }
        } else if (*p == '$' && sqlite && isdigit((unsigned char)p[1])) {
            o[len++] = '?';     /* $N -> ?N: numbered parameters in SQLite */
            p++;
            done = 1;
        }
        if (!done)
            o[len++] = *p++;
    }
    o[len] = '\0';
    return o;
}

int ka_sql(ka_store *s, ka_sql_res *res, const char *sql, const ka_sql_val *params, int n)
{
    if (res)
        memset(res, 0, sizeof *res);
    char *x = ka_sql_expand(s, sql);
    if (!x)
        return ka_error(KA_ENOMEM, "no memory for a query");
    int err = s->ops->query(s, x, params, n, res);
    free(x);
    return err;
}

int ka_sql_script(ka_store *s, const char *sql)
{
    char *x = ka_sql_expand(s, sql);
    if (!x)
        return ka_error(KA_ENOMEM, "no memory for a query");
    int err = s->ops->script(s, x);
    free(x);
    return err;
}

void ka_sql_res_free(ka_sql_res *r)
{
    if (!r || !r->cells)
        return;
    for (int i = 0; i < r->nrows * r->ncols; i++) {
        free((void *)r->cells[i].s);
        free((void *)r->cells[i].b);
    }
    free(r->cells);
    memset(r, 0, sizeof *r);
}

const ka_sql_val *ka_sql_cell(const ka_sql_res *r, int row, int col)
{
    static const ka_sql_val null_cell = { .type = KA_SQL_NULL };
    if (!r || row < 0 || row >= r->nrows || col < 0 || col >= r->ncols)
        return &null_cell;
    return &r->cells[row * r->ncols + col];
}

int64_t ka_sql_int(const ka_sql_res *r, int row, int col)
{
    const ka_sql_val *v = ka_sql_cell(r, row, col);
    switch (v->type) {
    case KA_SQL_INT: return v->i;
    case KA_SQL_REAL: return (int64_t)v->d;
    case KA_SQL_TEXT: return strtoll(v->s, NULL, 10);
    default: return 0;
    }
}

double ka_sql_real(const ka_sql_res *r, int row, int col)
{
    const ka_sql_val *v = ka_sql_cell(r, row, col);
    switch (v->type) {
    case KA_SQL_INT: return (double)v->i;
    case KA_SQL_REAL: return v->d;
    case KA_SQL_TEXT: return strtod(v->s, NULL);
    default: return 0;
    }
}

const char *ka_sql_text(const ka_sql_res *r, int row, int col)
{
    const ka_sql_val *v = ka_sql_cell(r, row, col);
    return v->type == KA_SQL_TEXT ? v->s : NULL;
}

/* ---- transactions ---- */

int ka_store_begin(ka_store *s, int write)
{
    if (s->in_tx)
        return ka_error(KA_EINTERNAL, "%s: a transaction is already open", s->name);
    int err = s->ops->begin(s, write);
    if (!err)
        s->in_tx = 1;
    return err;
}

int ka_store_commit(ka_store *s)
{
    int err = s->ops->commit(s);
    if (err)
        s->ops->rollback(s);
    s->in_tx = 0;
    return err;
}

void ka_store_rollback(ka_store *s)
{
    if (!s->in_tx)
        return;
    char keep[1024];
    snprintf(keep, sizeof keep, "%s", ka_error_message());
    s->ops->rollback(s);
    s->in_tx = 0;
    ka_error(KA_EIO, "%s", keep);       /* the reason, not the rollback's */
}
