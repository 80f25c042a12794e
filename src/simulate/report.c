/* report.c: a run's report as JSON: the scenario it ran, and per policy its counts,
 * rates, regret and click rate per day; with "uniform" (random) and "oracle" among the
 * policies, each policy's lift over random and its share of the oracle's click rate. */
#include <jansson.h>
#include <string.h>

#include "keyart/simulate.h"

static const ka_sim_result *find(const ka_sim_result *r, int n, const char *policy)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(r[i].policy, policy))
            return &r[i];
    return NULL;
}

static json_t *scenario_json(const ka_sim_scenario *s)
{
    json_t *segs = json_array();
    for (int i = 0; i < s->n_segments; i++)
        json_array_append_new(segs, json_pack("{s:s, s:f, s:f}", "name", s->segments[i].name,
                                              "share", s->segments[i].share, "base_ctr",
                                              s->segments[i].base_ctr));
    return json_pack("{s:i, s:i, s:I, s:i, s:i, s:f, s:f, s:f, s:o}", "users", s->users,
                     "days", s->days, "seed", (json_int_t)s->seed, "row_length", s->row_length,
                     "rows_per_visit", s->rows_per_visit, "visit_rate", s->visit_rate,
                     "learn_every_s", s->learn_every_s, "attribution_s", s->attribution_s,
                     "segments", segs);
}

static json_t *result_json(const ka_sim_result *r, const ka_sim_result *random,
                           const ka_sim_result *oracle)
{
    json_t *days = json_array(), *expected = json_array();
    for (int d = 0; d < r->days; d++) {
        json_array_append_new(days, json_real(r->day_ctr[d]));
        json_array_append_new(expected, json_real(r->day_expected_ctr[d]));
    }
    json_t *o = json_pack(
        "{s:s, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:o}",
        "policy", r->policy, "impressions", (json_int_t)r->impressions, "clicks",
        (json_int_t)r->clicks, "plays", (json_int_t)r->plays, "completes",
        (json_int_t)r->completes, "skips", (json_int_t)r->skips, "dwell_s", r->dwell_s,
        "ctr", r->ctr, "expected_ctr", r->expected_ctr, "regret", r->regret,
        "take_fraction", r->take_fraction, "completion", r->completion, "oracle_ctr",
        r->oracle_ctr, "day_ctr", days);
    if (o)
        json_object_set_new(o, "day_expected_ctr", expected);
    else
        json_decref(expected);
    if (o && random && random->expected_ctr > 0)
        json_object_set_new(o, "lift_vs_random", json_real(r->expected_ctr /
                                                           random->expected_ctr - 1));
    if (o && oracle && oracle->expected_ctr > 0)
        json_object_set_new(o, "share_of_oracle", json_real(r->expected_ctr /
                                                            oracle->expected_ctr));
    return o;
}

json_t *ka_sim_report_json(const ka_sim_scenario *s, const ka_sim_result *r, int n)
{
    const ka_sim_result *random = find(r, n, "uniform"), *oracle = find(r, n, "oracle");
    json_t *list = json_array();
    for (int i = 0; list && i < n; i++)
        json_array_append_new(list, result_json(&r[i], random, oracle));
    return json_pack("{s:o, s:o}", "scenario", scenario_json(s), "policies", list);
}

json_t *ka_sim_ab_json(const ka_sim_ab *ab)
{
    const char *names[2] = { KA_SIM_CONTROL, KA_SIM_TREATMENT };
    return json_pack("{s:s, s:s, s:o}", "control", ab->control, "treatment", ab->treatment,
                     "report", ka_exp_report_json(&ab->report, ab->counts, names));
}
