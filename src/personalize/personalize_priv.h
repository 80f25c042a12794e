/* personalize_priv.h: what personalize/ and experiment/ share inside the library:
 * GSL access behind ka_rng, GSL's error handler switched off, little-endian byte
 * writers and readers for saved state, and the policy object's layout. */
#ifndef KA_PERSONALIZE_PRIV_H
#define KA_PERSONALIZE_PRIV_H

#include <gsl/gsl_rng.h>
#include <string.h>

#include "keyart/personalize.h"

/* GSL's default handler aborts; ours returns error codes. Call before using GSL. */
void ka_gsl_quiet(void);
/* The gsl_rng inside r. */
gsl_rng *ka_rng_gsl(ka_rng *r);

/* A byte cursor: writes past cap only count (so a first pass measures the size);
 * reads past len set err. */
typedef struct ka_bytes {
    uint8_t *buf;
    const uint8_t *in;
    size_t pos, cap;
    int err;
} ka_bytes;

void ka_put_u32(ka_bytes *b, uint32_t v);
void ka_put_f64(ka_bytes *b, double v);
void ka_put_f32(ka_bytes *b, float v);
uint32_t ka_get_u32(ka_bytes *b);
double ka_get_f64(ka_bytes *b);
float ka_get_f32(ka_bytes *b);

/* The registered policies (policy.c's table). */
extern const ka_policy_type ka_policy_seed, ka_policy_egreedy, ka_policy_thompson,
    ka_policy_linucb, ka_policy_uniform, ka_policy_contextual;

/* The index of the largest of v[0..n-1] (the first when tied) and how many tie with it
 * within tol. */
int ka_argmax_ties(const double *v, int n, double tol, int *ties);
/* The k-th (0-based) index i with |v[i] - best| <= tol. */
int ka_nth_tie(const double *v, int n, double best, double tol, int k);

/* A profile with its maxima computed once, to match many variants against it. */
typedef struct ka_profile_prep {
    const ka_profile *p;            /* never NULL (an empty profile for none) */
    const ka_profile_opts *o;       /* never NULL */
    float genre_max, char_max, role_max, scene_max, comp_max;
    float genre_inv, char_inv, role_inv, scene_inv, comp_inv;   /* 1 / max, 0 when max is 0 */
    int action_genre;               /* ka_profile_genre_index("action") */
    int char_n;                     /* char slots past the last used one are free: a
                                     * variant's characters are looked up in 0..char_n-1 */
} ka_profile_prep;

void ka_profile_prep_init(ka_profile_prep *pp, const ka_profile *p, const ka_profile_opts *o);
void ka_profile_match_prep(const ka_profile_prep *pp, const ka_pvariant *v, ka_profile_match *m);
float ka_seed_score_prep(const ka_profile_prep *pp, const ka_pvariant *v,
                         const ka_seed_weights *w, ka_profile_match *parts);
/* User features from a prepared profile (as ka_profile_features). */
int ka_profile_features_prep(const ka_profile_prep *pp, double *x, int dim);

/* LinUCB (for tests and benchmarks): arm a's score in context c, from the arm's folded
 * cache when it fits c's variant and full is 0, else in full; *cached (may be NULL)
 * says which. st is the state of a "linucb" policy. */
double ka_linucb_score(const void *st, const ka_policy_ctx *c, int a, int full, int *cached);
/* The state a policy object owns (for tests of a policy's internals). */
const void *ka_policy_state_of(const ka_policy *p);

/* The index i where u in [0,1) falls in the cumulative sums of p[0..n-1] (the last
 * index with p > 0 when rounding leaves u beyond the total). */
int ka_sample_index(const double *p, int n, double u);

#endif
