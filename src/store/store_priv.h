/* store_priv.h: the store's inside: the backend vtable both engines implement, SQL
 * values and materialised results, and the helpers the store's files share. SQL is
 * written once in PostgreSQL style ($1 parameters) with a few {WORDS} that each
 * backend expands ({ID}, {BLOB}, {NOW}, {SKIP_LOCKED}). Tests may include it. */
#ifndef KA_STORE_PRIV_H
#define KA_STORE_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "keyart/json.h"
#include "keyart/output.h"
#include "keyart/store.h"

typedef enum ka_sql_type {
    KA_SQL_NULL = 0, KA_SQL_INT, KA_SQL_REAL, KA_SQL_TEXT, KA_SQL_BLOB
} ka_sql_type;

/* A parameter or a result cell. In results, s and b point into memory the result owns. */
typedef struct ka_sql_val {
    ka_sql_type type;
    int64_t i;
    double d;
    const char *s;
    const void *b;
    size_t n;
} ka_sql_val;

#define SQL_INT(x) ((ka_sql_val){ .type = KA_SQL_INT, .i = (int64_t)(x) })
#define SQL_REAL(x) ((ka_sql_val){ .type = KA_SQL_REAL, .d = (double)(x) })
#define SQL_TEXT(x) ka_sql_text_val(x)
#define SQL_BLOB(p, len) ka_sql_blob_val((p), (size_t)(len))
#define SQL_NULL ((ka_sql_val){ .type = KA_SQL_NULL })

static inline ka_sql_val ka_sql_text_val(const char *s)
{
    return (ka_sql_val){ .type = s ? KA_SQL_TEXT : KA_SQL_NULL, .s = s };
}

static inline ka_sql_val ka_sql_blob_val(const void *p, size_t n)
{
    return (ka_sql_val){ .type = p ? KA_SQL_BLOB : KA_SQL_NULL, .b = p, .n = n };
}

/* Rows of a query, copied out of the engine. */
typedef struct ka_sql_res {
    int nrows, ncols;
    ka_sql_val *cells;              /* nrows x ncols */
    int64_t changes;                /* rows changed by INSERT / UPDATE / DELETE */
} ka_sql_res;

typedef struct ka_store_ops {
    const char *name;
    /* sql is already expanded for this backend; res may be NULL. */
    int (*query)(ka_store *s, const char *sql, const ka_sql_val *params, int n,
                 ka_sql_res *res);
    /* Several statements, no parameters. */
    int (*script)(ka_store *s, const char *sql);
    int (*begin)(ka_store *s, int write);
    int (*commit)(ka_store *s);
    int (*rollback)(ka_store *s);
    /* 1 when the table exists, 0 when not, < 0 on error. */
    int (*table_exists)(ka_store *s, const char *table);
    void (*close)(ka_store *s);
} ka_store_ops;

struct ka_store {
    const ka_store_ops *ops;
    void *impl;
    char *url;                      /* as given (with any password) */
    char *name;                     /* for messages: no password */
    const char *w_id, *w_blob, *w_now, *w_skip_locked;  /* dialect words */
    int in_tx;
    int read_only;                  /* opened read-only: nothing may be written */
};

/* A database URL (ka_store_open's): *path is the SQLite file it names, NULL for a
 * PostgreSQL URL (libpq reads it); KA_EINVAL when it is neither, the message quoting
 * name (the URL without its password). */
int ka_store_url_parse(const char *url, const char *name, const char **path);
/* The URL with any password replaced by "***", for messages (malloc'd). */
char *ka_store_url_mask(const char *url);

/* Backends: fill s->ops, s->impl and the dialect words, or return an error. */
int ka_store_sqlite_open(ka_store *s, const char *path, int flags);
int ka_store_pg_open(ka_store *s, const char *conninfo);

/* Runs sql with params (expanding the dialect words); res may be NULL. On error the
 * message names the database. Free res with ka_sql_res_free. */
int ka_sql(ka_store *s, ka_sql_res *res, const char *sql, const ka_sql_val *params, int n);
#define KA_SQL(s, res, sql, ...) ka_sql((s), (res), (sql), (const ka_sql_val[]){ __VA_ARGS__ }, \
    (int)(sizeof((const ka_sql_val[]){ __VA_ARGS__ }) / sizeof(ka_sql_val)))
int ka_sql_script(ka_store *s, const char *sql);
void ka_sql_res_free(ka_sql_res *r);
/* Expands dialect words and $N for the backend; malloc'd. */
char *ka_sql_expand(const ka_store *s, const char *sql);

/* Cells, with conversions: NULL gives 0 / NULL. */
const ka_sql_val *ka_sql_cell(const ka_sql_res *r, int row, int col);
int64_t ka_sql_int(const ka_sql_res *r, int row, int col);
double ka_sql_real(const ka_sql_res *r, int row, int col);
const char *ka_sql_text(const ka_sql_res *r, int row, int col);

/* Transactions: write = 1 takes the write lock up front (BEGIN IMMEDIATE on SQLite). */
int ka_store_begin(ka_store *s, int write);
int ka_store_commit(ka_store *s);
void ka_store_rollback(ka_store *s);

/* ka_store_open, migrating only up to `version` (tests of the migrations). */
int ka_store_open_at(const char *url, int flags, int version, ka_store **out);

/* schema.c: brings the schema to `target` (tests use lower targets). */
int ka_store_migrate(ka_store *s, int target);
/* vocabulary.c: migration 8's rewrite of stored JSON into docs/json.md's names. */
int ka_store_migrate_vocabulary(ka_store *s);

/* Prefixes the thread's current error message: "<fmt>: <message>"; returns err. */
int ka_store_errctx(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Result-copy helper for backends: a malloc'd copy of n bytes plus a terminator. */
void *ka_store_memdup(const void *p, size_t n);

/* save.c test hooks: $KEYART_TEST_SAVE_FAIL=1 fails a save just before its commit,
 * $KEYART_TEST_SAVE_STALL=S sleeps S seconds there (to kill a worker mid-write). */
int ka_store_test_hook(void);

/* artwork.c: a variant's four images (full frame without bars, 16x9, 2x3, 1x1) into
 * the artwork folder. */
int ka_store_variant_images(const char *dir, const ka_title *t, const ka_variant *v,
                            int quality, char names[4][KA_ARTWORK_NAME_MAX]);

/* faces.c: the candidates' faces and the title's identities (inside the save's
 * transaction); rowids are the candidates' row ids. */
int ka_store_save_faces(ka_store *s, int64_t title, const ka_title *t, const int64_t *rowids);


#endif
