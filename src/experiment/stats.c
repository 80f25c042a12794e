/* stats.c: the statistics of an A/B test. Two-proportion z-test (pooled standard
 * error for the test, unpooled for the interval), Welch's t-test (Welch-Satterthwaite
 * degrees of freedom), relative lift and ratio metrics by the delta method, Bayesian
 * chance to beat control with Beta posteriors, the sample-ratio-mismatch chi-square,
 * an always-valid confidence sequence, and Holm / Benjamini-Hochberg adjustments.
 * GSL supplies the distributions. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <stdlib.h>

#include "keyart/experiment.h"
#include "personalize/personalize_priv.h"

static int check_level(double level)
{
    return level > 0 && level < 1 ? 0 : ka_error(KA_EINVAL, "confidence level %g is not in (0, 1)", level);
}

/* Relative lift t / c - 1 and its delta-method standard error from the two estimates'
 * variances: Var(t/c) ~ var_t / c^2 + t^2 var_c / c^4. */
static void rel_lift(double c, double var_c, double t, double var_t, double zq, ka_exp_test *o)
{
    if (c == 0) {
        o->rel = o->rel_se = o->rel_lo = o->rel_hi = NAN;
        return;
    }
    o->rel = t / c - 1;
    o->rel_se = sqrt(var_t / (c * c) + t * t * var_c / (c * c * c * c));
    o->rel_lo = o->rel - zq * o->rel_se;
    o->rel_hi = o->rel + zq * o->rel_se;
}

int ka_exp_prop_test(double x_c, double n_c, double x_t, double n_t, double level,
                     ka_exp_test *o)
{
    if (check_level(level))
        return KA_EINVAL;
    if (!(n_c >= 1 && n_t >= 1 && x_c >= 0 && x_t >= 0 && x_c <= n_c && x_t <= n_t) ||
        isinf(n_c) || isinf(n_t))
        return ka_error(KA_EINVAL, "proportions %g/%g and %g/%g", x_c, n_c, x_t, n_t);
    ka_gsl_quiet();
    double pc = x_c / n_c, pt = x_t / n_t, pool = (x_c + x_t) / (n_c + n_t);
    double zq = gsl_cdf_ugaussian_Pinv(1 - (1 - level) / 2);
    double var_c = pc * (1 - pc) / n_c, var_t = pt * (1 - pt) / n_t;
    double se_pool = sqrt(pool * (1 - pool) * (1 / n_c + 1 / n_t));
    o->control = pc;
    o->treatment = pt;
    o->diff = pt - pc;
    o->diff_se = sqrt(var_c + var_t);
    o->diff_lo = o->diff - zq * o->diff_se;
    o->diff_hi = o->diff + zq * o->diff_se;
    o->stat = se_pool > 0 ? o->diff / se_pool : 0;
    o->df = INFINITY;
    o->p = se_pool > 0 ? 2 * gsl_cdf_ugaussian_Q(fabs(o->stat)) : 1;
    rel_lift(pc, var_c, pt, var_t, zq, o);
    return 0;
}

int ka_exp_welch_test(double mean_c, double var_c, double n_c, double mean_t, double var_t,
                      double n_t, double level, ka_exp_test *o)
{
    if (check_level(level))
        return KA_EINVAL;
    if (!(n_c >= 2 && n_t >= 2 && var_c >= 0 && var_t >= 0) || !isfinite(mean_c) ||
        !isfinite(mean_t) || isinf(var_c) || isinf(var_t) || isinf(n_c) || isinf(n_t))
        return ka_error(KA_EINVAL, "Welch test: n %g and %g (>= 2), variances %g and %g",
                        n_c, n_t, var_c, var_t);
    ka_gsl_quiet();
    double a = var_c / n_c, b = var_t / n_t, se = sqrt(a + b);
    double zq = gsl_cdf_ugaussian_Pinv(1 - (1 - level) / 2);
    o->control = mean_c;
    o->treatment = mean_t;
    o->diff = mean_t - mean_c;
    o->diff_se = se;
    if (se > 0) {
        o->df = (a + b) * (a + b) / (a * a / (n_c - 1) + b * b / (n_t - 1));
        double tq = gsl_cdf_tdist_Pinv(1 - (1 - level) / 2, o->df);
        o->stat = o->diff / se;
        o->p = 2 * gsl_cdf_tdist_Q(fabs(o->stat), o->df);
        o->diff_lo = o->diff - tq * se;
        o->diff_hi = o->diff + tq * se;
    } else {
        o->df = n_c + n_t - 2;
        o->stat = 0;
        o->p = o->diff == 0 ? 1 : 0;
        o->diff_lo = o->diff_hi = o->diff;
    }
    rel_lift(mean_c, a, mean_t, b, zq, o);
    return 0;
}

int ka_exp_ratio(const ka_exp_ratio_sums *s, double *ratio, double *se)
{
    if (!(s->n >= 2) || isinf(s->n))
        return ka_error(KA_EINVAL, "ratio metric: %g units (need 2)", s->n);
    double n = s->n, mx = s->sx / n, my = s->sy / n;
    if (my == 0 || !isfinite(my) || !isfinite(mx))
        return ka_error(KA_EINVAL, "ratio metric: the denominator's mean is %g", my);
    double vxx = (s->sxx - n * mx * mx) / (n - 1);
    double vyy = (s->syy - n * my * my) / (n - 1);
    double vxy = (s->sxy - n * mx * my) / (n - 1);
    double v = (vxx / (my * my) - 2 * mx * vxy / (my * my * my) +
                mx * mx * vyy / (my * my * my * my)) / n;
    *ratio = mx / my;
    *se = sqrt(fmax(v, 0));
    return 0;
}

int ka_exp_ratio_test(const ka_exp_ratio_sums *c, const ka_exp_ratio_sums *t, double level,
                      ka_exp_test *o)
{
    double rc, sc, rt, st;
    int err;
    if ((err = check_level(level)) || (err = ka_exp_ratio(c, &rc, &sc)) ||
        (err = ka_exp_ratio(t, &rt, &st)))
        return err;
    ka_gsl_quiet();
    double zq = gsl_cdf_ugaussian_Pinv(1 - (1 - level) / 2);
    o->control = rc;
    o->treatment = rt;
    o->diff = rt - rc;
    o->diff_se = sqrt(sc * sc + st * st);
    o->diff_lo = o->diff - zq * o->diff_se;
    o->diff_hi = o->diff + zq * o->diff_se;
    o->stat = o->diff_se > 0 ? o->diff / o->diff_se : 0;
    o->df = INFINITY;
    o->p = o->diff_se > 0 ? 2 * gsl_cdf_ugaussian_Q(fabs(o->stat)) : (o->diff == 0 ? 1 : 0);
    rel_lift(rc, sc * sc, rt, st * st, zq, o);
    return 0;
}

/* ---- Bayesian chance to beat ---- */

typedef struct beat_arg {
    double a_c, b_c, a_t, b_t;
} beat_arg;

static double beat_density(double x, void *p)
{
    const beat_arg *q = p;
    return gsl_ran_beta_pdf(x, q->a_t, q->b_t) * gsl_cdf_beta_P(x, q->a_c, q->b_c);
}

double ka_exp_chance_to_beat(double a_c, double b_c, double a_t, double b_t)
{
    if (!(a_c > 0 && b_c > 0 && a_t > 0 && b_t > 0) || isinf(a_c) || isinf(b_c) ||
        isinf(a_t) || isinf(b_t))
        return NAN;
    ka_gsl_quiet();
    if (a_t == floor(a_t) && a_t <= 1e5) {
        /* Evan Miller, "Formulas for Bayesian A/B testing" (2015):
         * P(p_t > p_c) = sum_{i=0}^{a_t-1} B(a_c+i, b_c+b_t) /
         *                ((b_t+i) B(1+i, b_t) B(a_c, b_c)),
         * terms by their ratio t_{i+1}/t_i = (a_c+i)(b_t+i) / ((a_c+b_c+b_t+i)(1+i)),
         * summed in log space. */
        double lt = gsl_sf_lnbeta(a_c, b_c + b_t) - log(b_t) - gsl_sf_lnbeta(1, b_t) -
                    gsl_sf_lnbeta(a_c, b_c);
        double lmax = lt, acc = 1;      /* sum = exp(lmax) * acc */
        for (long i = 0; i + 1 < (long)a_t; i++) {
            lt += log((a_c + i) * (b_t + i)) - log((a_c + b_c + b_t + i) * (1.0 + i));
            if (lt > lmax) {
                acc = acc * exp(lmax - lt) + 1;
                lmax = lt;
            } else {
                acc += exp(lt - lmax);
            }
        }
        double r = exp(lmax) * acc;
        return fmin(1, fmax(0, r));
    }
    /* P = integral f_t(x) F_c(x) dx over treatment's mass (mean +- 12 sd) */
    double m = a_t / (a_t + b_t);
    double sd = sqrt(a_t * b_t / ((a_t + b_t) * (a_t + b_t) * (a_t + b_t + 1)));
    double lo = fmax(0, m - 12 * sd), hi = fmin(1, m + 12 * sd);
    beat_arg q = { a_c, b_c, a_t, b_t };
    gsl_function f = { beat_density, &q };
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(512);
    if (!w)
        return NAN;
    double r = NAN, err;
    if (gsl_integration_qags(&f, lo, hi, 1e-13, 1e-10, 512, w, &r, &err))
        r = NAN;
    gsl_integration_workspace_free(w);
    return fmin(1, fmax(0, r));
}

/* ---- sample-ratio mismatch ---- */

int ka_exp_srm(const double *observed, const double *weights, int k, double *chi2, double *p)
{
    if (k < 2 || !observed)
        return ka_error(KA_EINVAL, "SRM check: %d arms (need 2)", k);
    double total = 0, wsum = 0;
    int weighted = 0, stray = 0;
    for (int i = 0; i < k; i++) {
        double w = weights ? weights[i] : 1;
        if (!(observed[i] >= 0) || isinf(observed[i]) || !(w >= 0) || isinf(w))
            return ka_error(KA_EINVAL, "SRM check: arm %d: count %g, weight %g", i,
                            observed[i], w);
        total += observed[i];
        wsum += w;
        weighted += w > 0;
        stray |= w == 0 && observed[i] > 0;
    }
    if (!(wsum > 0))
        return ka_error(KA_EINVAL, "SRM check: every weight is 0");
    if (stray) {                    /* users where none should be */
        *chi2 = INFINITY;
        *p = 0;
        return 1;
    }
    ka_gsl_quiet();
    double x = 0;
    for (int i = 0; i < k && total > 0; i++) {
        double e = total * (weights ? weights[i] : 1) / wsum;
        if (e > 0)
            x += (observed[i] - e) * (observed[i] - e) / e;
    }
    *chi2 = x;
    *p = total > 0 && weighted > 1 ? gsl_cdf_chisq_Q(x, weighted - 1) : 1;
    return *p < KA_EXP_SRM_P;
}

/* ---- always-valid confidence sequence ---- */

double ka_exp_cs_halfwidth(double se, double n, double n_tune, double alpha)
{
    if (!(se >= 0 && n > 0 && n_tune > 0 && alpha > 0 && alpha < 1))
        return NAN;
    /* Robbins' normal mixture: with S_n = (estimate - truth) n / sigma and V_n = n,
     * M_n = sqrt(rho / (n + rho)) exp(S_n^2 / (2 (n + rho))) is a nonnegative
     * supermartingale, so by Ville's inequality P(exists n: M_n >= 1/alpha) <= alpha:
     * |S_n| < sqrt((n + rho) log((n + rho) / (rho alpha^2))) for all n at once. */
    double l = 2 * log(1 / alpha);
    double rho = n_tune / (l + log(1 + l));
    return se * sqrt((n + rho) / n * log((n + rho) / (rho * alpha * alpha)));
}

/* ---- multiple testing ---- */

typedef struct pidx {
    double p;
    int i;
} pidx;

static int by_p(const void *a, const void *b)
{
    const pidx *x = a, *y = b;
    return x->p < y->p ? -1 : x->p > y->p ? 1 : x->i - y->i;
}

static pidx *sorted(const double *p, int m)
{
    pidx *s = malloc(sizeof *s * (size_t)(m > 0 ? m : 1));
    if (!s)
        return NULL;
    for (int i = 0; i < m; i++)
        s[i] = (pidx){ isnan(p[i]) ? 1 : p[i], i };
    qsort(s, (size_t)m, sizeof *s, by_p);
    return s;
}

void ka_exp_holm(const double *p, int m, double *adj)
{
    pidx *s = sorted(p, m);
    if (!s) {                       /* out of memory: Bonferroni, which is never smaller */
        for (int i = 0; i < m; i++)
            adj[i] = fmin(1, m * p[i]);
        return;
    }
    double run = 0;
    for (int k = 0; k < m; k++) {
        double v = fmin(1, (m - k) * s[k].p);
        run = fmax(run, v);
        adj[s[k].i] = run;
    }
    free(s);
}

void ka_exp_bh(const double *p, int m, double *adj)
{
    pidx *s = sorted(p, m);
    if (!s) {
        for (int i = 0; i < m; i++)
            adj[i] = fmin(1, m * p[i]);
        return;
    }
    double run = 1;
    for (int k = m - 1; k >= 0; k--) {
        double v = fmin(1, (double)m / (k + 1) * s[k].p);
        run = fmin(run, v);
        adj[s[k].i] = run;
    }
    free(s);
}
