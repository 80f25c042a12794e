/* test_ope_ridge.c: doubly robust evaluation with the ridge reward model, on synthetic
 * logs whose expected reward is linear in the model's features. Each event has two
 * context features x uniform on [0,1]^2 and one of two slots; the click probability of
 * action a in slot s is
 *   mu(x, a, s) = base[s] + alpha[a] + eta[a] . x
 * Logging and evaluated policies depend on the context through x's quadrant only, so
 * the true value is exact: mu is linear and x uniform in a quadrant, so the quadrant's
 * mean of mu is mu at its centre, and
 *   V = 1/2 sum_s 1/4 sum_quadrant sum_a target[quadrant][a] mu(centre, a, s).
 * Rewards are clicks (Bernoulli(mu)) or graded (mu plus a little noise). Checks: over
 * 100 logs, ridge DR has a smaller mean squared error than IPS (much smaller, and
 * smaller than DR with the context-free mean model, for graded rewards) and is
 * unbiased within its Monte Carlo error; its 95% bootstrap intervals cover V in
 * 90-99% of 200 logs of clicks; a log without features and a misspecified (context-free) model
 * stays unbiased; bad options and features are refused. */
#include <stdlib.h>
#include <string.h>

#include "keyart/experiment.h"
#include "../ka_test.h"

#define K 4
#define S 2
#define F 2
#define Q 4

static const double base[S] = { 0.10, 0.04 };
static const double alpha[K] = { 0.05, 0.10, 0.00, 0.12 };
static const double eta[K][F] = { { 0.30, 0.00 }, { 0.00, 0.25 }, { 0.20, 0.20 }, { -0.10, 0.05 } };
static const double target[Q][K] = {       /* leans to each quadrant's best action */
    { 0.10, 0.30, 0.10, 0.50 },
    { 0.60, 0.10, 0.20, 0.10 },
    { 0.10, 0.50, 0.30, 0.10 },
    { 0.20, 0.10, 0.60, 0.10 },
};
static const double logging[Q][K] = {      /* unlike the target */
    { 0.40, 0.30, 0.20, 0.10 },
    { 0.10, 0.30, 0.30, 0.30 },
    { 0.40, 0.10, 0.20, 0.30 },
    { 0.30, 0.40, 0.20, 0.10 },
};

static double mu(const double *x, int a, int s)
{
    return base[s] + alpha[a] + eta[a][0] * x[0] + eta[a][1] * x[1];
}

static int quadrant(const double *x)
{
    return (x[0] > 0.5) + 2 * (x[1] > 0.5);
}

static double truth(void)
{
    double v = 0;
    for (int s = 0; s < S; s++)
        for (int q = 0; q < Q; q++) {
            double c[F] = { q & 1 ? 0.75 : 0.25, q & 2 ? 0.75 : 0.25 };
            for (int a = 0; a < K; a++)
                v += 0.5 * 0.25 * target[q][a] * mu(c, a, s);
        }
    return v;
}

static ka_ope_log L;
static double *pi;

/* A log of n events; rewards are clicks (Bernoulli(mu)), or with graded != 0 a graded
 * reward mu + uniform noise of +-0.05 (a rating, a share of a trailer watched). */
static void simulate(ka_rng *r, int n, int graded)
{
    L.n = n;
    L.n_actions = K;
    L.n_slots = S;
    L.n_features = F;
    for (int i = 0; i < n; i++) {
        double *x = L.features + (size_t)i * F;
        x[0] = ka_rng_uniform(r);
        x[1] = ka_rng_uniform(r);
        int q = quadrant(x), s = (int)ka_rng_int(r, S), a;
        double u = ka_rng_uniform(r), acc = 0;
        for (a = 0; a < K - 1; a++)
            if (u < (acc += logging[q][a]))
                break;
        L.action[i] = a;
        L.slot[i] = s;
        L.pscore[i] = logging[q][a];
        L.reward[i] = graded ? mu(x, a, s) + 0.1 * (ka_rng_uniform(r) - 0.5)
                             : ka_rng_uniform(r) < mu(x, a, s);
        memcpy(pi + (size_t)i * K, target[q], sizeof target[q]);
    }
}

static void test_truth(void)
{
    /* every click probability is a probability */
    for (int a = 0; a < K; a++)
        for (int s = 0; s < S; s++)
            for (int k = 0; k < 4; k++) {
                double x[F] = { k & 1, k >> 1 };   /* linear: extremes at the corners */
                CHECK(mu(x, a, s) > 0 && mu(x, a, s) < 1);
            }
    /* by hand, slot 0 (slot 1 is 0.06 lower for every action), mu of actions 0-3 at
     * each quadrant's centre and the target's mean:
     * (.25,.25): .225 .2625 .2 .2075, .1/.3/.1/.5 -> .225;
     * (.75,.25): .375 .2625 .3 .1575, .6/.1/.2/.1 -> .327;
     * (.25,.75): .225 .3875 .3 .2325, .1/.5/.3/.1 -> .3295;
     * (.75,.75): .375 .3875 .4 .1825, .2/.1/.6/.1 -> .372;
     * V = (.225 + .327 + .3295 + .372) / 4 - .06 / 2 = .283375 */
    CHECK_NEAR(truth(), 0.283375, 1e-12);
}

/* Mean squared error of IPS and both DR models over 100 logs of 2000 events. */
static void error_vs_ips(int graded)
{
    double V = truth(), se_ips = 0, se_dr = 0, se_mean = 0, bias = 0;
    int reps = 100, n = 2000;
    ka_rng *r = ka_rng_new(21);
    ka_ope_opts o;
    ka_ope_opts_default(&o);
    o.n_boot = 0;
    for (int k = 0; k < reps; k++) {
        simulate(r, n, graded);
        ka_ope_estimate e[KA_OPE_COUNT], m[KA_OPE_COUNT];
        o.dr_model = KA_OPE_DR_RIDGE;
        CHECK_MSG(ka_ope_evaluate(&L, pi, &o, e) == 0, "%s", ka_error_message());
        o.dr_model = KA_OPE_DR_MEAN;
        CHECK(ka_ope_evaluate(&L, pi, &o, m) == 0);
        CHECK(e[KA_OPE_IPS].value == m[KA_OPE_IPS].value);  /* the model touches DR only */
        se_ips += (e[KA_OPE_IPS].value - V) * (e[KA_OPE_IPS].value - V) / reps;
        se_dr += (e[KA_OPE_DR].value - V) * (e[KA_OPE_DR].value - V) / reps;
        se_mean += (m[KA_OPE_DR].value - V) * (m[KA_OPE_DR].value - V) / reps;
        bias += (e[KA_OPE_DR].value - V) / reps;
    }
    fprintf(stderr, "   %s, n=%d, %d logs: RMSE IPS %.5f, DR (mean model) %.5f, DR (ridge) "
            "%.5f; ridge DR mean error %+.5f\n", graded ? "graded rewards" : "clicks", n, reps,
            sqrt(se_ips), sqrt(se_mean), sqrt(se_dr), bias);
    CHECK_MSG(se_dr < se_ips, "ridge DR MSE %g, IPS %g", se_dr, se_ips);
    if (graded) {
        /* with little reward noise, a well-specified model leaves DR little to correct,
         * and only the ridge model sees the context (with clicks, the Bernoulli noise
         * that no model removes dominates both) */
        CHECK_MSG(se_dr < 0.25 * se_ips, "ridge DR MSE %g, IPS %g", se_dr, se_ips);
        CHECK_MSG(se_dr < 0.5 * se_mean, "ridge DR MSE %g, mean-model DR %g", se_dr, se_mean);
    }
    /* unbiased: the mean error is within 3 standard errors of the 100-log mean */
    CHECK_MSG(fabs(bias) < 3 * sqrt(se_dr / reps), "bias %g", bias);
    ka_rng_free(r);
}

static void test_error(void)
{
    error_vs_ips(0);
    error_vs_ips(1);
}

static void test_coverage(void)
{
    double V = truth();
    int reps = 200, n = 1000, cover = 0;
    ka_rng *r = ka_rng_new(23);
    ka_ope_opts o;
    ka_ope_opts_default(&o);
    o.n_boot = 100;
    o.level = 0.95;
    o.dr_model = KA_OPE_DR_RIDGE;
    for (int k = 0; k < reps; k++) {
        simulate(r, n, 0);
        ka_ope_estimate e[KA_OPE_COUNT];
        o.seed = (uint64_t)k + 1;
        CHECK(ka_ope_evaluate(&L, pi, &o, e) == 0);
        cover += e[KA_OPE_DR].lo <= V && V <= e[KA_OPE_DR].hi;
        CHECK(e[KA_OPE_DR].lo < e[KA_OPE_DR].hi);
    }
    double c = (double)cover / reps;
    fprintf(stderr, "   ridge DR: 95%% interval covered V = %.5f in %d/%d logs (%.3f)\n", V,
            cover, reps, c);
    CHECK_MSG(c >= 0.90 && c <= 0.99, "coverage %.3f", c);
    ka_rng_free(r);
}

/* Without the features the ridge model is context-free (misspecified): DR is still
 * unbiased through its IPS term. */
static void test_without_features(void)
{
    double V = truth(), bias = 0, se = 0;
    int reps = 100, n = 2000;
    ka_rng *r = ka_rng_new(25);
    ka_ope_opts o;
    ka_ope_opts_default(&o);
    o.n_boot = 0;
    o.dr_model = KA_OPE_DR_RIDGE;
    for (int k = 0; k < reps; k++) {
        simulate(r, n, 0);
        L.n_features = 0;
        ka_ope_estimate e[KA_OPE_COUNT];
        CHECK(ka_ope_evaluate(&L, pi, &o, e) == 0);
        bias += (e[KA_OPE_DR].value - V) / reps;
        se += (e[KA_OPE_DR].value - V) * (e[KA_OPE_DR].value - V) / reps;
    }
    fprintf(stderr, "   ridge DR without features: RMSE %.5f, mean error %+.5f\n", sqrt(se), bias);
    CHECK_MSG(fabs(bias) < 3 * sqrt(se / reps), "bias %g", bias);
    ka_rng_free(r);
}

static void test_refusals(void)
{
    ka_rng *r = ka_rng_new(27);
    simulate(r, 200, 0);
    ka_ope_opts o;
    ka_ope_opts_default(&o);
    o.n_boot = 0;
    o.dr_model = KA_OPE_DR_RIDGE;
    ka_ope_estimate e[KA_OPE_COUNT];
    o.dr_ridge = 0;
    CHECK(ka_ope_evaluate(&L, pi, &o, e) == KA_EINVAL);
    o.dr_ridge = 1;
    o.dr_model = (ka_ope_dr_model)7;
    CHECK(ka_ope_evaluate(&L, pi, &o, e) == KA_EINVAL);
    o.dr_model = KA_OPE_DR_RIDGE;
    L.features[5] = NAN;
    CHECK(ka_ope_evaluate(&L, pi, &o, e) == KA_EINVAL);
    L.features[5] = 0.5;
    double *keep = L.features;
    L.features = NULL;
    CHECK(ka_ope_evaluate(&L, pi, &o, e) == KA_EINVAL);
    L.features = keep;
    L.n_features = 1000;            /* 4 x 1000 action x feature terms: too many */
    double *big = calloc((size_t)L.n * 1000, sizeof(double));
    L.features = big;
    CHECK(ka_ope_evaluate(&L, pi, &o, e) == KA_EINVAL);
    o.dr_model = KA_OPE_DR_MEAN;    /* the mean model ignores features */
    CHECK(ka_ope_evaluate(&L, pi, &o, e) == 0);
    L.features = keep;
    L.n_features = F;
    free(big);
    ka_ope_dr_model m;
    CHECK(ka_ope_dr_model_parse("ridge", &m) == 0 && m == KA_OPE_DR_RIDGE);
    CHECK(ka_ope_dr_model_parse("mean", &m) == 0 && m == KA_OPE_DR_MEAN);
    CHECK(ka_ope_dr_model_parse("lasso", &m) == KA_EINVAL);
    CHECK(!strcmp(ka_ope_dr_model_name(KA_OPE_DR_RIDGE), "ridge"));
    ka_rng_free(r);
}

int main(void)
{
    int n = 2000;
    L.action = malloc(sizeof(int) * (size_t)n);
    L.slot = malloc(sizeof(int) * (size_t)n);
    L.reward = malloc(sizeof(double) * (size_t)n);
    L.pscore = malloc(sizeof(double) * (size_t)n);
    L.features = malloc(sizeof(double) * (size_t)n * F);
    pi = malloc(sizeof(double) * (size_t)n * K);
    RUN(test_truth);
    RUN(test_error);
    RUN(test_coverage);
    RUN(test_without_features);
    RUN(test_refusals);
    ka_ope_log_free(&L);
    free(pi);
    TEST_END();
}
