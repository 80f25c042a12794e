/* keyart/experiment.h: A/B experiments and off-policy evaluation.
 *
 * - deterministic assignment compatible with GrowthBook's SDKs (FNV-1a 32-bit hashing,
 *   versions 1 and 2; bucket ranges with coverage and weights; namespaces);
 * - metrics per arm from event counts (CTR, take rate, completion rate, skip rate,
 *   dwell time);
 * - statistics: two-proportion z-test, Welch t-test, relative lift and ratio metrics by
 *   the delta method, Bayesian chance to beat control, sample-ratio mismatch,
 *   an always-valid confidence sequence for peeking, Holm and Benjamini-Hochberg;
 * - off-policy evaluation from logged (context, action, reward, propensity): replay,
 *   IPS, self-normalised IPS and doubly robust, with bootstrap intervals; the Open
 *   Bandit Dataset's CSV and its Bernoulli Thompson sampling policy; keyart's own
 *   log and fixed target policies for it (uniform, one variant, a file).
 *
 * Pure functions over in-memory arrays, except ka_ope_read_obd,
 * ka_ope_read_bts_prior and ka_ope_fixed_read, which read files. keyart's own log of
 * impressions comes from the store through serve.h (ka_ope_log_from_store): the
 * serving rules that give its rewards live there. */
#ifndef KEYART_EXPERIMENT_H
#define KEYART_EXPERIMENT_H

#include <stddef.h>
#include <stdint.h>

#include "keyart/personalize.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- assignment (GrowthBook SDK spec) ---- */

uint32_t ka_exp_fnv1a32(const char *s);
/* GrowthBook's hash(seed, value, version) in [0, 1):
 *   v1: (fnv1a32(value + seed) % 1000) / 1000
 *   v2: (fnv1a32(decimal(fnv1a32(seed + value))) % 10000) / 10000
 * Returns 0, or KA_EINVAL for another version (the SDK's null). */
int ka_exp_hash(const char *seed, const char *value, int version, double *out);
/* n equal weights 1/n. */
void ka_exp_equal_weights(int n, double *w);
/* ranges[i] = [start_i, start_i + coverage w_i] with start_i the sum of earlier weights;
 * coverage clamped to 0..1; weights NULL, of another count than n, or not summing to
 * 1 within 0.01 are replaced by equal weights. KA_EINVAL when n < 1. */
int ka_exp_bucket_ranges(int n, double coverage, const double *weights, int n_weights,
                         double (*ranges)[2]);
/* The i whose range holds h (start <= h < end), or -1. */
int ka_exp_choose_variation(double h, const double (*ranges)[2], int n);
/* Whether user is in namespace [id, start, end): hash("__" + id, user, 1). */
int ka_exp_in_namespace(const char *user, const char *ns_id, double start, double end);

typedef enum ka_exp_arm_kind { KA_EXP_ARM_VARIANT = 0, KA_EXP_ARM_POLICY } ka_exp_arm_kind;

/* An arm shows a fixed variant, or lets a policy choose. */
typedef struct ka_exp_arm {
    const char *name;
    ka_exp_arm_kind kind;
    int variant;                    /* KA_EXP_ARM_VARIANT: its number */
    const char *policy;             /* KA_EXP_ARM_POLICY: a ka_policy_find() name */
    double weight;                  /* traffic share; all 0 = equal */
} ka_exp_arm;

typedef struct ka_experiment {
    const char *key;                /* the experiment's id */
    const char *seed;               /* hashing seed (NULL = key) */
    int hash_version;               /* 1 or 2 (0 = 2) */
    double coverage;                /* share of users included, 0..1 */
    const char *ns_id;              /* namespace (NULL = none) and its range */
    double ns_start, ns_end;
    const ka_exp_arm *arms;
    int n_arms;                     /* 1..KA_EXP_MAX_ARMS */
    int control;                    /* index of the control arm */
} ka_experiment;

enum { KA_EXP_MAX_ARMS = 32 };

/* The arm user falls in, into *arm: -1 when the user is not in the experiment
 * (outside the namespace or the coverage, no user id, or a single arm, as in
 * GrowthBook). Returns 0, or KA_EINVAL for a malformed experiment (*arm is then -1
 * too, but the error is not "not in it"). */
int ka_exp_assign(const ka_experiment *e, const char *user, int *arm);

/* ---- metrics from events ---- */

typedef enum ka_exp_metric {
    KA_METRIC_CTR = 0,              /* clicks / impressions */
    KA_METRIC_TAKE_RATE,            /* plays / impressions */
    KA_METRIC_COMPLETION,           /* completes / plays */
    KA_METRIC_SKIP_RATE,            /* skips / impressions */
    KA_METRIC_DWELL,                /* mean dwell seconds */
    KA_METRIC_COUNT
} ka_exp_metric;

/* Per-unit sums of a ratio metric sum(x)/sum(y) (e.g. clicks / impressions per user). */
typedef struct ka_exp_ratio_sums {
    double n, sx, sy, sxx, syy, sxy;
} ka_exp_ratio_sums;

typedef struct ka_exp_counts {
    double impressions, clicks, plays, completes, skips;
    double dwell_n, dwell_sum, dwell_sumsq;     /* dwell events: seconds */
    /* Per user, when known (ka_exp_counts_add_user): the users, and the sums of each
     * rate metric's parts over them (n 0: not known). The report then treats users,
     * not impressions, as the independent units: a user's impressions are alike, and
     * counting them as independent makes differences look surer than they are. */
    double users;
    ka_exp_ratio_sums unit[KA_METRIC_COUNT];
} ka_exp_counts;

/* Folds one event in (value: dwell seconds). */
void ka_exp_counts_add(ka_exp_counts *c, ka_event_type type, double value);
/* Folds one user's counts (from ka_exp_counts_add) into an arm's: its totals, and the
 * user as a unit of each rate metric the user has a denominator for. */
void ka_exp_counts_add_user(ka_exp_counts *arm, const ka_exp_counts *user);

const char *ka_exp_metric_name(ka_exp_metric m);    /* "ctr", "take_rate", ... */
/* A metric's value, its denominator n (impressions, plays, dwell events) and, for
 * dwell, the sample variance (proportions: p(1-p)). NAN value when n is 0. */
void ka_exp_metric_value(const ka_exp_counts *c, ka_exp_metric m, double *value, double *n,
                         double *var);

/* ---- statistics ---- */

/* Treatment against control. Lifts are treatment - control (absolute) and
 * treatment / control - 1 (relative); intervals are two-sided at level. */
typedef struct ka_exp_test {
    double control, treatment;
    double diff, diff_se, diff_lo, diff_hi;
    double rel, rel_se, rel_lo, rel_hi;     /* delta method; NAN when control is 0 */
    double stat;                    /* z or t */
    double df;                      /* Welch's degrees of freedom; INFINITY for z */
    double p;                       /* two-sided p-value */
} ka_exp_test;

/* Two proportions x/n: z with the pooled standard error, the difference's interval
 * with the unpooled one. KA_EINVAL for n < 1 or x outside 0..n. */
int ka_exp_prop_test(double x_c, double n_c, double x_t, double n_t, double level,
                     ka_exp_test *out);
/* Two means with sample variances: Welch's t, Welch-Satterthwaite df, t intervals for
 * the difference and (delta method, normal) the relative lift. KA_EINVAL for n < 2. */
int ka_exp_welch_test(double mean_c, double var_c, double n_c, double mean_t, double var_t,
                      double n_t, double level, ka_exp_test *out);


/* R = mean x / mean y and its delta-method standard error
 *   se^2 = (s_xx / my^2 - 2 mx s_xy / my^3 + mx^2 s_yy / my^4) / n
 * with sample (co)variances s. KA_EINVAL for n < 2 or mean y = 0. */
int ka_exp_ratio(const ka_exp_ratio_sums *s, double *ratio, double *se);
/* Two ratio metrics: z-test of the difference, intervals for absolute and relative lift. */
int ka_exp_ratio_test(const ka_exp_ratio_sums *c, const ka_exp_ratio_sums *t, double level,
                      ka_exp_test *out);

/* P(p_t > p_c) for p_c ~ Beta(a_c, b_c), p_t ~ Beta(a_t, b_t): exact sum (Evan Miller)
 * when a_t is a whole number up to 10^5, else adaptive quadrature. NAN for bad input. */
double ka_exp_chance_to_beat(double a_c, double b_c, double a_t, double b_t);

/* Sample-ratio mismatch: chi-square of observed counts against expected shares
 * (weights, normalised; NULL = equal), df = the arms with a weight - 1. An arm of
 * weight 0 (meant to get no users) is left out while it has none, and is a mismatch
 * (chi2 infinite, p 0) once it has some. Returns 1 when p < KA_EXP_SRM_P, 0 when not,
 * KA_EINVAL for bad input (negative or infinite counts or weights, all weights 0). */
#define KA_EXP_SRM_P 0.001
int ka_exp_srm(const double *observed, const double *weights, int k, double *chi2, double *p);

/* Always-valid confidence sequence (normal mixture, Howard, Ramdas, McAuliffe, Sekhon
 * 2021, "Time-uniform, nonparametric, nonasymptotic confidence sequences", eq. 14):
 * with estimate se at n observations, the half-width
 *   se * sqrt((n + rho) / n * log((n + rho) / (rho alpha^2))),
 * rho = n_tune / (2 log(1/alpha) + log(1 + 2 log(1/alpha))) (narrowest near n_tune).
 * Valid simultaneously over all n: peeking does not inflate the error rate. */
double ka_exp_cs_halfwidth(double se, double n, double n_tune, double alpha);

/* Adjusted p-values for m tests (adj may alias p): Holm's step-down (FWER) and
 * Benjamini-Hochberg's step-up (FDR). */
void ka_exp_holm(const double *p, int m, double *adj);
void ka_exp_bh(const double *p, int m, double *adj);

/* ---- a report: every metric of every arm against control ---- */

typedef struct ka_exp_report_opts {
    double level;                   /* 0.95 */
    double prior_alpha, prior_beta; /* chance to beat: Beta prior (1, 1) */
    double n_tune;                  /* confidence sequence tuning (impressions, 10000) */
} ka_exp_report_opts;

void ka_exp_report_opts_default(ka_exp_report_opts *o);

typedef struct ka_exp_result {
    int arm;
    ka_exp_metric metric;
    ka_exp_test test;
    double p_holm, p_bh;            /* adjusted across the arm's metrics */
    double chance_to_beat;          /* proportions only, else NAN */
    double cs_lo, cs_hi;            /* always-valid interval of the difference */
} ka_exp_result;

typedef struct ka_exp_report {
    int n_arms, control;
    double srm_chi2, srm_p;
    int srm;                        /* 1: sample-ratio mismatch (p < KA_EXP_SRM_P) */
    int by_user;                    /* the units were users (every arm counted per user:
                                     * the SRM check counts users, the rates' tests use
                                     * the delta method), else impressions */
    int n_results;                  /* (n_arms - 1) x KA_METRIC_COUNT; metrics with no
                                     * data in either arm are left out */
    ka_exp_result results[(KA_EXP_MAX_ARMS - 1) * KA_METRIC_COUNT];
} ka_exp_report;

/* counts[n_arms]; weights: planned traffic shares for the SRM check (NULL = equal).
 * The report is large: allocate it. */
int ka_exp_report_build(const ka_exp_counts *counts, int n_arms, int control,
                        const double *weights, const ka_exp_report_opts *o,
                        ka_exp_report *out);
/* The report as JSON (a new reference): {"srm": {...}, "arms": [...]} */
struct json_t *ka_exp_report_json(const ka_exp_report *r, const ka_exp_counts *counts,
                                  const char *const *arm_names);

/* ---- off-policy evaluation ---- */

/* A log: event i showed action[i] in slot[i] (a position; 0 when there is one) with
 * logging propensity pscore[i] and got reward[i]. Optionally, n_features context
 * features per event (features[i * n_features + f]; NULL with 0), which the ridge
 * reward model of DR uses; best on a unit scale. */
typedef struct ka_ope_log {
    int n, n_actions, n_slots;
    int *action, *slot;
    double *reward, *pscore;
    int n_features;
    double *features;
} ka_ope_log;

void ka_ope_log_free(ka_ope_log *log);
/* The mean reward: the logging policy's own value. */
double ka_ope_observed(const ka_ope_log *log);

typedef enum ka_ope_method {
    KA_OPE_REPLAY = 0,              /* Li, Chu, Langford, Wang 2011 */
    KA_OPE_IPS,
    KA_OPE_SNIPS,
    KA_OPE_DR,                      /* Dudik, Langford, Li 2011 */
    KA_OPE_COUNT
} ka_ope_method;

const char *ka_ope_method_name(ka_ope_method m);   /* "replay", "ips", "snips", "dr" */

typedef enum ka_ope_ci { KA_OPE_CI_PERCENTILE = 0, KA_OPE_CI_NORMAL } ka_ope_ci;

/* DR's reward model q(a, s, x).
 *   mean:  the mean reward of (action, slot), shrunk toward the slot's mean by
 *          dr_shrink events (context-free).
 *   ridge: q = beta_s + alpha_a + gamma_as + x . delta + x . eta_a (gamma with more
 *          than one slot, the x terms with context features), fitted by least squares
 *          with penalty dr_ridge on everything but beta_s: action effects are shared
 *          across slots, and rare (action, slot) cells and actions lean on them. At
 *          most KA_OPE_RIDGE_MAX_PARAMS parameters. */
typedef enum ka_ope_dr_model { KA_OPE_DR_MEAN = 0, KA_OPE_DR_RIDGE, KA_OPE_DR_COUNT } ka_ope_dr_model;

enum { KA_OPE_RIDGE_MAX_PARAMS = 2000 };

const char *ka_ope_dr_model_name(ka_ope_dr_model m);   /* "mean", "ridge" */
/* 0, or KA_EINVAL for an unknown name. */
int ka_ope_dr_model_parse(const char *name, ka_ope_dr_model *out);

typedef struct ka_ope_opts {
    int n_boot;                     /* bootstrap replicates (500; 0 = no intervals) */
    double level;                   /* 0.95 */
    uint64_t seed;                  /* bootstrap and replay draws (1) */
    int replay_passes;              /* replay: passes over the log, each with fresh draws
                                     * of the evaluated policy (1000) */
    ka_ope_ci ci;                   /* percentile (default) or normal with bootstrap se */
    double dr_shrink;               /* DR reward model: per (action, slot) mean, shrunk
                                     * toward the slot mean by this many events (1) */
    ka_ope_dr_model dr_model;       /* DR reward model (mean) */
    double dr_ridge;                /* ridge model: the penalty (1) */
} ka_ope_opts;

void ka_ope_opts_default(ka_ope_opts *o);

typedef struct ka_ope_estimate {
    double value, lo, hi, se;       /* se: bootstrap standard deviation (NAN without) */
    double n_eff;                   /* replay: matched events per pass; IPS etc.: the
                                     * effective sample size (sum w)^2 / sum w^2 */
} ka_ope_estimate;

/* pi[i * n_actions + a]: the evaluated policy's probability of showing a in event i's
 * slot, in its context. Fills out[KA_OPE_COUNT]. KA_EINVAL for bad input (a
 * propensity <= 0, a pi row that does not sum to 1, ...), KA_ENOMEM. Replay is unbiased
 * when the log is uniform (Li et al. 2011); IPS, SNIPS and DR for any logging policy
 * that gives every action the evaluated policy uses a positive propensity. */
int ka_ope_evaluate(const ka_ope_log *log, const double *pi, const ka_ope_opts *o,
                    ka_ope_estimate *out);

/* The log's mean reward as an estimate: the value, and a bootstrap interval and se
 * over events drawn as ka_ope_evaluate draws them (o: n_boot, level, seed, ci; NULL =
 * defaults); n_eff is the number of events. KA_EINVAL for an empty log. */
int ka_ope_observed_estimate(const ka_ope_log *log, const ka_ope_opts *o,
                             ka_ope_estimate *out);

/* Reads an Open Bandit Dataset CSV (columns item_id, position, click,
 * propensity_score by name; positions 1..3 become slots 0..2). KA_EIO, KA_EFORMAT. */
int ka_ope_read_obd(const char *path, ka_ope_log *log);
/* The Beta priors of a campaign in OBD's prior_bts.yaml ({campaign: {alpha: [..],
 * beta: [..]}}); *alpha and *beta are malloc'd, n of each. */
int ka_ope_read_bts_prior(const char *path, const char *campaign, double **alpha,
                          double **beta, int *n);
/* The slate Bernoulli Thompson sampling policy: draw p_i ~ Beta(alpha_i, beta_i) for
 * every item and fill slots 0..n_slots-1 with the items of largest draws. dist[item *
 * n_slots + slot]: its probability of putting item in slot, by n_sims seeded draws. */
int ka_ope_bts_slate_dist(const double *alpha, const double *beta, int n_items, int n_slots,
                          int n_sims, uint64_t seed, double *dist);
/* pi for ka_ope_evaluate from a context-free per-slot distribution dist[a * n_slots + s]
 * (NULL = uniform 1/n_actions). *pi is malloc'd. */
int ka_ope_pi_from_slots(const ka_ope_log *log, const double *dist, double **pi);

/* ---- keyart's own log: the impressions serving stored (serve.h builds it) ---- */

/* A title of the log: action a of its impressions is the variant numbered number[a]. */
typedef struct ka_ope_title {
    char *id;
    int n_variants;                 /* 1..KA_POLICY_MAX_ARMS */
    int number[KA_POLICY_MAX_ARMS];
} ka_ope_title;

/* The impressions of a title or an experiment as a ka_ope_log whose slot is the title
 * (titles[slot]; so DR's mean model is per title and variant) and n_actions the most
 * variants a title has; the others' rows are 0 beyond theirs. Counts of the
 * impressions in scope: seen = used + no_propensity + unknown_variant + unsettled. */
typedef struct ka_ope_store_log {
    ka_ope_log log;
    ka_ope_title *titles;           /* log.n_slots of them, in order of first impression */
    double *pi;                     /* a learned policy's probabilities (log.n x
                                     * log.n_actions), NULL when none was asked for */
    int seen, used;
    int no_propensity;              /* without a logging propensity in (0, 1] */
    int unknown_variant;            /* of a variant the title no longer has */
    int unsettled;                  /* no click yet, attribution window still open */
    double attribution_s;           /* the window applied */
    double settled_at;              /* the time the open windows were judged at */
    int64_t events;                 /* events read (every title, every type) */
} ka_ope_store_log;

void ka_ope_store_log_free(ka_ope_store_log *l);

/* A fixed target policy over keyart's titles: uniform, always variant N, or given
 * probabilities per title and variant. */
typedef struct ka_ope_fixed ka_ope_fixed;

/* "uniform" or "variant:N" (N 1..9999): 0; 1 when spec is neither (*out NULL,
 * nothing said); KA_EINVAL for "variant:" with a bad number. */
int ka_ope_fixed_parse(const char *spec, ka_ope_fixed **out);
/* A policy file: {"titles": {"TITLE": {"N": p, ...}, ...}} with variant numbers as
 * keys and probabilities in 0..1 that sum to 1 per title (variants left out get 0);
 * optionally "description": "...". Anything else is refused: KA_EIO (cannot read),
 * KA_EFORMAT (not JSON, unknown member, bad key or number; the message says where). */
int ka_ope_fixed_read(const char *path, ka_ope_fixed **out);
void ka_ope_fixed_free(ka_ope_fixed *p);
/* "uniform", "variant:N" or the file's path. */
const char *ka_ope_fixed_name(const ka_ope_fixed *p);
/* The policy's rows for every impression of l: *pi (malloc'd, l->log.n x
 * l->log.n_actions). KA_EINVAL when a title of the log has no variant N, or the file
 * has no probabilities for it or one for a variant it does not have. */
int ka_ope_fixed_pi(const ka_ope_fixed *p, const ka_ope_store_log *l, double **pi);

#ifdef __cplusplus
}
#endif
#endif
