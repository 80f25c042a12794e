/* keyart/serve.h: the HTTP service: per user, the variant of a title to show (chosen by
 * a policy or an experiment's arm, with the propensity it had), events in, titles,
 * users, experiments and their reports as REST resources, the images, /metrics and
 * /healthz.
 *
 * Every server keeps the catalogue, the users' profiles and the policies' state in
 * memory and rebuilds them by folding the store's events in id order on a cadence, so
 * that many servers on one database agree; snapshots of that state in the store let a
 * new server start without folding everything. The same folding turns the stored
 * events into a log for off-policy evaluation (ka_ope_log_from_store). */
#ifndef KEYART_SERVE_H
#define KEYART_SERVE_H

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ka_serve_opts {
    const char *db_url;             /* NULL = ka_store_default_url() */
    const char *listen;             /* "ADDR:PORT" ("127.0.0.1:8080"); port 0 = any */
    const char *artwork_dir;        /* NULL = ka_store_default_artwork() */
    const char *token;              /* bearer token of write and admin routes; NULL or ""
                                     * = those routes answer 401 */
    const char *policy;             /* the policy outside experiments ("thompson") */
    int threads;                    /* request threads, 0 = one per core */
    double refresh_s;               /* fold new events, reload titles (1 s) */
    double snapshot_s;              /* write state snapshots (30 s; 0 = never) */
    double attribution_s;           /* a click counts for the impression before it within
                                     * this time; unclicked impressions count as 0 after
                                     * it (600 s) */
    double fold_lag_s;              /* fold only events this old (< 0 = the backend's
                                     * default: 0 SQLite, 2 s PostgreSQL) */
    size_t max_body;                /* request body limit (1 MiB) */
    int max_events;                 /* events per POST (1000) */
    int max_batch;                  /* titles per artwork batch (100) */
    unsigned timeout_s;             /* idle connection timeout (10 s); a request body
                                     * taking over 3x this closes the connection */
    unsigned max_connections;       /* open connections at most (1024); past 7/8 of it
                                     * every reply but a probe's closes its connection,
                                     * so that keep-alive clients cannot hold every slot */
    unsigned max_inflight;          /* requests being answered at once, from their
                                     * headers to their reply sent (0 = 32 per request
                                     * thread, at least 64); one more gets 503 with
                                     * Retry-After at once; /livez, /healthz and
                                     * /metrics never count nor wait */
    int quiet;                      /* no log lines on stderr (the access log included) */
    uint64_t seed;                  /* the request threads' random numbers: 0 = from the
                                     * clock; else thread k draws from seed + k, so one
                                     * thread answering requests in order always decides
                                     * alike (simulations, tests) */
    int create;                     /* make a new SQLite database when there is none
                                     * (0: a missing one is an error, as a mistyped path
                                     * should be) */
    int clock_request;              /* simulations and tests (--clock request): the
                                     * client says the time (?now= on artwork and event
                                     * requests), each decision draws from (seed, user,
                                     * title, now) as ka_engine's do, events are folded
                                     * as they are stored and the policies learn only at
                                     * POST /v1/admin/refresh; 0: the wall clock */
} ka_serve_opts;

void ka_serve_opts_default(ka_serve_opts *o);

typedef struct ka_server ka_server;

/* Opens the store, loads the state (snapshots, then the events after them), and starts
 * listening. Errors: KA_EINVAL (options; the message says which), KA_EIO (the
 * database, the address). */
int ka_serve_start(const ka_serve_opts *o, ka_server **out);
/* The port it listens on (useful with port 0). */
int ka_server_port(const ka_server *s);
/* Folds the events stored so far now (tests; the refresher does it on its cadence). */
int ka_server_refresh(ka_server *s);
/* Stops listening, finishes the requests in flight, writes a last snapshot. */
void ka_serve_stop(ka_server **s);

/* ---- the engine: a server's decisions and learning, without HTTP ---- */

/* What a server decides and learns, in process: the same catalogue, decisions,
 * folding of events and learning as `keyart serve`, driven by the caller. Time is
 * whatever the caller says: each event comes with the time it is received, so the
 * click windows (attribution_s) run on the caller's clock and a run with one seed is
 * the same every time. keyart simulate drives it; a program can embed it. Not
 * thread-safe: one caller at a time. */
typedef struct ka_engine ka_engine;

typedef struct ka_engine_choice {
    int variant_number;
    char variant_id[17];            /* "" when the catalogue gave none */
    double propensity;              /* the chance the deciding rule had of this variant */
    const char *policy;             /* "thompson", ..., "fixed"; valid until the next
                                     * call that changes the engine */
    const char *experiment, *arm;   /* NULL outside an experiment; the same lifetime */
} ka_engine_choice;

/* Uses o's policy, attribution_s and seed (0: from the clock). KA_EINVAL for an
 * unknown policy, KA_ENOMEM. */
int ka_engine_new(const ka_serve_opts *o, ka_engine **out);
void ka_engine_free(ka_engine **e);
/* The titles (ka_store_catalog_json's array: title_id, genre, variants with
 * variant_number, variant_id, scene_type, composition, appeal_grade, characters); what
 * the titles' variants learned stays with them. */
int ka_engine_set_titles(ka_engine *e, const struct json_t *catalog);
/* The experiments (ka_store_experiments_json's array: name, status, config); only the
 * running and shipped ones decide. */
int ka_engine_set_experiments(ka_engine *e, struct json_t *list);
/* The variant user sees of title_id, decided at now (Unix seconds): its random
 * numbers are drawn from (seed, user, title, now), as a server's with
 * clock_request, so the same decision comes out of both. KA_ENOTFOUND for a title
 * not in the catalogue. */
int ka_engine_decide(ka_engine *e, const char *user, const char *title_id, double now,
                     ka_engine_choice *out);
/* Folds one event in, as received at received_at (Unix seconds, never before the
 * last one's): the user's profile at once; the policies' rewards wait for
 * ka_engine_learn, as a server's wait for its next refresh. */
struct ka_store_event;
int ka_engine_event(ka_engine *e, const struct ka_store_event *ev, double received_at);
/* Teaches the policies the rewards settled so far (a server's refresh). */
int ka_engine_learn(ka_engine *e);

/* ---- off-policy evaluation on the server's own log ---- */

struct ka_store;
struct ka_ope_store_log;

typedef struct ka_ope_store_opts {
    const char *title;              /* the impressions of this title only (NULL: any) */
    const char *experiment;         /* of this experiment only (NULL: any) */
    const char *arm;                /* of this arm of it only (NULL: every arm) */
    double attribution_s;           /* the click window; <= 0: the server's default */
    double now;                     /* when the windows still open at the end are judged
                                     * (0: the later of the clock and the newest event) */
    const char *learned;            /* a policy name (seed, egreedy, thompson, linucb,
                                     * uniform) to evaluate as it would have learned from
                                     * this log; NULL: none */
} ka_ope_store_opts;

/* keyart's own log (experiment.h: ka_ope_store_log): every stored event folded in id
 * order by the server's own rules (fold.c), so that each impression in scope gets the
 * reward serving gave it: 1 for a click by the same user on the same title and
 * variant within attribution_s, 0 once the window passed or the title was shown to
 * the user again first. The action is the variant shown, the propensity the one the
 * event carries; impressions without one, of a variant the title no longer has, or
 * still in their window are counted, not used. With o->learned, pi holds that
 * policy's probabilities at each impression as a server would have had them: learned
 * from the rewards settled before it, with the user's profile from their events
 * before it. Errors: KA_ENOTFOUND (no such title in the catalogue or
 * experiment), KA_EINVAL (an arm the experiment does not have, an unknown policy),
 * store errors. No impression in scope is not an error (out->used is 0). */
int ka_ope_log_from_store(struct ka_store *db, const ka_ope_store_opts *o,
                          struct ka_ope_store_log *out);

#ifdef __cplusplus
}
#endif
#endif
