/* test_simulate.c: the simulation against keyart's own serving engine. In the default
 * scenario Thompson sampling and LinUCB beat random by at least 30% (relative click
 * rate), the contextual policy (one model shared by every title) reaches at least 90%
 * of the oracle's click rate after the default days (on the last day, and over the
 * last three), 82% over the whole run (its first days learn), and beats every other,
 * and nothing beats the oracle; the same seed gives the same run, another seed
 * another; an A/B test inside the simulation finds Thompson better than random with no
 * sample-ratio mismatch, and an A/A test is significant at 5% in at most 5 of 100
 * seeds; scenario files override the defaults and are refused, saying why, when wrong;
 * the engine refuses what a server would. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../ka_test.h"
#include "keyart/serve.h"
#include "keyart/simulate.h"
#include "keyart/store.h"

static const char *const policies[] = { "uniform", "thompson", "linucb", "contextual",
                                        "oracle" };
enum { N_POLICIES = 5 };

/* The share of the oracle's expected click rate x reached over days [from, to). */
static double oracle_share(const ka_sim_result *x, const ka_sim_result *oracle, int from, int to)
{
    double got = 0, best = 0;
    for (int d = from; d < to; d++) {
        got += x->day_expected_ctr[d];
        best += oracle->day_expected_ctr[d];
    }
    return best > 0 ? got / best : 0;
}

static void test_default_scenario(void)
{
    ka_sim_scenario s;
    ka_sim_scenario_default(&s);
    static ka_sim_result r[N_POLICIES], again[N_POLICIES];
    CHECK_EQ_INT(ka_sim_run(&s, NULL, policies, N_POLICIES, r, NULL), 0);
    const ka_sim_result *random = &r[0], *ts = &r[1], *lin = &r[2], *ctx = &r[3];
    const ka_sim_result *oracle = &r[4];
    fprintf(stderr, "expected ctr: random %.4f, thompson %.4f (%+.1f%%), linucb %.4f (%+.1f%%),"
            " contextual %.4f (%+.1f%%), oracle %.4f; of the oracle: linucb %.1f%% (%.1f%% on "
            "the last day), contextual %.1f%% (%.1f%% on the last day, %.1f%% over the last "
            "three)\n",
            random->expected_ctr, ts->expected_ctr,
            100 * (ts->expected_ctr / random->expected_ctr - 1), lin->expected_ctr,
            100 * (lin->expected_ctr / random->expected_ctr - 1), ctx->expected_ctr,
            100 * (ctx->expected_ctr / random->expected_ctr - 1), oracle->expected_ctr,
            100 * lin->expected_ctr / oracle->expected_ctr,
            100 * oracle_share(lin, oracle, s.days - 1, s.days),
            100 * ctx->expected_ctr / oracle->expected_ctr,
            100 * oracle_share(ctx, oracle, s.days - 1, s.days),
            100 * oracle_share(ctx, oracle, s.days - 3, s.days));
    CHECK(random->impressions > 50000);
    for (int i = 1; i < N_POLICIES; i++)        /* the same viewers see the same rows */
        CHECK_EQ_INT(r[i].impressions, random->impressions);
    CHECK(ts->expected_ctr >= 1.3 * random->expected_ctr);
    CHECK(lin->expected_ctr >= 1.3 * random->expected_ctr);
    CHECK(ts->ctr >= 1.3 * random->ctr && lin->ctr >= 1.3 * random->ctr);
    /* the bar: 90% of the oracle after the default days (seeds 1-4: 91.4 to
     * 93.5% on the last day, 91.2 to 92.8% over the last three); over the whole run
     * the first days, spent learning, take it to 83.2% (seeds 2-4: 83.3 to 85.0%) */
    CHECK(oracle_share(ctx, oracle, s.days - 1, s.days) >= 0.90);
    CHECK(oracle_share(ctx, oracle, s.days - 3, s.days) >= 0.90);
    CHECK(ctx->expected_ctr >= 0.82 * oracle->expected_ctr);
    CHECK(ctx->day_ctr[s.days - 1] >= 0.88 * oracle->day_ctr[s.days - 1]);
    CHECK(ctx->expected_ctr > 1.2 * ts->expected_ctr && ctx->expected_ctr > 1.2 * lin->expected_ctr);
    for (int i = 0; i < N_POLICIES - 1; i++) {
        CHECK(r[i].expected_ctr < oracle->expected_ctr);
        CHECK(r[i].regret > 0);
        CHECK_NEAR(r[i].oracle_ctr, oracle->oracle_ctr, 1e-12);
    }
    CHECK_NEAR(oracle->regret, 0, 1e-12);
    /* learning: the policies' last days beat their first, random's do not move much */
    CHECK(ts->day_ctr[s.days - 1] > ts->day_ctr[0]);
    CHECK(lin->day_ctr[s.days - 1] > lin->day_ctr[0]);
    CHECK(ctx->day_ctr[s.days - 1] > ctx->day_ctr[0]);
    CHECK(random->take_fraction > 0 && random->take_fraction < random->ctr);
    CHECK(random->completion > 0 && random->completion < 1);
    /* one seed, one run */
    CHECK_EQ_INT(ka_sim_run(&s, NULL, policies, N_POLICIES, again, NULL), 0);
    CHECK(!memcmp(r, again, sizeof r));
    s.seed = 2;
    CHECK_EQ_INT(ka_sim_run(&s, NULL, policies, 1, again, NULL), 0);
    CHECK(again[0].clicks != r[0].clicks);
}

static void test_ab(void)
{
    ka_sim_scenario s;
    ka_sim_scenario_default(&s);
    s.users = 1000;
    s.days = 7;
    static ka_sim_ab ab;
    CHECK_EQ_INT(ka_sim_ab_run(&s, NULL, "uniform", "thompson", &ab), 0);
    CHECK(ab.report.by_user && !ab.report.srm);
    CHECK(ab.counts[0].users > 300 && ab.counts[1].users > 300);
    int found = 0;
    for (int i = 0; i < ab.report.n_results; i++) {
        const ka_exp_result *x = &ab.report.results[i];
        if (x->metric != KA_METRIC_CTR)
            continue;
        found = 1;
        fprintf(stderr, "A/B: thompson vs random ctr %+.1f%% [%+.1f%%, %+.1f%%], p %.3g, "
                "SRM p %.3f\n", 100 * x->test.rel, 100 * x->test.rel_lo, 100 * x->test.rel_hi,
                x->test.p, ab.report.srm_p);
        CHECK(x->test.rel > 0 && x->test.p < 0.01 && x->chance_to_beat > 0.99);
    }
    CHECK(found);
    json_t *j = ka_sim_ab_json(&ab);
    const json_t *rep = json_object_get(j, "report");
    CHECK(!strcmp(json_string_value(json_object_get(rep, "unit")), "user"));
    CHECK(json_integer_value(json_object_get(json_array_get(json_object_get(rep, "arms"), 1),
                                             "users")) == (json_int_t)ab.counts[1].users);
    json_decref(j);
    CHECK_EQ_INT(ka_sim_ab_run(&s, NULL, "uniform", "oracle", &ab), KA_EINVAL);
}

/* A/A: both arms random. At 5%, about 5 seeds in 100 look significant by chance;
 * counting impressions as independent made it several times that. */
static void test_aa(void)
{
    ka_sim_scenario s;
    ka_sim_scenario_default(&s);
    s.users = 300;
    s.days = 3;
    static ka_sim_ab ab;
    int significant = 0, mismatched = 0, runs = 0;
    for (uint64_t seed = 1; seed <= 100; seed++) {
        s.seed = seed;
        if (ka_sim_ab_run(&s, NULL, "uniform", "uniform", &ab))
            break;
        runs++;
        mismatched += ab.report.srm;
        for (int i = 0; i < ab.report.n_results; i++)
            significant += ab.report.results[i].metric == KA_METRIC_CTR &&
                           ab.report.results[i].test.p < 0.05;
    }
    fprintf(stderr, "A/A: %d of %d seeds significant at 5%%, %d sample-ratio mismatches\n",
            significant, runs, mismatched);
    CHECK_EQ_INT(runs, 100);
    /* Issue 15's bar: no significant difference in at least 95 of 100 seeds. A test at
     * 5% passes it in about 62% of sets of 100 seeds, so a change that moves every draw
     * may cross it by chance (6 to 9 of 100 is still chance; more says the test is
     * wrong): seeds 1..100 give 4 today. */
    CHECK_MSG(significant <= 5, "%d of 100 A/A seeds significant", significant);
    CHECK(mismatched <= 1);
}

static int scenario_from(const char *text, ka_sim_scenario *s)
{
    char path[] = "/tmp/ka_scenario_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        return -100;
    close(fd);
    ka_sim_scenario_default(s);
    int err = ka_sim_scenario_load(path, s);
    unlink(path);
    return err;
}

static void test_scenario_file(void)
{
    ka_sim_scenario s;
    CHECK_EQ_INT(scenario_from("{\"users\": 50, \"days\": 2, \"click\": {\"scene\": 0.5},"
                               " \"segments\": [{\"name\": \"one\", \"scene\": {\"landscape\": 1}}]}",
                               &s), 0);
    CHECK(s.users == 50 && s.days == 2 && s.click.scene == 0.5 && s.click.genre == 1.0);
    CHECK(s.n_segments == 1 && !strcmp(s.segments[0].name, "one"));
    CHECK(s.segments[0].scene[KA_SCENE_LANDSCAPE] == 1 && s.segments[0].scene[0] == 0);
    static const struct { const char *text, *says; } bad[] = {
        { "{\"userz\": 5}", "userz: unknown member" },
        { "{\"days\": 400}", "days: 400 is out of range 1..365" },
        { "{\"users\": 2.5}", "users: not a whole number" },
        { "{\"click\": {\"scene\": \"big\"}}", "scene: not a number" },
        { "{\"segments\": []}", "segments: an array of 1..8" },
        { "{\"segments\": [{\"name\": \"x\", \"scene\": {\"sunset\": 1}}]}", "'sunset' is not a known name" },
        { "{\"segments\": [{\"scene\": {}}]}", "a name of 1..31" },
        { "{\"users\": 5,}", "line 1" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ_INT(scenario_from(bad[i].text, &s), KA_EINVAL);
        CHECK_MSG(strstr(ka_error_message(), bad[i].says), "%s: '%s'", bad[i].text,
                  ka_error_message());
    }
    CHECK_EQ_INT(ka_sim_scenario_load("/nonexistent/scenario.json", &s), KA_EIO);
}

static void test_engine(void)
{
    ka_serve_opts o;
    ka_serve_opts_default(&o);
    o.policy = "thompson";
    o.seed = 7;
    ka_engine *e = NULL;
    CHECK_EQ_INT(ka_engine_new(&o, &e), 0);
    ka_sim_scenario s;
    ka_sim_scenario_default(&s);
    s.synthetic_titles = 2;
    json_t *cat = ka_sim_catalog(&s);
    CHECK_EQ_INT(ka_engine_set_titles(e, cat), 0);
    ka_engine_choice c;
    CHECK_EQ_INT(ka_engine_decide(e, "u1", "no-such-title", 1767225600.0, &c), KA_ENOTFOUND);
    CHECK_EQ_INT(ka_engine_decide(e, "u1", "sim-0001", 1767225600.0, &c), 0);
    CHECK(c.variant_number >= 1 && c.variant_number <= s.synthetic_variants);
    CHECK(c.propensity > 0 && c.propensity <= 1 && !strcmp(c.policy, "thompson"));
    CHECK(strlen(c.variant_id) == 16 && !c.experiment);
    ka_store_event ev = { .client_id = "x", .type = "impression", .user = "u1",
                          .title_id = "sim-0001", .variant_id = c.variant_id, .ts = 100,
                          .value = NAN, .propensity = c.propensity };
    CHECK_EQ_INT(ka_engine_event(e, &ev, 100), 0);
    CHECK_EQ_INT(ka_engine_event(e, &ev, 99), KA_EINVAL);       /* time runs forward */
    CHECK_EQ_INT(ka_engine_learn(e), 0);
    CHECK_EQ_INT(ka_engine_set_titles(e, json_object_get(cat, "nope")), KA_EINVAL);
    ka_engine_free(&e);
    CHECK(e == NULL);
    o.policy = "nope";
    CHECK_EQ_INT(ka_engine_new(&o, &e), KA_EINVAL);
    json_decref(cat);
}

int main(void)
{
    RUN(test_engine);
    RUN(test_scenario_file);
    RUN(test_default_scenario);
    RUN(test_ab);
    RUN(test_aa);
    TEST_END();
}
