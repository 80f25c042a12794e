/* cmd_ope.c: `keyart ope`: off-policy evaluation of a policy by replay, IPS, SNIPS and
 * doubly robust, with bootstrap intervals; as a table or JSON. Two kinds of log: keyart's
 * own events in the database (--db: ope_db.c) or, here, a file in the Open Bandit
 * Dataset's CSV format with its policies uniform and bts (Bernoulli Thompson sampling
 * with the priors of OBD's prior_bts.yaml). DR's reward model: the shrunk (item,
 * position) mean, or ridge regression (--dr-model). */
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Both kinds of log in one table: the options of one kind are refused with the
 * other (DB_ONLY, OBD_ONLY); --policy and --level say what each means in each. */
enum { O_TITLE, O_EXPERIMENT, O_ARM, O_ATTRIBUTION, O_LOG, O_PRIOR, O_CAMPAIGN, O_SIMS,
       O_COMPARE, O_POLICY, O_LEVEL, O_BOOT, O_PASSES, O_SEED, O_DRMODEL, O_RIDGE };
#define DB_ONLY(id) ((id) <= O_ATTRIBUTION)
#define OBD_ONLY(id) ((id) >= O_LOG && (id) <= O_COMPARE)

static const ka_cli_opt ope_opts[] = {
    { NULL, 0, NULL, "keyart's own log (--db): the impressions `keyart serve` stored, each "
      "with its propensity; the reward is a click by the same user on the same title and "
      "variant within the attribution window, as serving counts it. Impressions without a "
      "propensity, or still inside their window, are skipped and counted.", 0, NULL },
    KA_CLI_ROW_DB(""),
    { "title", 0, "ID", "the impressions of this title", O_TITLE, NULL },
    { "experiment", 0, "N", "those of this experiment (with --title: of that title only)",
      O_EXPERIMENT, NULL },
    { "arm", 0, "A", "only those of this arm of the experiment", O_ARM, NULL },
    { "policy", 0, "P", "uniform; variant:N (always variant N); seed, egreedy, thompson or "
      "linucb as each would have learned from the log (at every impression, from the events "
      "before it only); or FILE, a JSON file of probabilities per title and variant: "
      "{\"titles\": {\"ID\": {\"1\": 0.7, \"2\": 0.3}}}, summing to 1", O_POLICY, NULL },
    { "attribution", 0, "S", "a click counts within S seconds of its impression (600, as "
      "keyart serve)", O_ATTRIBUTION, NULL },
    { "level", 0, "L", "interval level (0.99 here)", O_LEVEL, NULL },
    { NULL, 0, NULL, "An Open Bandit Dataset CSV (item_id, position, click, "
      "propensity_score):", 0, NULL },
    { "log", 0, "FILE", "the log", O_LOG, NULL },
    { "policy", 0, "NAME", "uniform, or bts: Bernoulli Thompson sampling that fills the "
      "positions with the items of highest sampled click rate", O_POLICY, NULL },
    { "prior", 0, "FILE", "bts priors (default: prior_bts.yaml two folders above FILE's)",
      O_PRIOR, NULL },
    { "campaign", 0, "C", "bts campaign in the priors (default: FILE's folder name)",
      O_CAMPAIGN, NULL },
    { "sims", 0, "N", "bts: Monte Carlo draws of its position probabilities (100000)", O_SIMS,
      NULL },
    { "compare", 0, "FILE", "also print the click rate observed in another log", O_COMPARE,
      NULL },
    { "level", 0, "L", "interval level (0.95 here)", O_LEVEL, NULL },
    { NULL, 0, NULL, "Both:", 0, NULL },
    { "boot", 0, "N", "bootstrap replicates (500; 0 = no intervals)", O_BOOT, NULL },
    { "passes", 0, "P", "replay passes over the log (1000)", O_PASSES, NULL },
    { "seed", 0, "S", "random seed (1)", O_SEED, NULL },
    { "dr-model", 0, "M", "DR's reward model: mean (per item and position, or title and "
      "variant, shrunk toward the position's or title's mean; the default) or ridge (item, "
      "position and item x position effects by ridge regression)", O_DRMODEL, NULL },
    { "ridge", 0, "L", "ridge model penalty (1)", O_RIDGE, NULL },
    KA_CLI_ROW_JSON("print JSON"),
    { 0 },
};

typedef struct ope_ctx {
    ka_cli_ope_args a;
    int db;                         /* the command line reads keyart's own log */
} ope_ctx;

static const char *opt_name(int id)
{
    for (const ka_cli_opt *o = ope_opts; o->help; o++)
        if (o->name && o->id == id && o->id != KA_CLI_OPT_DB)
            return o->name;
    return "?";
}

static int ope_option(void *ctx, int id, const char *arg)
{
    ope_ctx *c = ctx;
    ka_cli_ope_args *a = &c->a;
    int v = 0, bad = 0;
    if (c->db ? OBD_ONLY(id) : DB_ONLY(id)) {
        fprintf(stderr, c->db ? "keyart ope: --%s is for Open Bandit Dataset logs (--log), not "
                "--db\n" : "keyart ope: --%s is for keyart's own log (--db)\n", opt_name(id));
        return KA_CLI_BAD;
    }
    switch (id) {
    case O_TITLE: a->title = arg; break;
    case O_EXPERIMENT: a->experiment = arg; break;
    case O_ARM: a->arm = arg; break;
    case O_POLICY: a->policy = arg; break;
    case O_LOG: a->log = arg; break;
    case O_PRIOR: a->prior = arg; break;
    case O_CAMPAIGN: a->campaign = arg; break;
    case O_COMPARE: a->compare = arg; break;
    case O_SIMS: bad = ka_parse_int(arg, 100, 10000000, &a->sims); break;
    case O_ATTRIBUTION: bad = ka_parse_double(arg, 0.001, 1e7, &a->attribution_s); break;
    case O_BOOT: bad = ka_parse_int(arg, 0, 100000, &a->o.n_boot); break;
    case O_PASSES: bad = ka_parse_int(arg, 1, 100000, &a->o.replay_passes); break;
    case O_LEVEL: bad = ka_parse_double(arg, 0.5, 0.9999, &a->o.level); break;
    case O_RIDGE: bad = ka_parse_double(arg, 1e-9, 1e9, &a->o.dr_ridge); break;
    case O_SEED:
        bad = ka_parse_int(arg, 0, 2147483647, &v);
        a->o.seed = bad ? a->o.seed : (uint64_t)v;
        break;
    default:
        if (ka_ope_dr_model_parse(arg, &a->o.dr_model)) {
            fprintf(stderr, "keyart ope: unknown --dr-model '%s' (mean, ridge)\n", arg);
            return KA_CLI_BAD;
        }
    }
    if (bad)        /* ope's own wording, which its tests know */
        fprintf(stderr, "keyart ope: bad value for --%s: '%s' (see keyart ope --help)\n",
                opt_name(id), arg);
    return bad ? KA_CLI_BAD : 0;
}

/* What each kind of log needs; -1 after saying what is missing. */
static int ope_check(const ope_ctx *c)
{
    const ka_cli_ope_args *a = &c->a;
    const char *why = !c->db ? (!a->log || !a->policy ? "--log FILE (or --db URL) and --policy are required"
                    : NULL)
        : !a->title && !a->experiment ? "--db wants --title ID or --experiment NAME"
        : a->arm && !a->experiment ? "--arm goes with --experiment"
        : !a->policy ? "--policy is required" : NULL;
    if (why) {
        fprintf(stderr, "keyart ope: %s\n", why);
        return -1;
    }
    if (!c->db && strcmp(a->policy, "uniform") && strcmp(a->policy, "bts")) {
        fprintf(stderr, "keyart ope: unknown policy '%s' (uniform, bts)\n", a->policy);
        return -1;
    }
    return 0;
}

/* The bts policy's position probabilities for log; prints why not. */
static int bts_dist(const ka_cli_ope_args *a, ka_ope_log *log, double **dist, char *prior_used,
                    size_t cap, const char **campaign_used)
{
    char tmp[4096], tmp2[4096];
    snprintf(tmp, sizeof tmp, "%s", a->log);
    char *dir = dirname(tmp);                       /* .../obd/random/men */
    snprintf(tmp2, sizeof tmp2, "%s", dir);
    static char campaign[256];
    snprintf(campaign, sizeof campaign, "%s", a->campaign ? a->campaign : basename(tmp2));
    if (a->prior)
        snprintf(prior_used, cap, "%s", a->prior);
    else
        snprintf(prior_used, cap, "%s/../../prior_bts.yaml", dir);
    *campaign_used = campaign;
    double *al, *be;
    int n;
    if (ka_ope_read_bts_prior(prior_used, campaign, &al, &be, &n)) {
        ka_cli_error("ope");
        return -1;
    }
    int rc = 0;
    if (log->n_actions > n) {
        fprintf(stderr, "keyart ope: %s has item %d, the priors only %d items\n", a->log,
                log->n_actions - 1, n);
        rc = -1;
    } else if (log->n_slots > n) {
        fprintf(stderr, "keyart ope: %d positions for %d items\n", log->n_slots, n);
        rc = -1;
    } else {
        log->n_actions = n;
        *dist = malloc(sizeof(double) * (size_t)n * (size_t)log->n_slots);
        if (!*dist || ka_ope_bts_slate_dist(al, be, n, log->n_slots, a->sims, a->o.seed, *dist)) {
            ka_cli_error("ope");
            rc = -1;
        }
    }
    free(al);
    free(be);
    return rc;
}

static json_t *num(double v)
{
    return ka_json_number(v);
}

/* {"name": "mean", "shrink": S} or {"name": "ridge", "penalty": L} */
static json_t *dr_model_json(const ka_ope_opts *o)
{
    int ridge = o->dr_model == KA_OPE_DR_RIDGE;
    return json_pack("{s:s,s:f}", "name", ka_ope_dr_model_name(o->dr_model),
                     ridge ? "penalty" : "shrink", ridge ? o->dr_ridge : o->dr_shrink);
}

/* Whether the command line reads keyart's own log (--db), which decides the
 * defaults before the options are read. */
static int wants_db(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--db") || !strncmp(argv[i], "--db=", 5))
            return 1;
    return 0;
}

static int ope_run(const ka_cli_cmd *self, int argc, char **argv)
{
    ope_ctx c = { .a = { .sims = 100000 }, .db = wants_db(argc, argv) };
    ka_cli_common com = { 0 };
    ka_ope_opts_default(&c.a.o);
    if (c.db)
        c.a.o.level = 0.99;
    int first = ka_cli_parse(self, argc, argv, &c, &com);
    if (first < 0)
        return ka_cli_exit(first);
    c.a.db = com.db;
    c.a.json = com.json;
    if (ope_check(&c))
        return KA_EXIT_USAGE;
    if (c.db)
        return ka_cli_ope_db(&c.a);
    const ka_cli_ope_args a = c.a;
    ka_ope_log log, cmp = { 0 };
    if (ka_ope_read_obd(a.log, &log)) {
        ka_cli_error("ope");
        return KA_EXIT_INPUT;
    }
    if (a.compare && ka_ope_read_obd(a.compare, &cmp)) {
        ka_cli_error("ope");
        ka_ope_log_free(&log);
        return KA_EXIT_INPUT;
    }
    int rc = KA_EXIT_OK;
    double *dist = NULL, *pi = NULL;
    char prior[4200] = "";
    const char *campaign = NULL;
    ka_ope_estimate e[KA_OPE_COUNT];
    if (!strcmp(a.policy, "bts") &&
        bts_dist(&a, &log, &dist, prior, sizeof prior, &campaign)) {
        rc = KA_EXIT_INPUT;
        goto done;
    }
    if (ka_ope_pi_from_slots(&log, dist, &pi) || ka_ope_evaluate(&log, pi, &a.o, e)) {
        ka_cli_error("ope");
        rc = KA_EXIT_INTERNAL;
        goto done;
    }
    double observed = ka_ope_observed(&log);
    if (a.json) {
        json_t *est = json_object();
        for (int m = 0; m < KA_OPE_COUNT; m++)
            json_object_set_new(est, ka_ope_method_name((ka_ope_method)m), json_pack(
                "{s:o,s:o,s:o,s:o}", "value", num(e[m].value),
                "ci", ka_json_interval(e[m].lo, e[m].hi), "se", num(e[m].se),
                "n_eff", num(e[m].n_eff)));
        json_t *pol = json_pack("{s:s}", "name", a.policy);
        if (dist) {
            json_object_set_new(pol, "prior", json_string(prior));
            json_object_set_new(pol, "campaign", json_string(campaign));
            json_object_set_new(pol, "sims", json_integer(a.sims));
        }
        json_t *j = json_pack("{s:{s:s,s:i,s:i,s:i,s:o},s:o,s:f,s:i,s:o,s:o}",
            "log", "path", a.log, "events", log.n, "actions", log.n_actions,
            "positions", log.n_slots, "observed", num(observed),
            "policy", pol, "level", a.o.level, "bootstrap", a.o.n_boot, "estimates", est,
            "dr_model", dr_model_json(&a.o));
        if (a.compare)
            json_object_set_new(j, "compare", json_pack("{s:s,s:i,s:o}", "path", a.compare,
                                "events", cmp.n, "observed", num(ka_ope_observed(&cmp))));
        rc = ka_cli_print_json(j);
        goto done;
    }
    printf("log       %s: %d events, %d items, %d positions, click rate %.5f\n", a.log,
           log.n, log.n_actions, log.n_slots, observed);
    if (dist)
        printf("policy    bts (%s, campaign %s, %d draws)\n", prior, campaign, a.sims);
    else
        printf("policy    uniform\n");
    if (a.compare)
        printf("compare   %s: %d events, click rate %.5f\n", a.compare, cmp.n,
               ka_ope_observed(&cmp));
    if (a.o.dr_model == KA_OPE_DR_RIDGE)
        printf("dr model  ridge (penalty %g)\n", a.o.dr_ridge);
    else
        printf("dr model  mean (shrunk by %g events)\n", a.o.dr_shrink);
    printf("\n%-9s %-9s %-24s %s\n", "estimator", "estimate", a.o.n_boot ? "interval" : "",
           "effective n");
    for (int m = 0; m < KA_OPE_COUNT; m++) {
        char iv[64] = "";
        if (a.o.n_boot)
            snprintf(iv, sizeof iv, "%g%% [%.5f, %.5f]", 100 * a.o.level, e[m].lo, e[m].hi);
        printf("%-9s %-9.5f %-24s %.1f\n", ka_ope_method_name((ka_ope_method)m), e[m].value, iv,
               e[m].n_eff);
    }
    if (fflush(stdout) || ferror(stdout)) {
        ka_cli_stdout_error();
        rc = KA_EXIT_OUTPUT;
    }
done:
    free(dist);
    free(pi);
    ka_ope_log_free(&log);
    ka_ope_log_free(&cmp);
    return rc;
}

const ka_cli_cmd ka_cli_ope = {
    .name = "ope",
    .synopsis = "--db URL (--title ID | --experiment NAME [--arm A]) "
        "--policy uniform|variant:N|seed|egreedy|thompson|linucb|FILE [--attribution S] "
        "[--level L] [--json] [options]\n"
        "--log FILE --policy uniform|bts [--json] [options]",
    .summary = "off-policy evaluation (replay, IPS, SNIPS, DR) of a policy on the "
        "impressions serving logged (uniform, variant:N, a file of probabilities, or seed, "
        "egreedy, thompson, linucb as learned), or on an Open Bandit Dataset CSV",
    .description = "Estimates the click rate a policy would have had on logged impressions: "
        "by replay (Li et al. 2011; unbiased on uniform logs), IPS, self-normalised IPS and "
        "doubly robust, each with a bootstrap interval, beside the log's own click rate.",
    .opts = ope_opts, .opt = ope_option, .run = ope_run,
};
