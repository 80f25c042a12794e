/* ope_db.c: `keyart ope --db URL (--title ID | --experiment NAME [--arm A]) --policy P`:
 * off-policy evaluation on keyart's own log, the impressions serving stored with their
 * propensities and the rewards serving gave them (ka_ope_log_from_store). Policies:
 * fixed ones (uniform, variant:N, a file of probabilities per title) and the learned
 * ones (seed, egreedy, thompson, linucb), evaluated progressively: at each impression
 * the policy as it would have learned from the events before it. Replay, IPS, SNIPS
 * and DR with bootstrap intervals (99% by default) beside the observed click rate; as a
 * table or JSON. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

typedef ka_cli_ope_args db_args;

/* The policy to evaluate: learned (a ka_policy name) or fixed. */
typedef struct target {
    const char *learned;
    ka_ope_fixed *fixed;
    const char *kind;               /* "learned", "fixed", "file" */
} target;

/* The target policy named by spec; returns an exit code (message printed). */
static int target_of(const char *spec, target *t)
{
    memset(t, 0, sizeof *t);
    if (ka_policy_find(spec) && strcmp(spec, "uniform")) {
        t->learned = spec;
        t->kind = "learned";
        return KA_EXIT_OK;
    }
    int r = ka_ope_fixed_parse(spec, &t->fixed);
    t->kind = "fixed";
    if (r <= 0) {
        if (r < 0)
            fprintf(stderr, "keyart ope: %s\n", ka_error_message());
        return r < 0 ? KA_EXIT_USAGE : KA_EXIT_OK;
    }
    if (access(spec, R_OK)) {
        fprintf(stderr, "keyart ope: unknown policy '%s': not seed, egreedy, thompson, linucb, "
                "uniform or variant:N, nor a readable policy file (%s)\n", spec, strerror(errno));
        return KA_EXIT_USAGE;
    }
    t->kind = "file";
    int err = ka_ope_fixed_read(spec, &t->fixed);
    if (err) {
        fprintf(stderr, "keyart ope: %s\n", ka_error_message());
        return err == KA_ENOMEM ? KA_EXIT_INTERNAL : KA_EXIT_INPUT;
    }
    return KA_EXIT_OK;
}

/* "title T", "experiment E", "experiment E, arm A" (with the title when both). */
static const char *scope_text(const db_args *a, char *buf, size_t size)
{
    if (!a->experiment)
        snprintf(buf, size, "title %s", a->title);
    else
        snprintf(buf, size, "experiment %s%s%s%s%s", a->experiment, a->arm ? ", arm " : "",
                 a->arm ? a->arm : "", a->title ? ", title " : "", a->title ? a->title : "");
    return buf;
}

/* The log from the store; returns an exit code (message printed). */
static int read_log(const db_args *a, const target *t, ka_ope_store_log *L, char *db_name,
                    size_t size)
{
    ka_store *s = NULL;
    int rc = ka_cli_store_open("ope", a->db, KA_STORE_NOCREATE | KA_STORE_READ, &s);
    if (rc)
        return rc;
    snprintf(db_name, size, "%s", ka_store_name(s));
    ka_ope_store_opts o = { .title = a->title, .experiment = a->experiment, .arm = a->arm,
                            .attribution_s = a->attribution_s, .learned = t->learned };
    int err = ka_ope_log_from_store(s, &o, L);
    ka_store_close(&s);
    if (!err)
        return KA_EXIT_OK;
    fprintf(stderr, "keyart ope: %s\n", ka_error_message());
    return err == KA_ENOTFOUND ? KA_EXIT_USAGE : ka_cli_store_exit(err);
}

/* Why there is nothing to evaluate. */
static void say_empty(const db_args *a, const ka_ope_store_log *L)
{
    char scope[300];
    fprintf(stderr, "keyart ope: no impressions to evaluate for %s: %d in the log (%d without "
            "a propensity, %d of a variant the title no longer has, %d still in their %g s "
            "attribution window)\n", scope_text(a, scope, sizeof scope), L->seen,
            L->no_propensity, L->unknown_variant, L->unsettled, L->attribution_s);
}

static json_t *num(double v)
{
    return v == v ? json_real(v) : json_null();
}

/* {"value", "ci": {"lo", "hi"} or null, "se", "n_eff"}: as `ope --log` (docs/json.md) */
static json_t *estimate_json(const ka_ope_estimate *e)
{
    json_t *iv = e->lo == e->lo ? ka_json_interval(e->lo, e->hi) : json_null();
    return json_pack("{s:o,s:o,s:o,s:o}", "value", num(e->value), "ci", iv, "se",
                     num(e->se), "n_eff", num(e->n_eff));
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *report_json(const db_args *a, const target *t, const ka_ope_store_log *L,
                           const char *db, const ka_ope_estimate *obs, const ka_ope_estimate *e)
{
    json_t *est = json_object(), *names = json_array();
    for (int m = 0; m < KA_OPE_COUNT; m++) {
        json_object_set_new(est, ka_ope_method_name((ka_ope_method)m), estimate_json(&e[m]));
        json_array_append_new(names, json_string(ka_ope_method_name((ka_ope_method)m)));
    }
    int skipped = L->seen - L->used;
    json_t *imps = json_pack("{s:i,s:i,s:i,s:i,s:i,s:i}", "seen", L->seen, "used", L->used,
        "skipped", skipped, "no_propensity", L->no_propensity, "unknown_variant",
        L->unknown_variant, "unsettled", L->unsettled);
    json_t *log = json_pack("{s:s,s:o,s:o,s:o,s:i,s:i,s:i,s:I,s:o,s:o}", "db", db,
        "title_id", str_or_null(a->title), "experiment", str_or_null(a->experiment),
        "arm", str_or_null(a->arm), "events", L->used, "actions", L->log.n_actions,
        "titles", L->log.n_slots, "events_read", (json_int_t)L->events,
        "attribution_s", ka_json_time(L->attribution_s), "impressions", imps);
    json_t *pol = json_pack("{s:s,s:s}", "name", a->policy, "kind", t->kind);
    if (t->fixed && !strcmp(t->kind, "file"))
        json_object_set_new(pol, "path", json_string(ka_ope_fixed_name(t->fixed)));
    int ridge = a->o.dr_model == KA_OPE_DR_RIDGE;
    return json_pack("{s:o,s:o,s:o,s:f,s:i,s:o,s:o,s:{s:s,s:f}}", "log", log,
        "observed", estimate_json(obs), "policy", pol, "level", a->o.level,
        "bootstrap", a->o.n_boot, "estimators", names, "estimates", est,
        "dr_model", "name", ka_ope_dr_model_name(a->o.dr_model),
        ridge ? "penalty" : "shrink", ridge ? a->o.dr_ridge : a->o.dr_shrink);
}

/* "99% [0.12345, 0.23456]", or "" without intervals. */
static const char *iv_text(const db_args *a, const ka_ope_estimate *e, char *buf, size_t size)
{
    if (a->o.n_boot && e->lo == e->lo)
        snprintf(buf, size, "%g%% [%.5f, %.5f]", 100 * a->o.level, e->lo, e->hi);
    else
        snprintf(buf, size, "%s", a->o.n_boot ? "-" : "");
    return buf;
}

static int print_table(const db_args *a, const target *t, const ka_ope_store_log *L,
                       const char *db, const ka_ope_estimate *obs, const ka_ope_estimate *e)
{
    char scope[300], iv[80];
    printf("log       %s, %s: %d impressions used of %d (skipped: %d without a propensity, "
           "%d of a variant no longer stored, %d still in their attribution window)\n", db,
           scope_text(a, scope, sizeof scope), L->used, L->seen, L->no_propensity,
           L->unknown_variant, L->unsettled);
    printf("          %d title%s, up to %d variants; %lld events read; a click counts within "
           "%g s\n", L->log.n_slots, L->log.n_slots == 1 ? "" : "s", L->log.n_actions,
           (long long)L->events, L->attribution_s);
    printf("observed  click rate %.5f  %s\n", obs->value, iv_text(a, obs, iv, sizeof iv));
    if (t->learned)
        printf("policy    %s, as it would have learned from the events before each "
               "impression\n", a->policy);
    else
        printf("policy    %s\n", a->policy);
    if (a->o.dr_model == KA_OPE_DR_RIDGE)
        printf("dr model  ridge (penalty %g)\n", a->o.dr_ridge);
    else
        printf("dr model  mean per title and variant (shrunk by %g events)\n", a->o.dr_shrink);
    printf("\n%-9s %-9s %-26s %s\n", "estimator", "estimate", a->o.n_boot ? "interval" : "",
           "effective n");
    for (int m = 0; m < KA_OPE_COUNT; m++)
        printf("%-9s %-9.5f %-26s %.1f\n", ka_ope_method_name((ka_ope_method)m), e[m].value,
               iv_text(a, &e[m], iv, sizeof iv), e[m].n_eff);
    if (fflush(stdout) || ferror(stdout)) {
        ka_cli_stdout_error();
        return KA_EXIT_OUTPUT;
    }
    return KA_EXIT_OK;
}

/* The estimates for the log and the output; returns an exit code. */
static int evaluate(const db_args *a, const target *t, const ka_ope_store_log *L,
                    const char *db)
{
    double *pi = NULL;
    ka_ope_estimate e[KA_OPE_COUNT], obs;
    int err = t->fixed ? ka_ope_fixed_pi(t->fixed, L, &pi) : 0;
    if (err) {
        fprintf(stderr, "keyart ope: %s\n", ka_error_message());
        return err == KA_ENOMEM ? KA_EXIT_INTERNAL
             : !strcmp(t->kind, "file") ? KA_EXIT_INPUT : KA_EXIT_USAGE;
    }
    int rc = KA_EXIT_OK;
    if (ka_ope_evaluate(&L->log, pi ? pi : L->pi, &a->o, e) ||
        ka_ope_observed_estimate(&L->log, &a->o, &obs)) {
        ka_cli_error("ope");
        rc = KA_EXIT_INTERNAL;
    } else if (a->json) {
        rc = ka_cli_print_json(report_json(a, t, L, db, &obs, e));
    } else {
        rc = print_table(a, t, L, db, &obs, e);
    }
    free(pi);
    return rc;
}

int ka_cli_ope_db(const ka_cli_ope_args *args)
{
    const db_args a = *args;
    target t;
    int rc = target_of(a.policy, &t);
    ka_ope_store_log L = { 0 };
    char db[1024] = "";
    if (!rc)
        rc = read_log(&a, &t, &L, db, sizeof db);
    if (!rc && L.used == 0) {
        say_empty(&a, &L);
        rc = KA_EXIT_INPUT;
    }
    if (!rc)
        rc = evaluate(&a, &t, &L, db);
    ka_ope_store_log_free(&L);
    ka_ope_fixed_free(t.fixed);
    return rc;
}
