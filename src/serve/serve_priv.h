/* serve_priv.h: the server's inside, shared by its files.
 *
 * - strmap: string keys to pointers (titles, users, pending impressions);
 * - the state a server keeps in memory (catalogue with each title's policies, user
 *   profiles, experiments) behind one read-write lock; request threads only read it;
 *   the refresher thread is its only writer (it folds events, reloads titles and
 *   experiments, writes snapshots);
 * - a request and the route table: every route is a row (method, pattern, flags,
 *   handler) and the dispatcher in server.c knows none of them by name;
 * - replies, metrics. */
#ifndef KA_SERVE_PRIV_H
#define KA_SERVE_PRIV_H

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "keyart/experiment.h"
#include "keyart/json.h"
#include "keyart/output.h"
#include "keyart/personalize.h"
#include "keyart/serve.h"
#include "keyart/store.h"

/* ---- strmap.c ---- */

/* FNV-1a (64-bit) over n bytes or a string (NULL: none), from h: KA_FNV_OFFSET to
 * start, or another value for a hash of its own. */
#define KA_FNV_OFFSET 1469598103934665603ULL
uint64_t ka_fnv1a(uint64_t h, const void *data, size_t n);
uint64_t ka_fnv1a_str(uint64_t h, const char *s);

typedef struct ka_strmap {
    char **keys;
    void **vals;
    size_t cap, n;                  /* cap: a power of two (0 = empty) */
} ka_strmap;

void *ka_strmap_get(const ka_strmap *m, const char *key);
/* Adds or replaces; the key is copied. KA_ENOMEM. */
int ka_strmap_put(ka_strmap *m, const char *key, void *val);
/* Removes key; returns its value (NULL when absent). */
void *ka_strmap_del(ka_strmap *m, const char *key);
/* Calls fn for every entry (no changes to m meanwhile). */
void ka_strmap_each(const ka_strmap *m, void (*fn)(void *arg, const char *key, void *val),
                    void *arg);
void ka_strmap_free(ka_strmap *m, void (*free_val)(void *val));

/* ---- catalog.c: the titles in memory ---- */

enum { KA_SERVE_POLICIES = 8 };     /* at least ka_policy_list()'s count */
/* Pseudo-observations of the Beta policies' per-variant priors (ka_stitle_policies):
 * enough for a new title to start from variant 1, few enough that its first clicks
 * decide. */
#define KA_SERVE_ORDER_PRIOR 1.0
enum { KA_SERVE_IMAGES = 1 + KA_SHAPE_COUNT };  /* full, then the shapes */

typedef struct ka_stitle {
    char *id, *genre;
    double analysed_at;
    int n_variants;
    ka_pvariant *pv;                /* n_variants, as the policies see them */
    char (*vid)[KA_VARIANT_ID_LEN + 1]; /* per variant, its stable id ("" unknown) */
    char (*retired)[KA_VARIANT_ID_LEN + 1]; /* the ids later analyses no longer chose */
    int n_retired;
    char *(*images)[KA_SERVE_IMAGES];   /* artwork names per variant, NULL = none */
    char **scene, **composition;    /* per variant, names */
    char **answer;                  /* per variant, the fixed part of an artwork answer:
                                     * "title_id":..,"variant_number":..,"scene_type":..,
                                     * "composition":..,"images":{..} (JSON members) */
    /* An editor's controls (store migration 11): the arm served to everyone (-1:
     * none), and per arm whether it is never served; n_excluded of them. */
    int pinned;
    unsigned char *excluded;
    int n_excluded;
    /* One policy per type in use (index = ka_policy_list() position), the last event
     * id folded into each, and whether it changed since the last snapshot. */
    ka_policy *policy[KA_SERVE_POLICIES];
    int64_t version[KA_SERVE_POLICIES];
    int dirty;
} ka_stitle;

typedef struct ka_catalog {
    ka_strmap by_id;
    ka_stitle **titles;
    int n;
    int64_t stamp_titles;
    double stamp_latest;
} ka_catalog;

/* Builds a catalogue from ka_store_catalog_json's array. */
int ka_catalog_build(const json_t *a, ka_catalog **out);
void ka_catalog_free(ka_catalog *c);
const ka_stitle *ka_catalog_find(const ka_catalog *c, const char *id);
/* The arm (index) of t that shows variant id, or -1 (retired, unknown or NULL). */
int ka_stitle_arm(const ka_stitle *t, const char *variant_id);
/* The arm of t whose number is number, or -1. */
int ka_stitle_arm_number(const ka_stitle *t, int number);
/* Whether variant id is one of t's retired ones. */
int ka_stitle_retired(const ka_stitle *t, const char *variant_id);
/* The params of t's policies: base with t's arms and their priors (the ranker's
 * grades: a new title starts from its variants' order). */
void ka_stitle_arm_params(const ka_stitle *t, const ka_policy_params *base,
                          ka_policy_params *p);
/* Sets t's controls from {"pinned": variant_id|null, "excluded": [variant_id, ...]}
 * (NULL: none). Ids that are not t's current variants are ignored, and so are the
 * exclusions when they would leave nothing to serve. */
void ka_stitle_set_controls(ka_stitle *t, const json_t *controls);
/* t's controls as that JSON object. */
json_t *ka_stitle_controls_json(const ka_stitle *t);
/* p (one per arm of t) as served under t's controls: the pinned arm 1 and the others 0;
 * else the excluded arms 0 and the rest renormalised (uniform over them when the
 * policy gave them nothing). */
void ka_stitle_controlled_probs(const ka_stitle *t, double *p);
/* Creates the policies of mask (bits of policy indices) that t lacks. */
int ka_stitle_policies(ka_stitle *t, unsigned mask, const ka_policy_params *base);
/* The index of a policy name in ka_policy_list(), or -1. */
int ka_policy_index(const char *name);

/* ---- experiments.c: experiment configs ---- */

/* An experiment as the server uses it. exp.arms points at arms: a ka_sexp must not
 * be moved once parsed. */
typedef struct ka_sexp {
    char *name, *status;
    json_t *config;                 /* owns the strings the fields below point at */
    ka_experiment exp;
    ka_exp_arm arms[KA_EXP_MAX_ARMS];
    int arm_policy[KA_EXP_MAX_ARMS];    /* policy index, -1 for a fixed variant */
    const char *arm_vid[KA_EXP_MAX_ARMS];       /* a fixed variant's id, or NULL */
    const json_t *arm_vids[KA_EXP_MAX_ARMS];    /* or its id per title, or NULL */
    const char **titles;            /* NULL = every title */
    int n_titles;
    int shipped;                    /* the shipped arm, -1 */
} ka_sexp;

/* Checks an experiment's config (from a client: unknown fields, wrong types, bad
 * values are refused with the reason in why) and fills e (which takes a reference to
 * config). */
int ka_sexp_parse(ka_sexp *e, const char *name, const char *status, json_t *config,
                  char *why, size_t why_size);
void ka_sexp_clear(ka_sexp *e);
int ka_sexp_covers(const ka_sexp *e, const char *title);
/* The arm index named name, or -1. */
int ka_sexp_arm(const ka_sexp *e, const char *name);
/* The variant id arm i pins in title (NULL: a policy arm, or an arm by number). */
const char *ka_sexp_arm_variant_id(const ka_sexp *e, int i, const char *title);
/* The arm of t that fixed-variant arm i shows, or -1 (a policy arm, or its variant is
 * not among t's current ones: retired, or never t's). */
int ka_sexp_arm_variant(const ka_sexp *e, int i, const ka_stitle *t);
/* The first member of o whose name is not in allowed (NULL-terminated), or NULL. */
const char *ka_json_unknown_field(const json_t *o, const char *const *allowed);
/* Whether a name is fit for URLs and logs: 1..64 of [A-Za-z0-9_.:-]. */
int ka_serve_name_ok(const char *s);

/* ---- exp_guards.c: what an experiment must agree with to be made or run ---- */

/* Every arm's variant is in every title e covers (catalog: ka_store_catalog_json);
 * -1 and the reason in why otherwise. */
int ka_exp_check_variants(const ka_sexp *e, const json_t *catalog, char *why, size_t size);
/* Pins every arm of config given by number to the variant ids of that number in the
 * titles config lists (adds "variant_ids"); over every title it changes nothing.
 * 0, or -1 out of memory. */
int ka_exp_pin_variants(json_t *config, const json_t *catalog);
/* The arms of e whose picture in a covered title of cat was retired:
 * [{"arm", "title_id", "variant_id"}] (their users see what the next rule shows). */
json_t *ka_exp_retired_arms(const ka_sexp *e, const ka_catalog *cat);
/* No other running experiment (experiments: ka_store_experiments_json) shares a title
 * with e, unless a namespace keeps their users apart; -1 and the reason otherwise. */
int ka_exp_check_overlap(const ka_sexp *e, const json_t *experiments, char *why, size_t size);

/* ---- state.c: what a server knows, and how it learns ---- */

typedef struct ka_suser {
    ka_profile p;
    int64_t version;
    int dirty;
} ka_suser;

typedef struct ka_pending {
    char *key;                      /* user \x1f title */
    char *title;
    char *user;
    char variant_id[KA_VARIANT_ID_LEN + 1]; /* what was shown (its arm may move) */
    double ts;                      /* when the client says it was shown */
    double received_at;
    int64_t id;                     /* the impression's event */
    ka_profile *shown_to;           /* the user's profile then (malloc'd), kept only for
                                     * a shared policy in use, or NULL */
    struct ka_pending *next, *prev;
} ka_pending;

/* A reward waiting to be learned: policies learn on copies, outside the lock. */
typedef struct ka_reward {
    ka_stitle *t;
    int arm, seq;
    double reward;
    int64_t id;                     /* the event that settled it */
    int64_t impression;             /* the impression's event (off-policy evaluation) */
    int has_profile;
    ka_profile profile;             /* the user's, as it was then (LinUCB's context) */
} ka_reward;

typedef struct ka_serve_state {
    pthread_rwlock_t lock;
    ka_catalog *cat;
    ka_strmap users;                /* ka_suser */
    ka_sexp *exps;                  /* running and shipped, oldest first */
    int n_exps;
    char *exps_text;                /* what they were loaded from (to see changes) */
    char *retired_text;             /* the retired arms last reported */
    int quiet;
    int64_t watermark;              /* the last event folded */
    int64_t snapshot_mark;          /* the watermark of the last snapshot written */
    ka_strmap pending;              /* impressions waiting for a click */
    ka_pending *pend_head, *pend_tail;
    ka_reward *learn;               /* rewards of the events folded, not yet learned */
    int n_learn, cap_learn;
    ka_profile_opts popts;
    ka_policy_params params;
    int default_policy;             /* index in ka_policy_list() */
    unsigned policy_mask;
    /* The policies one for the whole catalogue (ka_policy_type.shared), by index: in
     * use or NULL, the last event id each took, changed since the last snapshot. */
    ka_policy *shared[KA_SERVE_POLICIES];
    int64_t shared_version[KA_SERVE_POLICIES];
    int shared_dirty;
    double attribution_s;
    uint64_t folded, rewards;       /* counters for /metrics */
    /* Editor controls: the stamp of those applied (-1: none read yet), and the lock
     * that makes a server's own change (store, then apply) and the refresher's reload
     * (read, then apply) one step each, so that neither undoes the other. */
    int64_t controls_stamp;
    pthread_mutex_t controls_lock;
    ka_strmap counts;               /* title id -> ka_tcount: impressions, clicks */
    json_t *titles_list;            /* ka_store_titles_json's, read with the catalogue
                                     * (GET /v1/titles pages it); NULL outside a server */
} ka_serve_state;

typedef struct ka_tcount {
    int64_t impressions, clicks;
} ka_tcount;

int ka_state_init(ka_serve_state *st, const ka_serve_opts *o);
void ka_state_free(ka_serve_state *st);
/* The titles of a catalogue (ka_store_catalog_json's array) in place of the state's,
 * each keeping what its variants learned (by variant id); the stamps say which
 * version of the store's catalogue it is (0 for one that is not the store's). */
int ka_state_set_titles(ka_serve_state *st, const json_t *catalog, int64_t stamp_titles,
                        double stamp_latest);
/* The running and shipped experiments of a list (ka_store_experiments_json's shape). */
int ka_state_set_exps(ka_serve_state *st, json_t *list);
/* Loads snapshots, titles and experiments, then folds events: the start of a server. */
int ka_state_load(ka_serve_state *st, ka_store *db, double lag_s);
/* One refresh: titles and experiments when they changed, then new events. */
int ka_state_refresh(ka_serve_state *st, ka_store *db, double lag_s);
/* An editor's control (ka_store_control) stored through db, then every control read
 * back and applied to the state at once. */
int ka_state_control(ka_serve_state *st, ka_store *db, const char *title_id,
                     const char *variant_id, ka_control_op op);
/* Folds the new events without learning from them (--clock request: at once, as
 * ka_engine_event does; the policies learn at the next refresh). */
int ka_state_fold(ka_serve_state *st, ka_store *db, double lag_s);
/* snapshot.c: writes the changed policies and profiles with the watermark; reads the
 * last snapshot back into a state being loaded. */
int ka_state_snapshot(ka_serve_state *st, ka_store *db);
int ka_state_load_snapshot(ka_serve_state *st, ka_store *db);
/* Policy k for title t: the title's own, or the catalogue's when k is shared; NULL
 * when not in use. */
const ka_policy *ka_state_policy(const ka_serve_state *st, const ka_stitle *t, int k);

/* fold.c: one stored event into profiles and policies (state write-locked). */
int ka_fold_event(ka_serve_state *st, const ka_store_event_row *row);
/* One stored event into its title's counts (state write-locked): the server's, not the
 * in-process engine's. */
int ka_fold_count(ka_serve_state *st, const ka_store_event_row *row);
/* The titles' counts of the events up to the watermark (those the fold will not see
 * again), in place of any. */
int ka_fold_load_counts(ka_serve_state *st, ka_store *db);
/* Teaches the rewards folded so far to copies of their titles' policies, prepares
 * the copies and swaps them in (write lock only for the swap). */
int ka_fold_learn(ka_serve_state *st);
void ka_pending_clear(ka_serve_state *st);

/* decide.c: the choice for one user and title (state read-locked). */
enum { KA_DECISION_FIXED = -1, KA_DECISION_PINNED = -2 };
typedef struct ka_decision {
    int arm;                        /* index of the variant in the title */
    int variant;                    /* its number */
    double propensity;
    int policy;                     /* policy index, or KA_DECISION_FIXED (an
                                     * experiment's fixed variant), KA_DECISION_PINNED */
    const ka_sexp *exp;             /* the experiment that decided, NULL = none */
    int exp_arm;
} ka_decision;

int ka_serve_decide(const ka_serve_state *st, const ka_stitle *t, const char *user,
                    ka_rng *rng, ka_decision *d);
/* Where the generator of one decision starts when the client gives the time
 * (ka_engine, --clock request): a hash of them all, so a decision never depends on
 * which thread or how many requests came before. */
uint64_t ka_decision_seed(uint64_t seed, const char *user, const char *title, double now);
/* The name of a decision's policy ("fixed" for a fixed variant, "pinned" for an
 * editor's pin). */
const char *ka_decision_policy(const ka_decision *d);

/* ---- metrics.c ---- */

enum { KA_LAT_BUCKETS = 12, KA_ROUTES_MAX = 48, KA_CODE_CLASSES = 5 };

typedef struct ka_metrics {
    _Atomic uint64_t requests[KA_ROUTES_MAX][KA_CODE_CLASSES];  /* 1xx..5xx */
    _Atomic uint64_t latency[KA_ROUTES_MAX][KA_LAT_BUCKETS];    /* not cumulative */
    _Atomic uint64_t latency_ns[KA_ROUTES_MAX];
    _Atomic uint64_t selections[KA_SERVE_POLICIES + 2];         /* then fixed, pinned */
    _Atomic uint64_t events[KA_EVENT_COUNT];
    _Atomic uint64_t events_duplicate, events_rejected;
    _Atomic uint64_t unrouted[KA_CODE_CLASSES];
    _Atomic uint64_t shed;                                      /* 503s of --max-inflight */
    _Atomic uint64_t closed_crowded; /* replies that closed their connection: crowded */
} ka_metrics;

void ka_metrics_request(ka_metrics *m, int route, int status, uint64_t ns);
void ka_metrics_selection(ka_metrics *m, int policy);

/* ---- server.c: requests and replies ---- */

typedef struct ka_server ka_server;

/* KA_ROUTE_EARLY: answers while the server is still loading its state (the rest get
 * 503 with Retry-After until the event log is folded). KA_ROUTE_PROBE: never shed nor
 * counted in flight, so that health checks answer however loaded the server is. */
enum { KA_ROUTE_AUTH = 1 << 0, KA_ROUTE_BODY = 1 << 1, KA_ROUTE_EARLY = 1 << 2,
       KA_ROUTE_PROBE = 1 << 3 };
enum { KA_REQ_PARAMS = 3 };

typedef struct ka_req ka_req;
typedef struct ka_route {
    const char *method;
    const char *pattern;            /* "/v1/titles/{}/variants": {} is one segment */
    int flags;
    enum MHD_Result (*handler)(ka_req *r);
    const char *name;               /* for /metrics */
} ka_route;

/* routes.c: the table. */
const ka_route *ka_routes(int *count);

struct ka_req {
    ka_server *srv;
    struct MHD_Connection *conn;
    const ka_route *route;
    int route_index;
    const char *params[KA_REQ_PARAMS];  /* the {} segments, decoded */
    char path[512];                 /* storage for params */
    char *body;
    size_t len;
    int cap;                        /* ka_array_grow's */
    int too_large, replied;
    int inflight;                   /* counted in ka_server.inflight */
    uint64_t t0;
    int status;
    char method[8];                 /* for the access log */
    char url[160];
    const char *header;             /* one more header of the reply (Allow, Location) */
    char header_value[192];
};

struct ka_server {
    ka_serve_opts o;
    char *listen, *artwork, *token, *policy, *db_url;
    struct MHD_Daemon *mhd;
    int fd, port, artwork_fd;
    ka_store *db;                   /* request threads' connection */
    pthread_mutex_t db_lock;
    ka_store *fold_db;              /* the refresher's */
    ka_serve_state st;
    int st_ready;
    _Atomic int loaded;             /* the state is loaded: every route answers */
    pthread_t refresher;
    int refresher_started, stopping;
    pthread_mutex_t wake_lock;
    pthread_cond_t wake;
    double lag_s, started_at;
    ka_metrics metrics;
    unsigned max_inflight;          /* the option, or its default from the threads */
    _Atomic unsigned inflight;      /* requests admitted, their reply not yet sent */
    _Atomic unsigned connections;   /* open ones */
    pthread_mutex_t fold_lock;      /* the refresher's work, when requests ask for it */
    uint64_t decision_seed;         /* --clock request: ka_decision_seed's */
};

/* serve.c: folds the events stored so far, and learns from them when learn (a
 * refresh), on the request's thread; one at a time. */
int ka_server_fold(ka_server *s, int learn);

/* Binds the listening address and starts libmicrohttpd's threads. */
int ka_server_http_start(ka_server *s);

/* Replies (each queues a response and returns MHD's answer). json is taken. */
enum MHD_Result ka_reply_json(ka_req *r, unsigned status, json_t *json);
enum MHD_Result ka_reply_error(ka_req *r, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
enum MHD_Result ka_reply_buffer(ka_req *r, unsigned status, const char *type, void *buf,
                                size_t len);       /* buf malloc'd, taken */
/* The reply for a store error: 404 not found, 409 conflict, 500 otherwise. */
enum MHD_Result ka_reply_store_error(ka_req *r, int err);
/* A query parameter, NULL when absent. */
const char *ka_req_query(ka_req *r, const char *name);
/* Every byte of s that does not start a whole UTF-8 character becomes '?': text that
 * quotes a client, cut to fit, may end inside one, and JSON strings must be UTF-8. */
void ka_utf8_scrub(char *s);

/* ---- paging.c: cursor pages of the lists that grow ---- */

typedef struct ka_page {
    const char *after;              /* the last key of the page before (NULL: the first) */
    int limit;                      /* items per page, 1..1000 (100) */
} ka_page;

/* Reads ?after= and ?limit=; -1 after replying 400 to a bad limit. */
int ka_req_page(ka_req *r, ka_page *p);
/* The page of items (taking them) by their string member key, in key order, after
 * p->after, at most p->limit; *next is the path of the next page or null. */
json_t *ka_page_of(json_t *items, const char *key, const char *path, const ka_page *p,
                   json_t **next);
/* The path of the page after the one that ends with last_key. */
json_t *ka_page_next(const char *path, const char *last_key, const ka_page *p);
/* Percent-encodes s for a query value into out (size > 0; cut to fit). */
void ka_url_encode(const char *s, char *out, size_t size);
/* The optional body of a POST that takes none: empty, or {}. 0 after replying 400. */
int ka_req_empty_body(ka_req *r);
/* The body as JSON (an object), or NULL after replying 400 with the reason. */
json_t *ka_req_json(ka_req *r);
/* Unknown members of o (not in the NULL-terminated list): 0, or replies 400 and
 * returns -1. */
int ka_req_only_fields(ka_req *r, const json_t *o, const char *what,
                       const char *const *allowed);
/* Runs a store call on the request threads' connection (one at a time). */
#define WITH_DB(r, call) ({ pthread_mutex_lock(&(r)->srv->db_lock); int e_ = (call); \
    pthread_mutex_unlock(&(r)->srv->db_lock); e_; })
/* The artwork URL of an image name ("/artwork/ab/ab...jpg") into buf. */
void ka_artwork_url(const char *name, char *buf, size_t size);
/* Adds "urls" (shape -> URL) beside each variant's "images" (artwork names). */
void ka_add_urls(json_t *variants);
/* A user's profile as GET /v1/users/{} shows it. */
json_t *ka_profile_json(const ka_profile *p, const ka_profile_opts *o);

/* api_artwork.c: the image shapes, "full" first (index into ka_stitle.images), the
 * index of a shape's name (-1 unknown or NULL), and {shape: URL} of arm's images. */
extern const char *const ka_shape_keys[KA_SERVE_IMAGES];
int ka_shape_index(const char *shape);
json_t *ka_arm_urls(const ka_stitle *t, int arm);

/* The handlers (api_*.c). */
enum MHD_Result ka_api_healthz(ka_req *r);
enum MHD_Result ka_api_livez(ka_req *r);
enum MHD_Result ka_api_metrics(ka_req *r);
enum MHD_Result ka_api_image(ka_req *r);
/* api_web.c: the dashboard */
enum MHD_Result ka_api_ui_index(ka_req *r);
enum MHD_Result ka_api_ui_file(ka_req *r);
enum MHD_Result ka_api_artwork(ka_req *r);
enum MHD_Result ka_api_artwork_batch(ka_req *r);
enum MHD_Result ka_api_events(ka_req *r);
enum MHD_Result ka_api_titles(ka_req *r);
enum MHD_Result ka_api_title(ka_req *r);
enum MHD_Result ka_api_title_variants(ka_req *r);
enum MHD_Result ka_api_title_policies(ka_req *r);
enum MHD_Result ka_api_users(ka_req *r);
enum MHD_Result ka_api_user(ka_req *r);
enum MHD_Result ka_api_experiments(ka_req *r);
enum MHD_Result ka_api_experiment_create(ka_req *r);
enum MHD_Result ka_api_experiment(ka_req *r);
enum MHD_Result ka_api_experiment_start(ka_req *r);
enum MHD_Result ka_api_experiment_stop(ka_req *r);
enum MHD_Result ka_api_experiment_ship(ka_req *r);
enum MHD_Result ka_api_experiment_report(ka_req *r);
/* api_dashboard.c, api_preview.c: the dashboard's routes */
enum MHD_Result ka_api_title_analysis(ka_req *r);
enum MHD_Result ka_api_variant_pin(ka_req *r);
enum MHD_Result ka_api_variant_unpin(ka_req *r);
enum MHD_Result ka_api_variant_exclude(ka_req *r);
enum MHD_Result ka_api_variant_include(ka_req *r);
enum MHD_Result ka_api_user_preview(ka_req *r);
enum MHD_Result ka_api_experiment_daily(ka_req *r);
enum MHD_Result ka_api_policies(ka_req *r);
enum MHD_Result ka_api_admin_refresh(ka_req *r);
/* The time of a request: ?now= with --clock request (the wall clock when absent);
 * -1 after replying 400 when it is malformed, or given to a server on the wall clock. */
int ka_req_now(ka_req *r, double *now);
/* The generator of one decision: the thread's, reseeded from (user, title, now) with
 * --clock request. */
ka_rng *ka_req_rng(ka_req *r, const char *user, const char *title, double now);

/* The request thread's random number generator. */
ka_rng *ka_serve_rng(void);
/* The request thread's generator for --clock request, reseeded by every decision
 * (ka_decision_seed): cheap to seed, as ka_engine's. NULL out of memory. */
ka_rng *ka_serve_decision_rng(void);
/* Where the request threads' generators start (ka_serve_opts.seed; 0 the clock). */
void ka_serve_rng_seed(uint64_t seed);
/* Monotonic nanoseconds. */
uint64_t ka_serve_now_ns(void);

#endif
