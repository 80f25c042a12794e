/* store_sqlite.c: the embedded backend (libsqlite3): one file in WAL mode, a busy
 * timeout so concurrent workers wait for each other instead of failing, foreign
 * keys on, and write transactions that take the write lock up front (BEGIN
 * IMMEDIATE), so two writers never deadlock upgrading a read lock. */
#include <errno.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_priv.h"

#define BUSY_TIMEOUT_MS 60000

static sqlite3 *db_of(ka_store *s)
{
    return s->impl;
}

/* Maps an SQLite failure to an error code with a message naming the database. */
static int fail(ka_store *s, int rc, const char *what)
{
    sqlite3 *db = db_of(s);
    const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    int sys = db ? sqlite3_system_errno(db) : 0;
    int prim = rc & 0xff;
    const char *hint = prim == SQLITE_READONLY ? " (the database file or its folder is read-only)"
                     : prim == SQLITE_FULL ? " (the disk is full)"
                     : prim == SQLITE_NOTADB ? " (not an SQLite database)"
                     : prim == SQLITE_BUSY ? " (another process holds the lock)" : "";
    if (sys && (prim == SQLITE_IOERR || prim == SQLITE_CANTOPEN || prim == SQLITE_FULL))
        return ka_error(KA_EIO, "%s: %s: %s%s: %s", s->name, what, msg, hint, strerror(sys));
    return ka_error(KA_EIO, "%s: %s: %s%s", s->name, what, msg, hint);
}

static int bind_all(sqlite3_stmt *st, const ka_sql_val *p, int n)
{
    int rc = SQLITE_OK;
    for (int i = 0; i < n && rc == SQLITE_OK; i++) {
        switch (p[i].type) {
        case KA_SQL_INT: rc = sqlite3_bind_int64(st, i + 1, p[i].i); break;
        case KA_SQL_REAL: rc = sqlite3_bind_double(st, i + 1, p[i].d); break;
        case KA_SQL_TEXT: rc = sqlite3_bind_text(st, i + 1, p[i].s, -1, SQLITE_TRANSIENT); break;
        case KA_SQL_BLOB:
            rc = p[i].n ? sqlite3_bind_blob64(st, i + 1, p[i].b, p[i].n, SQLITE_TRANSIENT)
                        : sqlite3_bind_zeroblob(st, i + 1, 0);
            break;
        default: rc = sqlite3_bind_null(st, i + 1); break;
        }
    }
    return rc;
}

static int copy_row(sqlite3_stmt *st, ka_sql_res *res)
{
    int nc = res->ncols;
    size_t have = (size_t)res->nrows;
    /* room for 16 rows, then doubled whenever the rows fill a power of two: a query of n
     * rows reallocates log2(n) times, not n times */
    if (have == 0 || (have >= 16 && (have & (have - 1)) == 0)) {
        size_t cap = have ? 2 * have : 16;
        ka_sql_val *cells = realloc(res->cells, cap * (size_t)(nc ? nc : 1) * sizeof *cells);
        if (!cells)
            return -1;
        res->cells = cells;
    }
    ka_sql_val *cells = res->cells;
    ka_sql_val *row = &cells[(size_t)res->nrows * nc];
    memset(row, 0, (size_t)nc * sizeof *row);
    res->nrows++;
    for (int c = 0; c < nc; c++) {
        switch (sqlite3_column_type(st, c)) {
        case SQLITE_INTEGER:
            row[c] = SQL_INT(sqlite3_column_int64(st, c));
            break;
        case SQLITE_FLOAT:
            row[c] = SQL_REAL(sqlite3_column_double(st, c));
            break;
        case SQLITE_TEXT:
            row[c].type = KA_SQL_TEXT;
            row[c].n = (size_t)sqlite3_column_bytes(st, c);
            if (!(row[c].s = ka_store_memdup(sqlite3_column_text(st, c), row[c].n)))
                return -1;
            break;
        case SQLITE_BLOB:
            row[c].type = KA_SQL_BLOB;
            row[c].n = (size_t)sqlite3_column_bytes(st, c);
            if (!(row[c].b = ka_store_memdup(sqlite3_column_blob(st, c), row[c].n)))
                return -1;
            break;
        default:
            break;
        }
    }
    return 0;
}

static int sq_query(ka_store *s, const char *sql, const ka_sql_val *p, int n, ka_sql_res *res)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db_of(s), sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return fail(s, rc, "cannot prepare a query");
    if ((rc = bind_all(st, p, n)) != SQLITE_OK) {
        sqlite3_finalize(st);
        return fail(s, rc, "cannot bind a parameter");
    }
    if (res)
        res->ncols = sqlite3_column_count(st);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (res && copy_row(st, res) < 0) {
            sqlite3_finalize(st);
            ka_sql_res_free(res);
            return ka_error(KA_ENOMEM, "%s: no memory for a query's rows", s->name);
        }
    }
    int err = 0;
    if (rc != SQLITE_DONE) {
        err = fail(s, rc, "query failed");
        if (res)
            ka_sql_res_free(res);
    } else if (res) {
        res->changes = sqlite3_changes64(db_of(s));
    }
    sqlite3_finalize(st);
    return err;
}

static int sq_script(ka_store *s, const char *sql)
{
    int rc = sqlite3_exec(db_of(s), sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : fail(s, rc, "cannot run a statement");
}

static int sq_begin(ka_store *s, int write)
{
    int rc = sqlite3_exec(db_of(s), write ? "BEGIN IMMEDIATE" : "BEGIN", NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : fail(s, rc, "cannot begin a transaction");
}

static int sq_commit(ka_store *s)
{
    int rc = sqlite3_exec(db_of(s), "COMMIT", NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : fail(s, rc, "cannot commit");
}

static int sq_rollback(ka_store *s)
{
    if (sqlite3_get_autocommit(db_of(s)))
        return 0;               /* SQLite rolled back by itself */
    sqlite3_exec(db_of(s), "ROLLBACK", NULL, NULL, NULL);
    return 0;
}

static int sq_table_exists(ka_store *s, const char *table)
{
    ka_sql_res r;
    int err = KA_SQL(s, &r, "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                     "AND name = $1", SQL_TEXT(table));
    if (err)
        return err;
    int n = (int)ka_sql_int(&r, 0, 0);
    ka_sql_res_free(&r);
    return n > 0;
}

static void sq_close(ka_store *s)
{
    sqlite3_close_v2(db_of(s));
    s->impl = NULL;
}

static const ka_store_ops sqlite_ops = {
    .name = "sqlite", .query = sq_query, .script = sq_script, .begin = sq_begin,
    .commit = sq_commit, .rollback = sq_rollback, .table_exists = sq_table_exists,
    .close = sq_close,
};

/* Why a file cannot be opened, in words, before SQLite's terse "unable to open". */
static int check_path(ka_store *s, const char *path, int flags)
{
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return ka_error(KA_EIO, "%s: %s is a folder, not a database file", s->name, path);
        /* a device, a FIFO, a socket: SQLite would write a journal beside it
         * (/dev/null-journal) or block */
        if (!S_ISREG(st.st_mode))
            return ka_error(KA_EIO, "%s: %s is not a regular file (a device, a FIFO or a "
                            "socket), not a database", s->name, path);
        return 0;
    }
    if (errno != ENOENT)
        return ka_error(KA_EIO, "%s: cannot open %s: %s", s->name, path, strerror(errno));
    if (flags & KA_STORE_NOCREATE)
        return ka_error(KA_EIO, "%s: no database at %s (nothing stored yet?)", s->name, path);
    char *copy = strdup(path);
    if (!copy)
        return ka_error(KA_ENOMEM, "no memory");
    const char *dir = dirname(copy);
    int err = 0;
    if (stat(dir, &st) != 0)
        err = ka_error(KA_EIO, "%s: cannot create the database: folder %s: %s", s->name, dir,
                       strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        err = ka_error(KA_EIO, "%s: cannot create the database: %s is not a folder", s->name,
                       dir);
    else if (access(dir, W_OK) != 0)
        err = ka_error(KA_EIO, "%s: cannot create the database: folder %s is not writable",
                       s->name, dir);
    free(copy);
    return err;
}

/* Whether this process may not write path or its folder (SQLite writes journals
 * beside the file). */
static int unwritable(const char *path)
{
    char *copy = strdup(path);
    int ro = access(path, W_OK) != 0 && errno != ENOENT;
    if (copy && !ro)
        ro = access(dirname(copy), W_OK) != 0;
    free(copy);
    return ro;
}

/* "file:" URI of path, for a read-only, immutable open ('%', '?' and '#' escaped). */
static char *ro_uri(const char *path)
{
    size_t n = strlen(path);
    char *u = malloc(3 * n + 32), *p = u;
    if (!u)
        return NULL;
    p += sprintf(p, "file:");
    for (const char *c = path; *c; c++)
        p += strchr("%?#", *c) ? sprintf(p, "%%%02X", (unsigned char)*c) : sprintf(p, "%c", *c);
    strcpy(p, "?mode=ro&immutable=1");
    return u;
}

int ka_store_sqlite_open(ka_store *s, const char *path, int flags)
{
    int mem = !strcmp(path, ":memory:");
    int err = mem ? 0 : check_path(s, path, flags);
    if (err)
        return err;
    /* Reads of a database this process cannot write (a read-only copy, a read-only
     * mount): opened read-only and immutable, so that SQLite writes no journal, WAL
     * index or lock beside it. Whatever a writer left in a WAL is not seen then. */
    s->read_only = !mem && (flags & KA_STORE_READ) && unwritable(path);
    char *uri = s->read_only ? ro_uri(path) : NULL;
    if (s->read_only && !uri)
        return ka_error(KA_ENOMEM, "no memory");
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(uri ? uri : path, &db, uri
                             ? SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX
                             : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             NULL);
    free(uri);
    s->ops = &sqlite_ops;
    s->impl = db;
    s->w_id = "INTEGER PRIMARY KEY";
    s->w_blob = "BLOB";
    s->w_now = "((julianday('now') - 2440587.5) * 86400.0)";
    s->w_skip_locked = "";
    if (rc != SQLITE_OK)
        return fail(s, rc, "cannot open the database");
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
    int ro = strcmp(path, ":memory:") && sqlite3_db_readonly(db, "main") == 1;
    if (ro && !(flags & KA_STORE_READ))
        return ka_error(KA_EIO, "%s: cannot write to the database: %s or its folder is "
                        "read-only", s->name, path);
    /* Reading the schema tells a database from any other file. */
    rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return fail(s, rc, ro ? "cannot read the read-only database" : "cannot open the database");
    rc = sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return fail(s, rc, "cannot enable foreign keys");
    /* WAL lets readers run beside a writer; a read-only file keeps its mode. */
    if (!sqlite3_db_readonly(db, "main"))
        sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
    return 0;
}
