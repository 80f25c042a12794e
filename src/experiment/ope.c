/* ope.c: off-policy evaluation. From a log of (action, slot, reward, logging
 * propensity) and the evaluated policy's probabilities pi, four estimates of the
 * reward per event that policy would have had:
 *
 *   replay  (Li, Chu, Langford, Wang 2011): the evaluated policy draws its own action
 *           for every event; events where it agrees with the log are kept and their
 *           mean reward is the estimate. Unbiased when the log is uniform. Passes P
 *           times over the log with fresh draws (the matches of event i over P passes
 *           are Binomial(P, pi_i), which is how they are drawn) and pools them.
 *   IPS     sum w_i r_i / n with w_i = pi(a_i | x_i) / p_i.
 *   SNIPS   sum w_i r_i / sum w_i (Swaminathan, Joachims 2015).
 *   DR      (Dudik, Langford, Li 2011) sum [sum_a pi(a|x_i) q(a, s_i) +
 *           w_i (r_i - q(a_i, s_i))] / n, q the mean reward per (action, slot),
 *           shrunk toward the slot's mean by dr_shrink events.
 *
 * Intervals: nonparametric bootstrap over events (seeded), every estimator
 * recomputed on each resample (DR refits q), percentile or normal intervals. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>

#include "keyart/experiment.h"
#include "personalize/personalize_priv.h"

void ka_ope_opts_default(ka_ope_opts *o)
{
    o->n_boot = 500;
    o->level = 0.95;
    o->seed = 1;
    o->replay_passes = 1000;
    o->ci = KA_OPE_CI_PERCENTILE;
    o->dr_shrink = 1;
}

static const char *const ope_names[KA_OPE_COUNT] = { "replay", "ips", "snips", "dr" };

const char *ka_ope_method_name(ka_ope_method m)
{
    return (unsigned)m < KA_OPE_COUNT ? ope_names[m] : "unknown";
}

void ka_ope_log_free(ka_ope_log *log)
{
    if (!log)
        return;
    free(log->action);
    free(log->slot);
    free(log->reward);
    free(log->pscore);
    memset(log, 0, sizeof *log);
}

double ka_ope_observed(const ka_ope_log *log)
{
    double s = 0;
    for (int i = 0; i < log->n; i++)
        s += log->reward[i];
    return log->n > 0 ? s / log->n : NAN;
}

/* What every resample needs, computed once. */
typedef struct ope_work {
    const ka_ope_log *log;
    const double *pi;
    double *w;                      /* pi(a_i) / p_i */
    double *m;                      /* replay matches of event i over all passes */
    double *R, *N;                  /* DR fit scratch: [action * n_slots + slot] */
    double *Rs, *Ns;                /* per slot */
    double shrink;
} ope_work;

/* The four estimates with event i counted c[i] times (c NULL: once each). */
static void estimate(const ope_work *wk, const double *c, double *est)
{
    const ka_ope_log *L = wk->log;
    int K = L->n_actions, S = L->n_slots;
    double n = 0, swr = 0, sw = 0, smr = 0, sm = 0;
    memset(wk->R, 0, sizeof(double) * (size_t)(K * S));
    memset(wk->N, 0, sizeof(double) * (size_t)(K * S));
    memset(wk->Rs, 0, sizeof(double) * (size_t)S);
    memset(wk->Ns, 0, sizeof(double) * (size_t)S);
    for (int i = 0; i < L->n; i++) {
        double ci = c ? c[i] : 1;
        if (ci == 0)
            continue;
        double r = L->reward[i];
        n += ci;
        swr += ci * wk->w[i] * r;
        sw += ci * wk->w[i];
        smr += ci * wk->m[i] * r;
        sm += ci * wk->m[i];
        int k = L->action[i] * S + L->slot[i];
        wk->R[k] += ci * r;
        wk->N[k] += ci;
        wk->Rs[L->slot[i]] += ci * r;
        wk->Ns[L->slot[i]] += ci;
    }
    est[KA_OPE_REPLAY] = sm > 0 ? smr / sm : NAN;
    est[KA_OPE_IPS] = swr / n;
    est[KA_OPE_SNIPS] = sw > 0 ? swr / sw : NAN;
    /* q(a, s) in place of R */
    for (int s = 0; s < S; s++) {
        double ms = wk->Ns[s] > 0 ? wk->Rs[s] / wk->Ns[s] : 0;
        for (int a = 0; a < K; a++) {
            int k = a * S + s;
            double den = wk->N[k] + wk->shrink;
            wk->R[k] = den > 0 ? (wk->R[k] + wk->shrink * ms) / den : ms;
        }
    }
    double dr = 0;
    for (int i = 0; i < L->n; i++) {
        double ci = c ? c[i] : 1;
        if (ci == 0)
            continue;
        const double *p = wk->pi + (size_t)i * (size_t)K;
        int s = L->slot[i];
        double direct = 0;
        for (int a = 0; a < K; a++)
            direct += p[a] * wk->R[a * S + s];
        dr += ci * (direct + wk->w[i] * (L->reward[i] - wk->R[L->action[i] * S + s]));
    }
    est[KA_OPE_DR] = dr / n;
}

static int check_input(const ka_ope_log *L, const double *pi, const ka_ope_opts *o)
{
    if (!L || L->n < 1 || L->n_actions < 1 || L->n_slots < 1 || !pi)
        return ka_error(KA_EINVAL, "off-policy evaluation: an empty log");
    if (o->n_boot < 0 || !(o->level > 0 && o->level < 1) || o->replay_passes < 1 ||
        !(o->dr_shrink >= 0))
        return ka_error(KA_EINVAL, "off-policy evaluation: bad options (boot %d, level %g, "
                        "passes %d, shrink %g)", o->n_boot, o->level, o->replay_passes,
                        o->dr_shrink);
    for (int i = 0; i < L->n; i++) {
        if (L->action[i] < 0 || L->action[i] >= L->n_actions || L->slot[i] < 0 ||
            L->slot[i] >= L->n_slots)
            return ka_error(KA_EINVAL, "event %d: action %d / slot %d out of range", i,
                            L->action[i], L->slot[i]);
        if (!(L->pscore[i] > 0 && L->pscore[i] <= 1))
            return ka_error(KA_EINVAL, "event %d: logging propensity %g is not in (0, 1]", i,
                            L->pscore[i]);
        if (!isfinite(L->reward[i]))
            return ka_error(KA_EINVAL, "event %d: reward is not finite", i);
        double s = 0;
        for (int a = 0; a < L->n_actions; a++) {
            double p = pi[(size_t)i * (size_t)L->n_actions + (size_t)a];
            if (!(p >= 0 && p <= 1))
                return ka_error(KA_EINVAL, "event %d: policy probability %g", i, p);
            s += p;
        }
        if (fabs(s - 1) > 1e-6)
            return ka_error(KA_EINVAL, "event %d: the policy's probabilities sum to %.9g", i, s);
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Type-7 quantile of sorted v[0..n-1]. */
static double quantile(const double *v, int n, double q)
{
    double h = (n - 1) * q;
    int lo = (int)floor(h);
    if (lo >= n - 1)
        return v[n - 1];
    return v[lo] + (h - lo) * (v[lo + 1] - v[lo]);
}

static void interval(double *rep, int b, const ka_ope_opts *o, ka_ope_estimate *e)
{
    int k = 0;
    double s = 0, ss = 0;
    for (int i = 0; i < b; i++)
        if (!isnan(rep[i])) {
            rep[k++] = rep[i];
            s += rep[i];
        }
    e->lo = e->hi = e->se = NAN;
    if (k < 2)
        return;
    double mean = s / k;
    for (int i = 0; i < k; i++)
        ss += (rep[i] - mean) * (rep[i] - mean);
    e->se = sqrt(ss / (k - 1));
    double tail = (1 - o->level) / 2;
    if (o->ci == KA_OPE_CI_NORMAL) {
        double z = gsl_cdf_ugaussian_Pinv(1 - tail);
        e->lo = e->value - z * e->se;
        e->hi = e->value + z * e->se;
    } else {
        qsort(rep, (size_t)k, sizeof *rep, cmp_double);
        e->lo = quantile(rep, k, tail);
        e->hi = quantile(rep, k, 1 - tail);
    }
}

int ka_ope_evaluate(const ka_ope_log *log, const double *pi, const ka_ope_opts *o,
                    ka_ope_estimate *out)
{
    ka_ope_opts def;
    if (!o) {
        ka_ope_opts_default(&def);
        o = &def;
    }
    int err = check_input(log, pi, o);
    if (err)
        return err;
    ka_gsl_quiet();
    size_t n = (size_t)log->n, ks = (size_t)log->n_actions * (size_t)log->n_slots;
    size_t nb = (size_t)o->n_boot;
    ope_work wk = { .log = log, .pi = pi, .shrink = o->dr_shrink };
    wk.w = malloc(sizeof(double) * n);
    wk.m = malloc(sizeof(double) * n);
    wk.R = malloc(sizeof(double) * ks);
    wk.N = malloc(sizeof(double) * ks);
    wk.Rs = malloc(sizeof(double) * (size_t)log->n_slots);
    wk.Ns = malloc(sizeof(double) * (size_t)log->n_slots);
    double *c = malloc(sizeof(double) * n);
    double *rep = malloc(sizeof(double) * (nb ? nb : 1) * KA_OPE_COUNT);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!wk.w || !wk.m || !wk.R || !wk.N || !wk.Rs || !wk.Ns || !c || !rep || !rng) {
        err = ka_error(KA_ENOMEM, "off-policy evaluation: out of memory (%zu events)", n);
        goto done;
    }
    gsl_rng_set(rng, (unsigned long)o->seed);
    double wsum = 0, wsq = 0, msum = 0;
    for (size_t i = 0; i < n; i++) {
        double p = pi[i * (size_t)log->n_actions + (size_t)log->action[i]];
        wk.w[i] = p / log->pscore[i];
        wk.m[i] = (double)gsl_ran_binomial(rng, p, (unsigned)o->replay_passes);
        wsum += wk.w[i];
        wsq += wk.w[i] * wk.w[i];
        msum += wk.m[i];
    }
    double est[KA_OPE_COUNT];
    estimate(&wk, NULL, est);
    for (int m = 0; m < KA_OPE_COUNT; m++) {
        out[m].value = est[m];
        out[m].lo = out[m].hi = out[m].se = NAN;
        out[m].n_eff = m == KA_OPE_REPLAY ? msum / o->replay_passes
                                          : (wsq > 0 ? wsum * wsum / wsq : 0);
    }
    for (size_t b = 0; b < nb; b++) {
        memset(c, 0, sizeof(double) * n);
        for (size_t i = 0; i < n; i++)
            c[gsl_rng_uniform_int(rng, n)] += 1;
        estimate(&wk, c, est);
        for (int m = 0; m < KA_OPE_COUNT; m++)
            rep[(size_t)m * nb + b] = est[m];
    }
    for (int m = 0; nb && m < KA_OPE_COUNT; m++)
        interval(rep + (size_t)m * nb, (int)nb, o, &out[m]);
done:
    free(wk.w);
    free(wk.m);
    free(wk.R);
    free(wk.N);
    free(wk.Rs);
    free(wk.Ns);
    free(c);
    free(rep);
    if (rng)
        gsl_rng_free(rng);
    return err;
}
