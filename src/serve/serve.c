/* serve.c: a server's life: options, start (store, state, artwork folder, HTTP),
 * the refresher thread (fold events and reload titles every refresh_s, write a
 * snapshot every snapshot_s), and an orderly stop. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "serve_priv.h"

void ka_serve_opts_default(ka_serve_opts *o)
{
    memset(o, 0, sizeof *o);
    o->listen = "127.0.0.1:8080";
    o->policy = "thompson";
    o->refresh_s = 1;
    o->snapshot_s = 30;
    o->attribution_s = 600;
    o->fold_lag_s = -1;
    o->max_body = 1 << 20;
    o->max_events = 1000;
    o->max_batch = 100;
    o->timeout_s = 10;
    o->max_connections = 1024;
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int check_opts(const ka_serve_opts *o)
{
    if (!(o->refresh_s > 0 && o->refresh_s <= 3600))
        return ka_error(KA_EINVAL, "the refresh interval must be in (0, 3600] seconds");
    if (!(o->snapshot_s >= 0) || !(o->attribution_s > 0))
        return ka_error(KA_EINVAL, "snapshot and attribution times must be positive");
    if (o->max_body < 1024 || o->max_events < 1 || o->max_batch < 1 || o->timeout_s < 1)
        return ka_error(KA_EINVAL, "body, batch and time limits are too small");
    if (o->max_body > (size_t)1 << 30)
        return ka_error(KA_EINVAL, "the body limit must be at most 1 GiB");
    if (o->threads < 0 || o->threads > 256)
        return ka_error(KA_EINVAL, "--threads must be 0..256");
    /* libmicrohttpd shares the connections among its threads: each needs a few */
    if (o->max_connections < 4 || o->max_connections > 65536 ||
        (o->threads > 0 && o->max_connections < 2 * (unsigned)o->threads))
        return ka_error(KA_EINVAL, "--max-connections must be 4..65536 and at least twice "
                        "--threads");
    if (o->max_inflight > 65536)
        return ka_error(KA_EINVAL, "--max-inflight must be 0..65536 (0: the default)");
    /* the port is checked before anything is opened (getaddrinfo would take 99999 as
     * 34463, and a database made for a server that cannot start is litter) */
    const char *colon = o->listen ? strrchr(o->listen, ':') : NULL;
    int port;
    if (o->listen && (!colon || ka_parse_int(colon + 1, 0, 65535, &port)))
        return ka_error(KA_EINVAL, "--listen wants ADDR:PORT with a port from 0 to 65535, not "
                        "'%s'", o->listen);
    return 0;
}

static char *dup_opt(const char *s, const char *fallback)
{
    return strdup(s ? s : fallback ? fallback : "");
}

/* ---- the refresher ---- */

static void sleep_until(ka_server *s, double seconds)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    double t = ts.tv_sec + ts.tv_nsec * 1e-9 + seconds;
    ts.tv_sec = (time_t)t;
    ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
    pthread_mutex_lock(&s->wake_lock);
    if (!s->stopping)
        pthread_cond_timedwait(&s->wake, &s->wake_lock, &ts);
    pthread_mutex_unlock(&s->wake_lock);
}

static int stopping(ka_server *s)
{
    pthread_mutex_lock(&s->wake_lock);
    int stop = s->stopping;
    pthread_mutex_unlock(&s->wake_lock);
    return stop;
}

/* The state from the snapshots and the events after them: the server already listens
 * (/livez answers, /healthz says "loading", the rest 503) while a long log is folded.
 * A database that fails is tried again every refresh. 0 loaded, 1 stopped first. */
static int load(ka_server *s)
{
    const char *stall = getenv("KEYART_TEST_LOAD_STALL");   /* tests: a slow load */
    if (stall && *stall)
        sleep_until(s, atof(stall));
    double t0 = wall_now();
    for (int failing = 0; !stopping(s); sleep_until(s, s->o.refresh_s)) {
        if (!ka_state_load(&s->st, s->fold_db, s->lag_s)) {
            atomic_store(&s->loaded, 1);
            if (!s->o.quiet)
                fprintf(stderr, "keyart serve: ready: %llu events folded in %.3f s\n",
                        (unsigned long long)s->st.folded, wall_now() - t0);
            return 0;
        }
        if (!failing++ && !s->o.quiet)
            fprintf(stderr, "keyart serve: loading failed (will retry): %s\n",
                    ka_error_message());
    }
    return 1;
}

static void *refresher(void *arg)
{
    ka_server *s = arg;
    if (load(s))
        return NULL;
    double last_snapshot = wall_now();
    int failing = 0;
    for (;;) {
        /* on the client's clock, the client says when to learn (POST /v1/admin/refresh):
         * a refresh on the wall clock's cadence would learn at moments no run repeats */
        sleep_until(s, s->o.clock_request ? 3600 : s->o.refresh_s);
        if (stopping(s))
            break;
        if (s->o.clock_request)
            continue;
        pthread_mutex_lock(&s->fold_lock);
        int err = ka_state_refresh(&s->st, s->fold_db, s->lag_s);
        if (!err && s->o.snapshot_s > 0 && wall_now() - last_snapshot >= s->o.snapshot_s) {
            err = ka_state_snapshot(&s->st, s->fold_db);
            last_snapshot = wall_now();
        }
        pthread_mutex_unlock(&s->fold_lock);
        if (err && !failing && !s->o.quiet)     /* say it once, not every second */
            fprintf(stderr, "keyart serve: refresh failed (will retry): %s\n",
                    ka_error_message());
        failing = err != 0;
    }
    return NULL;
}

int ka_server_refresh(ka_server *s)
{
    return ka_server_fold(s, 1);
}

int ka_server_fold(ka_server *s, int learn)
{
    if (!atomic_load(&s->loaded))
        return 0;
    pthread_mutex_lock(&s->fold_lock);
    int err = learn ? ka_state_refresh(&s->st, s->fold_db, s->lag_s)
                    : ka_state_fold(&s->st, s->fold_db, s->lag_s);
    pthread_mutex_unlock(&s->fold_lock);
    return err;
}

/* ---- start and stop ---- */

static int open_all(ka_server *s)
{
    int err = ka_store_open(s->db_url, s->o.create ? 0 : KA_STORE_NOCREATE, &s->db);
    if (err == KA_EIO && !s->o.create) {
        char why[1024];
        snprintf(why, sizeof why, "%s", ka_error_message());
        return ka_error(err, "%s (a new database: --create)", why);
    }
    if (!err)
        err = ka_store_open(s->db_url, 0, &s->fold_db);
    if (err)
        return err;
    s->lag_s = s->o.fold_lag_s >= 0 ? s->o.fold_lag_s
             : strcmp(ka_store_backend(s->db), "sqlite") ? 2 : 0;
    /* the client's clock may run ahead of the database's: every stored event counts (its
     * one client waits for each store before it goes on) */
    if (s->o.clock_request)
        s->lag_s = KA_STORE_ANY_AGE;
    s->artwork_fd = open(s->artwork, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->artwork_fd < 0 && errno != ENOENT)
        return ka_error(KA_EIO, "cannot open the artwork folder %s: %s", s->artwork,
                        strerror(errno));
    if ((err = ka_state_init(&s->st, &s->o)))
        return err;
    s->st_ready = 1;
    return 0;
}

int ka_serve_start(const ka_serve_opts *opts, ka_server **out)
{
    *out = NULL;
    ka_serve_opts o;
    if (opts)
        o = *opts;
    else
        ka_serve_opts_default(&o);
    int err = check_opts(&o);
    if (err)
        return err;
    ka_serve_rng_seed(o.seed);
    if (o.clock_request && !o.seed)
        o.seed = (uint64_t)(wall_now() * 1e6);
    ka_server *s = calloc(1, sizeof *s);
    if (!s)
        return ka_error(KA_ENOMEM, "no memory");
    s->o = o;
    s->fd = s->artwork_fd = -1;
    s->listen = dup_opt(o.listen, "127.0.0.1:8080");
    s->artwork = dup_opt(o.artwork_dir, ka_store_default_artwork());
    s->token = o.token && *o.token ? strdup(o.token) : NULL;
    s->policy = dup_opt(o.policy, "thompson");
    s->db_url = o.db_url ? strdup(o.db_url) : NULL;
    s->o.policy = s->policy;
    s->started_at = wall_now();
    pthread_mutex_init(&s->db_lock, NULL);
    pthread_mutex_init(&s->wake_lock, NULL);
    pthread_mutex_init(&s->fold_lock, NULL);
    s->decision_seed = o.seed;
    pthread_cond_init(&s->wake, NULL);
    if (!s->listen || !s->artwork || !s->policy)
        err = ka_error(KA_ENOMEM, "no memory");
    if (!err)
        err = open_all(s);
    if (!err)
        err = ka_server_http_start(s);
    if (!err && pthread_create(&s->refresher, NULL, refresher, s) == 0)
        s->refresher_started = 1;
    else if (!err)
        err = ka_error(KA_EINTERNAL, "cannot start the refresher thread");
    if (err) {
        char why[1024];
        snprintf(why, sizeof why, "%s", ka_error_message());
        ka_serve_stop(&s);
        return ka_error(err, "%s", why);
    }
    *out = s;
    return 0;
}

int ka_server_port(const ka_server *s)
{
    return s ? s->port : -1;
}

void ka_serve_stop(ka_server **sp)
{
    ka_server *s = sp ? *sp : NULL;
    if (!s)
        return;
    if (s->mhd)
        MHD_stop_daemon(s->mhd);
    if (s->fd >= 0)
        close(s->fd);
    if (s->refresher_started) {
        pthread_mutex_lock(&s->wake_lock);
        s->stopping = 1;
        pthread_cond_signal(&s->wake);
        pthread_mutex_unlock(&s->wake_lock);
        pthread_join(s->refresher, NULL);
        if (atomic_load(&s->loaded) && ka_state_snapshot(&s->st, s->fold_db) && !s->o.quiet)
            fprintf(stderr, "keyart serve: last snapshot failed: %s\n", ka_error_message());
    }
    if (s->st_ready)
        ka_state_free(&s->st);
    ka_store_close(&s->db);
    ka_store_close(&s->fold_db);
    if (s->artwork_fd >= 0)
        close(s->artwork_fd);
    pthread_mutex_destroy(&s->db_lock);
    pthread_mutex_destroy(&s->wake_lock);
    pthread_mutex_destroy(&s->fold_lock);
    pthread_cond_destroy(&s->wake);
    free(s->listen);
    free(s->artwork);
    free(s->token);
    free(s->policy);
    free(s->db_url);
    free(s);
    *sp = NULL;
}
