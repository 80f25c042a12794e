/* test_ope_synthetic.c: off-policy estimators on synthetic logs with a known truth.
 * Users come in 4 equally likely contexts; click probabilities mu[x][a] over 5
 * actions are fixed, so the evaluated policy's true value is
 *   V = sum_x 1/4 sum_a pi[x][a] mu[x][a]
 * exactly. Two logging policies: uniform (all four estimators) and a skewed one
 * (IPS, SNIPS, DR; replay needs a uniform log). DR's reward model ignores the context
 * (it is misspecified on purpose): DR stays unbiased through its IPS correction.
 * Checks: each estimator's root-mean-square error shrinks as the log grows (about
 * 1/sqrt(n)), and its 95% bootstrap intervals cover V in 90-99% of 200 logs. */
#include <stdlib.h>
#include <string.h>

#include "keyart/experiment.h"
#include "../ka_test.h"

#define X 4
#define K 5

static const double mu[X][K] = {
    { 0.10, 0.25, 0.05, 0.15, 0.20 },
    { 0.30, 0.10, 0.20, 0.05, 0.15 },
    { 0.05, 0.05, 0.35, 0.10, 0.10 },
    { 0.20, 0.15, 0.10, 0.30, 0.05 },
};
static const double target[X][K] = {       /* leans to each context's best action */
    { 0.10, 0.50, 0.05, 0.10, 0.25 },
    { 0.60, 0.10, 0.15, 0.05, 0.10 },
    { 0.05, 0.05, 0.70, 0.10, 0.10 },
    { 0.15, 0.10, 0.05, 0.65, 0.05 },
};
static const double skewed[X][K] = {       /* a logging policy unlike the target */
    { 0.40, 0.10, 0.30, 0.10, 0.10 },
    { 0.10, 0.40, 0.10, 0.30, 0.10 },
    { 0.30, 0.30, 0.10, 0.20, 0.10 },
    { 0.20, 0.20, 0.20, 0.10, 0.30 },
};

static double truth(void)
{
    double v = 0;
    for (int x = 0; x < X; x++)
        for (int a = 0; a < K; a++)
            v += 0.25 * target[x][a] * mu[x][a];
    return v;
}

/* A log of n events under logging policy (NULL = uniform) and pi rows for target. */
static void simulate(ka_rng *r, int n, const double (*logging)[K], ka_ope_log *L, double *pi)
{
    L->n = n;
    L->n_actions = K;
    L->n_slots = 1;
    for (int i = 0; i < n; i++) {
        int x = (int)ka_rng_int(r, X), a;
        if (logging) {
            double u = ka_rng_uniform(r), acc = 0;
            for (a = 0; a < K - 1; a++)
                if (u < (acc += logging[x][a]))
                    break;
        } else {
            a = (int)ka_rng_int(r, K);
        }
        L->action[i] = a;
        L->slot[i] = 0;
        L->pscore[i] = logging ? logging[x][a] : 1.0 / K;
        L->reward[i] = ka_rng_uniform(r) < mu[x][a];
        memcpy(pi + (size_t)i * K, target[x], sizeof target[x]);
    }
}

static ka_ope_log L;
static double *pi;

static void alloc_log(int n)
{
    L.action = malloc(sizeof(int) * (size_t)n);
    L.slot = malloc(sizeof(int) * (size_t)n);
    L.reward = malloc(sizeof(double) * (size_t)n);
    L.pscore = malloc(sizeof(double) * (size_t)n);
    pi = malloc(sizeof(double) * (size_t)n * K);
}

static void error_shrinks(const double (*logging)[K], const char *name, int first_method)
{
    static const int sizes[3] = { 500, 2000, 8000 };
    double V = truth(), rmse[3][KA_OPE_COUNT] = { { 0 } };
    int reps = 40;
    ka_rng *r = ka_rng_new(7);
    ka_ope_opts o;
    ka_ope_opts_default(&o);
    o.n_boot = 0;
    for (int s = 0; s < 3; s++) {
        for (int k = 0; k < reps; k++) {
            simulate(r, sizes[s], logging, &L, pi);
            ka_ope_estimate e[KA_OPE_COUNT];
            o.seed = (uint64_t)(1000 * s + k + 1);
            CHECK(ka_ope_evaluate(&L, pi, &o, e) == 0);
            for (int m = 0; m < KA_OPE_COUNT; m++)
                rmse[s][m] += (e[m].value - V) * (e[m].value - V) / reps;
        }
    }
    for (int m = first_method; m < KA_OPE_COUNT; m++) {
        for (int s = 0; s < 3; s++)
            rmse[s][m] = sqrt(rmse[s][m]);
        fprintf(stderr, "   %-7s log %-6s RMSE n=500 %.5f  n=2000 %.5f  n=8000 %.5f\n",
                name, ka_ope_method_name((ka_ope_method)m), rmse[0][m], rmse[1][m], rmse[2][m]);
        /* 1/sqrt(n): each 4x more events halves the error; allow sampling noise of the
         * 40-log RMSE (~11% each) */
        CHECK(rmse[1][m] < 0.75 * rmse[0][m]);
        CHECK(rmse[2][m] < 0.75 * rmse[1][m]);
        CHECK(rmse[2][m] < 0.4 * rmse[0][m]);
    }
    ka_rng_free(r);
}

static void coverage(const double (*logging)[K], const char *name, int first_method)
{
    double V = truth();
    int reps = 200, n = 1000, cover[KA_OPE_COUNT] = { 0 };
    ka_rng *r = ka_rng_new(11);
    ka_ope_opts o;
    ka_ope_opts_default(&o);
    o.n_boot = 100;
    o.level = 0.95;
    for (int k = 0; k < reps; k++) {
        simulate(r, n, logging, &L, pi);
        ka_ope_estimate e[KA_OPE_COUNT];
        o.seed = (uint64_t)k + 1;
        CHECK(ka_ope_evaluate(&L, pi, &o, e) == 0);
        for (int m = 0; m < KA_OPE_COUNT; m++)
            cover[m] += e[m].lo <= V && V <= e[m].hi;
    }
    for (int m = first_method; m < KA_OPE_COUNT; m++) {
        double c = (double)cover[m] / reps;
        fprintf(stderr, "   %-7s log %-6s 95%% interval covered V = %.5f in %d/%d logs (%.3f)\n",
                name, ka_ope_method_name((ka_ope_method)m), V, cover[m], reps, c);
        CHECK_MSG(c >= 0.90 && c <= 0.99, "%s on %s: coverage %.3f",
                  ka_ope_method_name((ka_ope_method)m), name, c);
    }
    ka_rng_free(r);
}

static void test_uniform_log(void)
{
    error_shrinks(NULL, "uniform", KA_OPE_REPLAY);
    coverage(NULL, "uniform", KA_OPE_REPLAY);
}

static void test_skewed_log(void)
{
    error_shrinks(skewed, "skewed", KA_OPE_IPS);
    coverage(skewed, "skewed", KA_OPE_IPS);
}

static void test_truth(void)
{
    /* by hand: x0 .1*.1+.5*.25+.05*.05+.1*.15+.25*.2 = .2025; x1 .18+.01+.03+.0025+.015
     * = .2375; x2 .0025+.0025+.245+.01+.01 = .27; x3 .03+.015+.005+.195+.0025 = .2475;
     * V = (.2025 + .2375 + .27 + .2475) / 4 = .239375 */
    CHECK_NEAR(truth(), 0.239375, 1e-12);
}

int main(void)
{
    alloc_log(8000);
    RUN(test_truth);
    RUN(test_uniform_log);
    RUN(test_skewed_log);
    free(L.action);
    free(L.slot);
    free(L.reward);
    free(L.pscore);
    free(pi);
    TEST_END();
}
