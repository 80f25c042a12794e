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
 *   DR      (Dudik, Langford, Li 2011) sum [sum_a pi(a|x_i) q(a, s_i, x_i) +
 *           w_i (r_i - q(a_i, s_i, x_i))] / n with a reward model q:
 *           mean   the mean reward per (action, slot), shrunk toward the slot's mean
 *                  by dr_shrink events (the default);
 *           ridge  beta_s + alpha_a + gamma_as + x . delta + x . eta_a by penalised
 *                  least squares (GSL Cholesky), every term but beta_s penalised by
 *                  dr_ridge: with context features it follows the context, and without
 *                  them an action's effect is shared across slots.
 *           DR stays unbiased whatever q is (the IPS term corrects it); the closer q is
 *           to the truth, the smaller its variance.
 *
 * Intervals: nonparametric bootstrap over events (seeded), every estimator
 * recomputed on each resample (DR refits q), percentile or normal intervals; the
 * log's own mean reward gets one the same way. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_linalg.h>
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
    o->dr_model = KA_OPE_DR_MEAN;
    o->dr_ridge = 1;
}

static const char *const ope_names[KA_OPE_COUNT] = { "replay", "ips", "snips", "dr" };
static const char *const dr_model_names[KA_OPE_DR_COUNT] = { "mean", "ridge" };

const char *ka_ope_method_name(ka_ope_method m)
{
    return (unsigned)m < KA_OPE_COUNT ? ope_names[m] : "unknown";
}

const char *ka_ope_dr_model_name(ka_ope_dr_model m)
{
    return (unsigned)m < KA_OPE_DR_COUNT ? dr_model_names[m] : "unknown";
}

int ka_ope_dr_model_parse(const char *name, ka_ope_dr_model *out)
{
    for (int i = 0; name && i < KA_OPE_DR_COUNT; i++)
        if (!strcmp(name, dr_model_names[i])) {
            *out = (ka_ope_dr_model)i;
            return 0;
        }
    return ka_error(KA_EINVAL, "unknown DR reward model '%s' (mean, ridge)",
                    name ? name : "(null)");
}

void ka_ope_log_free(ka_ope_log *log)
{
    if (!log)
        return;
    free(log->action);
    free(log->slot);
    free(log->reward);
    free(log->pscore);
    free(log->features);
    memset(log, 0, sizeof *log);
}

double ka_ope_observed(const ka_ope_log *log)
{
    double s = 0;
    for (int i = 0; i < log->n; i++)
        s += log->reward[i];
    return log->n > 0 ? s / log->n : NAN;
}

/* The ridge reward model's layout: coefficients of beta_s, alpha_a, gamma_as (more
 * than one slot), delta_f, eta_af, in that order. */
typedef struct ridge_work {
    int p, K, S, F, cells;          /* cells: 1 when gamma_as is in the model */
    double lambda;
    double *G, *coef;               /* p x p normal equations; right side, then solution */
    double *qc;                     /* [a * S + s]: beta_s + alpha_a + gamma_as */
    double *mix;                    /* scratch: delta + sum_a pi_a eta_a (F) */
    int *ix;                        /* scratch: one design row's nonzeros (3 + 2F) */
    double *v;
} ridge_work;

/* What every resample needs, computed once. */
typedef struct ope_work {
    const ka_ope_log *log;
    const double *pi;
    double *w;                      /* pi(a_i) / p_i */
    double *m;                      /* replay matches of event i over all passes */
    ka_ope_dr_model model;
    double *R, *N;                  /* mean model scratch: [action * n_slots + slot] */
    double *Rs, *Ns;                /* per slot */
    double shrink;
    ridge_work rw;
} ope_work;

/* ---- the mean reward model ---- */

/* DR with q the per (action, slot) mean shrunk toward the slot's mean; n the events. */
static double dr_mean(const ope_work *wk, const double *c, double n)
{
    const ka_ope_log *L = wk->log;
    int K = L->n_actions, S = L->n_slots;
    memset(wk->R, 0, sizeof(double) * (size_t)(K * S));
    memset(wk->N, 0, sizeof(double) * (size_t)(K * S));
    memset(wk->Rs, 0, sizeof(double) * (size_t)S);
    memset(wk->Ns, 0, sizeof(double) * (size_t)S);
    for (int i = 0; i < L->n; i++) {
        double ci = c ? c[i] : 1;
        if (ci == 0)
            continue;
        double r = L->reward[i];
        int k = L->action[i] * S + L->slot[i];
        wk->R[k] += ci * r;
        wk->N[k] += ci;
        wk->Rs[L->slot[i]] += ci * r;
        wk->Ns[L->slot[i]] += ci;
    }
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
    return dr / n;
}

/* ---- the ridge reward model ---- */

static int ridge_params(const ka_ope_log *L)
{
    long K = L->n_actions, S = L->n_slots, F = L->n_features;
    long p = S + K + (S > 1 ? K * S : 0) + F + K * F;
    return p > KA_OPE_RIDGE_MAX_PARAMS ? -1 : (int)p;
}

/* Event i's design row as (index, value) pairs; returns their number. */
static int ridge_row(const ridge_work *rw, const ka_ope_log *L, int i, int *ix, double *v)
{
    int a = L->action[i], s = L->slot[i], n = 0;
    int base = rw->S + rw->K + (rw->cells ? rw->K * rw->S : 0);
    ix[n] = s, v[n++] = 1;
    ix[n] = rw->S + a, v[n++] = 1;
    if (rw->cells)
        ix[n] = rw->S + rw->K + a * rw->S + s, v[n++] = 1;
    const double *x = L->features + (size_t)i * (size_t)rw->F;
    for (int f = 0; f < rw->F; f++) {
        ix[n] = base + f, v[n++] = x[f];
        ix[n] = base + rw->F + a * rw->F + f, v[n++] = x[f];
    }
    return n;
}

/* Sets up rw for log L (parameters counted by ridge_params); KA_ENOMEM. */
static int ridge_alloc(ridge_work *rw, const ka_ope_log *L, double lambda)
{
    rw->K = L->n_actions;
    rw->S = L->n_slots;
    rw->F = L->n_features;
    rw->cells = rw->S > 1;
    rw->p = ridge_params(L);
    rw->lambda = lambda;
    size_t p = (size_t)rw->p, f = (size_t)rw->F;
    rw->G = malloc(sizeof(double) * p * p);
    rw->coef = malloc(sizeof(double) * p);
    rw->qc = malloc(sizeof(double) * (size_t)rw->K * (size_t)rw->S);
    rw->mix = malloc(sizeof(double) * (f ? f : 1));
    rw->ix = malloc(sizeof(int) * (3 + 2 * f));
    rw->v = malloc(sizeof(double) * (3 + 2 * f));
    if (!rw->G || !rw->coef || !rw->qc || !rw->mix || !rw->ix || !rw->v)
        return ka_error(KA_ENOMEM, "off-policy evaluation: out of memory for the ridge "
                        "model (%d parameters)", rw->p);
    return 0;
}

static void ridge_free(ridge_work *rw)
{
    free(rw->G);
    free(rw->coef);
    free(rw->qc);
    free(rw->mix);
    free(rw->ix);
    free(rw->v);
}

/* Fits the coefficients on the events weighted by c; -1 when the equations are
 * singular (they are not while the penalty is positive). */
static int ridge_fit(ridge_work *rw, const ka_ope_log *L, const double *c)
{
    int p = rw->p, *ix = rw->ix;
    double *v = rw->v;
    memset(rw->G, 0, sizeof(double) * (size_t)p * (size_t)p);
    memset(rw->coef, 0, sizeof(double) * (size_t)p);
    for (int i = 0; i < L->n; i++) {
        double ci = c ? c[i] : 1;
        if (ci == 0)
            continue;
        int n = ridge_row(rw, L, i, ix, v);
        for (int j = 0; j < n; j++) {
            double cv = ci * v[j];
            double *row = rw->G + (size_t)ix[j] * (size_t)p;
            for (int k = 0; k < n; k++)
                row[ix[k]] += cv * v[k];
            rw->coef[ix[j]] += cv * L->reward[i];
        }
    }
    /* beta_s is not shrunk: a tiny penalty only keeps an empty slot's equation solvable */
    for (int j = 0; j < p; j++)
        rw->G[(size_t)j * (size_t)p + (size_t)j] += j < rw->S ? 1e-9 * rw->lambda : rw->lambda;
    gsl_matrix_view G = gsl_matrix_view_array(rw->G, (size_t)p, (size_t)p);
    gsl_vector_view b = gsl_vector_view_array(rw->coef, (size_t)p);
    if (gsl_linalg_cholesky_decomp1(&G.matrix) || gsl_linalg_cholesky_svx(&G.matrix, &b.vector))
        return -1;
    const double *beta = rw->coef, *alpha = rw->coef + rw->S, *gamma = alpha + rw->K;
    for (int a = 0; a < rw->K; a++)
        for (int s = 0; s < rw->S; s++)
            rw->qc[a * rw->S + s] = beta[s] + alpha[a] + (rw->cells ? gamma[a * rw->S + s] : 0);
    return 0;
}

/* DR with the ridge model refitted on the events weighted by c. */
static double dr_ridge(ope_work *wk, const double *c, double n)
{
    ridge_work *rw = &wk->rw;
    const ka_ope_log *L = wk->log;
    if (ridge_fit(rw, L, c))
        return NAN;
    int K = rw->K, S = rw->S, F = rw->F;
    const double *delta = rw->coef + S + K + (rw->cells ? K * S : 0), *eta = delta + F;
    double dr = 0;
    for (int i = 0; i < L->n; i++) {
        double ci = c ? c[i] : 1;
        if (ci == 0)
            continue;
        const double *p = wk->pi + (size_t)i * (size_t)K, *x = L->features + (size_t)i * (size_t)F;
        int s = L->slot[i], ai = L->action[i];
        /* sum_a p_a q(a) = sum_a p_a qc(a, s) + x . (delta + sum_a p_a eta_a) */
        double direct = 0, qi = rw->qc[ai * S + s];
        for (int f = 0; f < F; f++)
            rw->mix[f] = delta[f];
        for (int a = 0; a < K; a++) {
            direct += p[a] * rw->qc[a * S + s];
            for (int f = 0; f < F && p[a] != 0; f++)
                rw->mix[f] += p[a] * eta[a * F + f];
        }
        for (int f = 0; f < F; f++) {
            direct += x[f] * rw->mix[f];
            qi += x[f] * (delta[f] + eta[ai * F + f]);
        }
        dr += ci * (direct + wk->w[i] * (L->reward[i] - qi));
    }
    return dr / n;
}

/* The four estimates with event i counted c[i] times (c NULL: once each). */
static void estimate(ope_work *wk, const double *c, double *est)
{
    const ka_ope_log *L = wk->log;
    double n = 0, swr = 0, sw = 0, smr = 0, sm = 0;
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
    }
    est[KA_OPE_REPLAY] = sm > 0 ? smr / sm : NAN;
    est[KA_OPE_IPS] = swr / n;
    est[KA_OPE_SNIPS] = sw > 0 ? swr / sw : NAN;
    est[KA_OPE_DR] = wk->model == KA_OPE_DR_RIDGE ? dr_ridge(wk, c, n) : dr_mean(wk, c, n);
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
    if ((unsigned)o->dr_model >= KA_OPE_DR_COUNT ||
        (o->dr_model == KA_OPE_DR_RIDGE && !(o->dr_ridge > 0 && isfinite(o->dr_ridge))))
        return ka_error(KA_EINVAL, "off-policy evaluation: DR model %d, ridge penalty %g "
                        "(must be > 0)", (int)o->dr_model, o->dr_ridge);
    if (L->n_features < 0 || (L->n_features > 0 && !L->features))
        return ka_error(KA_EINVAL, "off-policy evaluation: %d context features, %s",
                        L->n_features, L->features ? "a negative count" : "none given");
    if (o->dr_model == KA_OPE_DR_RIDGE && ridge_params(L) < 0)
        return ka_error(KA_EINVAL, "off-policy evaluation: the ridge reward model of %d "
                        "actions, %d slots and %d features has over %d parameters",
                        L->n_actions, L->n_slots, L->n_features, KA_OPE_RIDGE_MAX_PARAMS);
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
        for (int f = 0; f < L->n_features; f++)
            if (!isfinite(L->features[(size_t)i * (size_t)L->n_features + (size_t)f]))
                return ka_error(KA_EINVAL, "event %d: context feature %d is not finite", i, f);
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
    ope_work wk = { .log = log, .pi = pi, .shrink = o->dr_shrink, .model = o->dr_model };
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
    if (wk.model == KA_OPE_DR_RIDGE && (err = ridge_alloc(&wk.rw, log, o->dr_ridge)))
        goto done;
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
    ridge_free(&wk.rw);
    if (rng)
        gsl_rng_free(rng);
    return err;
}

int ka_ope_observed_estimate(const ka_ope_log *log, const ka_ope_opts *o,
                             ka_ope_estimate *out)
{
    ka_ope_opts def;
    if (!o) {
        ka_ope_opts_default(&def);
        o = &def;
    }
    if (!log || log->n < 1 || !log->reward)
        return ka_error(KA_EINVAL, "off-policy evaluation: an empty log");
    if (o->n_boot < 0 || !(o->level > 0 && o->level < 1))
        return ka_error(KA_EINVAL, "off-policy evaluation: bad options (boot %d, level %g)",
                        o->n_boot, o->level);
    size_t n = (size_t)log->n, nb = (size_t)o->n_boot;
    out->value = ka_ope_observed(log);
    out->lo = out->hi = out->se = NAN;
    out->n_eff = (double)n;
    if (!nb)
        return 0;
    double *rep = malloc(sizeof(double) * nb);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rep || !rng) {
        free(rep);
        if (rng)
            gsl_rng_free(rng);
        return ka_error(KA_ENOMEM, "off-policy evaluation: out of memory");
    }
    gsl_rng_set(rng, (unsigned long)o->seed);
    for (size_t b = 0; b < nb; b++) {
        double s = 0;
        for (size_t i = 0; i < n; i++)
            s += log->reward[gsl_rng_uniform_int(rng, n)];
        rep[b] = s / (double)n;
    }
    interval(rep, (int)nb, o, out);
    free(rep);
    gsl_rng_free(rng);
    return 0;
}
