/* test_ope_obd.c: off-policy evaluation on real logged data, the Open Bandit Dataset
 * sample in ../shared/data/obd (ZOZOTOWN, campaign `men`: 34 items, 3 positions,
 * 10,000 impressions per log). The Bernoulli Thompson sampling policy that logged the
 * `bts` file (priors in prior_bts.yaml) is evaluated from the `random` log by replay,
 * IPS, SNIPS and DR and printed beside the click rate observed in the `bts` log; with
 * 46 and 69 clicks, each 99% interval must cover that observed value (DR's with either
 * reward model, mean or ridge). Evaluating the uniform policy on the `random` log must
 * give back its observed click rate (IPS and SNIPS exactly). The Monte Carlo slate
 * probabilities are checked for the top position against quadrature. */
#include <stdlib.h>
#include <string.h>

#include "keyart/experiment.h"
#include "../ka_test.h"

static char dir[4096];
static ka_ope_log rnd, bts;
static double *dist;                /* [34 items][3 slots] */
static double *pa, *pb;             /* the `men` priors */
static int n_items;

static void load(void)
{
    char path[4200];
    snprintf(dir, sizeof dir, "%s/data/obd", ka_test_shared());
    snprintf(path, sizeof path, "%s/random/men/men.csv", dir);
    CHECK_MSG(ka_ope_read_obd(path, &rnd) == 0, "%s", ka_error_message());
    snprintf(path, sizeof path, "%s/bts/men/men.csv", dir);
    CHECK_MSG(ka_ope_read_obd(path, &bts) == 0, "%s", ka_error_message());
    CHECK_EQ_INT(rnd.n, 10000);
    CHECK_EQ_INT(bts.n, 10000);
    CHECK_EQ_INT(rnd.n_actions, 34);
    CHECK_EQ_INT(rnd.n_slots, 3);
    CHECK_EQ_INT(bts.n_slots, 3);
    snprintf(path, sizeof path, "%s/prior_bts.yaml", dir);
    CHECK_MSG(ka_ope_read_bts_prior(path, "men", &pa, &pb, &n_items) == 0, "%s", ka_error_message());
    CHECK_EQ_INT(n_items, 34);
    if (n_items != 34)
        return;
    CHECK_NEAR(pa[0], 47, 0);       /* the file's first `men` alpha and beta */
    CHECK_NEAR(pb[0], 12198, 0);
    dist = malloc(sizeof(double) * 34 * 3);
    double t0 = ka_now();
    CHECK(ka_ope_bts_slate_dist(pa, pb, n_items, 3, 100000, 12345, dist) == 0);
    fprintf(stderr, "   BTS slate probabilities: 100000 draws in %.2f s\n", ka_now() - t0);
}

static void test_logs(void)
{
    /* 46 and 69 clicks; the uniform log's propensities are all 1/34 */
    CHECK_NEAR(ka_ope_observed(&rnd) * rnd.n, 46, 1e-9);
    CHECK_NEAR(ka_ope_observed(&bts) * bts.n, 69, 1e-9);
    for (int i = 0; i < rnd.n; i++)
        if (rnd.pscore[i] != 1.0 / 34) {
            CHECK_MSG(0, "random log row %d: propensity %.17g", i, rnd.pscore[i]);
            break;
        }
    for (int s = 0; s < 3; s++) {   /* each slot's column is a distribution */
        double sum = 0;
        for (int a = 0; a < 34; a++)
            sum += dist[a * 3 + s];
        CHECK_NEAR(sum, 1, 1e-9);
    }
}

/* Slot 0 (the top position) by quadrature, independently of the Monte Carlo draws:
 * P(item i has the largest draw) = int f_i(x) prod_{j != i} F_j(x) dx, with every F_j
 * accumulated by trapezoids of its density on one fine grid. */
static void test_top_slot_by_quadrature(void)
{
    double hi = 0;
    for (int i = 0; i < n_items; i++) {
        double m = pa[i] / (pa[i] + pb[i]);
        double sd = sqrt(pa[i] * pb[i] / ((pa[i] + pb[i]) * (pa[i] + pb[i]) * (pa[i] + pb[i] + 1)));
        hi = fmax(hi, fmin(1, m + 14 * sd));
    }
    int steps = 200000;
    double h = hi / steps, F[34] = { 0 }, fprev[34] = { 0 }, P[34] = { 0 }, gprev[34] = { 0 };
    double lnorm[34];
    for (int i = 0; i < n_items; i++)
        lnorm[i] = lgamma(pa[i]) + lgamma(pb[i]) - lgamma(pa[i] + pb[i]);
    for (int k = 1; k <= steps; k++) {
        double x = k * h, f[34];
        for (int i = 0; i < n_items; i++) {
            f[i] = exp((pa[i] - 1) * log(x) + (pb[i] - 1) * log1p(-x) - lnorm[i]);
            F[i] += (fprev[i] + f[i]) * h / 2;
            fprev[i] = f[i];
        }
        for (int i = 0; i < n_items; i++) {
            double g = f[i];
            for (int j = 0; j < n_items && g > 0; j++)
                if (j != i)
                    g *= F[j];
            P[i] += (gprev[i] + g) * h / 2;
            gprev[i] = g;
        }
    }
    double worst = 0, total = 0;
    for (int i = 0; i < n_items; i++) {
        worst = fmax(worst, fabs(P[i] - dist[i * 3]));
        total += P[i];
    }
    fprintf(stderr, "   top position: Monte Carlo vs quadrature, largest difference %.5f "
            "(quadrature total %.6f)\n", worst, total);
    CHECK_NEAR(total, 1, 1e-3);
    CHECK(worst < 0.006);           /* Monte Carlo sd <= sqrt(.25 / 1e5) = 0.0016 */
}

/* The bts log was written by the production policy while it learned: its logged
 * propensities change from row to row (the prior file is where it started from), so
 * they are not ours; the distance is printed for the record. */
static void test_compare_with_production(void)
{
    double freq[34 * 3] = { 0 }, per_slot[3] = { 0 }, tv[3] = { 0 };
    for (int i = 0; i < bts.n; i++) {
        freq[bts.action[i] * 3 + bts.slot[i]] += 1;
        per_slot[bts.slot[i]] += 1;
    }
    for (int s = 0; s < 3; s++)
        for (int a = 0; a < 34; a++)
            tv[s] += 0.5 * fabs(freq[a * 3 + s] / per_slot[s] - dist[a * 3 + s]);
    fprintf(stderr, "   bts log's item frequencies vs the prior policy: total variation "
            "%.3f %.3f %.3f (positions 1-3)\n", tv[0], tv[1], tv[2]);
    CHECK(tv[0] < 1 && tv[1] < 1 && tv[2] < 1);
}

static void print_row(const char *policy, const ka_ope_estimate *e, int m, double truth)
{
    fprintf(stderr, "   %-8s %-7s %.5f  99%% [%.5f, %.5f]  observed %.5f\n", policy,
            ka_ope_method_name((ka_ope_method)m), e->value, e->lo, e->hi, truth);
}

static void test_bts_from_random(void)
{
    double *pi;
    CHECK(ka_ope_pi_from_slots(&rnd, dist, &pi) == 0);
    ka_ope_opts o;
    ka_ope_opts_default(&o);
    o.level = 0.99;
    o.n_boot = 1000;
    ka_ope_estimate e[KA_OPE_COUNT];
    double t0 = ka_now();
    CHECK_MSG(ka_ope_evaluate(&rnd, pi, &o, e) == 0, "%s", ka_error_message());
    fprintf(stderr, "   evaluation with %d bootstrap replicates: %.2f s\n", o.n_boot, ka_now() - t0);
    double truth = ka_ope_observed(&bts);
    for (int m = 0; m < KA_OPE_COUNT; m++) {
        print_row("bts", &e[m], m, truth);
        CHECK_MSG(e[m].lo <= truth && truth <= e[m].hi, "%s: [%g, %g] misses %g",
                  ka_ope_method_name((ka_ope_method)m), e[m].lo, e[m].hi, truth);
        CHECK(e[m].lo <= e[m].value && e[m].value <= e[m].hi);
    }
    /* uniform logging: IPS weights are pi * 34, so SNIPS = replay in expectation */
    CHECK(e[KA_OPE_IPS].n_eff > 100 && e[KA_OPE_IPS].n_eff < rnd.n);
    /* DR with the ridge reward model (item, position and item x position effects; the
     * log has no context features): the same coverage; the other estimators do not
     * depend on the model */
    ka_ope_estimate g[KA_OPE_COUNT];
    o.dr_model = KA_OPE_DR_RIDGE;
    t0 = ka_now();
    CHECK_MSG(ka_ope_evaluate(&rnd, pi, &o, g) == 0, "%s", ka_error_message());
    fprintf(stderr, "   the same with DR's ridge model: %.2f s\n", ka_now() - t0);
    print_row("bts", &g[KA_OPE_DR], KA_OPE_DR, truth);
    CHECK_MSG(g[KA_OPE_DR].lo <= truth && truth <= g[KA_OPE_DR].hi, "ridge DR: [%g, %g] misses %g",
              g[KA_OPE_DR].lo, g[KA_OPE_DR].hi, truth);
    CHECK(g[KA_OPE_DR].lo <= g[KA_OPE_DR].value && g[KA_OPE_DR].value <= g[KA_OPE_DR].hi);
    CHECK(g[KA_OPE_IPS].value == e[KA_OPE_IPS].value && g[KA_OPE_IPS].lo == e[KA_OPE_IPS].lo);
    free(pi);
}

static void test_uniform_on_random(void)
{
    double *pi;
    CHECK(ka_ope_pi_from_slots(&rnd, NULL, &pi) == 0);
    ka_ope_opts o;
    ka_ope_opts_default(&o);
    o.level = 0.99;
    o.n_boot = 200;
    ka_ope_estimate e[KA_OPE_COUNT];
    CHECK(ka_ope_evaluate(&rnd, pi, &o, e) == 0);
    double obs = ka_ope_observed(&rnd);
    for (int m = 0; m < KA_OPE_COUNT; m++)
        print_row("uniform", &e[m], m, obs);
    /* the logging policy evaluated on its own log: weights are exactly 1 */
    CHECK_MSG(e[KA_OPE_IPS].value == obs, "IPS %.17g vs %.17g", e[KA_OPE_IPS].value, obs);
    CHECK_MSG(e[KA_OPE_SNIPS].value == obs, "SNIPS %.17g vs %.17g", e[KA_OPE_SNIPS].value, obs);
    CHECK_NEAR(e[KA_OPE_IPS].n_eff, rnd.n, 1e-6);
    /* DR: direct term + exact correction; replay keeps ~1/34 of events per pass */
    CHECK_NEAR(e[KA_OPE_DR].value, obs, 2e-4);
    CHECK_NEAR(e[KA_OPE_REPLAY].value, obs, 1e-3);
    CHECK_NEAR(e[KA_OPE_REPLAY].n_eff, rnd.n / 34.0, 30);
    for (int m = 0; m < KA_OPE_COUNT; m++)
        CHECK(e[m].lo <= obs && obs <= e[m].hi);
    free(pi);
}

static void test_bad_input(void)
{
    char path[4200];
    ka_ope_log L;
    CHECK(ka_ope_read_obd("/nonexistent/men.csv", &L) == KA_EIO);
    snprintf(path, sizeof path, "%s/prior_bts.yaml", dir);
    CHECK(ka_ope_read_obd(path, &L) == KA_EFORMAT);     /* not a CSV with those columns */
    double *a, *b;
    int n;
    CHECK(ka_ope_read_bts_prior(path, "nosuchcampaign", &a, &b, &n) == KA_EFORMAT);
    /* a policy row that does not sum to 1 */
    double *pi;
    CHECK(ka_ope_pi_from_slots(&rnd, NULL, &pi) == 0);
    pi[5] += 0.5;
    ka_ope_estimate e[KA_OPE_COUNT];
    ka_ope_opts o;
    ka_ope_opts_default(&o);
    o.n_boot = 0;
    CHECK(ka_ope_evaluate(&rnd, pi, &o, e) == KA_EINVAL);
    free(pi);
}

int main(void)
{
    load();
    if (ka_test_failures)
        TEST_END();
    RUN(test_logs);
    RUN(test_top_slot_by_quadrature);
    RUN(test_compare_with_production);
    RUN(test_bts_from_random);
    RUN(test_uniform_on_random);
    RUN(test_bad_input);
    free(dist);
    free(pa);
    free(pb);
    ka_ope_log_free(&rnd);
    ka_ope_log_free(&bts);
    TEST_END();
}
