/* bandit.c: Beta-Bernoulli policies over a title's variants, one set of counts per
 * user segment: Thompson sampling and epsilon-greedy.
 *
 * Thompson sampling draws p_i ~ Beta(a0_i + clicks_i, b0_i + misses_i) for every arm
 * and shows the largest; the priors a0_i, b0_i are params.prior_alpha and prior_beta,
 * shifted by prior_strength pseudo-observations split by the arm's prior worth (the
 * variants' order: a new title starts from variant 1, and the data soon outweighs it). The probability of showing arm i is
 *   P_i = integral_0^1 f_i(x) prod_{j != i} F_j(x) dx
 * (f, F: the Beta densities and distribution functions). prepare (and load) computes
 * it for every arm and caches it per segment: on one grid over [L, H], where L is the
 * largest lower edge (mean - 10 sd) of the posteriors and H the largest upper edge
 * (below L some posterior has no mass, so no arm wins there), with steps of 1/16 of
 * the narrowest relevant sd; F_j starts from GSL's Beta CDF at L and follows its
 * density by Simpson's rule, as does the integral. Posteriors with a parameter below 1
 * (infinite densities at 0 or 1) use adaptive quadrature (GSL QAGS) instead; with
 * params.mc_draws > 0, seeded Monte Carlo draws. A choice draws the arm from these
 * probabilities: the same distribution as drawing the Betas and showing the largest,
 * for one uniform number, and the propensity it logs is exactly the one it used. A new
 * policy's cache is fresh when its arms' priors are alike (all arms equal); else, and
 * after updates without prepare, a choice computes the probabilities itself (about
 * 0.1 ms), without writing the state.
 *
 * Epsilon-greedy shows the arm with the best posterior mean (equals share) with
 * probability 1 - epsilon and a uniform arm otherwise:
 *   P_i = epsilon / n + (1 - epsilon) [i is best] / (number of best). */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>

#include "personalize_priv.h"

#define MAXA KA_POLICY_MAX_ARMS
#define MAXS KA_POLICY_MAX_SEGMENTS

typedef struct beta_state {
    int n_arms, n_segments, mc_draws;
    double epsilon, a0, b0;
    double a[MAXS][MAXA], b[MAXS][MAXA];    /* posterior parameters */
    double prob[MAXS][MAXA];                /* Thompson: cached propensities */
    int fresh[MAXS];                        /* prob[s] is up to date */
} beta_state;

static int beta_init(void *st, const ka_policy_params *p)
{
    beta_state *s = st;
    s->n_arms = p->n_arms;
    s->n_segments = p->n_segments;
    s->mc_draws = p->mc_draws;
    s->epsilon = p->epsilon;
    s->a0 = p->prior_alpha;
    s->b0 = p->prior_beta;
    int alike = 1;
    for (int i = 1; i < s->n_arms && p->prior_strength > 0; i++)
        alike &= p->prior_worth[i] == p->prior_worth[0];
    for (int g = 0; g < MAXS; g++) {
        for (int i = 0; i < MAXA; i++) {
            double w = i < s->n_arms ? p->prior_worth[i] : 0.5;
            s->a[g][i] = s->a0 + p->prior_strength * w;
            s->b[g][i] = s->b0 + p->prior_strength * (1 - w);
            s->prob[g][i] = 1.0 / s->n_arms;    /* equal posteriors: equal chances */
        }
        s->fresh[g] = alike;        /* else prepare (or a choice) computes them */
    }
    return 0;
}

static int beta_update(void *st, const ka_policy_ctx *c, int arm, double reward)
{
    beta_state *s = st;
    s->a[c->segment][arm] += reward;
    s->b[c->segment][arm] += 1 - reward;
    s->fresh[c->segment] = 0;
    return 0;
}

static void beta_remap(void *dst, const void *src, const int *from)
{
    beta_state *d = dst;
    const beta_state *s = src;
    for (int g = 0; g < d->n_segments && g < s->n_segments; g++) {
        for (int i = 0; i < d->n_arms; i++)
            if (from[i] >= 0) {
                d->a[g][i] = s->a[g][from[i]];
                d->b[g][i] = s->b[g][from[i]];
            }
        d->fresh[g] = 0;
    }
}

/* ---- Thompson propensities ---- */

typedef struct integrand {
    const double *a, *b;
    int n, arm;
} integrand;

static double win_density(double x, void *arg)
{
    const integrand *q = arg;
    double f = gsl_ran_beta_pdf(x, q->a[q->arm], q->b[q->arm]);
    for (int j = 0; j < q->n && f > 0; j++)
        if (j != q->arm)
            f *= gsl_cdf_beta_P(x, q->a[j], q->b[j]);
    return f;
}

/* P(arm wins) by quadrature over [lo, hi], where every posterior's mass is. */
static double win_prob_quad(const double *a, const double *b, int n, int arm)
{
    double lo = 1, hi = 0;
    for (int j = 0; j < n; j++) {
        double m = a[j] / (a[j] + b[j]);
        double sd = sqrt(a[j] * b[j] / ((a[j] + b[j]) * (a[j] + b[j]) * (a[j] + b[j] + 1)));
        lo = fmin(lo, m - 12 * sd);
        hi = fmax(hi, m + 12 * sd);
    }
    lo = fmax(lo, 0);
    hi = fmin(hi, 1);
    /* the arm's own mass decides: outside its +-12 sd its density is ~0 */
    double m = a[arm] / (a[arm] + b[arm]);
    double sd = sqrt(a[arm] * b[arm] / ((a[arm] + b[arm]) * (a[arm] + b[arm]) * (a[arm] + b[arm] + 1)));
    lo = fmax(lo, m - 12 * sd);
    hi = fmin(hi, m + 12 * sd);
    if (!(hi > lo))
        return 0;
    integrand q = { a, b, n, arm };
    gsl_function f = { win_density, &q };
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(256);
    if (!w)
        return NAN;
    double r = 0, err = 0;
    gsl_integration_qags(&f, lo, hi, 1e-12, 1e-9, 256, w, &r, &err);
    gsl_integration_workspace_free(w);
    return r;
}

static void win_probs_mc(const double *a, const double *b, int n, int draws, int seg,
                         double *p)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    for (int i = 0; i < n; i++)
        p[i] = 0;
    if (!r)
        return;
    gsl_rng_set(r, 0x5eed + (unsigned long)seg);
    for (int d = 0; d < draws; d++) {
        int best = 0;
        double bv = -1;
        for (int i = 0; i < n; i++) {
            double v = gsl_ran_beta(r, a[i], b[i]);
            if (v > bv) {
                bv = v;
                best = i;
            }
        }
        p[best] += 1.0 / draws;
    }
    gsl_rng_free(r);
}

static double beta_pdf_at(double a, double b, double lnb, double lx, double l1x)
{
    double e = (a == 1 ? 0 : (a - 1) * lx) + (b == 1 ? 0 : (b - 1) * l1x) - lnb;
    return exp(e);
}

/* All arms' win probabilities on one grid (see the top of the file); -1 when a
 * parameter is below 1. */
static int win_probs_grid(const double *a, const double *b, int n, double *p)
{
    double m[MAXA], sd[MAXA], lnb[MAXA], L = 0, H = 0;
    for (int i = 0; i < n; i++) {
        if (a[i] < 1 || b[i] < 1)
            return -1;
        double s = a[i] + b[i];
        m[i] = a[i] / s;
        sd[i] = sqrt(a[i] * b[i] / (s * s * (s + 1)));
        L = fmax(L, m[i] - 10 * sd[i]);
        H = fmax(H, m[i] + 10 * sd[i]);
        lnb[i] = gsl_sf_lnbeta(a[i], b[i]);
    }
    H = fmin(H, 1);
    int rel[MAXA], nr = 0;
    double hmin = 1;
    for (int i = 0; i < n; i++) {
        p[i] = 0;
        if (m[i] + 10 * sd[i] >= L) {
            rel[nr++] = i;
            hmin = fmin(hmin, sd[i] / 16);
        }
    }
    if (nr == 1) {
        p[rel[0]] = 1;
        return 0;
    }
    double steps = ceil((H - L) / hmin);
    int ns = steps < 64 ? 64 : steps > 200000 ? 200000 : (int)steps;
    double h = (H - L) / ns;
    double F[MAXA], f0[MAXA], g0[MAXA], P[MAXA] = { 0 };
    double lx = L > 0 ? log(L) : -INFINITY, l1x = log1p(-L);
    for (int r = 0; r < nr; r++) {
        int i = rel[r];
        F[r] = gsl_cdf_beta_P(L, a[i], b[i]);
        f0[r] = beta_pdf_at(a[i], b[i], lnb[i], lx, l1x);
    }
    /* g = f_i prod_{j != i} F_j, by prefix and suffix products */
#define EXCL_PRODUCTS(Fv, fv, gv) do { \
        double pre = 1, suf[MAXA + 1]; \
        suf[nr] = 1; \
        for (int r = nr - 1; r >= 0; r--) suf[r] = suf[r + 1] * Fv[r]; \
        for (int r = 0; r < nr; r++) { gv[r] = fv[r] * pre * suf[r + 1]; pre *= Fv[r]; } \
    } while (0)
    EXCL_PRODUCTS(F, f0, g0);
    for (int k = 0; k < ns; k++) {
        double xm = L + (k + 0.5) * h, x1 = k + 1 == ns ? H : L + (k + 1) * h;
        double lxm = log(xm), l1xm = log1p(-xm), lx1 = log(x1), l1x1 = x1 < 1 ? log1p(-x1) : -INFINITY;
        double fm[MAXA], f1[MAXA], Fm[MAXA], F1[MAXA], gm[MAXA], g1[MAXA];
        for (int r = 0; r < nr; r++) {
            int i = rel[r];
            fm[r] = beta_pdf_at(a[i], b[i], lnb[i], lxm, l1xm);
            f1[r] = beta_pdf_at(a[i], b[i], lnb[i], lx1, l1x1);
            Fm[r] = fmin(1, F[r] + h / 24 * (5 * f0[r] + 8 * fm[r] - f1[r]));
            F1[r] = fmin(1, F[r] + h / 6 * (f0[r] + 4 * fm[r] + f1[r]));
        }
        EXCL_PRODUCTS(Fm, fm, gm);
        EXCL_PRODUCTS(F1, f1, g1);
        for (int r = 0; r < nr; r++) {
            P[r] += h / 6 * (g0[r] + 4 * gm[r] + g1[r]);
            F[r] = F1[r];
            f0[r] = f1[r];
            g0[r] = g1[r];
        }
    }
#undef EXCL_PRODUCTS
    double total = 0;
    for (int r = 0; r < nr; r++)
        total += P[r];
    if (!(total > 0))
        return -1;
    for (int r = 0; r < nr; r++)
        p[rel[r]] = P[r] / total;
    return 0;
}

static void thompson_compute(const beta_state *s, int seg, double *p)
{
    if (s->mc_draws > 0) {
        win_probs_mc(s->a[seg], s->b[seg], s->n_arms, s->mc_draws, seg, p);
        return;
    }
    if (win_probs_grid(s->a[seg], s->b[seg], s->n_arms, p) == 0)
        return;
    double total = 0;
    for (int i = 0; i < s->n_arms; i++)
        total += p[i] = win_prob_quad(s->a[seg], s->b[seg], s->n_arms, i);
    for (int i = 0; i < s->n_arms; i++)
        p[i] = total > 0 ? p[i] / total : 1.0 / s->n_arms;
}

static int thompson_prepare(void *st)
{
    beta_state *s = st;
    for (int g = 0; g < s->n_segments; g++)
        if (!s->fresh[g]) {
            thompson_compute(s, g, s->prob[g]);
            s->fresh[g] = 1;
        }
    return 0;
}

static int thompson_probs(const void *st, const ka_policy_ctx *c, double *probs)
{
    const beta_state *s = st;
    if (s->fresh[c->segment])
        memcpy(probs, s->prob[c->segment], sizeof(double) * (size_t)s->n_arms);
    else
        thompson_compute(s, c->segment, probs);
    return 0;
}

static int thompson_choose(const void *st, const ka_policy_ctx *c, ka_rng *rng, ka_choice *out)
{
    const beta_state *s = st;
    int g = c->segment;
    double tmp[MAXA];
    const double *p = s->prob[g];
    if (!s->fresh[g]) {             /* not prepared since the last update: compute, keep */
        thompson_compute(s, g, tmp);
        p = tmp;
    }
    out->arm = ka_sample_index(p, s->n_arms, ka_rng_uniform(rng));
    out->propensity = p[out->arm];
    return 0;
}

/* Body: per segment and arm, a and b (doubles). Propensities are recomputed. */
static size_t beta_serialize(const void *st, uint8_t *buf, size_t cap)
{
    const beta_state *s = st;
    ka_bytes b = { .buf = buf, .cap = cap };
    for (int g = 0; g < s->n_segments; g++)
        for (int i = 0; i < s->n_arms; i++) {
            ka_put_f64(&b, s->a[g][i]);
            ka_put_f64(&b, s->b[g][i]);
        }
    return b.pos;
}

static int beta_read(beta_state *s, const uint8_t *buf, size_t len)
{
    ka_bytes b = { .in = buf, .cap = len };
    for (int g = 0; g < s->n_segments; g++)
        s->fresh[g] = 0;            /* the cached propensities are the old state's */
    for (int g = 0; g < s->n_segments; g++)
        for (int i = 0; i < s->n_arms; i++) {
            s->a[g][i] = ka_get_f64(&b);
            s->b[g][i] = ka_get_f64(&b);
            if (!(s->a[g][i] > 0 && s->b[g][i] > 0) || isinf(s->a[g][i]) || isinf(s->b[g][i]))
                return ka_error(KA_EFORMAT, "Beta parameters must be positive and finite");
        }
    if (b.err || b.pos != len)
        return ka_error(KA_EFORMAT, "Beta state of %zu bytes, want %zu", len,
                        (size_t)s->n_segments * (size_t)s->n_arms * 16);
    return 0;
}

static int thompson_deserialize(void *st, const ka_policy_params *p, const uint8_t *buf,
                                size_t len)
{
    (void)p;
    int err = beta_read(st, buf, len);
    return err ? err : thompson_prepare(st);
}

const ka_policy_type ka_policy_thompson = {
    .name = "thompson",
    .description = "Beta-Bernoulli Thompson sampling per variant (and user segment); "
                   "propensities by quadrature or Monte Carlo",
    .state_size = sizeof(beta_state),
    .init = beta_init,
    .probs = thompson_probs,
    .choose = thompson_choose,
    .update = beta_update,
    .prepare = thompson_prepare,
    .serialize = beta_serialize,
    .deserialize = thompson_deserialize,
    .remap = beta_remap,
};

/* ---- epsilon-greedy ---- */

/* The posterior means of segment g, the best arm and its number of ties (1e-12). */
static int egreedy_means(const beta_state *s, int g, double *mean, int *ties)
{
    for (int i = 0; i < s->n_arms; i++)
        mean[i] = s->a[g][i] / (s->a[g][i] + s->b[g][i]);
    return ka_argmax_ties(mean, s->n_arms, 1e-12, ties);
}

static void egreedy_fill(const beta_state *s, const double *mean, int best, int ties,
                         double *probs)
{
    for (int i = 0; i < s->n_arms; i++)
        probs[i] = s->epsilon / s->n_arms +
                   (fabs(mean[i] - mean[best]) <= 1e-12 ? (1 - s->epsilon) / ties : 0);
}

static int egreedy_probs(const void *st, const ka_policy_ctx *c, double *probs)
{
    const beta_state *s = st;
    double mean[MAXA];
    int ties, best = egreedy_means(s, c->segment, mean, &ties);
    egreedy_fill(s, mean, best, ties, probs);
    return 0;
}

static int egreedy_choose(const void *st, const ka_policy_ctx *c, ka_rng *rng, ka_choice *out)
{
    const beta_state *s = st;
    double mean[MAXA], probs[MAXA];
    int ties, best = egreedy_means(s, c->segment, mean, &ties);   /* once for both uses */
    egreedy_fill(s, mean, best, ties, probs);
    int arm;
    if (ka_rng_uniform(rng) < s->epsilon)
        arm = (int)ka_rng_int(rng, (unsigned long)s->n_arms);
    else
        arm = ka_nth_tie(mean, s->n_arms, mean[best], 1e-12, (int)ka_rng_int(rng, (unsigned long)ties));
    out->arm = arm;
    out->propensity = probs[arm];
    return 0;
}

static int egreedy_deserialize(void *st, const ka_policy_params *p, const uint8_t *buf,
                               size_t len)
{
    (void)p;
    return beta_read(st, buf, len);
}

const ka_policy_type ka_policy_egreedy = {
    .name = "egreedy",
    .description = "epsilon-greedy over the variants' posterior click rates (per segment)",
    .state_size = sizeof(beta_state),
    .init = beta_init,
    .probs = egreedy_probs,
    .choose = egreedy_choose,
    .update = beta_update,
    .serialize = beta_serialize,
    .deserialize = egreedy_deserialize,
    .remap = beta_remap,
};
