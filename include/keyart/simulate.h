/* keyart/simulate.h: simulated viewers against the real serving code.
 *
 * A population of viewers with hidden tastes (genres, scene types, compositions,
 * character roles, colour warmth), in a few taste segments, each with a base rate and
 * habits (hour of the day, device), browses rows of titles day after day. The variant
 * each sees is decided by keyart's own engine (keyart/serve.h: ka_engine, the code of
 * `keyart serve`) under one policy per run, or by any ka_sim_server (keyart simulate
 * --over-http: a running keyart serve), and the viewer's response (a click drawn
 * from a logistic model of the match between viewer and picture, then play, complete
 * or skip, and dwell) goes back into it as events. Because the tastes are known, every
 * policy can be measured against the truth: its click rate, take fraction,
 * completions, and its regret against the oracle that shows each viewer the variant
 * with the highest click probability. Everything is drawn from one seed: the same
 * scenario and seed give the same report. docs/simulate.md has the model. */
#ifndef KEYART_SIMULATE_H
#define KEYART_SIMULATE_H

#include <stdint.h>

#include "keyart/experiment.h"
#include "keyart/personalize.h"

#ifdef __cplusplus
extern "C" {
#endif

struct json_t;

enum { KA_SIM_MAX_SEGMENTS = 8, KA_SIM_MAX_DAYS = 365, KA_SIM_DEVICES = 3 };

/* A taste segment: the centre of its viewers' hidden preferences, each 0..1. */
typedef struct ka_sim_segment {
    char name[32];
    double share;                   /* of the viewers (normalised over segments) */
    double base_ctr;                /* click rate on an average match */
    double genre[KA_PROFILE_GENRES];    /* ka_genre_list() order */
    double scene[KA_SCENE_COUNT];
    double composition[KA_COMP_COUNT];
    double role[KA_ROLE_COUNT];
    double warmth;                  /* 1 warm pictures, 0 cold ones, 0.5 indifferent */
} ka_sim_segment;

/* How strongly each part of the match moves the click's log-odds (and the rest of
 * the response). */
typedef struct ka_sim_weights {
    double genre, scene, composition, role, warmth, quality;
    double phone_closeup;           /* extra for close-ups on a phone */
    double evening;                 /* extra in the evening (18:00-23:00) */
} ka_sim_weights;

typedef struct ka_sim_scenario {
    int users, days;
    uint64_t seed;
    int row_length;                 /* titles per row a viewer sees */
    int rows_per_visit;
    double visit_rate;              /* chance a viewer visits on a given day */
    double taste_noise;             /* sd of a viewer's tastes around the segment's */
    double device_share[KA_SIM_DEVICES];    /* tv, phone, desktop */
    ka_sim_weights click;
    double play_rate;               /* chance a click becomes a play on a perfect match */
    double complete_rate;           /* chance a play is completed on a perfect match */
    double dwell_mean_s;            /* mean seconds on a title's page after a click */
    double learn_every_s;           /* the engine learns every this many simulated
                                     * seconds (a server's refresh) */
    double attribution_s;           /* a click counts for an impression this long */
    int synthetic_titles;           /* the synthetic catalogue: titles, */
    int synthetic_variants;         /* and variants per title */
    int n_segments;
    ka_sim_segment segments[KA_SIM_MAX_SEGMENTS];
} ka_sim_scenario;

/* The default scenario (docs/simulate.md lists its values). */
void ka_sim_scenario_default(ka_sim_scenario *s);
/* Reads a scenario file (JSON; members override the defaults, unknown members are
 * refused): KA_EINVAL saying which member and why, KA_EIO. */
int ka_sim_scenario_load(const char *path, ka_sim_scenario *s);
/* Checks the values: KA_EINVAL saying which is out of range. */
int ka_sim_scenario_check(const ka_sim_scenario *s);

/* What one policy achieved over a run. */
typedef struct ka_sim_result {
    char policy[32];                /* a ka_policy_find() name, or "oracle" */
    int64_t impressions, clicks, plays, completes, skips;
    double dwell_s;                 /* total */
    double ctr;                     /* clicks / impressions */
    double expected_ctr;            /* mean click probability of what was shown */
    double oracle_ctr;              /* mean click probability of the best variant */
    double regret;                  /* mean of (best - shown) click probability */
    double take_fraction;           /* plays / impressions */
    double completion;              /* completes / plays */
    int days;
    double day_ctr[KA_SIM_MAX_DAYS];
    double day_expected_ctr[KA_SIM_MAX_DAYS];   /* the mean click probability shown */
} ka_sim_result;

/* A run: the catalogue (ka_store_catalog_json's array; NULL or empty: a synthetic one
 * from the scenario) and, per policy, one world of the same viewers doing the same
 * things with the same random numbers, only the pictures differ. policies: names of
 * ka_policy_find() or "oracle". results: n_policies of them. log, when not NULL,
 * stores the first world's events as a server would have (with their propensities,
 * received on the simulated clock), so keyart ope --db can evaluate other policies on
 * them; client ids are "sim-SEED-N": the same run stored twice stores nothing new. */
struct ka_store;
int ka_sim_run(const ka_sim_scenario *s, const struct json_t *catalog,
               const char *const *policies, int n_policies, ka_sim_result *results,
               struct ka_store *log);

/* ---- the server a world's viewers talk to ---- */

/* What the server chose for one title of a row ("" for the names it gave none). */
typedef struct ka_sim_choice {
    int variant_number;
    char variant_id[17];
    double propensity;
    char policy[32], experiment[72], arm[72];
} ka_sim_choice;

/* What a client of keyart serve does, as three calls: the variants a user sees of a row
 * of titles, asked at now; the events of what the user then did, received at now; and
 * the server's refresh, when its policies learn. ka_sim_run serves its worlds from
 * keyart's engine in process (keyart/serve.h: ka_engine) through these; keyart
 * simulate --over-http from a running keyart serve (--clock request), through its
 * HTTP API. The same seed gives the same run either way. Each returns 0 or a ka_error
 * code with the message set. */
struct ka_store_event;
typedef struct ka_sim_server {
    void *ctx;
    int (*decide)(void *ctx, const char *user, const char *const *titles, int n, double now,
                  ka_sim_choice *out);
    int (*events)(void *ctx, const struct ka_store_event *ev, int n, double now);
    int (*learn)(void *ctx, double now);
} ka_sim_server;

/* One world of the run ka_sim_run would make under policy, but served by srv (which
 * must decide by that policy, with the scenario's seed and attribution_s); result is
 * named policy. */
int ka_sim_run_server(const ka_sim_scenario *s, const struct json_t *catalog,
                      const char *policy, const ka_sim_server *srv, ka_sim_result *result);

/* An A/B test inside the simulation: one world whose viewers are split (by keyart's
 * experiment assignment) between two arms, control and treatment, each a policy; the
 * report is experiment/'s, from the arms' event counts. */
#define KA_SIM_CONTROL "control"
#define KA_SIM_TREATMENT "treatment"
typedef struct ka_sim_ab {
    char control[32], treatment[32];    /* the arms' policies */
    ka_sim_result result;           /* the world's totals */
    ka_exp_counts counts[2];        /* control, treatment */
    ka_exp_report report;
} ka_sim_ab;

int ka_sim_ab_run(const ka_sim_scenario *s, const struct json_t *catalog, const char *control,
                  const char *treatment, ka_sim_ab *out);
/* {"control": policy, "treatment": policy, "report": {ka_exp_report_json}} */
struct json_t *ka_sim_ab_json(const ka_sim_ab *ab);

/* The synthetic catalogue of s, in the catalogue's JSON shape (new reference). */
struct json_t *ka_sim_catalog(const ka_sim_scenario *s);

/* {"scenario": {...}, "policies": [{"policy", "impressions", "ctr", ...}]} */
struct json_t *ka_sim_report_json(const ka_sim_scenario *s, const ka_sim_result *r, int n);

#ifdef __cplusplus
}
#endif
#endif
