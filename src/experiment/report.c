/* report.c: metrics per arm from event counts, and the experiment report: every
 * metric of every arm against control (for rates a z-test of proportions, or, when
 * the arms were counted per user, the delta method with users as the units; Welch for
 * dwell time), Holm and Benjamini-Hochberg across an arm's metrics, chance to beat
 * control for rates, an always-valid interval for peeking, and the sample-ratio check
 * on users (or impressions). ka_exp_report_json gives the server and the CLI one
 * JSON shape. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>

#include "keyart/experiment.h"
#include "keyart/json.h"

void ka_exp_counts_add(ka_exp_counts *c, ka_event_type type, double value)
{
    switch (type) {
    case KA_EVENT_IMPRESSION: c->impressions += 1; break;
    case KA_EVENT_CLICK: c->clicks += 1; break;
    case KA_EVENT_PLAY: c->plays += 1; break;
    case KA_EVENT_COMPLETE: c->completes += 1; break;
    case KA_EVENT_SKIP: c->skips += 1; break;
    case KA_EVENT_DWELL:
        if (isfinite(value) && value >= 0) {
            c->dwell_n += 1;
            c->dwell_sum += value;
            c->dwell_sumsq += value * value;
        }
        break;
    default: break;
    }
}

static const char *const metric_names[KA_METRIC_COUNT] = {
    "ctr", "take_rate", "completion_rate", "skip_rate", "dwell_s",
};

const char *ka_exp_metric_name(ka_exp_metric m)
{
    return (unsigned)m < KA_METRIC_COUNT ? metric_names[m] : "unknown";
}

static void rate_parts(const ka_exp_counts *c, ka_exp_metric m, double *x, double *n);

void ka_exp_counts_add_user(ka_exp_counts *arm, const ka_exp_counts *user)
{
    arm->impressions += user->impressions;
    arm->clicks += user->clicks;
    arm->plays += user->plays;
    arm->completes += user->completes;
    arm->skips += user->skips;
    arm->dwell_n += user->dwell_n;
    arm->dwell_sum += user->dwell_sum;
    arm->dwell_sumsq += user->dwell_sumsq;
    arm->users += 1;
    for (int m = 0; m < KA_METRIC_COUNT; m++) {
        double x, y;
        rate_parts(user, (ka_exp_metric)m, &x, &y);
        if (m == KA_METRIC_DWELL || !(y > 0))
            continue;
        ka_exp_ratio_sums *s = &arm->unit[m];
        s->n += 1;
        s->sx += x;
        s->sy += y;
        s->sxx += x * x;
        s->syy += y * y;
        s->sxy += x * y;
    }
}

/* numerator and denominator of a rate metric */
static void rate_parts(const ka_exp_counts *c, ka_exp_metric m, double *x, double *n)
{
    switch (m) {
    case KA_METRIC_CTR: *x = c->clicks; *n = c->impressions; break;
    case KA_METRIC_TAKE_RATE: *x = c->plays; *n = c->impressions; break;
    case KA_METRIC_COMPLETION: *x = c->completes; *n = c->plays; break;
    case KA_METRIC_SKIP_RATE: *x = c->skips; *n = c->impressions; break;
    default: *x = *n = 0; break;
    }
    if (*x > *n)        /* events arrive out of order: a rate is never above 1 */
        *x = *n;
}

void ka_exp_metric_value(const ka_exp_counts *c, ka_exp_metric m, double *value, double *n,
                         double *var)
{
    double v = NAN, s2 = NAN, den = 0;
    if (m == KA_METRIC_DWELL) {
        den = c->dwell_n;
        if (den > 0)
            v = c->dwell_sum / den;
        if (den > 1)
            s2 = fmax(0, (c->dwell_sumsq - den * v * v) / (den - 1));
    } else {
        double x;
        rate_parts(c, m, &x, &den);
        if (den > 0) {
            v = x / den;
            s2 = v * (1 - v);
        }
    }
    if (value)
        *value = v;
    if (n)
        *n = den;
    if (var)
        *var = s2;
}

void ka_exp_report_opts_default(ka_exp_report_opts *o)
{
    o->level = 0.95;
    o->prior_alpha = 1;
    o->prior_beta = 1;
    o->n_tune = 10000;
}

/* Whether both arms were counted per user (ka_exp_counts_add_user). */
static int by_user(const ka_exp_counts *c, const ka_exp_counts *t)
{
    return c->users > 0 && t->users > 0;
}

/* One metric of arm t against control c; 1 when done, 0 when there is too little data. */
static int compare(const ka_exp_counts *c, const ka_exp_counts *t, ka_exp_metric m,
                   const ka_exp_report_opts *o, ka_exp_result *r)
{
    r->metric = m;
    r->chance_to_beat = NAN;
    double n_c, n_t;
    if (m == KA_METRIC_DWELL) {
        double mc, vc, mt, vt;
        ka_exp_metric_value(c, m, &mc, &n_c, &vc);
        ka_exp_metric_value(t, m, &mt, &n_t, &vt);
        if (n_c < 2 || n_t < 2 || ka_exp_welch_test(mc, vc, n_c, mt, vt, n_t, o->level, &r->test))
            return 0;
    } else if (by_user(c, t)) {
        /* users are the units: the delta method over their ratios; the chance to beat
         * from the normal approximation of the difference */
        n_c = c->unit[m].n;
        n_t = t->unit[m].n;
        if (n_c < 2 || n_t < 2 ||
            ka_exp_ratio_test(&c->unit[m], &t->unit[m], o->level, &r->test))
            return 0;
        r->chance_to_beat = r->test.diff_se > 0 ? 0.5 * erfc(-r->test.diff / r->test.diff_se /
                                                             M_SQRT2) : NAN;
    } else {
        double x_c, x_t;
        rate_parts(c, m, &x_c, &n_c);
        rate_parts(t, m, &x_t, &n_t);
        if (n_c < 1 || n_t < 1 || ka_exp_prop_test(x_c, n_c, x_t, n_t, o->level, &r->test))
            return 0;
        r->chance_to_beat = ka_exp_chance_to_beat(o->prior_alpha + x_c, o->prior_beta + n_c - x_c,
                                                  o->prior_alpha + x_t, o->prior_beta + n_t - x_t);
    }
    /* the sequence's clock: observations per arm (the smaller arm) */
    double hw = ka_exp_cs_halfwidth(r->test.diff_se, fmin(n_c, n_t), o->n_tune, 1 - o->level);
    r->cs_lo = r->test.diff - hw;
    r->cs_hi = r->test.diff + hw;
    return 1;
}

int ka_exp_report_build(const ka_exp_counts *counts, int n_arms, int control,
                        const double *weights, const ka_exp_report_opts *o,
                        ka_exp_report *out)
{
    ka_exp_report_opts def;
    if (!o) {
        ka_exp_report_opts_default(&def);
        o = &def;
    }
    if (n_arms < 2 || n_arms > KA_EXP_MAX_ARMS || control < 0 || control >= n_arms)
        return ka_error(KA_EINVAL, "report: %d arms (2..%d), control %d", n_arms,
                        KA_EXP_MAX_ARMS, control);
    if (!(o->level > 0 && o->level < 1))
        return ka_error(KA_EINVAL, "report: level %g", o->level);
    out->n_arms = n_arms;
    out->control = control;
    out->n_results = 0;
    /* the sample ratio is of what was assigned: users when they were counted */
    double units[KA_EXP_MAX_ARMS];
    int users = 1;
    for (int i = 0; i < n_arms; i++)
        users &= counts[i].users > 0;
    for (int i = 0; i < n_arms; i++)
        units[i] = users ? counts[i].users : counts[i].impressions;
    out->by_user = users;
    int srm = ka_exp_srm(units, weights, n_arms, &out->srm_chi2, &out->srm_p);
    if (srm < 0)
        return srm;
    out->srm = srm;
    for (int a = 0; a < n_arms; a++) {
        if (a == control)
            continue;
        int first = out->n_results;
        for (int m = 0; m < KA_METRIC_COUNT; m++) {
            ka_exp_result *r = &out->results[out->n_results];
            r->arm = a;
            if (compare(&counts[control], &counts[a], (ka_exp_metric)m, o, r))
                out->n_results++;
        }
        int k = out->n_results - first;
        double p[KA_METRIC_COUNT], adj[KA_METRIC_COUNT];
        for (int i = 0; i < k; i++)
            p[i] = out->results[first + i].test.p;
        ka_exp_holm(p, k, adj);
        for (int i = 0; i < k; i++)
            out->results[first + i].p_holm = adj[i];
        ka_exp_bh(p, k, adj);
        for (int i = 0; i < k; i++)
            out->results[first + i].p_bh = adj[i];
    }
    return 0;
}

/* JSON has no NaN or infinity: those become null (ka_json_number). */
static json_t *num(double v)
{
    return ka_json_number(v);
}

/* An arm's name; its index as text when it has none. */
static json_t *arm_name(const char *const *arm_names, int a)
{
    char index[16];
    snprintf(index, sizeof index, "%d", a);
    return json_string(arm_names && arm_names[a] ? arm_names[a] : index);
}

json_t *ka_exp_report_json(const ka_exp_report *r, const ka_exp_counts *counts,
                           const char *const *arm_names)
{
    json_t *root = json_object(), *arms = json_array();
    if (!root || !arms) {
        json_decref(root);
        json_decref(arms);
        return NULL;
    }
    json_object_set_new(root, "srm", json_pack("{s:o,s:o,s:b}", "chi2", num(r->srm_chi2),
                                               "p", num(r->srm_p), "mismatch", r->srm));
    json_object_set_new(root, "unit", json_string(r->by_user ? "user" : "impression"));
    /* arms by name, as the config, the artwork answers and the events name them */
    json_object_set_new(root, "control", arm_name(arm_names, r->control));
    for (int a = 0; a < r->n_arms; a++) {
        json_t *arm = json_object(), *metrics = json_object();
        json_object_set_new(arm, "name", arm_name(arm_names, a));
        json_object_set_new(arm, "impressions", ka_json_count(counts[a].impressions));
        if (r->by_user)
            json_object_set_new(arm, "users", ka_json_count(counts[a].users));
        for (int m = 0; m < KA_METRIC_COUNT; m++) {
            double v, n;
            ka_exp_metric_value(&counts[a], (ka_exp_metric)m, &v, &n, NULL);
            /* dwell_s is a time: to the millisecond, as every time (docs/json.md) */
            json_object_set_new(metrics, metric_names[m],
                                m == KA_METRIC_DWELL ? ka_json_time(v) : num(v));
        }
        json_object_set_new(arm, "metrics", metrics);
        json_t *vs = json_object();
        for (int i = 0; i < r->n_results; i++) {
            const ka_exp_result *x = &r->results[i];
            if (x->arm != a)
                continue;
            json_object_set_new(vs, metric_names[x->metric], json_pack(
                "{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
                "diff", num(x->test.diff),
                "diff_ci", ka_json_interval(x->test.diff_lo, x->test.diff_hi),
                "rel", num(x->test.rel),
                "rel_ci", ka_json_interval(x->test.rel_lo, x->test.rel_hi),
                "p", num(x->test.p), "p_holm", num(x->p_holm), "p_bh", num(x->p_bh),
                "stat", num(x->test.stat), "chance_to_beat", num(x->chance_to_beat),
                "always_valid_ci", ka_json_interval(x->cs_lo, x->cs_hi)));
        }
        if (a != r->control)
            json_object_set_new(arm, "vs_control", vs);
        else
            json_decref(vs);
        json_array_append_new(arms, arm);
    }
    json_object_set_new(root, "arms", arms);
    return root;
}
