/* linucb.c: LinUCB with disjoint linear models (Li, Chu, Langford, Schapire 2010,
 * "A contextual-bandit approach to personalized news article recommendation",
 * Algorithm 1). Arm a's context is x_a = u (x) v_a, the outer product of the user's
 * features u (ka_profile_features or ctx->user_x) and the variant's features v_a
 * (ka_pvariant_features), flattened. Each arm keeps A_a = ridge I + sum x x^T and
 * b_a = sum r x; it shows the arm with the largest
 *   theta_a^T x_a + alpha sqrt(x_a^T A_a^-1 x_a),   theta_a = A_a^-1 b_a,
 * drawing uniformly among exact ties (propensity 1 / ties; else 1). A_a^-1 follows
 * updates by Sherman-Morrison and is recomputed from A_a by Cholesky on prepare and
 * load, so rounding does not accumulate.
 *
 * A choice costs d^2 per arm (d = du dv, up to 16) done this way. But v_a is a
 * property of the variant, not of the user, so the two terms fold into the user's
 * space ahead of time:
 *   x_a^T A_a^-1 x_a = u^T B_a u,  B_a[i][k] = sum_{j,l} v_a[j] v_a[l] A_a^-1[(i,j),(k,l)]
 *   theta_a^T x_a    = u . w_a,    w_a[i]    = sum_j theta_a[(i,j)] v_a[j]
 * (du^2 per arm). Each arm caches B_a and w_a for its variant features in the latest
 * update's context (update, prepare and load refresh them; the features are saved
 * with the state). A choice whose variant has exactly those features uses the cache;
 * any other falls back to the full computation. Both give the same value up to
 * rounding; arms with equal state and features still tie exactly. */
#include <gsl/gsl_linalg.h>
#include <math.h>

#include "personalize_priv.h"

#define MAXA KA_POLICY_MAX_ARMS
#define MAXD KA_POLICY_MAX_DIM

#define LINUCB_CACHE_TAG 0x5643554Cu   /* "LUCV": the saved variant features follow */

/* Each arm's folded model (valid for its cached variant features) sits at the front
 * of the state, packed by the real sizes: a cached choice reads ok, v, w and B of
 * every arm, and a server holds one state per title, so a choice must touch few
 * cache lines. Arm a's v is at cv[a dv], w at cw[a du], B at cB[a du du]. */
typedef struct linucb_state {
    int n_arms, du, dv, d;
    double alpha, ridge;
    int ok[MAXA];                   /* arm a's v, w and B are set */
    double cv[MAXA * MAXD];
    double cw[MAXA * MAXD];
    double cB[MAXA * MAXD * MAXD];
    double A[MAXA][MAXD * MAXD];
    double Ainv[MAXA][MAXD * MAXD];
    double b[MAXA][MAXD];
    double theta[MAXA][MAXD];
} linucb_state;

#define CV(s, a) (&(s)->cv[(a) * (s)->dv])
#define CW(s, a) (&(s)->cw[(a) * (s)->du])
#define CB(s, a) (&(s)->cB[(a) * (s)->du * (s)->du])

static int linucb_init(void *st, const ka_policy_params *p)
{
    linucb_state *s = st;
    s->n_arms = p->n_arms;
    s->du = p->user_dim;
    s->dv = p->variant_dim;
    s->d = s->du * s->dv;
    s->alpha = p->alpha;
    s->ridge = p->ridge;
    for (int a = 0; a < s->n_arms; a++)
        for (int i = 0; i < s->d; i++) {
            s->A[a][i * s->d + i] = s->ridge;
            s->Ainv[a][i * s->d + i] = 1 / s->ridge;
        }
    return 0;
}

/* The user's features u. */
static void user_features(const linucb_state *s, const ka_policy_ctx *c, double *u)
{
    if (c->user_x)
        memcpy(u, c->user_x, sizeof(double) * (size_t)s->du);
    else
        ka_profile_features(c->profile, c->profile_opts, u, s->du);
}

/* x = u (x) v. */
static void outer(const linucb_state *s, const double *u, const double *v, double *x)
{
    for (int i = 0; i < s->du; i++)
        for (int j = 0; j < s->dv; j++)
            x[i * s->dv + j] = u[i] * v[j];
}

/* B_a and w_a from A_a^-1, theta_a and the cached v (see the top of the file). */
static void fold(linucb_state *s, int a)
{
    int du = s->du, dv = s->dv, d = s->d;
    const double *Ai = s->Ainv[a], *v = CV(s, a);
    double *B = CB(s, a), *w = CW(s, a);
    double t[MAXD * MAXD];          /* t[(i,j) * du + m] = sum_l Ainv[(i,j),(m,l)] v[l] */
    for (int r = 0; r < d; r++)
        for (int m = 0; m < du; m++) {
            double acc = 0;
            for (int l = 0; l < dv; l++)
                acc += Ai[r * d + m * dv + l] * v[l];
            t[r * du + m] = acc;
        }
    for (int i = 0; i < du; i++) {
        for (int m = 0; m < du; m++) {
            double acc = 0;
            for (int j = 0; j < dv; j++)
                acc += v[j] * t[(i * dv + j) * du + m];
            B[i * du + m] = acc;
        }
        double acc = 0;
        for (int j = 0; j < dv; j++)
            acc += s->theta[a][i * dv + j] * v[j];
        w[i] = acc;
    }
}

/* Whether arm a's cache was made for variant features v (exactly: a NaN never is). */
static int cache_fits(const linucb_state *s, int a, const double *v)
{
    const double *cv = CV(s, a);
    if (!s->ok[a])
        return 0;
    for (int j = 0; j < s->dv; j++)
        if (!(cv[j] == v[j]))
            return 0;
    return 1;
}

/* mean = theta_a . x and q = x^T A_a^-1 x in full, x = u (x) v. */
static void full_terms(const linucb_state *s, int a, const double *u, const double *v,
                       double *mean, double *q)
{
    int d = s->d;
    double x[MAXD], m = 0, qq = 0;
    outer(s, u, v, x);
    for (int i = 0; i < d; i++) {
        const double *row = &s->Ainv[a][i * d];
        double r = 0;
        for (int j = 0; j < d; j++)
            r += row[j] * x[j];
        qq += x[i] * r;
        m += s->theta[a][i] * x[i];
    }
    *mean = m;
    *q = qq;
}

/* The same from arm a's cache (which must fit): u . w_a and u^T B_a u. */
static void cached_terms(const linucb_state *s, int a, const double *u, double *mean,
                         double *q)
{
    const double *B = CB(s, a), *w = CW(s, a);
    int du = s->du;
    double m = 0, qq = 0;
    for (int i = 0; i < du; i++) {
        const double *row = &B[i * du];
        double r = 0;
        for (int j = 0; j < du; j++)
            r += row[j] * u[j];
        qq += u[i] * r;
        m += w[i] * u[i];
    }
    *mean = m;
    *q = qq;
}

/* (q > 0 rather than fmax: the same for NaN, and inlined) */
static double score(const linucb_state *s, double mean, double q)
{
    return mean + s->alpha * sqrt(q > 0 ? q : 0);
}

static void ucb_all(const linucb_state *s, const ka_policy_ctx *c, double *ucb)
{
    double u[MAXD], mean[MAXA], q[MAXA];
    user_features(s, c, u);
    for (int a = 0; a < s->n_arms; a++) {
        double v[MAXD];
        ka_pvariant_features(&c->variants[a], v, s->dv);
        if (cache_fits(s, a, v))
            cached_terms(s, a, u, &mean[a], &q[a]);
        else
            full_terms(s, a, u, v, &mean[a], &q[a]);
    }
    /* square roots in a loop of their own, where they overlap */
    for (int a = 0; a < s->n_arms; a++)
        ucb[a] = score(s, mean[a], q[a]);
}

double ka_linucb_score(const void *st, const ka_policy_ctx *c, int a, int full, int *cached)
{
    const linucb_state *s = st;
    double u[MAXD], v[MAXD], mean, q;
    user_features(s, c, u);
    ka_pvariant_features(&c->variants[a], v, s->dv);
    int fast = !full && cache_fits(s, a, v);
    if (fast)
        cached_terms(s, a, u, &mean, &q);
    else
        full_terms(s, a, u, v, &mean, &q);
    if (cached)
        *cached = fast;
    return score(s, mean, q);
}

static int linucb_probs(const void *st, const ka_policy_ctx *c, double *probs)
{
    const linucb_state *s = st;
    double ucb[MAXA];
    ucb_all(s, c, ucb);
    int ties, best = ka_argmax_ties(ucb, s->n_arms, 0, &ties);
    for (int a = 0; a < s->n_arms; a++)
        probs[a] = ucb[a] == ucb[best] ? 1.0 / ties : 0;
    return 0;
}

static int linucb_choose(const void *st, const ka_policy_ctx *c, ka_rng *rng, ka_choice *out)
{
    const linucb_state *s = st;
    double ucb[MAXA];
    ucb_all(s, c, ucb);
    int ties, best = ka_argmax_ties(ucb, s->n_arms, 0, &ties);
    out->arm = ties > 1 ? ka_nth_tie(ucb, s->n_arms, ucb[best], 0,
                                     (int)ka_rng_int(rng, (unsigned long)ties)) : best;
    out->propensity = 1.0 / ties;
    return 0;
}

static void solve_theta(linucb_state *s, int a)
{
    int d = s->d;
    for (int i = 0; i < d; i++) {
        double t = 0;
        for (int j = 0; j < d; j++)
            t += s->Ainv[a][i * d + j] * s->b[a][j];
        s->theta[a][i] = t;
    }
}

/* Caches arm a's model for variant features v. */
static void remember(linucb_state *s, int a, const double *v)
{
    for (int j = 0; j < s->dv; j++)
        if (!isfinite(v[j])) {      /* never matched, and not savable: no cache */
            s->ok[a] = 0;
            return;
        }
    memcpy(CV(s, a), v, sizeof(double) * (size_t)s->dv);
    s->ok[a] = 1;
    fold(s, a);
}

/* A_a += x x^T, b_a += r x, A_a^-1 by Sherman-Morrison, and theta_a. */
static void observe(linucb_state *s, int a, const double *x, double reward)
{
    int d = s->d;
    double ax[MAXD], q = 0;
    for (int i = 0; i < d; i++) {
        double r = 0;
        for (int j = 0; j < d; j++)
            r += s->Ainv[a][i * d + j] * x[j];
        ax[i] = r;                  /* A^-1 x (A^-1 is symmetric) */
        q += x[i] * r;
    }
    for (int i = 0; i < d; i++) {
        for (int j = 0; j < d; j++) {
            s->A[a][i * d + j] += x[i] * x[j];
            s->Ainv[a][i * d + j] -= ax[i] * ax[j] / (1 + q);
        }
        s->b[a][i] += reward * x[i];
    }
    solve_theta(s, a);
}

static int linucb_update(void *st, const ka_policy_ctx *c, int a, double reward)
{
    linucb_state *s = st;
    double u[MAXD], v[MAXD], x[MAXD];
    user_features(s, c, u);
    ka_pvariant_features(&c->variants[a], v, s->dv);
    outer(s, u, v, x);
    observe(s, a, x, reward);
    remember(s, a, v);
    /* the other arms' models did not change: their caches move only to features new
     * to them (a title's variants are rarely rescored, so this is rare) */
    for (int k = 0; k < s->n_arms; k++) {
        if (k == a)
            continue;
        ka_pvariant_features(&c->variants[k], v, s->dv);
        if (!cache_fits(s, k, v))
            remember(s, k, v);
    }
    return 0;
}

static int linucb_prepare(void *st)
{
    linucb_state *s = st;
    int d = s->d;
    for (int a = 0; a < s->n_arms; a++) {
        double m[MAXD * MAXD];
        memcpy(m, s->A[a], sizeof(double) * (size_t)(d * d));
        gsl_matrix_view mv = gsl_matrix_view_array(m, (size_t)d, (size_t)d);
        if (gsl_linalg_cholesky_decomp1(&mv.matrix) || gsl_linalg_cholesky_invert(&mv.matrix))
            return ka_error(KA_EINTERNAL, "LinUCB: arm %d: A is not positive definite", a);
        memcpy(s->Ainv[a], m, sizeof(double) * (size_t)(d * d));
        solve_theta(s, a);
        if (s->ok[a])
            fold(s, a);
    }
    return 0;
}

/* The models move with their arms; the caches are dropped (prepare and choices make
 * them again). */
static void linucb_remap(void *dst, const void *src, const int *from)
{
    linucb_state *d = dst;
    const linucb_state *s = src;
    if (d->d != s->d)
        return;                     /* other features: nothing carries over */
    for (int a = 0; a < d->n_arms; a++) {
        d->ok[a] = 0;
        if (from[a] < 0)
            continue;
        memcpy(d->A[a], s->A[from[a]], sizeof d->A[a]);
        memcpy(d->b[a], s->b[from[a]], sizeof d->b[a]);
    }
}

/* Body: per arm, A (d x d) then b (d), doubles; then the tag "LUCV" and per arm u32
 * (1: cached) and the dv variant features the cache was made for (zeros when not).
 * Bodies without the tail (the first format) still load, with no caches. */
static size_t linucb_serialize(const void *st, uint8_t *buf, size_t cap)
{
    const linucb_state *s = st;
    ka_bytes b = { .buf = buf, .cap = cap };
    for (int a = 0; a < s->n_arms; a++) {
        for (int i = 0; i < s->d * s->d; i++)
            ka_put_f64(&b, s->A[a][i]);
        for (int i = 0; i < s->d; i++)
            ka_put_f64(&b, s->b[a][i]);
    }
    ka_put_u32(&b, LINUCB_CACHE_TAG);
    for (int a = 0; a < s->n_arms; a++) {
        ka_put_u32(&b, (uint32_t)s->ok[a]);
        for (int j = 0; j < s->dv; j++)
            ka_put_f64(&b, s->ok[a] ? CV(s, a)[j] : 0);
    }
    return b.pos;
}

/* The cached variant features after the models (b at the tail's start). */
static int read_caches(linucb_state *s, ka_bytes *b)
{
    if (ka_get_u32(b) != LINUCB_CACHE_TAG)
        return ka_error(KA_EFORMAT, "LinUCB: unknown data after the models");
    for (int a = 0; a < s->n_arms; a++) {
        uint32_t ok = ka_get_u32(b);
        if (ok > 1)
            return ka_error(KA_EFORMAT, "LinUCB: arm %d: bad cache flag %u", a, (unsigned)ok);
        s->ok[a] = (int)ok;
        for (int j = 0; j < s->dv; j++)
            if (!isfinite(CV(s, a)[j] = ka_get_f64(b)))
                return ka_error(KA_EFORMAT, "LinUCB: arm %d: variant features not finite", a);
    }
    return 0;
}

static int linucb_deserialize(void *st, const ka_policy_params *p, const uint8_t *buf,
                              size_t len)
{
    linucb_state *s = st;
    ka_bytes b = { .in = buf, .cap = len };
    size_t models = (size_t)s->n_arms * (size_t)(s->d * s->d + s->d) * 8;
    size_t tail = 4 + (size_t)s->n_arms * (4 + (size_t)s->dv * 8);
    (void)p;
    if (len != models && len != models + tail)
        return ka_error(KA_EFORMAT, "LinUCB state of %zu bytes, want %zu (or %zu without "
                        "cached variant features)", len, models + tail, models);
    for (int a = 0; a < s->n_arms; a++) {
        for (int i = 0; i < s->d * s->d; i++)
            if (!isfinite(s->A[a][i] = ka_get_f64(&b)))
                return ka_error(KA_EFORMAT, "LinUCB: A is not finite");
        for (int i = 0; i < s->d; i++)
            if (!isfinite(s->b[a][i] = ka_get_f64(&b)))
                return ka_error(KA_EFORMAT, "LinUCB: b is not finite");
    }
    if (len > models && read_caches(s, &b))
        return KA_EFORMAT;
    if (b.err || b.pos != len)
        return ka_error(KA_EFORMAT, "LinUCB: truncated state");
    for (int a = 0; a < s->n_arms; a++)
        for (int i = 0; i < s->d; i++)
            for (int j = 0; j < i; j++)
                if (s->A[a][i * s->d + j] != s->A[a][j * s->d + i])
                    return ka_error(KA_EFORMAT, "LinUCB: A is not symmetric");
    return linucb_prepare(st) ? ka_error(KA_EFORMAT, "LinUCB: A is not positive definite") : 0;
}

const ka_policy_type ka_policy_linucb = {
    .name = "linucb",
    .description = "LinUCB with disjoint linear models over user (x) variant features "
                   "(Li et al. 2010)",
    .state_size = sizeof(linucb_state),
    .init = linucb_init,
    .probs = linucb_probs,
    .choose = linucb_choose,
    .update = linucb_update,
    .prepare = linucb_prepare,
    .serialize = linucb_serialize,
    .deserialize = linucb_deserialize,
    .remap = linucb_remap,
};
