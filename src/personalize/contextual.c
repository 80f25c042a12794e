/* contextual.c: one Bayesian click model shared by every title ("contextual"). A
 * viewer's taste for a picture (scene type, composition, the roles it shows) is the
 * same whatever the title, so what a click on one title teaches reaches every other:
 * the policy's state is one model for the whole catalogue, and serving keeps one
 * (ka_policy_type.shared), not one per title.
 *
 * The model is Bayesian probit regression with a diagonal Gaussian posterior, learned
 * online by assumed-density filtering (Graepel, Candela, Borchert, Herbrich 2010,
 * "Web-scale Bayesian click-through rate prediction for sponsored search advertising
 * in Microsoft's Bing search engine"):
 *   P(click) = Phi(w . x / beta),  x = u (x) v,
 * the outer product of the viewer's context u (1; the genres of the title, of what
 * they were shown and of what they clicked; their scene-type, composition and role
 * affinities; each block scaled to length 1) and the picture's features v (one-hot
 * scene type and composition, the roles it shows, its grade, and 1). The weights of
 * u (x) 1 move every arm alike: they fit the viewer's click rate and never take part
 * in a choice. The context of a reward is the viewer's profile when the picture was
 * shown (serving keeps it with the impression).
 *
 * A choice is a softmax over optimistic scores: arm a scores mean_a + k sd_a (its
 * probit's posterior mean and sd, the weights every arm shares left out) and is shown
 * with probability proportional to exp(score_a / T). Arms that are close, or that
 * the model knows little about, keep being shown; the propensities are exact and
 * cheap. (Thompson sampling on the same posterior did a point worse in the simulation,
 * and its propensities need an integral per arm: ~100 us a choice.) Scores sum over the
 * viewer's features first: per picture feature j, z_j = sum_i u_i mean_ij and
 * s_j = sum_i u_i^2 var_ij, so an arm costs only its few features. */
#include <math.h>

#include "personalize_priv.h"

#define N_G KA_PROFILE_GENRES
#define N_S KA_SCENE_COUNT
#define N_C KA_COMP_COUNT
#define N_R KA_ROLE_COUNT
#define DU (1 + N_G + N_S + N_C + N_R)
#define DV (1 + N_S + N_C + N_R + 1)
#define CTX_TAG 0x58544343u         /* "CCTX" */

/* Chosen on the default simulation (seeds 1..4, docs/simulate.md): a probit noise
 * this wide and priors this narrow learn slowly enough that a handful of clicks does
 * not swing the shared weights; the population's weights (u = 1) start wider than
 * the interactions, which need more evidence. */
#define BETA2 3.0                   /* the probit's noise variance */
#define PRIOR_VAR_POP 0.3           /* weights of 1 (x) v: every viewer's */
#define PRIOR_VAR_TASTE 0.1         /* weights of taste (x) v */
#define OPTIMISM 0.75               /* an arm's score: mean + this many sds */
#define TEMPERATURE 0.05            /* of the softmax over scores (probit units) */
#define SEEN_WEIGHT 6.0             /* genres shown, against genres clicked */

typedef struct ctx_state {
    double n;                       /* rewards learned */
    double mean[DU * DV];           /* weight (i, j) at i * DV + j */
    double var[DU * DV];
} ctx_state;

/* A sparse vector: (index, value) pairs. */
typedef struct sparse {
    int n;
    int i[DU];
    double x[DU];
} sparse;

static void add(sparse *s, int i, double x)
{
    if (x != 0) {
        s->i[s->n] = i;
        s->x[s->n++] = x;
    }
}

/* v[0..n-1] scaled to length 1, from index base (nothing when all are 0): a block
 * weighs the same however much the viewer did. */
static void add_unit(sparse *s, int base, const float *v, int n)
{
    double ss = 0;
    for (int k = 0; k < n; k++)
        ss += (double)v[k] * v[k];
    for (int k = 0; ss > 0 && k < n; k++)
        add(s, base + k, v[k] / sqrt(ss));
}

static float total(const float *v, int n)
{
    float t = 0;
    for (int k = 0; k < n; k++)
        t += v[k];
    return t;
}

/* The viewer's context u. Genres say most about a taste: the title's own (what a
 * viewer is shown is drawn by what they like), the shares of the genres they were
 * shown and of those they clicked, in one block. */
static void user_context(const ka_policy_ctx *c, sparse *u)
{
    const ka_profile *p = c->profile;
    float genre[N_G] = { 0 };
    int g = c->variants[0].genre;
    u->n = 0;
    add(u, 0, 1);
    if (g >= 0 && g < N_G)
        genre[g] = 1;
    if (p) {
        float seen = total(p->genre_seen, N_G), liked = total(p->genre, N_G);
        for (int k = 0; k < N_G; k++)
            genre[k] += (seen > 0 ? SEEN_WEIGHT * p->genre_seen[k] / seen : 0) +
                        (liked > 0 ? p->genre[k] / liked : 0);
    }
    add_unit(u, 1, genre, N_G);
    if (!p)
        return;
    add_unit(u, 1 + N_G, p->scene, N_S);
    add_unit(u, 1 + N_G + N_S, p->composition, N_C);
    add_unit(u, 1 + N_G + N_S + N_C, p->role, N_R);
}

/* The picture's features; with_bias 0 leaves out the 1 every arm has. */
static void picture(const ka_pvariant *v, int with_bias, sparse *s)
{
    s->n = 0;
    if (with_bias)
        add(s, 0, 1);
    if ((unsigned)v->scene < N_S)
        add(s, 1 + v->scene, 1);
    if ((unsigned)v->composition < N_C)
        add(s, 1 + N_S + v->composition, 1);
    int nc = v->n_chars < 0 ? 0 : v->n_chars > KA_PV_MAX_CHARS ? KA_PV_MAX_CHARS : v->n_chars;
    for (int k = 0; k < nc; k++) {
        int r = v->roles[k], seen = 0;
        for (int m = 0; m < k; m++)
            seen |= v->roles[m] == r;
        if ((unsigned)r < N_R && r != KA_ROLE_NONE && !seen)
            add(s, 1 + N_S + N_C + r, 1);
    }
    double q = v->quality > 1 ? 1 : v->quality > 0 ? v->quality : 0;    /* NaN: 0 */
    add(s, DV - 1, q - 0.5);
}

static int ctx_init(void *st, const ka_policy_params *p)
{
    ctx_state *s = st;
    (void)p;
    s->n = 0;
    for (int k = 0; k < DU * DV; k++) {
        s->mean[k] = 0;
        s->var[k] = k < DV ? PRIOR_VAR_POP : PRIOR_VAR_TASTE;
    }
    return 0;
}

/* Every arm's score mean and variance (the weights all arms share left out). */
static void scores(const ctx_state *s, const ka_policy_ctx *c, double *mean, double *var)
{
    sparse u, v;
    double z[DV] = { 0 }, sv[DV] = { 0 };
    user_context(c, &u);
    for (int k = 0; k < u.n; k++) {
        const double *m = &s->mean[u.i[k] * DV], *w = &s->var[u.i[k] * DV];
        double x = u.x[k], x2 = x * x;
        for (int j = 1; j < DV; j++) {
            z[j] += x * m[j];
            sv[j] += x2 * w[j];
        }
    }
    for (int a = 0; a < c->n_variants; a++) {
        picture(&c->variants[a], 0, &v);
        double mu = 0, s2 = 0;
        for (int k = 0; k < v.n; k++) {
            mu += v.x[k] * z[v.i[k]];
            s2 += v.x[k] * v.x[k] * sv[v.i[k]];
        }
        mean[a] = mu;
        var[a] = s2;
    }
}

static double std_cdf(double z)
{
    return 0.5 * erfc(-z * M_SQRT1_2);
}

static int ctx_probs(const void *st, const ka_policy_ctx *c, double *probs)
{
    const ctx_state *s = st;
    double mean[KA_POLICY_MAX_ARMS], var[KA_POLICY_MAX_ARMS], best = -INFINITY, total = 0;
    int n = c->n_variants;
    scores(s, c, mean, var);
    for (int a = 0; a < n; a++) {
        mean[a] += OPTIMISM * sqrt(var[a]);
        best = mean[a] > best ? mean[a] : best;
    }
    for (int a = 0; a < n; a++)
        total += probs[a] = exp((mean[a] - best) / TEMPERATURE);
    for (int a = 0; a < n; a++)
        probs[a] /= total;
    return 0;
}

static int ctx_choose(const void *st, const ka_policy_ctx *c, ka_rng *rng, ka_choice *out)
{
    double p[KA_POLICY_MAX_ARMS];
    ctx_probs(st, c, p);
    out->arm = ka_sample_index(p, c->n_variants, ka_rng_uniform(rng));
    out->propensity = p[out->arm];
    return 0;
}

/* N(z) / Phi(z), kept finite far in the lower tail (where it tends to -z). */
static double v_of(double z)
{
    double cdf = std_cdf(z);
    return cdf > 1e-300 ? exp(-0.5 * z * z) / sqrt(2 * M_PI) / cdf : -z;
}

/* One reward by assumed-density filtering of the probit (Graepel et al. 2010, eq. 3). */
static int ctx_update(void *st, const ka_policy_ctx *c, int arm, double reward)
{
    ctx_state *s = st;
    sparse u, v;
    user_context(c, &u);
    picture(&c->variants[arm], 1, &v);
    double y = reward >= 0.5 ? 1 : -1, t = 0, s2 = BETA2;
    for (int a = 0; a < u.n; a++)
        for (int b = 0; b < v.n; b++) {
            int k = u.i[a] * DV + v.i[b];
            double x = u.x[a] * v.x[b];
            t += s->mean[k] * x;
            s2 += s->var[k] * x * x;
        }
    double sd = sqrt(s2), z = y * t / sd, vz = v_of(z), wz = vz * (vz + z);
    for (int a = 0; a < u.n; a++)
        for (int b = 0; b < v.n; b++) {
            int k = u.i[a] * DV + v.i[b];
            double x = u.x[a] * v.x[b];
            s->mean[k] += y * x * s->var[k] / sd * vz;
            double f = 1 - x * x * s->var[k] / s2 * wz;
            s->var[k] *= f > 1e-6 ? f : 1e-6;   /* rounding never makes it negative */
        }
    s->n += 1;
    return 0;
}

/* The model is every title's: a policy for other arms keeps all of it. */
static void ctx_remap(void *dst, const void *src, const int *from)
{
    (void)from;
    memcpy(dst, src, sizeof(ctx_state));
}

/* Body: "CCTX", u32 DU, u32 DV, f64 n, then DU DV means and DU DV variances (f64). */
static size_t ctx_serialize(const void *st, uint8_t *buf, size_t cap)
{
    const ctx_state *s = st;
    ka_bytes b = { .buf = buf, .cap = cap };
    ka_put_u32(&b, CTX_TAG);
    ka_put_u32(&b, DU);
    ka_put_u32(&b, DV);
    ka_put_f64(&b, s->n);
    for (int k = 0; k < DU * DV; k++)
        ka_put_f64(&b, s->mean[k]);
    for (int k = 0; k < DU * DV; k++)
        ka_put_f64(&b, s->var[k]);
    return b.pos;
}

static int ctx_deserialize(void *st, const ka_policy_params *p, const uint8_t *buf, size_t len)
{
    ctx_state *s = st;
    ka_bytes b = { .in = buf, .cap = len };
    (void)p;
    if (ka_get_u32(&b) != CTX_TAG || ka_get_u32(&b) != DU || ka_get_u32(&b) != DV)
        return ka_error(KA_EFORMAT, "contextual: not a model of %d x %d features", DU, DV);
    s->n = ka_get_f64(&b);
    for (int k = 0; k < DU * DV; k++)
        s->mean[k] = ka_get_f64(&b);
    for (int k = 0; k < DU * DV; k++)
        s->var[k] = ka_get_f64(&b);
    if (b.err || b.pos != len)
        return ka_error(KA_EFORMAT, "contextual: state of %zu bytes, want %zu", len,
                        (size_t)(4 * 3 + 8 + 16 * DU * DV));
    if (!(s->n >= 0) || isinf(s->n))
        return ka_error(KA_EFORMAT, "contextual: bad count");
    for (int k = 0; k < DU * DV; k++)
        if (!isfinite(s->mean[k]) || !(s->var[k] > 0) || isinf(s->var[k]))
            return ka_error(KA_EFORMAT, "contextual: weight %d is not a finite mean with a "
                            "positive variance", k);
    return 0;
}

const ka_policy_type ka_policy_contextual = {
    .name = "contextual",
    .description = "a softmax over optimistic scores of one Bayesian probit model of "
                   "clicks shared by every title, over viewer profile (x) picture features",
    .state_size = sizeof(ctx_state),
    .init = ctx_init,
    .probs = ctx_probs,
    .choose = ctx_choose,
    .update = ctx_update,
    .serialize = ctx_serialize,
    .deserialize = ctx_deserialize,
    .remap = ctx_remap,
    .shared = 1,
};
