/* seed.c: the seed system's scorer as a policy, and the uniform random policy.
 *
 * The seed scorer ranks a title's variants for a user by
 *   0.25 genre match + 0.20 character match + 0.20 scene-type match
 *   + 0.20 historical CTR of the scene type + 0.15 quality
 * (components from ka_profile_match_variant, each 0..1). With temperature 0 it shows
 * the best (the first of equals): propensity 1. With temperature T > 0 it draws from
 * softmax(score / T), so that its log can be evaluated off line.
 *
 * The uniform policy draws each variant with probability 1/n: exploration traffic,
 * and the logging policy under which replay (Li et al. 2011) is unbiased. */
#include <math.h>

#include "personalize_priv.h"

const ka_seed_weights ka_seed_weights_default = {
    .genre = 0.25f, .character = 0.20f, .scene = 0.20f, .ctr = 0.20f, .quality = 0.15f,
};

float ka_policy_seed_score(const ka_profile *p, const ka_pvariant *v,
                           const ka_profile_opts *o, const ka_seed_weights *w,
                           ka_profile_match *parts)
{
    ka_profile_prep pp;
    ka_profile_prep_init(&pp, p, o);
    return ka_seed_score_prep(&pp, v, w, parts);
}

float ka_seed_score_prep(const ka_profile_prep *pp, const ka_pvariant *v,
                         const ka_seed_weights *w, ka_profile_match *parts)
{
    ka_profile_match m;
    ka_profile_match_prep(pp, v, &m);
    if (!w)
        w = &ka_seed_weights_default;
    if (parts)
        *parts = m;
    return w->genre * m.genre + w->character * m.character + w->scene * m.scene +
           w->ctr * m.ctr + w->quality * m.quality;
}

typedef struct seed_state {
    int n_arms;
    double temperature;
    ka_seed_weights w;
} seed_state;

static int seed_init(void *st, const ka_policy_params *p)
{
    seed_state *s = st;
    s->n_arms = p->n_arms;
    s->temperature = p->temperature;
    s->w = ka_seed_weights_default;
    return 0;
}

static int seed_probs(const void *st, const ka_policy_ctx *c, double *probs)
{
    const seed_state *s = st;
    double score[KA_POLICY_MAX_ARMS];
    ka_profile_prep pp;
    ka_profile_prep_init(&pp, c->profile, c->profile_opts);
    for (int i = 0; i < s->n_arms; i++)
        score[i] = ka_seed_score_prep(&pp, &c->variants[i], &s->w, NULL);
    int best = ka_argmax_ties(score, s->n_arms, 0, NULL);
    if (s->temperature <= 0) {
        for (int i = 0; i < s->n_arms; i++)
            probs[i] = 0;
        probs[ka_nth_tie(score, s->n_arms, score[best], 0, 0)] = 1;
        return 0;
    }
    double total = 0;
    for (int i = 0; i < s->n_arms; i++)
        total += probs[i] = exp((score[i] - score[best]) / s->temperature);
    for (int i = 0; i < s->n_arms; i++)
        probs[i] /= total;
    return 0;
}

static int seed_choose(const void *st, const ka_policy_ctx *c, ka_rng *rng, ka_choice *out)
{
    const seed_state *s = st;
    double probs[KA_POLICY_MAX_ARMS];
    seed_probs(st, c, probs);
    /* temperature 0: no draw, the best has probability 1 */
    int arm = s->temperature <= 0 ? ka_argmax_ties(probs, s->n_arms, 0, NULL)
                                  : ka_sample_index(probs, s->n_arms, ka_rng_uniform(rng));
    out->arm = arm;
    out->propensity = probs[arm];
    return 0;
}

static size_t seed_serialize(const void *st, uint8_t *buf, size_t cap)
{
    const seed_state *s = st;
    ka_bytes b = { .buf = buf, .cap = cap };
    ka_put_f32(&b, s->w.genre);
    ka_put_f32(&b, s->w.character);
    ka_put_f32(&b, s->w.scene);
    ka_put_f32(&b, s->w.ctr);
    ka_put_f32(&b, s->w.quality);
    return b.pos;
}

static int seed_deserialize(void *st, const ka_policy_params *p, const uint8_t *buf, size_t len)
{
    seed_state *s = st;
    ka_bytes b = { .in = buf, .cap = len };
    ka_seed_weights w;
    w.genre = ka_get_f32(&b);
    w.character = ka_get_f32(&b);
    w.scene = ka_get_f32(&b);
    w.ctr = ka_get_f32(&b);
    w.quality = ka_get_f32(&b);
    if (b.err || b.pos != len)
        return ka_error(KA_EFORMAT, "seed state of %zu bytes, want 20", len);
    s->w = w;
    (void)p;
    return 0;
}

const ka_policy_type ka_policy_seed = {
    .name = "seed",
    .description = "the seed scorer: 0.25 genre + 0.20 character + 0.20 scene type + "
                   "0.20 scene-type CTR + 0.15 quality; best, or softmax with a temperature",
    .state_size = sizeof(seed_state),
    .init = seed_init,
    .probs = seed_probs,
    .choose = seed_choose,
    .serialize = seed_serialize,
    .deserialize = seed_deserialize,
};

/* ---- uniform ---- */

typedef struct uniform_state {
    int n_arms;
} uniform_state;

static int uniform_init(void *st, const ka_policy_params *p)
{
    ((uniform_state *)st)->n_arms = p->n_arms;
    return 0;
}

static int uniform_probs(const void *st, const ka_policy_ctx *c, double *probs)
{
    const uniform_state *s = st;
    for (int i = 0; i < s->n_arms; i++)
        probs[i] = 1.0 / s->n_arms;
    (void)c;
    return 0;
}

static int uniform_choose(const void *st, const ka_policy_ctx *c, ka_rng *rng, ka_choice *out)
{
    const uniform_state *s = st;
    out->arm = (int)ka_rng_int(rng, (unsigned long)s->n_arms);
    out->propensity = 1.0 / s->n_arms;
    (void)c;
    return 0;
}

static size_t uniform_serialize(const void *st, uint8_t *buf, size_t cap)
{
    (void)st, (void)buf, (void)cap;
    return 0;
}

static int uniform_deserialize(void *st, const ka_policy_params *p, const uint8_t *buf,
                               size_t len)
{
    (void)st, (void)p, (void)buf;
    return len ? ka_error(KA_EFORMAT, "uniform state must be empty, not %zu bytes", len) : 0;
}

const ka_policy_type ka_policy_uniform = {
    .name = "uniform",
    .description = "every variant with probability 1/n (exploration traffic)",
    .state_size = sizeof(uniform_state),
    .init = uniform_init,
    .probs = uniform_probs,
    .choose = uniform_choose,
    .serialize = uniform_serialize,
    .deserialize = uniform_deserialize,
};
