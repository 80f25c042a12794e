/* linucb.c: LinUCB with disjoint linear models (Li, Chu, Langford, Schapire 2010,
 * "A contextual-bandit approach to personalized news article recommendation",
 * Algorithm 1). Arm a's context is x_a = u (x) v_a, the outer product of the user's
 * features u (ka_profile_features or ctx->user_x) and the variant's features v_a
 * (ka_pvariant_features), flattened. Each arm keeps A_a = ridge I + sum x x^T and
 * b_a = sum r x; it shows the arm with the largest
 *   theta_a^T x_a + alpha sqrt(x_a^T A_a^-1 x_a),   theta_a = A_a^-1 b_a,
 * drawing uniformly among exact ties (propensity 1 / ties; else 1). A_a^-1 follows
 * updates by Sherman-Morrison and is recomputed from A_a by Cholesky on prepare and
 * load, so rounding does not accumulate. */
#include <gsl/gsl_linalg.h>
#include <math.h>

#include "personalize_priv.h"

#define MAXA KA_POLICY_MAX_ARMS
#define MAXD KA_POLICY_MAX_DIM

typedef struct linucb_state {
    int n_arms, du, dv, d;
    double alpha, ridge;
    double A[MAXA][MAXD * MAXD];
    double Ainv[MAXA][MAXD * MAXD];
    double b[MAXA][MAXD];
    double theta[MAXA][MAXD];
} linucb_state;

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
    if (c->user_x) {
        memcpy(u, c->user_x, sizeof(double) * (size_t)s->du);
    } else {
        ka_profile_prep pp;
        ka_profile_prep_init(&pp, c->profile, c->profile_opts);
        ka_profile_features_prep(&pp, u, s->du);
    }
}

/* x = u (x) v for arm a. */
static void context(const linucb_state *s, const ka_policy_ctx *c, const double *u, int a,
                    double *x)
{
    double v[MAXD];
    ka_pvariant_features(&c->variants[a], v, s->dv);
    for (int i = 0; i < s->du; i++)
        for (int j = 0; j < s->dv; j++)
            x[i * s->dv + j] = u[i] * v[j];
}

static void ucb_all(const linucb_state *s, const ka_policy_ctx *c, double *ucb)
{
    int d = s->d;
    double u[MAXD];
    user_features(s, c, u);
    for (int a = 0; a < s->n_arms; a++) {
        double x[MAXD], mean = 0, q = 0;
        context(s, c, u, a, x);
        for (int i = 0; i < d; i++) {
            const double *row = &s->Ainv[a][i * d];
            double r = 0;
            for (int j = 0; j < d; j++)
                r += row[j] * x[j];
            q += x[i] * r;
            mean += s->theta[a][i] * x[i];
        }
        ucb[a] = mean + s->alpha * sqrt(fmax(q, 0));
    }
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

static int linucb_update(void *st, const ka_policy_ctx *c, int a, double reward)
{
    linucb_state *s = st;
    int d = s->d;
    double u[MAXD], x[MAXD], ax[MAXD];
    user_features(s, c, u);
    context(s, c, u, a, x);
    double q = 0;
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
    }
    return 0;
}

/* Body: per arm, A (d x d) then b (d), doubles. */
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
    return b.pos;
}

static int linucb_deserialize(void *st, const ka_policy_params *p, const uint8_t *buf,
                              size_t len)
{
    linucb_state *s = st;
    ka_bytes b = { .in = buf, .cap = len };
    (void)p;
    for (int a = 0; a < s->n_arms; a++) {
        for (int i = 0; i < s->d * s->d; i++)
            if (!isfinite(s->A[a][i] = ka_get_f64(&b)))
                return ka_error(KA_EFORMAT, "LinUCB: A is not finite");
        for (int i = 0; i < s->d; i++)
            if (!isfinite(s->b[a][i] = ka_get_f64(&b)))
                return ka_error(KA_EFORMAT, "LinUCB: b is not finite");
    }
    if (b.err || b.pos != len)
        return ka_error(KA_EFORMAT, "LinUCB state of %zu bytes, want %zu", len,
                        (size_t)s->n_arms * (size_t)(s->d * s->d + s->d) * 8);
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
};
