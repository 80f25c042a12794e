/* cmd_simulate.c: `keyart simulate`: simulated viewers with hidden tastes against the
 * serving engine (in process, or a running keyart serve with --over-http), one world
 * per policy, and the report (keyart/simulate.h), with --plot a chart of it. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { MAX_POLICIES = 8 };

typedef struct simulate_args {
    ka_sim_scenario s;
    const char *scenario;           /* --scenario FILE, read before the other options
                                     * apply (they override it) */
    int users, days;                /* 0: the scenario's */
    uint64_t seed;
    char policies[256];
    char experiment[80];            /* --experiment CONTROL,TREATMENT */
    int log;                        /* --log */
    const char *over_http;          /* --over-http URL */
    const char *token;              /* --token T */
    const char *plot;               /* --plot FILE */
} simulate_args;

enum { O_SCENARIO, O_USERS, O_DAYS, O_SEED, O_POLICIES, O_EXPERIMENT, O_LOG, O_OVER_HTTP,
       O_TOKEN, O_PLOT };
enum { PLOT_W = 960, PLOT_H = 540 };

static const ka_cli_opt simulate_opts[] = {
    KA_CLI_ROW_DB(": simulate over its titles and variants (without --db, or when it has "
                  "none: a synthetic catalogue from the scenario)"),
    { "scenario", 0, "FILE", "the scenario (JSON; docs/simulate.md; default: the built-in "
      "one)", O_SCENARIO, NULL },
    { "users", 0, "N", "viewers (default 2000)", O_USERS, NULL },
    { "days", 0, "D", "days, 1..365 (default 14)", O_DAYS, NULL },
    { "seed", 0, "S", "the seed every draw comes from (default 1)", O_SEED, NULL },
    { "policies", 0, "LIST", "comma-separated: uniform (or random), seed, egreedy, thompson, "
      "linucb, oracle (default: all of them)", O_POLICIES, NULL },
    { "experiment", 0, "A,B", "instead, an A/B test: the viewers split between policy A "
      "(control) and policy B by keyart's experiment assignment, and its report", O_EXPERIMENT,
      NULL },
    { "log", 0, NULL, "store the first policy's events in --db as a server would have (on "
      "the simulated clock, with their propensities), for keyart ope --db", O_LOG, NULL },
    { "over-http", 0, "URL", "the one policy's world served by a running keyart serve "
      "(started with --clock request, --seed S and --policy P as this run's, over --db's "
      "store, which gives the catalogue) through its HTTP API, instead of in process: the "
      "same report", O_OVER_HTTP, NULL },
    { "token", 0, "T", "the server's bearer token, for --over-http (default $KEYART_TOKEN)",
      O_TOKEN, NULL },
    { "plot", 0, "FILE", "also write a PNG chart (960x540) of each policy's expected click "
      "rate per day", O_PLOT, NULL },
    KA_CLI_ROW_JSON("print the report as JSON"),
    { 0 },
};

static int simulate_option(void *ctx, int id, const char *arg)
{
    simulate_args *a = ctx;
    double d;
    switch (id) {
    case O_SCENARIO: a->scenario = arg; return 0;
    case O_LOG: a->log = 1; return 0;
    case O_OVER_HTTP: a->over_http = arg; return 0;
    case O_TOKEN: a->token = arg; return 0;
    case O_PLOT: a->plot = arg; return 0;
    case O_USERS: return ka_parse_int(arg, 1, 10000000, &a->users) ? KA_CLI_BADVAL : 0;
    case O_DAYS: return ka_parse_int(arg, 1, KA_SIM_MAX_DAYS, &a->days) ? KA_CLI_BADVAL : 0;
    case O_SEED:
        if (ka_parse_double(arg, 1, 9007199254740991.0, &d))
            return KA_CLI_BADVAL;
        a->seed = (uint64_t)d;
        return 0;
    case O_EXPERIMENT:
        if (strlen(arg) >= sizeof a->experiment || !strchr(arg, ','))
            return KA_CLI_BADVAL;
        snprintf(a->experiment, sizeof a->experiment, "%s", arg);
        return 0;
    default:
        if (strlen(arg) >= sizeof a->policies)
            return KA_CLI_BADVAL;
        snprintf(a->policies, sizeof a->policies, "%s", arg);
        return 0;
    }
}

/* The policy names of list (random is uniform's other name). */
static int split_policies(char *list, const char **names)
{
    int n = 0;
    for (char *save = NULL, *p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        if (n == MAX_POLICIES) {
            fprintf(stderr, "keyart simulate: --policies: at most %d\n", MAX_POLICIES);
            return -1;
        }
        names[n] = !strcmp(p, "random") ? "uniform" : p;
        if (strcmp(names[n], "oracle") && !ka_policy_find(names[n])) {
            fprintf(stderr, "keyart simulate: --policies: unknown policy '%s'\n", p);
            return -1;
        }
        n++;
    }
    if (!n)
        fprintf(stderr, "keyart simulate: --policies: none given\n");
    return n ? n : -1;
}

/* The store's catalogue into *out (an empty array when it has none); the store stays
 * open in *s when the events go there too. */
static int store_catalog(const char *db, int log, ka_store **s, json_t **out)
{
    int rc = ka_cli_store_open("simulate", db, KA_STORE_NOCREATE | (log ? 0 : KA_STORE_READ), s);
    if (rc)
        return rc;
    int err = ka_store_catalog_json(*s, out);
    if (!log || err)
        ka_store_close(s);
    if (err) {
        fprintf(stderr, "keyart simulate: %s\n", ka_error_message());
        return ka_cli_store_exit(err);
    }
    return 0;
}

static void print_table(const ka_sim_result *r, int n)
{
    printf("%-10s %12s %8s %9s %10s %9s %9s %6s %10s\n", "policy", "impressions", "ctr",
           "expected", "vs random", "of oracle", "regret", "take", "completion");
    const ka_sim_result *random = NULL, *oracle = NULL;
    for (int i = 0; i < n; i++) {
        random = !strcmp(r[i].policy, "uniform") ? &r[i] : random;
        oracle = !strcmp(r[i].policy, "oracle") ? &r[i] : oracle;
    }
    for (int i = 0; i < n; i++) {
        char lift[16] = "-", share[16] = "-";
        if (random && random->expected_ctr > 0)
            snprintf(lift, sizeof lift, "%+.1f%%", 100 * (r[i].expected_ctr /
                                                          random->expected_ctr - 1));
        if (oracle && oracle->expected_ctr > 0)
            snprintf(share, sizeof share, "%.1f%%", 100 * r[i].expected_ctr /
                                                    oracle->expected_ctr);
        printf("%-10s %12lld %8.4f %9.4f %10s %9s %9.4f %6.3f %10.3f\n", r[i].policy,
               (long long)r[i].impressions, r[i].ctr, r[i].expected_ctr, lift, share,
               r[i].regret, r[i].take_fraction, r[i].completion);
    }
}

/* Prints j (taken) on stdout: 0 or KA_EXIT_OUTPUT. */
static int print_json(json_t *j)
{
    int rc = !j || json_dumpf(j, stdout, JSON_INDENT(2) | KA_JSON_REAL) ||
             fputc('\n', stdout) == EOF ? KA_EXIT_OUTPUT : 0;
    json_decref(j);
    return rc;
}

/* --experiment: the A/B world and its report. */
static int run_experiment(simulate_args *a, const json_t *catalog, int json)
{
    const char *arms[2];
    char *comma = strchr(a->experiment, ',');
    *comma = '\0';
    arms[0] = !strcmp(a->experiment, "random") ? "uniform" : a->experiment;
    arms[1] = !strcmp(comma + 1, "random") ? "uniform" : comma + 1;
    ka_sim_ab *ab = calloc(1, sizeof *ab);
    int err = ab ? ka_sim_ab_run(&a->s, catalog, arms[0], arms[1], ab)
                 : ka_error(KA_ENOMEM, "no memory");
    if (err) {
        fprintf(stderr, "keyart simulate: %s\n", ka_error_message());
        free(ab);
        return err == KA_EINVAL ? KA_EXIT_USAGE : KA_EXIT_INTERNAL;
    }
    int rc = 0;
    if (json) {
        json_t *j = ka_sim_report_json(&a->s, NULL, 0);
        json_object_del(j, "policies");
        json_object_set_new(j, "experiment", ka_sim_ab_json(ab));
        rc = print_json(j);
    } else {
        const ka_exp_report *r = &ab->report;
        printf("control %s: %.0f impressions, ctr %.4f; treatment %s: %.0f impressions, "
               "ctr %.4f\n", ab->control, ab->counts[0].impressions,
               ab->counts[0].clicks / (ab->counts[0].impressions ? ab->counts[0].impressions : 1),
               ab->treatment, ab->counts[1].impressions,
               ab->counts[1].clicks / (ab->counts[1].impressions ? ab->counts[1].impressions : 1));
        for (int i = 0; i < r->n_results; i++)
            if (r->results[i].metric == KA_METRIC_CTR)
                printf("ctr: relative change %+.1f%% [%+.1f%%, %+.1f%%], p %.3g, chance to "
                       "beat control %.3f\n", 100 * r->results[i].test.rel,
                       100 * r->results[i].test.rel_lo, 100 * r->results[i].test.rel_hi,
                       r->results[i].test.p, r->results[i].chance_to_beat);
        printf("sample-ratio check: p %.3g%s\n", r->srm_p, r->srm ? " (mismatch)" : "");
    }
    free(ab);
    return rc;
}

/* --over-http: the world of policy served by keyart serve at a->over_http. */
static int run_over_http(const simulate_args *a, const json_t *catalog, const char *policy,
                         ka_sim_result *r)
{
    const char *token = a->token ? a->token : getenv("KEYART_TOKEN");
    ka_sim_server srv;
    int err = ka_cli_sim_http_open(a->over_http, token, policy, &srv);
    if (!err)
        err = ka_sim_run_server(&a->s, catalog, policy, &srv, r);
    ka_cli_sim_http_close(&srv);
    return err;
}

static int simulate_run(const ka_cli_cmd *self, int argc, char **argv)
{
    static simulate_args a;
    ka_cli_common com = { 0 };
    snprintf(a.policies, sizeof a.policies, "uniform,seed,egreedy,thompson,linucb,oracle");
    int first = ka_cli_parse(self, argc, argv, &a, &com);
    if (first < 0)
        return ka_cli_exit(first);
    ka_sim_scenario_default(&a.s);
    if (a.scenario && ka_sim_scenario_load(a.scenario, &a.s)) {
        fprintf(stderr, "keyart simulate: %s\n", ka_error_message());
        return KA_EXIT_USAGE;
    }
    a.s.users = a.users ? a.users : a.s.users;
    a.s.days = a.days ? a.days : a.s.days;
    a.s.seed = a.seed ? a.seed : a.s.seed;
    const char *names[MAX_POLICIES];
    int n = split_policies(a.policies, names);
    if (n < 0)
        return KA_EXIT_USAGE;
    if (a.log && (!com.db || a.experiment[0])) {
        fprintf(stderr, "keyart simulate: --log stores the events in --db, with --policies\n");
        return KA_EXIT_USAGE;
    }
    if (a.over_http && (!com.db || a.experiment[0] || a.log || n != 1 ||
                        !strcmp(names[0], "oracle"))) {
        fprintf(stderr, "keyart simulate: --over-http runs one policy (not the oracle) with "
                "--db, the server's store; not with --experiment or --log\n");
        return KA_EXIT_USAGE;
    }
    if (a.plot && a.experiment[0]) {
        fprintf(stderr, "keyart simulate: --plot charts the policies, not an experiment\n");
        return KA_EXIT_USAGE;
    }
    json_t *catalog = NULL;
    ka_store *log = NULL;
    int rc = com.db ? store_catalog(com.db, a.log, &log, &catalog) : 0;
    if (rc)
        return rc;
    if (a.experiment[0]) {
        rc = run_experiment(&a, catalog, com.json);
        json_decref(catalog);
        return rc;
    }
    ka_sim_result *r = calloc((size_t)n, sizeof *r);
    int err = !r ? ka_error(KA_ENOMEM, "no memory")
            : a.over_http ? run_over_http(&a, catalog, names[0], r)
            : ka_sim_run(&a.s, catalog, names, n, r, log);
    json_decref(catalog);
    ka_store_close(&log);
    if (err) {
        fprintf(stderr, "keyart simulate: %s\n", ka_error_message());
        free(r);
        return err == KA_EINVAL ? KA_EXIT_USAGE : err == KA_ENOMEM ? KA_EXIT_INTERNAL
                                                                    : KA_EXIT_OUTPUT;
    }
    if (a.plot && ka_cli_sim_plot(a.plot, r, n, PLOT_W, PLOT_H)) {
        fprintf(stderr, "keyart simulate: --plot: %s\n", ka_error_message());
        free(r);
        return KA_EXIT_OUTPUT;
    }
    if (com.json) {
        rc = print_json(ka_sim_report_json(&a.s, r, n));
    } else {
        print_table(r, n);
    }
    free(r);
    if (fflush(stdout)) {
        ka_cli_stdout_error();
        rc = KA_EXIT_OUTPUT;
    }
    return rc;
}

const ka_cli_cmd ka_cli_simulate = {
    .name = "simulate",
    .synopsis = "[--db URL] [--scenario FILE] [--users N] [--days D] [--seed S] "
        "[--policies LIST | --experiment A,B] [--log] [--over-http URL [--token T]] "
        "[--plot FILE] [--json]",
    .summary = "simulated viewers with hidden tastes against the serving engine: click "
        "rates, regret and learning per policy",
    .description = "Plays a population of viewers with hidden tastes (taste segments over "
        "genres, scene types, compositions, character roles and colour warmth; habits of "
        "hour and device) through days of browsing rows of titles. For each policy a world "
        "of the same viewers, making the same draws, is served by keyart's own engine (the "
        "code of keyart serve: its decisions, its folding of events, its learning every "
        "simulated hour); the oracle shows each viewer the variant they are likeliest to "
        "click. The report gives per policy the impressions, the click rate (ctr, and "
        "expected: the mean click probability of what was shown), the lift over random, "
        "the share of the oracle's click rate, the regret, the take fraction (plays per "
        "impression), the completion rate and the click rate per day. With --over-http the "
        "world of one policy is served instead by a running keyart serve (--clock request, "
        "the same --seed and --policy, a store of its own) through its HTTP API, and the "
        "report is the same as in process.",
    .opts = simulate_opts, .opt = simulate_option, .run = simulate_run,
};
