/* cmd_ope.c: `keyart ope`: off-policy evaluation of a policy by replay, IPS, SNIPS and
 * doubly robust, with bootstrap intervals; as a table or JSON. Two kinds of log: keyart's
 * own events in the database (--db: ope_db.c) or, here, a file in the Open Bandit
 * Dataset's CSV format with its policies uniform and bts (Bernoulli Thompson sampling
 * with the priors of OBD's prior_bts.yaml). DR's reward model: the shrunk (item,
 * position) mean, or ridge regression (--dr-model). */
#include <getopt.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The rows print ope's --help; its two parsers (here and ope_db.c) still use getopt
 * themselves, since the two kinds of log take different options. */
static const ka_cli_opt ope_opts[] = {
    { NULL, 0, NULL, "keyart's own log (--db): the impressions `keyart serve` stored, each "
      "with its propensity; the reward is a click by the same user on the same title and "
      "variant within the attribution window, as serving counts it. Impressions without a "
      "propensity, or still inside their window, are skipped and counted.", 0, NULL },
    KA_CLI_ROW_DB(""),
    { "title", 0, "ID", "the impressions of this title", 0, NULL },
    { "experiment", 0, "N", "those of this experiment (with --title: of that title only)", 0,
      NULL },
    { "arm", 0, "A", "only those of this arm of the experiment", 0, NULL },
    { "policy", 0, "P", "uniform; variant:N (always variant N); seed, egreedy, thompson or "
      "linucb as each would have learned from the log (at every impression, from the events "
      "before it only); or FILE, a JSON file of probabilities per title and variant: "
      "{\"titles\": {\"ID\": {\"1\": 0.7, \"2\": 0.3}}}, summing to 1", 0, NULL },
    { "attribution", 0, "S", "a click counts within S seconds of its impression (600, as "
      "keyart serve)", 0, NULL },
    { "level", 0, "L", "interval level (0.99 here)", 0, NULL },
    { NULL, 0, NULL, "An Open Bandit Dataset CSV (--log: item_id, position, click, "
      "propensity_score):", 0, NULL },
    { "policy", 0, "NAME", "uniform, or bts: Bernoulli Thompson sampling that fills the "
      "positions with the items of highest sampled click rate", 0, NULL },
    { "prior", 0, "FILE", "bts priors (default: prior_bts.yaml two folders above FILE's)", 0,
      NULL },
    { "campaign", 0, "C", "bts campaign in the priors (default: FILE's folder name)", 0, NULL },
    { "sims", 0, "N", "bts: Monte Carlo draws of its position probabilities (100000)", 0,
      NULL },
    { "compare", 0, "FILE", "also print the click rate observed in another log", 0, NULL },
    { "level", 0, "L", "interval level (0.95 here)", 0, NULL },
    { NULL, 0, NULL, "Both:", 0, NULL },
    { "boot", 0, "N", "bootstrap replicates (500; 0 = no intervals)", 0, NULL },
    { "passes", 0, "P", "replay passes over the log (1000)", 0, NULL },
    { "seed", 0, "S", "random seed (1)", 0, NULL },
    { "dr-model", 0, "M", "DR's reward model: mean (per item and position, or title and "
      "variant, shrunk toward the position's or title's mean; the default) or ridge (item, "
      "position and item x position effects by ridge regression)", 0, NULL },
    { "ridge", 0, "L", "ridge model penalty (1)", 0, NULL },
    KA_CLI_ROW_JSON("print JSON"),
    { 0 },
};

void ka_ope_usage(FILE *f)
{
    ka_cli_help(f, &ka_cli_ope);
}

typedef struct ope_args {
    const char *log, *policy, *prior, *campaign, *compare;
    int json, sims;
    ka_ope_opts o;
} ope_args;

static int parse_args(int argc, char **argv, ope_args *a)
{
    static const struct option longopts[] = {
        { "log", required_argument, NULL, 'l' }, { "policy", required_argument, NULL, 'p' },
        { "prior", required_argument, NULL, 'P' }, { "campaign", required_argument, NULL, 'c' },
        { "sims", required_argument, NULL, 'n' }, { "boot", required_argument, NULL, 'b' },
        { "level", required_argument, NULL, 'L' }, { "passes", required_argument, NULL, 'r' },
        { "seed", required_argument, NULL, 's' }, { "compare", required_argument, NULL, 'C' },
        { "dr-model", required_argument, NULL, 'm' }, { "ridge", required_argument, NULL, 'R' },
        { "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c, v;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'l': a->log = optarg; break;
        case 'p': a->policy = optarg; break;
        case 'P': a->prior = optarg; break;
        case 'c': a->campaign = optarg; break;
        case 'C': a->compare = optarg; break;
        case 'j': a->json = 1; break;
        case 'h': ka_ope_usage(stdout); return 1;
        case 'n':
            if (ka_parse_int(optarg, 100, 10000000, &a->sims))
                goto bad;
            break;
        case 'b':
            if (ka_parse_int(optarg, 0, 100000, &a->o.n_boot))
                goto bad;
            break;
        case 'r':
            if (ka_parse_int(optarg, 1, 100000, &a->o.replay_passes))
                goto bad;
            break;
        case 'L':
            if (ka_parse_double(optarg, 0.5, 0.9999, &a->o.level))
                goto bad;
            break;
        case 's':
            if (ka_parse_int(optarg, 0, 2147483647, &v))
                goto bad;
            a->o.seed = (uint64_t)v;
            break;
        case 'm':
            if (ka_ope_dr_model_parse(optarg, &a->o.dr_model)) {
                fprintf(stderr, "keyart ope: unknown --dr-model '%s' (mean, ridge)\n", optarg);
                return -1;
            }
            break;
        case 'R':
            if (ka_parse_double(optarg, 1e-9, 1e9, &a->o.dr_ridge))
                goto bad;
            break;
        default:
            fprintf(stderr, "keyart ope: unknown option or missing value: %s\n", argv[optind - 1]);
            ka_ope_usage(stderr);
            return -1;
        }
    }
    if (optind != argc || !a->log || !a->policy) {
        fprintf(stderr, "keyart ope: %s\n", optind != argc ? "unexpected argument"
                : "--log FILE (or --db URL) and --policy are required");
        ka_ope_usage(stderr);
        return -1;
    }
    if (strcmp(a->policy, "uniform") && strcmp(a->policy, "bts")) {
        fprintf(stderr, "keyart ope: unknown policy '%s' (uniform, bts)\n", a->policy);
        return -1;
    }
    return 0;
bad:
    for (int i = 0; longopts[i].name; i++)
        if (longopts[i].val == c)
            fprintf(stderr, "keyart ope: bad value for --%s: '%s' (see keyart ope --help)\n",
                    longopts[i].name, optarg);
    return -1;
}

/* The bts policy's position probabilities for log; prints why not. */
static int bts_dist(const ope_args *a, ka_ope_log *log, double **dist, char *prior_used,
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

/* Whether the command line reads keyart's own log (--db). */
static int wants_db(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--db") || !strncmp(argv[i], "--db=", 5))
            return 1;
    return 0;
}

static int ope_run(const ka_cli_cmd *self, int argc, char **argv)
{
    (void)self;
    if (wants_db(argc, argv))
        return ka_cmd_ope_db(argc, argv);
    ope_args a = { .sims = 100000 };
    ka_ope_opts_default(&a.o);
    int r = parse_args(argc, argv, &a);
    if (r)
        return r > 0 ? KA_EXIT_OK : KA_EXIT_USAGE;
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
    .opts = ope_opts, .run = ope_run,
};
