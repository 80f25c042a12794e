/* test_report.c: metrics per arm from events, and the experiment report (tests,
 * adjustments, chance to beat, always-valid interval, SRM) with its JSON. Expected
 * values come from the statistics tested in test_stats.c, recomputed by hand here. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "keyart/experiment.h"
#include "../ka_test.h"

static void add_n(ka_exp_counts *c, ka_event_type t, int n, double value)
{
    for (int i = 0; i < n; i++)
        ka_exp_counts_add(c, t, value);
}

static void test_metrics(void)
{
    ka_exp_counts c = { 0 };
    add_n(&c, KA_EVENT_IMPRESSION, 1000, 0);
    add_n(&c, KA_EVENT_CLICK, 80, 0);
    add_n(&c, KA_EVENT_PLAY, 50, 0);
    add_n(&c, KA_EVENT_COMPLETE, 20, 0);
    add_n(&c, KA_EVENT_SKIP, 300, 0);
    ka_exp_counts_add(&c, KA_EVENT_DWELL, 2);
    ka_exp_counts_add(&c, KA_EVENT_DWELL, 4);
    ka_exp_counts_add(&c, KA_EVENT_DWELL, 9);
    ka_exp_counts_add(&c, KA_EVENT_DWELL, NAN);     /* ignored */
    double v, n, var;
    ka_exp_metric_value(&c, KA_METRIC_CTR, &v, &n, &var);
    CHECK_NEAR(v, 0.08, 1e-15);
    CHECK_NEAR(n, 1000, 0);
    CHECK_NEAR(var, 0.08 * 0.92, 1e-15);
    ka_exp_metric_value(&c, KA_METRIC_TAKE_RATE, &v, &n, NULL);
    CHECK_NEAR(v, 0.05, 1e-15);
    ka_exp_metric_value(&c, KA_METRIC_COMPLETION, &v, &n, NULL);
    CHECK_NEAR(v, 0.4, 1e-15);      /* 20 of 50 plays */
    CHECK_NEAR(n, 50, 0);
    ka_exp_metric_value(&c, KA_METRIC_SKIP_RATE, &v, &n, NULL);
    CHECK_NEAR(v, 0.3, 1e-15);
    /* dwell 2, 4, 9: mean 5, sample variance ((-3)^2 + 1 + 16) / 2 = 13 */
    ka_exp_metric_value(&c, KA_METRIC_DWELL, &v, &n, &var);
    CHECK_NEAR(v, 5, 1e-12);
    CHECK_NEAR(n, 3, 0);
    CHECK_NEAR(var, 13, 1e-12);
    ka_exp_counts empty = { 0 };
    ka_exp_metric_value(&empty, KA_METRIC_CTR, &v, &n, NULL);
    CHECK(isnan(v));
    CHECK(!strcmp(ka_exp_metric_name(KA_METRIC_TAKE_RATE), "take_rate"));
}

static void test_report(void)
{
    ka_exp_counts c[3] = { { 0 } };
    /* control: 2000 impressions, 200 clicks; B: 2000, 250 (test_stats' example);
     * C: 1000 impressions: a sample-ratio mismatch against equal weights */
    c[0].impressions = 2000; c[0].clicks = 200; c[0].plays = 100; c[0].completes = 40;
    c[1].impressions = 2000; c[1].clicks = 250; c[1].plays = 120; c[1].completes = 50;
    c[2].impressions = 1000; c[2].clicks = 100;
    for (int a = 0; a < 2; a++)
        for (int i = 0; i < 30; i++)
            ka_exp_counts_add(&c[a], KA_EVENT_DWELL, 3 + a + (i % 5));
    ka_exp_report *r = calloc(1, sizeof *r);
    CHECK(ka_exp_report_build(c, 3, 0, NULL, NULL, r) == 0);
    CHECK(r->srm == 1);                 /* 2000/2000/1000 at 1/3 each: chi2 = 400 */
    CHECK_NEAR(r->srm_chi2, (2 * pow(2000 - 5000.0 / 3, 2) + pow(1000 - 5000.0 / 3, 2)) / (5000.0 / 3), 1e-9);
    const ka_exp_result *ctr = NULL, *dwell = NULL;
    int n_b = 0;
    for (int i = 0; i < r->n_results; i++) {
        if (r->results[i].arm == 1) {
            n_b++;
            if (r->results[i].metric == KA_METRIC_CTR)
                ctr = &r->results[i];
            if (r->results[i].metric == KA_METRIC_DWELL)
                dwell = &r->results[i];
        }
    }
    CHECK_EQ_INT(n_b, KA_METRIC_COUNT);         /* no skips: skip rate 0 vs 0 still tested */
    CHECK(ctr && dwell);
    if (ctr) {
        CHECK_NEAR(ctr->test.p, 0.012350947711191435, 1e-9);
        /* Holm over B's metrics: CTR's p times the number at or above it in rank */
        CHECK(ctr->p_holm >= ctr->test.p && ctr->p_bh >= ctr->test.p && ctr->p_bh <= ctr->p_holm);
        /* chance to beat with Beta(1,1): Beta(201, 1801) vs Beta(251, 1751) */
        CHECK_NEAR(ctr->chance_to_beat, ka_exp_chance_to_beat(201, 1801, 251, 1751), 1e-12);
        CHECK(ctr->chance_to_beat > 0.99);
        /* the always-valid interval is wider than the fixed-n one */
        CHECK(ctr->cs_lo < ctr->test.diff_lo && ctr->cs_hi > ctr->test.diff_hi);
    }
    if (dwell)       /* dwell: 3..7 vs 4..8, the same spread: +1 s */
        CHECK_NEAR(dwell->test.diff, 1, 1e-12);
    const char *names[3] = { "control", "b", "c" };
    json_t *j = ka_exp_report_json(r, c, names);
    CHECK(j != NULL);
    char *s = json_dumps(j, JSON_COMPACT);
    CHECK(s && strstr(s, "\"mismatch\":true") && strstr(s, "\"name\":\"b\"") &&
          strstr(s, "\"chance_to_beat\""));
    free(s);
    /* docs/json.md: arms by name, counts as integers, intervals as {"lo", "hi"} */
    CHECK(!strcmp(json_string_value(json_object_get(j, "control")) ?: "", "control"));
    json_t *b = json_array_get(json_object_get(j, "arms"), 1);
    CHECK(json_is_integer(json_object_get(b, "impressions")));
    json_t *ci = json_object_get(json_object_get(json_object_get(b, "vs_control"), "ctr"),
                                 "diff_ci");
    CHECK(json_is_object(ci) && json_is_number(json_object_get(ci, "lo")) &&
          json_number_value(json_object_get(ci, "lo")) < json_number_value(json_object_get(ci, "hi")));
    json_decref(j);
    CHECK(ka_exp_report_build(c, 1, 0, NULL, NULL, r) == KA_EINVAL);
    CHECK(ka_exp_report_build(c, 3, 3, NULL, NULL, r) == KA_EINVAL);
    free(r);
}

/* Arms counted per user: users are the units. The split is judged on users (a fair
 * 100/100 split whose second arm's users saw twice as many titles is no mismatch),
 * rates by the delta method over users, and the JSON says so. */
static void test_by_user(void)
{
    static ka_exp_counts arm[2], again;
    ka_exp_report *r = calloc(1, sizeof *r);
    for (int u = 0; u < 200; u++) {
        ka_exp_counts one = { 0 };
        int b = u % 2, imps = b ? 20 : 10, clicks = (u * 7) % (b ? 5 : 2);
        for (int i = 0; i < imps; i++)
            ka_exp_counts_add(&one, KA_EVENT_IMPRESSION, NAN);
        for (int i = 0; i < clicks; i++)
            ka_exp_counts_add(&one, KA_EVENT_CLICK, NAN);
        ka_exp_counts_add_user(&arm[b], &one);
    }
    CHECK(arm[0].users == 100 && arm[1].users == 100);
    CHECK(arm[0].impressions == 1000 && arm[1].impressions == 2000);
    CHECK(arm[0].unit[KA_METRIC_CTR].n == 100 && arm[0].unit[KA_METRIC_COMPLETION].n == 0);
    CHECK_EQ_INT(ka_exp_report_build(arm, 2, 0, NULL, NULL, r), 0);
    CHECK(r->by_user && !r->srm && r->srm_p > 0.99);
    ka_exp_test want;
    CHECK_EQ_INT(ka_exp_ratio_test(&arm[0].unit[KA_METRIC_CTR], &arm[1].unit[KA_METRIC_CTR],
                                   0.95, &want), 0);
    int found = 0;
    for (int i = 0; i < r->n_results; i++)
        if (r->results[i].metric == KA_METRIC_CTR) {
            found = 1;
            CHECK_NEAR(r->results[i].test.p, want.p, 1e-12);
            CHECK_NEAR(r->results[i].test.diff_se, want.diff_se, 1e-12);
            CHECK(r->results[i].chance_to_beat > 0.5);     /* treatment's ctr is higher */
        }
    CHECK(found);
    const char *names[2] = { "a", "b" };
    json_t *j = ka_exp_report_json(r, arm, names);
    CHECK(!strcmp(json_string_value(json_object_get(j, "unit")), "user"));
    CHECK(json_integer_value(json_object_get(json_array_get(json_object_get(j, "arms"), 1),
                                             "users")) == 100);
    json_decref(j);
    /* counted by impressions (as the server's store counts today): the old tests */
    again = arm[1];
    again.users = 0;
    ka_exp_counts first = arm[0];
    first.users = 0;
    ka_exp_counts both[2] = { first, again };
    CHECK_EQ_INT(ka_exp_report_build(both, 2, 0, NULL, NULL, r), 0);
    CHECK(!r->by_user && r->srm);                   /* 1000 against 2000 impressions */
    j = ka_exp_report_json(r, both, names);
    CHECK(!strcmp(json_string_value(json_object_get(j, "unit")), "impression"));
    CHECK(json_object_get(json_array_get(json_object_get(j, "arms"), 0), "users") == NULL);
    json_decref(j);
    free(r);
}

int main(void)
{
    RUN(test_metrics);
    RUN(test_report);
    RUN(test_by_user);
    TEST_END();
}
