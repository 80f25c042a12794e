/* test_ope_store.c: off-policy evaluation on keyart's own log, on a real store (argv[1]:
 * sqlite, or pg with $KEYART_TEST_PG_URL). A uniform-random experiment is simulated
 * through the store API (users with known click rates per variant, impressions with
 * propensity 1/3, clicks), then: the counts of what is used and skipped; IPS, SNIPS and
 * DR of fixed policies (variant:N, a file) cover their true click rates and tell a
 * wrong one apart; uniform gives back the observed rate; the learned policies run,
 * learn, and never see the future; the serving rules (attribution window, a second
 * impression, a click on another variant) with received times set by hand; the errors
 * (unknown title, experiment, arm, policy; no impressions; bad policy files). */
#include "../store/store_test.h"

#define RUN_S(fn) do { fprintf(stderr, "-- %s\n", #fn); fn(s); } while (0)

enum { BATCH = 1000, USERS = 300, ROUNDS = 20, FIXED_USERS = 100, NO_PROP = 50 };

static const double ctr_t[3] = { 0.10, 0.25, 0.45 };   /* ope_t's variants 1..3 */
static const double ctr_u[3] = { 0.35, 0.20, 0.10 };   /* ope_u's */
static int imps_t, imps_u;                              /* random arm, from the simulation */
static int open_t;                  /* random-arm users whose last ope_t impression got no click */

typedef struct batch {
    ka_store *s;
    int n, serial;
    ka_store_event e[BATCH];
    char id[BATCH][24], user[BATCH][24];
} batch;

static batch B;

static void flush(void)
{
    int added[BATCH];
    if (B.n)
        CHECK_EQ_INT(ka_store_add_events(B.s, B.e, B.n, added), 0);
    B.n = 0;
}

static void put(const char *type, const char *user, const char *title, int variant,
                double prop, const char *arm)
{
    if (B.n == BATCH)
        flush();
    int i = B.n++;
    snprintf(B.id[i], sizeof B.id[i], "e%d", ++B.serial);
    snprintf(B.user[i], sizeof B.user[i], "%s", user);
    B.e[i] = (ka_store_event){ .client_id = B.id[i], .type = type, .user = B.user[i],
        .title_id = title, .variant_number = variant, .experiment = arm ? "ope_exp" : NULL,
        .arm = arm, .propensity = prop, .value = NAN };
}

/* One impression and, with probability ctr, its click; returns whether clicked. */
static int show(ka_rng *r, const char *user, const char *title, int variant, double prop,
                const char *arm, double ctr)
{
    put("impression", user, title, variant, prop, arm);
    int click = ka_rng_uniform(r) < ctr;
    if (click)
        put("click", user, title, variant, -1, arm);
    return click;
}

static void save_title(ka_store *s, const char *id, int n_vars, char *art)
{
    st_title f;
    st_make(&f, id, 6, n_vars, 0);
    ka_store_save_opts o = { .artwork_dir = art };
    CHECK_EQ_INT(ka_store_save_analysis(s, &f.t, &f.sel, "drama", &o), 0);
}

/* Titles ope_t, ope_u (3 variants), ope_v (none shown); the experiment; the events. */
static void simulate(ka_store *s)
{
    char art[300], user[24];
    snprintf(art, sizeof art, "%s/artwork", st_tmp);
    save_title(s, "ope_t", 3, art);
    save_title(s, "ope_u", 3, art);
    save_title(s, "ope_v", 3, art);
    CHECK_EQ_INT(ka_store_experiment_create(s, "ope_exp", "{\"arms\": [{\"name\": \"random\", "
        "\"policy\": \"uniform\"}, {\"name\": \"fixed\", \"variant\": 1}]}"), 0);
    ka_rng *r = ka_rng_new(2024);
    B.s = s;
    for (int round = 0; round < ROUNDS; round++)
        for (int u = 0; u < USERS; u++) {
            snprintf(user, sizeof user, "u%d", u);
            int k = (int)ka_rng_int(r, 3);
            int clicked = show(r, user, "ope_t", k + 1, 1.0 / 3, "random", ctr_t[k]);
            imps_t++;
            if (round == ROUNDS - 1)
                open_t += !clicked;
            if (round % 2 == 0) {
                k = (int)ka_rng_int(r, 3);
                show(r, user, "ope_u", k + 1, 1.0 / 3, "random", ctr_u[k]);
                imps_u++;
            }
        }
    for (int u = 0; u < FIXED_USERS; u++)
        for (int round = 0; round < 5; round++) {
            snprintf(user, sizeof user, "f%d", u);
            show(r, user, "ope_t", 1, 1, "fixed", ctr_t[0]);
        }
    for (int u = 0; u < NO_PROP; u++) {
        snprintf(user, sizeof user, "np%d", u);
        put("impression", user, "ope_t", 2, -1, "random");
    }
    put("impression", "zz", "ope_t", 9, 1.0 / 3, "random");     /* not a variant of ope_t */
    flush();
    ka_rng_free(r);
}

/* The log of opts (checked to build). */
static void log_of(ka_store *s, ka_ope_store_opts o, ka_ope_store_log *L)
{
    int err = ka_ope_log_from_store(s, &o, L);
    CHECK_MSG(err == 0, "log: %s", ka_error_message());
}

static const ka_ope_store_opts T_RANDOM = { .title = "ope_t", .experiment = "ope_exp",
                                            .arm = "random", .now = 4e9 };

static void test_counts(ka_store *s)
{
    ka_ope_store_log L;
    log_of(s, T_RANDOM, &L);
    CHECK_EQ_INT(L.seen, imps_t + NO_PROP + 1);
    CHECK_EQ_INT(L.used, imps_t);
    CHECK_EQ_INT(L.no_propensity, NO_PROP);
    CHECK_EQ_INT(L.unknown_variant, 1);
    CHECK_EQ_INT(L.unsettled, 0);
    CHECK(L.log.n == imps_t && L.log.n_actions == 3 && L.log.n_slots == 1 && !L.pi);
    CHECK(!strcmp(L.titles[0].id, "ope_t") && L.titles[0].number[2] == 3);
    CHECK_NEAR(L.attribution_s, 600, 0);
    CHECK_EQ_INT(L.events, st_count(s, "SELECT count(*) FROM events"));
    ka_ope_store_log_free(&L);

    /* the clock now: the users' last impressions without a click are still open */
    ka_ope_store_opts o = T_RANDOM;
    o.now = 0;
    log_of(s, o, &L);
    CHECK_EQ_INT(L.unsettled, open_t);
    CHECK_EQ_INT(L.used, imps_t - open_t);
    ka_ope_store_log_free(&L);

    o = (ka_ope_store_opts){ .title = "ope_t", .now = 4e9 };     /* every arm */
    log_of(s, o, &L);
    CHECK_EQ_INT(L.used, imps_t + FIXED_USERS * 5);
    ka_ope_store_log_free(&L);
    o = (ka_ope_store_opts){ .experiment = "ope_exp", .arm = "random", .now = 4e9 };
    log_of(s, o, &L);
    CHECK_EQ_INT(L.used, imps_t + imps_u);
    CHECK_EQ_INT(L.log.n_slots, 2);
    ka_ope_store_log_free(&L);
}

static ka_ope_opts opts99(void)
{
    ka_ope_opts o;
    ka_ope_opts_default(&o);
    o.level = 0.99;
    o.n_boot = 400;
    return o;
}

/* The estimates of a fixed policy (spec or a file) on the log of o. */
static void estimate_fixed(ka_store *s, ka_ope_store_opts o, const char *spec, int file,
                           ka_ope_estimate *e, ka_ope_estimate *obs)
{
    ka_ope_store_log L;
    ka_ope_fixed *p = NULL;
    double *pi = NULL;
    ka_ope_opts oo = opts99();
    log_of(s, o, &L);
    CHECK_EQ_INT(file ? ka_ope_fixed_read(spec, &p) : ka_ope_fixed_parse(spec, &p), 0);
    CHECK_EQ_INT(ka_ope_fixed_pi(p, &L, &pi), 0);
    CHECK_EQ_INT(ka_ope_evaluate(&L.log, pi, &oo, e), 0);
    CHECK_EQ_INT(ka_ope_observed_estimate(&L.log, &oo, obs), 0);
    free(pi);
    ka_ope_fixed_free(p);
    ka_ope_store_log_free(&L);
}

/* IPS, SNIPS and DR: 99% intervals that hold truth and are narrow enough to mean it. */
static void check_cover(const char *what, const ka_ope_estimate *e, double truth)
{
    for (int m = KA_OPE_IPS; m <= KA_OPE_DR; m++) {
        fprintf(stderr, "   %s %-6s %.4f [%.4f, %.4f] truth %.4f\n", what,
                ka_ope_method_name((ka_ope_method)m), e[m].value, e[m].lo, e[m].hi, truth);
        CHECK_MSG(e[m].lo <= truth && truth <= e[m].hi, "%s %s: [%g, %g] misses %g", what,
                  ka_ope_method_name((ka_ope_method)m), e[m].lo, e[m].hi, truth);
        CHECK_MSG(e[m].hi - e[m].lo < 0.1, "%s: interval too wide", what);
    }
}

static void test_fixed(ka_store *s)
{
    ka_ope_estimate e[KA_OPE_COUNT], obs;
    estimate_fixed(s, T_RANDOM, "variant:2", 0, e, &obs);
    check_cover("variant:2", e, ctr_t[1]);
    estimate_fixed(s, T_RANDOM, "variant:3", 0, e, &obs);
    check_cover("variant:3", e, ctr_t[2]);
    CHECK_MSG(e[KA_OPE_SNIPS].lo > ctr_t[1], "variant 3 is told apart from variant 2");
    CHECK(e[KA_OPE_REPLAY].lo <= ctr_t[2] && ctr_t[2] <= e[KA_OPE_REPLAY].hi);

    char path[300];
    snprintf(path, sizeof path, "%s/policy.json", st_tmp);
    FILE *f = fopen(path, "w");
    fprintf(f, "{\"description\": \"mostly 3\", \"titles\": {\"ope_t\": {\"1\": 0.2, \"2\": 0.3, "
            "\"3\": 0.5}, \"ope_u\": {\"1\": 0.5, \"2\": 0.5}}}\n");
    fclose(f);
    estimate_fixed(s, T_RANDOM, path, 1, e, &obs);
    check_cover("file on ope_t", e, 0.2 * ctr_t[0] + 0.3 * ctr_t[1] + 0.5 * ctr_t[2]);
    /* both titles of the experiment: the truth weighs them by their impressions */
    ka_ope_store_opts both = { .experiment = "ope_exp", .arm = "random", .now = 4e9 };
    estimate_fixed(s, both, path, 1, e, &obs);
    double vt = 0.2 * ctr_t[0] + 0.3 * ctr_t[1] + 0.5 * ctr_t[2], vu = (ctr_u[0] + ctr_u[1]) / 2;
    check_cover("file on the experiment", e, (imps_t * vt + imps_u * vu) / (imps_t + imps_u));

    /* uniform on a uniform log is the logging policy: IPS and SNIPS are the observed rate */
    estimate_fixed(s, T_RANDOM, "uniform", 0, e, &obs);
    CHECK_NEAR(e[KA_OPE_IPS].value, obs.value, 1e-12);
    CHECK_NEAR(e[KA_OPE_SNIPS].value, obs.value, 1e-12);
    CHECK_NEAR(e[KA_OPE_DR].value, obs.value, 2e-3);
    CHECK_NEAR(e[KA_OPE_REPLAY].value, obs.value, 0.01);
    CHECK(obs.lo < obs.value && obs.value < obs.hi && obs.hi - obs.lo < 0.05);
    CHECK_NEAR(obs.value, (ctr_t[0] + ctr_t[1] + ctr_t[2]) / 3, 0.03);
    fprintf(stderr, "   observed %.4f [%.4f, %.4f]\n", obs.value, obs.lo, obs.hi);
}

/* The learned policy's estimates; its pi's first and last rows into first, last. */
static void estimate_learned(ka_store *s, const char *name, ka_ope_estimate *e,
                             double *first, double *last)
{
    ka_ope_store_log L;
    ka_ope_store_opts o = T_RANDOM;
    o.learned = name;
    ka_ope_opts oo = opts99();
    oo.n_boot = 100;
    log_of(s, o, &L);
    CHECK(L.pi != NULL && L.log.n == imps_t);
    for (int i = 0; L.pi && i < L.log.n; i++) {
        double sum = L.pi[i * 3] + L.pi[i * 3 + 1] + L.pi[i * 3 + 2];
        if (fabs(sum - 1) > 1e-6) {
            CHECK_MSG(0, "%s row %d sums to %g", name, i, sum);
            break;
        }
    }
    memcpy(first, L.pi, 3 * sizeof *first);
    memcpy(last, L.pi + (size_t)(L.log.n - 1) * 3, 3 * sizeof *last);
    CHECK_EQ_INT(ka_ope_evaluate(&L.log, L.pi, &oo, e), 0);
    for (int m = 0; m < KA_OPE_COUNT; m++)
        CHECK_MSG(e[m].value >= 0 && e[m].value <= 1 && e[m].lo <= e[m].value &&
                  e[m].value <= e[m].hi, "%s %s: %g [%g, %g]", name,
                  ka_ope_method_name((ka_ope_method)m), e[m].value, e[m].lo, e[m].hi);
    fprintf(stderr, "   %-8s snips %.4f dr %.4f; P(variant 3) first %.3f, last %.3f\n", name,
            e[KA_OPE_SNIPS].value, e[KA_OPE_DR].value, first[2], last[2]);
    ka_ope_store_log_free(&L);
}

static void test_learned(ka_store *s)
{
    static const char *const names[] = { "seed", "egreedy", "thompson", "linucb" };
    double uniform = (ctr_t[0] + ctr_t[1] + ctr_t[2]) / 3;
    for (int i = 0; i < 4; i++) {
        ka_ope_estimate e[KA_OPE_COUNT];
        double first[3], last[3];
        estimate_learned(s, names[i], e, first, last);
        if (strcmp(names[i], "thompson") && strcmp(names[i], "egreedy"))
            continue;
        /* the bandits learn variant 3: most of the time by the end, and worth it */
        CHECK_MSG(first[2] < 0.6 && last[2] > 0.8, "%s: %g then %g", names[i], first[2], last[2]);
        CHECK_MSG(e[KA_OPE_SNIPS].value > uniform + 0.08 && e[KA_OPE_DR].value > uniform + 0.08,
                  "%s: %g / %g against uniform %g", names[i], e[KA_OPE_SNIPS].value,
                  e[KA_OPE_DR].value, uniform);
        CHECK(e[KA_OPE_DR].value < ctr_t[2] + 0.02);
    }
}

/* More events after the log must not change what the policy had at its impressions. */
static void test_no_peeking(ka_store *s)
{
    ka_ope_store_opts o = T_RANDOM;
    o.learned = "thompson";
    ka_ope_store_log a, b;
    log_of(s, o, &a);
    ka_rng *r = ka_rng_new(7);
    char user[24];
    for (int u = 0; u < 1000; u++) {                /* later, variant 2 is always clicked */
        snprintf(user, sizeof user, "late%d", u);
        show(r, user, "ope_t", 2, 1.0 / 3, "random", 1.0);
    }
    flush();
    ka_rng_free(r);
    log_of(s, o, &b);
    CHECK_EQ_INT(b.log.n, a.log.n + 1000);
    int same = a.pi && b.pi && !memcmp(a.pi, b.pi, sizeof(double) * 3 * (size_t)a.log.n);
    CHECK_MSG(same, "the first %d rows of pi changed when later events were added", a.log.n);
    double before = a.pi ? a.pi[(size_t)(a.log.n - 1) * 3 + 1] : 0;
    double after = b.pi ? b.pi[(size_t)(b.log.n - 1) * 3 + 1] : 0;
    CHECK_MSG(after > before + 0.3, "P(variant 2) %g, then %g after its clicks", before, after);
    ka_ope_store_log_free(&a);
    ka_ope_store_log_free(&b);
}

static void test_errors(ka_store *s)
{
    ka_ope_store_log L;
    ka_ope_store_opts o = { .title = "no_such_title" };
    CHECK_EQ_INT(ka_ope_log_from_store(s, &o, &L), KA_ENOTFOUND);
    CHECK(strstr(ka_error_message(), "no_such_title") != NULL);
    o = (ka_ope_store_opts){ .experiment = "no_such_exp" };
    CHECK_EQ_INT(ka_ope_log_from_store(s, &o, &L), KA_ENOTFOUND);
    o = (ka_ope_store_opts){ .experiment = "ope_exp", .arm = "nope" };
    CHECK_EQ_INT(ka_ope_log_from_store(s, &o, &L), KA_EINVAL);
    CHECK(strstr(ka_error_message(), "nope") != NULL);
    o = (ka_ope_store_opts){ .title = "ope_t", .learned = "oracle" };
    CHECK_EQ_INT(ka_ope_log_from_store(s, &o, &L), KA_EINVAL);
    o = (ka_ope_store_opts){ .title = "ope_v" };                    /* nothing shown */
    CHECK_EQ_INT(ka_ope_log_from_store(s, &o, &L), 0);
    CHECK(L.used == 0 && L.seen == 0 && L.log.n == 0);
    ka_ope_store_log_free(&L);

    ka_ope_fixed *p = NULL;
    double *pi = NULL;
    o = T_RANDOM;
    log_of(s, o, &L);
    CHECK_EQ_INT(ka_ope_fixed_parse("variant:7", &p), 0);
    CHECK_EQ_INT(ka_ope_fixed_pi(p, &L, &pi), KA_EINVAL);      /* ope_t has 3 variants */
    CHECK(strstr(ka_error_message(), "no variant 7") != NULL && !pi);
    ka_ope_fixed_free(p);
    char path[300];
    snprintf(path, sizeof path, "%s/other.json", st_tmp);
    FILE *f = fopen(path, "w");
    fprintf(f, "{\"titles\": {\"ope_u\": {\"1\": 1}}}");
    fclose(f);
    CHECK_EQ_INT(ka_ope_fixed_read(path, &p), 0);
    CHECK_EQ_INT(ka_ope_fixed_pi(p, &L, &pi), KA_EINVAL);      /* nothing for ope_t */
    CHECK(strstr(ka_error_message(), "ope_t") != NULL);
    ka_ope_fixed_free(p);
    ka_ope_store_log_free(&L);
}

/* Rewards as serving gives them, with received times set by hand (window 60 s). */
static void test_rules(ka_store *unused)
{
    char art[300];
    ka_store *s = st_open_fresh(NULL, art);
    if (!s)
        return;
    save_title(s, "film", 3, art);
    static const struct { const char *type, *user; int variant; double at; } ev[] = {
        { "impression", "a", 1, 1000 }, { "click", "a", 1, 1030 },     /* within: 1 */
        { "impression", "b", 2, 2000 }, { "click", "b", 2, 2090 },     /* too late: 0 */
        { "impression", "c", 3, 3000 }, { "impression", "c", 2, 3010 },/* shown again: 0 */
        { "click", "c", 2, 3020 },                                     /* the second: 1 */
        { "impression", "d", 1, 4000 }, { "click", "d", 2, 4005 },     /* other variant: 0 */
        { "impression", "e", 3, 5000 },                                /* open at 5030 */
    };
    int n = (int)(sizeof ev / sizeof ev[0]);
    for (int i = 0; i < n; i++) {
        char q[512];
        snprintf(q, sizeof q, "INSERT INTO events (client_id, type, user_key, title_id, "
                 "variant_number, propensity, ts, received_at) VALUES ('r%d', '%s', '%s', "
                 "'film', %d, %s, %f, %f)", i, ev[i].type, ev[i].user, ev[i].variant,
                 strcmp(ev[i].type, "click") ? "0.5" : "NULL", ev[i].at, ev[i].at);
        CHECK_MSG(ka_sql_script(s, q) == 0, "%s", ka_error_message());
    }
    ka_ope_store_log L;
    ka_ope_store_opts o = { .title = "film", .attribution_s = 60, .now = 5030 };
    log_of(s, o, &L);
    static const double want[] = { 1, 0, 0, 1, 0 };
    CHECK_EQ_INT(L.used, 5);
    CHECK_EQ_INT(L.unsettled, 1);
    for (int i = 0; i < L.log.n && i < 5; i++)
        CHECK_MSG(L.log.reward[i] == want[i], "impression %d: reward %g", i, L.log.reward[i]);
    CHECK(L.log.action[0] == 0 && L.log.action[2] == 2 && L.log.pscore[0] == 0.5);
    ka_ope_store_log_free(&L);
    o.now = 5061;                                   /* e's window has passed */
    log_of(s, o, &L);
    CHECK(L.used == 6 && L.unsettled == 0 && L.log.reward[5] == 0);
    ka_ope_store_log_free(&L);
    o.attribution_s = 100;                          /* b's click now counts */
    log_of(s, o, &L);
    CHECK(L.log.n >= 2 && L.log.reward[1] == 1);
    ka_ope_store_log_free(&L);
    ka_store_close(&s);
    (void)unused;
}

/* A policy file's text; 0 when read, else the error (message checked to name want). */
static int read_policy(const char *text, const char *want)
{
    char path[300];
    snprintf(path, sizeof path, "%s/p.json", st_tmp);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    ka_ope_fixed *p = NULL;
    int err = ka_ope_fixed_read(path, &p);
    if (err)
        CHECK_MSG(want && strstr(ka_error_message(), want), "'%s': %s", text, ka_error_message());
    ka_ope_fixed_free(p);
    return err;
}

static void test_policy_files(ka_store *unused)
{
    CHECK_EQ_INT(read_policy("{\"titles\": {\"a\": {\"1\": 0.25, \"12\": 0.75}}}", NULL), 0);
    CHECK_EQ_INT(read_policy("{\"titles\": {\"a\": {\"1\": 1, \"2\": 0}}}", NULL), 0);
    CHECK_EQ_INT(read_policy("{\"titles\": {\"a\": {\"1\": 0.7}}}", "sum to 0.7"), KA_EFORMAT);
    CHECK_EQ_INT(read_policy("{\"titles\": {\"a\": {\"01\": 1}}}", "'01'"), KA_EFORMAT);
    CHECK_EQ_INT(read_policy("{\"titles\": {\"a\": {\"x\": 1}}}", "not a variant"), KA_EFORMAT);
    CHECK_EQ_INT(read_policy("{\"titles\": {\"a\": {\"1\": 1.5, \"2\": -0.5}}}", "0..1"),
                 KA_EFORMAT);
    CHECK_EQ_INT(read_policy("{\"titles\": {\"a\": {\"1\": \"1\"}}}", "number"), KA_EFORMAT);
    CHECK_EQ_INT(read_policy("{\"titles\": {\"a\": {}}}", "'a'"), KA_EFORMAT);
    CHECK_EQ_INT(read_policy("{\"titles\": {}}", "non-empty"), KA_EFORMAT);
    CHECK_EQ_INT(read_policy("{\"a\": {\"1\": 1}}", "unknown member 'a'"), KA_EFORMAT);
    CHECK_EQ_INT(read_policy("[1, 2]", "want an object"), KA_EFORMAT);
    CHECK_EQ_INT(read_policy("{\"titles\": {\"a\": {\"1\": 0.5, \"1\": 0.5}}}", "not JSON"),
                 KA_EFORMAT);                       /* a duplicate key */
    CHECK_EQ_INT(read_policy("{\"titles\": ", "not JSON"), KA_EFORMAT);
    ka_ope_fixed *p = NULL;
    CHECK_EQ_INT(ka_ope_fixed_read("/nonexistent/p.json", &p), KA_EIO);
    CHECK_EQ_INT(ka_ope_fixed_parse("variant:0", &p), KA_EINVAL);
    CHECK_EQ_INT(ka_ope_fixed_parse("variant:2x", &p), KA_EINVAL);
    CHECK_EQ_INT(ka_ope_fixed_parse("thompson", &p), 1);
    CHECK(p == NULL);
    CHECK_EQ_INT(ka_ope_fixed_parse("variant:4", &p), 0);
    CHECK(p && !strcmp(ka_ope_fixed_name(p), "variant:4"));
    ka_ope_fixed_free(p);
    (void)unused;
}

int main(int argc, char **argv)
{
    int rc = st_setup(argc, argv);
    if (rc)
        return rc;
    ka_store *s = st_open_fresh(NULL, NULL);
    if (s) {
        simulate(s);
        fprintf(stderr, "simulated: %d + %d impressions in the random arm\n", imps_t, imps_u);
        RUN_S(test_counts);
        RUN_S(test_fixed);
        RUN_S(test_learned);
        RUN_S(test_errors);
        RUN_S(test_no_peeking);
        RUN_S(test_rules);
        RUN_S(test_policy_files);
        ka_store_close(&s);
    }
    st_teardown();
    TEST_END();
}
