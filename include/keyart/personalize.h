/* keyart/personalize.h: choosing, per user, which variant of a title to show.
 *
 * - events (impression, click, play, complete, skip, dwell) and a seeded random
 *   number generator that both personalize/ and experiment/ use;
 * - user profiles learned online from events: genre, character, role, scene-type and
 *   composition preferences and the click rate per scene type, all decaying with a
 *   half-life, in one fixed-size struct that serialises to bytes for the store;
 * - policies behind one interface (ka_policy_type, listed in one table like FFmpeg's
 *   filters): the seed scorer, epsilon-greedy, Beta-Bernoulli Thompson sampling,
 *   LinUCB (disjoint, Li et al. 2010), uniform random, and "contextual": one Bayesian
 *   probit model of clicks over viewer (x) picture features shared by every title. Every choice returns the
 *   propensity it had of being made, so that experiment/ can evaluate policies off
 *   line.
 *
 * Everything here is pure computation over in-memory structs: no I/O, no locks. A
 * policy's choose/probs only read its state (many threads may choose at once);
 * update, prepare and load write it (the caller serialises them). */
#ifndef KEYART_PERSONALIZE_H
#define KEYART_PERSONALIZE_H

#include <stddef.h>
#include <stdint.h>

#include "keyart/common.h"
#include "keyart/select.h"
#include "keyart/vision.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- events ---- */

typedef enum ka_event_type {
    KA_EVENT_IMPRESSION = 0,
    KA_EVENT_CLICK,
    KA_EVENT_PLAY,
    KA_EVENT_COMPLETE,
    KA_EVENT_SKIP,
    KA_EVENT_DWELL,                 /* value = seconds spent on the title's page */
    KA_EVENT_COUNT
} ka_event_type;

const char *ka_event_type_name(ka_event_type t);   /* "impression", ... */
/* 0, or KA_EINVAL for an unknown name. */
int ka_event_type_parse(const char *name, ka_event_type *out);

/* ---- random numbers: a seeded generator (GSL's MT19937 inside); one per thread ---- */

typedef struct ka_rng ka_rng;

ka_rng *ka_rng_new(uint64_t seed);              /* NULL when out of memory */
ka_rng *ka_rng_new_light(uint64_t seed);        /* cheap to (re)seed: per decision */
void ka_rng_seed(ka_rng *r, uint64_t seed);
void ka_rng_free(ka_rng *r);
double ka_rng_uniform(ka_rng *r);               /* [0, 1) */
unsigned long ka_rng_int(ka_rng *r, unsigned long n);  /* 0..n-1, n >= 1 */
double ka_rng_beta(ka_rng *r, double a, double b);
double ka_rng_gaussian(ka_rng *r, double sigma);

/* ---- what a policy knows of a variant ---- */

enum { KA_PV_MAX_CHARS = 4 };

typedef struct ka_pvariant {
    int number;                     /* the variant's number in its title (1-based) */
    int genre;                      /* ka_profile_genre_index() of the genre the artwork
                                     * speaks to (usually the title's); -1 = unknown */
    int scene;                      /* ka_scene */
    int composition;                /* ka_composition */
    int n_chars;                    /* characters shown, 0..KA_PV_MAX_CHARS */
    uint32_t chars[KA_PV_MAX_CHARS];    /* ka_profile_char_id(name) */
    int roles[KA_PV_MAX_CHARS];         /* ka_role of each */
    float quality;                  /* 0..1 */
} ka_pvariant;

/* The index of a genre of ka_genre_list() (case-insensitive), -1 when unknown. */
int ka_profile_genre_index(const char *genre);
/* A character's id: FNV-1a of the name, lowercased (never 0). */
uint32_t ka_profile_char_id(const char *name);

/* ---- user profiles ---- */

enum { KA_PROFILE_GENRES = 16, KA_PROFILE_CHARS = 16 };

typedef struct ka_profile {
    double ts;                      /* Unix seconds of the last event folded in (0 none) */
    double events;                  /* decayed count of events */
    float genre[KA_PROFILE_GENRES]; /* decayed affinities, >= 0 */
    float scene[KA_SCENE_COUNT];
    float composition[KA_COMP_COUNT];
    float role[KA_ROLE_COUNT];
    uint32_t char_id[KA_PROFILE_CHARS]; /* 0 = free slot */
    float char_w[KA_PROFILE_CHARS];
    float scene_imps[KA_SCENE_COUNT];   /* decayed impressions and clicks per scene type */
    float scene_clicks[KA_SCENE_COUNT];
    float genre_seen[KA_PROFILE_GENRES];    /* decayed impressions per genre: what the
                                             * user is shown says what they browse */
} ka_profile;

typedef struct ka_profile_opts {
    double half_life_s;             /* affinities and counts halve in this time (30 days) */
    float weight[KA_EVENT_COUNT];   /* affinity an event adds: impression 0, click 1,
                                     * play 2, complete 3, skip -1, dwell 1 per minute
                                     * (capped at 1); affinities never go below 0 */
    float ctr_prior;                /* historical CTR: Beta prior mean (0.05) */
    float ctr_prior_n;              /* and its weight in impressions (20) */
} ka_profile_opts;

void ka_profile_opts_default(ka_profile_opts *o);
void ka_profile_init(ka_profile *p);
/* Folds one event about variant v in (value: dwell seconds); events older than the
 * profile's last one count at its time. KA_EINVAL for a bad type or a time that is not
 * a finite number (the profile is left as it was). */
int ka_profile_update(ka_profile *p, const ka_pvariant *v, ka_event_type type, double value,
                      double ts, const ka_profile_opts *o);

/* How well variant v fits profile p, each part in 0..1. genre, scene, composition,
 * character and role affinities are relative to the profile's strongest one (0 for a
 * new profile); ctr is the smoothed click rate of v's scene type. */
typedef struct ka_profile_match {
    float genre;                    /* genre[v.genre] / max genre */
    float character;                /* max over v's characters of max(name, role) share */
    float scene;                    /* 0.8 scene-type share + 0.2 composition share */
    float ctr;                      /* (clicks + prior*n0) / (impressions + n0) */
    float quality;                  /* v.quality */
} ka_profile_match;

void ka_profile_match_variant(const ka_profile *p, const ka_pvariant *v,
                              const ka_profile_opts *o, ka_profile_match *m);

/* Feature vectors for LinUCB. User: [1, close-up share, people-scene share, landscape
 * share, action-genre share, smoothed overall CTR x 10, ...] truncated to dim. Variant:
 * [1, quality, close-up, people scene, landscape, action] truncated to dim. Return the
 * number of features written. */
enum { KA_PROFILE_FEATURES = 6, KA_PVARIANT_FEATURES = 6 };
int ka_profile_features(const ka_profile *p, const ka_profile_opts *o, double *x, int dim);
int ka_pvariant_features(const ka_pvariant *v, double *x, int dim);

/* Bytes for the store: fixed size, little-endian, versioned (version 1, without
 * genre_seen and KA_PROFILE_GENRES * 4 bytes shorter, still loads). */
enum { KA_PROFILE_BYTES = 8 + 8 + 8 + 4 * (KA_PROFILE_GENRES + KA_SCENE_COUNT +
       KA_COMP_COUNT + KA_ROLE_COUNT + 2 * KA_PROFILE_CHARS + 2 * KA_SCENE_COUNT +
       KA_PROFILE_GENRES) };
/* Writes KA_PROFILE_BYTES into buf (cap at least that), returns the count or KA_EINVAL. */
int ka_profile_save(const ka_profile *p, uint8_t *buf, size_t cap);
/* KA_EFORMAT when buf is not a saved profile of this format. */
int ka_profile_load(ka_profile *p, const uint8_t *buf, size_t len);

/* ---- the seed scorer ---- */

typedef struct ka_seed_weights {
    float genre, character, scene, ctr, quality;
} ka_seed_weights;

/* 0.25 genre + 0.20 character + 0.20 scene type + 0.20 historical CTR + 0.15 quality */
extern const ka_seed_weights ka_seed_weights_default;

/* The seed score of v for p (NULL p: a new profile); parts (may be NULL) receives the
 * components. */
float ka_policy_seed_score(const ka_profile *p, const ka_pvariant *v,
                           const ka_profile_opts *o, const ka_seed_weights *w,
                           ka_profile_match *parts);

/* ---- policies ---- */

enum { KA_POLICY_MAX_ARMS = 16, KA_POLICY_MAX_SEGMENTS = 16, KA_POLICY_MAX_DIM = 16 };

typedef struct ka_policy_params {
    int n_arms;                     /* variants of the title, 1..KA_POLICY_MAX_ARMS */
    int n_segments;                 /* separate statistics per user segment (1) */
    double epsilon;                 /* epsilon-greedy: share of uniform exploration (0.1) */
    double temperature;             /* seed: 0 = best score (propensity 1), > 0 softmax */
    double prior_alpha, prior_beta; /* Beta prior of Thompson and epsilon-greedy (1, 1) */
    double alpha;                   /* LinUCB: width of the confidence bonus (1) */
    int user_dim, variant_dim;      /* LinUCB: x = user (x) variant features, the
                                     * product at most KA_POLICY_MAX_DIM (4 x 4) */
    double ridge;                   /* LinUCB: A starts as ridge * I (1) */
    int mc_draws;                   /* Thompson propensities: 0 = numerical integration,
                                     * > 0 = that many Monte Carlo draws (seeded) */
    /* Where Thompson and epsilon-greedy start: arm i's Beta prior is (prior_alpha +
     * s w_i, prior_beta + s (1 - w_i)) with s = prior_strength pseudo-observations
     * (0, the default: every arm alike) and w_i = prior_worth[i] in 0..1 (serving
     * gives the ranker's grade / 3, so a new title starts from the variants' order).
     * Read when a policy is made; its state carries them from then on. */
    double prior_strength;
    double prior_worth[KA_POLICY_MAX_ARMS];
} ka_policy_params;

void ka_policy_params_default(ka_policy_params *p);

/* One choice's context. */
typedef struct ka_policy_ctx {
    const ka_pvariant *variants;    /* the arms: arm i is variants[i] */
    int n_variants;                 /* = params.n_arms */
    const ka_profile *profile;      /* NULL = unknown user */
    const ka_profile_opts *profile_opts;    /* NULL = defaults */
    const double *user_x;           /* LinUCB user features (user_dim); NULL = from profile */
    int segment;                    /* 0..n_segments-1 */
} ka_policy_ctx;

typedef struct ka_choice {
    int arm;                        /* index into ctx->variants */
    int variant;                    /* ctx->variants[arm].number */
    double propensity;              /* probability the policy had of choosing arm here */
} ka_choice;

/* One policy, as a table row. State is state_size flat bytes the policy owns (no
 * pointers: copying them clones the policy); choose and probs must not write it. */
typedef struct ka_policy_type {
    const char *name;
    const char *description;
    size_t state_size;
    int (*init)(void *st, const ka_policy_params *p);
    /* probs[n_arms]: the probability of each arm in this context (sums to 1). */
    int (*probs)(const void *st, const ka_policy_ctx *c, double *probs);
    int (*choose)(const void *st, const ka_policy_ctx *c, ka_rng *rng, ka_choice *out);
    /* reward in 0..1 for the arm chosen in context c (NULL: no-op policies). */
    int (*update)(void *st, const ka_policy_ctx *c, int arm, double reward);
    /* recomputes caches after updates (NULL: none). */
    int (*prepare)(void *st);
    /* the state's body: bytes written, or the size needed when cap is too small. */
    size_t (*serialize)(const void *st, uint8_t *buf, size_t cap);
    int (*deserialize)(void *st, const ka_policy_params *p, const uint8_t *buf, size_t len);
    /* Copies what arm from[i] of src learned into arm i of dst (dst is new: made by
     * init with its own arms' priors; from[i] < 0 leaves arm i so); NULL for policies
     * whose arms learn nothing of their own. */
    void (*remap)(void *dst, const void *src, const int *from);
    /* 1: one state for every title. The arms are known only by their features
     * (ctx->variants), so a context may have any number of them (1..MAX_ARMS, n_arms
     * not checked), and a server keeps one such policy for its whole catalogue, every
     * title's rewards teaching it. 0: a state per title. */
    int shared;
} ka_policy_type;

const ka_policy_type *ka_policy_find(const char *name);     /* NULL when unknown */
const ka_policy_type *const *ka_policy_list(int *count);

typedef struct ka_policy ka_policy;

/* KA_EINVAL (unknown name, bad params; message says which), KA_ENOMEM. */
int ka_policy_new(const char *name, const ka_policy_params *p, ka_policy **out);
void ka_policy_free(ka_policy *p);
/* A copy with its own state (states are flat bytes): a server updates and prepares
 * the copy while requests still read the original. */
int ka_policy_clone(const ka_policy *p, ka_policy **out);
const ka_policy_type *ka_policy_type_of(const ka_policy *p);
const ka_policy_params *ka_policy_params_of(const ka_policy *p);

/* Chooses an arm and says its propensity. KA_EINVAL when c does not fit the policy. */
int ka_policy_choose(const ka_policy *p, const ka_policy_ctx *c, ka_rng *rng,
                     ka_choice *out);
int ka_policy_probs(const ka_policy *p, const ka_policy_ctx *c, double *probs);
int ka_policy_update(ka_policy *p, const ka_policy_ctx *c, int arm, double reward);
int ka_policy_prepare(ka_policy *p);

/* The policy for a new set of arms (a title analysed again): the type and settings of
 * old, the arms and their priors of arms (n_arms, prior_strength, prior_worth); arm i
 * keeps what old's arm from[i] learned (the same image), or starts from its prior when
 * from[i] < 0 (a new one). KA_EINVAL (from[i] out of old's arms, bad arms), KA_ENOMEM. */
int ka_policy_remap(const ka_policy *old, const ka_policy_params *arms, const int *from,
                    ka_policy **out);

/* The policy (name, params, state) as bytes; *buf is malloc'd, the caller frees it. */
int ka_policy_save(const ka_policy *p, uint8_t **buf, size_t *len);
/* KA_EFORMAT for bytes that are not a saved policy (or of an unknown one). */
int ka_policy_load(const uint8_t *buf, size_t len, ka_policy **out);

#ifdef __cplusplus
}
#endif
#endif
