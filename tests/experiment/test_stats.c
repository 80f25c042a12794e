/* test_stats.c: the statistics against references computed independently of GSL.
 * Where each expected value comes from is written beside it:
 *  - closed forms evaluated with libm (erfc for normal tails, exp for chi-square with
 *    df 2), with the intermediate numbers worked by hand in the comments;
 *  - a second implementation in this file for what has no closed form: Student's t
 *    distribution by Simpson's rule on its density (and its quantile by bisection),
 *    Beta(a, b) comparisons by trapezoidal double integration of the densities;
 *  - published examples: Benjamini & Hochberg (1995, JRSS B 57:289-300, section 4)
 *    15 p-values, where BH at q = 0.05 rejects 4 and Bonferroni 3.
 * The literal numbers were also checked with a scratch Python (math module only). */
#include <math.h>
#include <string.h>

#include "keyart/experiment.h"
#include "../ka_test.h"

#define Z975 1.959963984540054      /* Phi^-1(0.975), Abramowitz & Stegun 26.2 tables */

/* ---- an independent Student t: Simpson on the density ---- */
static double t_pdf(double x, double v)
{
    return exp(lgamma((v + 1) / 2) - lgamma(v / 2) - 0.5 * log(v * M_PI) -
               (v + 1) / 2 * log1p(x * x / v));
}

static double t_cdf(double x, double v)
{
    int n = 20000;                  /* even; Simpson error ~ h^4 f'''' ~ 1e-16 here */
    double h = x / n, s = t_pdf(0, v) + t_pdf(x, v);
    for (int i = 1; i < n; i++)
        s += (i % 2 ? 4 : 2) * t_pdf(i * h, v);
    return 0.5 + s * h / 3;
}

static double t_quantile(double p, double v)
{
    double lo = 0, hi = 50;
    for (int i = 0; i < 100; i++) {
        double m = (lo + hi) / 2;
        if (t_cdf(m, v) < p)
            lo = m;
        else
            hi = m;
    }
    return (lo + hi) / 2;
}

/* ---- an independent P(Beta(at,bt) > Beta(ac,bc)): trapezoids on [lo, hi] ---- */
static double beta_lpdf(double x, double a, double b)
{
    return (a - 1) * log(x) + (b - 1) * log1p(-x) - (lgamma(a) + lgamma(b) - lgamma(a + b));
}

static double beat_trapezoid(double ac, double bc, double at, double bt, double lo, double hi)
{
    int n = 200000;
    double h = (hi - lo) / n, Fc = 0, P = 0;
    double fc_prev = exp(beta_lpdf(lo, ac, bc)), g_prev = 0;
    for (int i = 1; i <= n; i++) {
        double x = lo + i * h, fc = exp(beta_lpdf(x, ac, bc));
        Fc += (fc_prev + fc) * h / 2;           /* F_c(x) */
        double g = exp(beta_lpdf(x, at, bt)) * Fc;
        P += (g_prev + g) * h / 2;
        fc_prev = fc;
        g_prev = g;
    }
    return P;
}

static void test_two_proportions(void)
{
    /* control 200/2000 = 0.1, treatment 250/2000 = 0.125; pooled 450/4000 = 0.1125
     * se_pool = sqrt(0.1125 * 0.8875 * (1/2000 + 1/2000)) = sqrt(9.984375e-5)
     *         = 0.009992184445855671; z = 0.025 / se_pool = 2.501955416802671
     * p = erfc(z / sqrt 2) = 0.012350947711191435
     * se = sqrt(0.1*0.9/2000 + 0.125*0.875/2000) = sqrt(9.96875e-5) = 0.00998436277385793
     * CI 0.025 -+ 1.959963984540054 se = [0.00543100855465602, 0.04456899144534397]
     * relative: 0.25; se^2 = var_t/pc^2 + pt^2 var_c/pc^4
     *   = 5.46875e-5/0.01 + 0.015625 * 4.5e-5 / 1e-4 = 0.00546875 + 0.00703125 = 0.0125
     *   se = 0.11180339887498947, CI [0.030869364855854647, 0.4691306351441453] */
    ka_exp_test t;
    CHECK(ka_exp_prop_test(200, 2000, 250, 2000, 0.95, &t) == 0);
    double se_pool = sqrt(0.1125 * 0.8875 * (1.0 / 2000 + 1.0 / 2000));
    CHECK_NEAR(t.stat, 0.025 / se_pool, 1e-9);
    CHECK_NEAR(t.stat, 2.501955416802671, 1e-9);
    CHECK_NEAR(t.p, erfc(t.stat / sqrt(2)), 1e-12);
    CHECK_NEAR(t.p, 0.012350947711191435, 1e-9);
    CHECK_NEAR(t.diff, 0.025, 1e-15);
    CHECK_NEAR(t.diff_se, 0.00998436277385793, 1e-12);
    CHECK_NEAR(t.diff_lo, 0.00543100855465602, 1e-9);
    CHECK_NEAR(t.diff_hi, 0.04456899144534397, 1e-9);
    CHECK_NEAR(t.rel, 0.25, 1e-12);
    CHECK_NEAR(t.rel_se, sqrt(0.0125), 1e-12);
    CHECK_NEAR(t.rel_lo, 0.25 - Z975 * sqrt(0.0125), 1e-9);
    CHECK_NEAR(t.rel_hi, 0.4691306351441453, 1e-9);
    /* 99%: z = 2.5758293035489004 (A&S tables) */
    CHECK(ka_exp_prop_test(200, 2000, 250, 2000, 0.99, &t) == 0);
    CHECK_NEAR(t.diff_hi, 0.025 + 2.5758293035489004 * 0.00998436277385793, 1e-9);
    /* equal arms: z 0, p 1; degenerate (0 clicks everywhere): p 1, no crash */
    CHECK(ka_exp_prop_test(50, 1000, 50, 1000, 0.95, &t) == 0);
    CHECK_NEAR(t.p, 1, 1e-12);
    CHECK(ka_exp_prop_test(0, 10, 0, 10, 0.95, &t) == 0);
    CHECK_NEAR(t.p, 1, 0);
    CHECK(isnan(t.rel));
    CHECK(ka_exp_prop_test(11, 10, 0, 10, 0.95, &t) == KA_EINVAL);
    CHECK(ka_exp_prop_test(1, 0, 0, 10, 0.95, &t) == KA_EINVAL);
    CHECK(ka_exp_prop_test(1, 10, 0, 10, 1.5, &t) == KA_EINVAL);
}

static void test_welch(void)
{
    /* control mean 10, var 4, n 20; treatment mean 11.5, var 9, n 30
     * a = 4/20 = 0.2, b = 9/30 = 0.3, se = sqrt(0.5) = 0.7071067811865476
     * t = 1.5 / se = 2.1213203435596424
     * df = 0.25 / (0.04/19 + 0.09/29) = 0.25 / 0.005208711433756806 = 47.99651567944251
     * p = 2 (1 - T_df(t)) = 0.03908587661291163 (Simpson, below)
     * t_{0.975, df} = 2.0106385284438444; CI 1.5 -+ t se = [0.0782638620, 2.9217361380] */
    ka_exp_test t;
    CHECK(ka_exp_welch_test(10, 4, 20, 11.5, 9, 30, 0.95, &t) == 0);
    double df = 0.25 / (0.04 / 19 + 0.09 / 29);
    CHECK_NEAR(t.df, df, 1e-9);
    CHECK_NEAR(t.df, 47.99651567944251, 1e-9);
    CHECK_NEAR(t.stat, 1.5 / sqrt(0.5), 1e-12);
    double p = 2 * (1 - t_cdf(t.stat, df));
    CHECK_NEAR(p, 0.03908587661291163, 1e-9);
    CHECK_NEAR(t.p, p, 1e-9);
    double tq = t_quantile(0.975, df);
    CHECK_NEAR(tq, 2.0106385284438444, 1e-9);
    CHECK_NEAR(t.diff_lo, 1.5 - tq * sqrt(0.5), 1e-8);
    CHECK_NEAR(t.diff_hi, 1.5 + tq * sqrt(0.5), 1e-8);
    /* relative: 0.15; se^2 = b/mc^2 + mt^2 a/mc^4 = 0.003 + 132.25*0.2/1e4 = 0.005645 */
    CHECK_NEAR(t.rel, 0.15, 1e-12);
    CHECK_NEAR(t.rel_se, sqrt(0.005645), 1e-12);
    /* small df: n 3 and 4, equal variances 1: a = 1/3, b = 1/4,
     * df = (7/12)^2 / ((1/9)/2 + (1/16)/3) = 0.3402777 / 0.0763888 = 4.454545... */
    CHECK(ka_exp_welch_test(0, 1, 3, 2, 1, 4, 0.95, &t) == 0);
    double df2 = (7.0 / 12) * (7.0 / 12) / ((1.0 / 9) / 2 + (1.0 / 16) / 3);
    CHECK_NEAR(t.df, df2, 1e-12);
    CHECK_NEAR(t.df, 4.454545454545454, 1e-9);
    CHECK_NEAR(t.p, 2 * (1 - t_cdf(2 / sqrt(7.0 / 12), df2)), 1e-8);
    CHECK_NEAR(t.diff_hi, 2 + t_quantile(0.975, df2) * sqrt(7.0 / 12), 1e-8);
    CHECK(ka_exp_welch_test(0, 1, 1, 2, 1, 4, 0.95, &t) == KA_EINVAL);
}

static void test_ratio(void)
{
    /* clicks / impressions per user, 8 users per arm. Reference: the delta method in
     * its linearised form, se = sd(x_i - R y_i) / (sqrt(n) mean y), computed here from
     * the raw pairs (the library uses the expanded moments formula). */
    static const double C[8][2] = { {1,10},{0,8},{2,12},{1,9},{0,11},{3,15},{1,10},{0,7} };
    static const double T[8][2] = { {2,10},{1,9},{3,12},{1,8},{2,11},{2,14},{1,9},{3,13} };
    ka_exp_ratio_sums sc = { 0 }, st = { 0 };
    double ref_r[2], ref_se[2];
    for (int arm = 0; arm < 2; arm++) {
        const double (*D)[2] = arm ? T : C;
        ka_exp_ratio_sums *s = arm ? &st : &sc;
        double mx = 0, my = 0;
        for (int i = 0; i < 8; i++) {
            s->n += 1;
            s->sx += D[i][0];
            s->sy += D[i][1];
            s->sxx += D[i][0] * D[i][0];
            s->syy += D[i][1] * D[i][1];
            s->sxy += D[i][0] * D[i][1];
            mx += D[i][0] / 8;
            my += D[i][1] / 8;
        }
        double R = mx / my, mz = 0, vz = 0;
        for (int i = 0; i < 8; i++)
            mz += (D[i][0] - R * D[i][1]) / 8;
        for (int i = 0; i < 8; i++)
            vz += pow(D[i][0] - R * D[i][1] - mz, 2) / 7;
        ref_r[arm] = R;
        ref_se[arm] = sqrt(vz / 8) / my;
    }
    /* control R = 8/82 = 0.0975609756097561, se 0.029991324891799478
     * treatment R = 15/86 = 0.1744186046511628, se 0.019386102758911027 */
    double r, se;
    CHECK(ka_exp_ratio(&sc, &r, &se) == 0);
    CHECK_NEAR(r, 8.0 / 82, 1e-15);
    CHECK_NEAR(se, ref_se[0], 1e-9);
    CHECK_NEAR(se, 0.029991324891799478, 1e-9);
    CHECK(ka_exp_ratio(&st, &r, &se) == 0);
    CHECK_NEAR(r, ref_r[1], 1e-15);
    CHECK_NEAR(se, 0.019386102758911027, 1e-9);
    /* difference 0.0768576290414067, se 0.03571135042174307, z 2.152190497803507,
     * p = erfc(z / sqrt 2) = 0.03138235373225966 */
    ka_exp_test t;
    CHECK(ka_exp_ratio_test(&sc, &st, 0.95, &t) == 0);
    CHECK_NEAR(t.diff, 0.0768576290414067, 1e-12);
    CHECK_NEAR(t.diff_se, 0.03571135042174307, 1e-9);
    CHECK_NEAR(t.p, erfc(t.stat / sqrt(2)), 1e-12);
    CHECK_NEAR(t.p, 0.03138235373225966, 1e-8);
    ka_exp_ratio_sums bad = { .n = 1 };
    CHECK(ka_exp_ratio(&bad, &r, &se) == KA_EINVAL);
}

static void test_chance_to_beat(void)
{
    /* by hand: Beta(2,1) (density 2x) above a uniform: int 2x * x dx = 2/3;
     * a uniform above Beta(2,1): 1/3; a uniform above X ~ Beta(1,2) (density 2(1-x)):
     * int 2(1-x) (1-x) dx = 2/3; identical posteriors: 1/2 */
    CHECK_NEAR(ka_exp_chance_to_beat(1, 1, 2, 1), 2.0 / 3, 1e-9);
    CHECK_NEAR(ka_exp_chance_to_beat(2, 1, 1, 1), 1.0 / 3, 1e-9);
    CHECK_NEAR(ka_exp_chance_to_beat(1, 2, 1, 1), 2.0 / 3, 1e-9);
    CHECK_NEAR(ka_exp_chance_to_beat(7, 93, 7, 93), 0.5, 1e-9);
    /* 40/1000 vs 55/1000 clicks with a uniform prior: Beta(41, 961) vs Beta(56, 946).
     * Trapezoids (200000 steps on [1e-9, 0.2]): 0.9418873440; the exact sum gives
     * 0.9418873441780166. */
    double ref = beat_trapezoid(41, 961, 56, 946, 1e-9, 0.2);
    CHECK_NEAR(ref, 0.9418873441780166, 1e-8);
    CHECK_NEAR(ka_exp_chance_to_beat(41, 961, 56, 946), ref, 1e-7);
    /* not a whole a_t: the quadrature path. Trapezoids: 0.9360020937932675 */
    ref = beat_trapezoid(41, 961, 55.5, 946.5, 1e-9, 0.2);
    CHECK_NEAR(ref, 0.9360020937932675, 1e-8);
    CHECK_NEAR(ka_exp_chance_to_beat(41, 961, 55.5, 946.5), ref, 1e-7);
    /* symmetry P(t > c) + P(c > t) = 1 */
    CHECK_NEAR(ka_exp_chance_to_beat(41, 961, 56, 946) + ka_exp_chance_to_beat(56, 946, 41, 961),
               1, 1e-9);
    /* large counts (a_t above the exact-sum limit, quadrature): 150000 vs 151000 clicks
     * in 10^7 impressions each. Here the normal approximation is good to ~1e-4:
     * means 0.0150000 and 0.0151000 (to 1e-7), sd^2 = m(1-m)/(10^7+1) each,
     * P = Phi(diff / sqrt(sd_c^2 + sd_t^2)) = Phi(1.83657) = 0.96686 */
    double ac = 150001, bc = 9850001, at = 151001, bt = 9849001;
    double mc = ac / (ac + bc), mt = at / (at + bt);
    double z = (mt - mc) / sqrt(mc * (1 - mc) / (ac + bc + 1) + mt * (1 - mt) / (at + bt + 1));
    CHECK_NEAR(ka_exp_chance_to_beat(ac, bc, at, bt), 0.5 * erfc(-z / sqrt(2)), 1e-3);
    CHECK(isnan(ka_exp_chance_to_beat(0, 1, 1, 1)));
}

static void test_srm(void)
{
    double chi2, p;
    /* 5000 vs 5200 at 50/50: expected 5100 each, chi2 = 2 * 100^2 / 5100 =
     * 3.9215686274509802; df 1: p = erfc(sqrt(chi2 / 2)) = 0.04767038065616144 */
    double o1[2] = { 5000, 5200 };
    CHECK_EQ_INT(ka_exp_srm(o1, NULL, 2, &chi2, &p), 0);
    CHECK_NEAR(chi2, 20000.0 / 5100, 1e-12);
    CHECK_NEAR(p, erfc(sqrt(chi2 / 2)), 1e-12);
    CHECK_NEAR(p, 0.04767038065616144, 1e-9);
    /* 5000 vs 5400: chi2 = 2 * 200^2 / 5200 = 15.384615; p = 8.769942375590239e-05 */
    double o2[2] = { 5000, 5400 };
    CHECK_EQ_INT(ka_exp_srm(o2, NULL, 2, &chi2, &p), 1);
    CHECK_NEAR(p, 8.769942375590239e-05, 1e-12);
    /* three arms 1000/1100/900: chi2 = (0 + 100^2 + 100^2) / 1000 = 20; df 2:
     * p = exp(-chi2 / 2) = exp(-10) = 4.5399929762484854e-05 */
    double o3[3] = { 1000, 1100, 900 };
    CHECK_EQ_INT(ka_exp_srm(o3, NULL, 3, &chi2, &p), 1);
    CHECK_NEAR(chi2, 20, 1e-12);
    CHECK_NEAR(p, exp(-10), 1e-12);
    /* planned 25/75 and observed 2500/7500: no mismatch at all */
    double o4[2] = { 2500, 7500 }, w4[2] = { 1, 3 };
    CHECK_EQ_INT(ka_exp_srm(o4, w4, 2, &chi2, &p), 0);
    CHECK_NEAR(chi2, 0, 1e-12);
    CHECK_NEAR(p, 1, 1e-12);
    CHECK_EQ_INT(ka_exp_srm(o4, NULL, 1, &chi2, &p), KA_EINVAL);
    double o5[2] = { -1, 3 };
    CHECK_EQ_INT(ka_exp_srm(o5, NULL, 2, &chi2, &p), KA_EINVAL);
    /* an arm of weight 0 (meant to get nobody): left out while empty, a mismatch once
     * it has users; weights all 0 are refused */
    double o6[3] = { 500, 0, 1500 }, w6[3] = { 1, 0, 3 };
    CHECK_EQ_INT(ka_exp_srm(o6, w6, 3, &chi2, &p), 0);
    CHECK_NEAR(chi2, 0, 1e-12);
    CHECK_NEAR(p, 1, 1e-12);
    double o7[3] = { 500, 1, 1500 };
    CHECK_EQ_INT(ka_exp_srm(o7, w6, 3, &chi2, &p), 1);
    CHECK(isinf(chi2) && p == 0);
    double w8[3] = { 0, 0, 0 };
    CHECK_EQ_INT(ka_exp_srm(o6, w8, 3, &chi2, &p), KA_EINVAL);
}

static void test_confidence_sequence(void)
{
    /* alpha 0.05, n = n_tune = 10000, se 0.002: L = 2 ln 20 = 5.991464547107982,
     * rho = 10000 / (L + ln(1 + L)) = 1260.056097925634,
     * half-width = 0.002 sqrt(11260.056/10000 * ln(11260.056 / (1260.056 * 0.0025)))
     *            = 0.006070417980752505 (wider than the fixed-n 0.00392) */
    double hw = ka_exp_cs_halfwidth(0.002, 10000, 10000, 0.05);
    double L = 2 * log(20), rho = 10000 / (L + log(1 + L));
    CHECK_NEAR(rho, 1260.056097925634, 1e-9);
    CHECK_NEAR(hw, 0.002 * sqrt((10000 + rho) / 10000 * log((10000 + rho) / (rho * 0.0025))), 1e-15);
    CHECK_NEAR(hw, 0.006070417980752505, 1e-12);
    CHECK(isnan(ka_exp_cs_halfwidth(0.002, 0, 10000, 0.05)));
    /* always valid: 400 null streams of N(0,1), looked at after every 10 of 2000
     * observations. The sequence must exclude the truth in at most ~alpha of streams
     * (Ville: <= 5%); the fixed-n 95% interval, peeked at as often, far more. */
    ka_rng *rng = ka_rng_new(42);
    int cs_miss = 0, naive_miss = 0, streams = 400;
    for (int s = 0; s < streams; s++) {
        double sum = 0;
        int cs_out = 0, naive_out = 0;
        for (int n = 1; n <= 2000; n++) {
            sum += ka_rng_gaussian(rng, 1);
            if (n % 10)
                continue;
            double mean = sum / n, se = 1 / sqrt(n);
            if (fabs(mean) > ka_exp_cs_halfwidth(se, n, 500, 0.05))
                cs_out = 1;
            if (fabs(mean) > Z975 * se)
                naive_out = 1;
        }
        cs_miss += cs_out;
        naive_miss += naive_out;
    }
    ka_rng_free(rng);
    fprintf(stderr, "   peeking every 10 of 2000: confidence sequence excluded 0 in %d/%d "
            "streams, the fixed-n interval in %d/%d\n", cs_miss, streams, naive_miss, streams);
    CHECK(cs_miss <= 0.05 * streams + 2 * sqrt(0.05 * 0.95 * streams));
    CHECK(naive_miss >= 0.15 * streams);
}

static void test_corrections(void)
{
    /* by hand: p = .01 .04 .03 .005, m = 4. Holm: sorted .005 .01 .03 .04 times 4 3 2 1
     * = .02 .03 .06 .04, running max .02 .03 .06 .06. BH: times 4/1 4/2 4/3 4/4 =
     * .02 .02 .04 .04, running min from the top: the same. */
    double p[4] = { 0.01, 0.04, 0.03, 0.005 }, adj[4];
    ka_exp_holm(p, 4, adj);
    CHECK_NEAR(adj[0], 0.03, 1e-15);
    CHECK_NEAR(adj[1], 0.06, 1e-15);
    CHECK_NEAR(adj[2], 0.06, 1e-15);
    CHECK_NEAR(adj[3], 0.02, 1e-15);
    ka_exp_bh(p, 4, adj);
    CHECK_NEAR(adj[0], 0.02, 1e-15);
    CHECK_NEAR(adj[1], 0.04, 1e-15);
    CHECK_NEAR(adj[2], 0.04, 1e-15);
    CHECK_NEAR(adj[3], 0.02, 1e-15);
    /* Benjamini & Hochberg (1995), section 4: 15 p-values; at 0.05 BH rejects 4,
     * Holm (like Bonferroni there) 3. */
    double bh[15] = { 0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344,
                      0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000 }, a[15];
    ka_exp_bh(bh, 15, a);
    int rej = 0;
    for (int i = 0; i < 15; i++)
        rej += a[i] <= 0.05;
    CHECK_EQ_INT(rej, 4);
    CHECK_NEAR(a[3], 0.0095 * 15 / 4, 1e-15);   /* 0.035625 */
    /* rank 5 (0.0201): min over k >= 5 of p_(k) 15 / k = min(.0603, .0695, .0639, .0645,
     * .0765, ...) = 0.0603, at k = 5 itself */
    CHECK_NEAR(a[4], 0.0201 * 15 / 5, 1e-15);
    ka_exp_holm(bh, 15, a);
    rej = 0;
    for (int i = 0; i < 15; i++)
        rej += a[i] <= 0.05;
    CHECK_EQ_INT(rej, 3);
    CHECK_NEAR(a[2], 0.0019 * 13, 1e-15);
    /* in place */
    ka_exp_bh(p, 4, p);
    CHECK_NEAR(p[1], 0.04, 1e-15);
}

int main(void)
{
    RUN(test_two_proportions);
    RUN(test_welch);
    RUN(test_ratio);
    RUN(test_chance_to_beat);
    RUN(test_srm);
    RUN(test_confidence_sequence);
    RUN(test_corrections);
    TEST_END();
}
