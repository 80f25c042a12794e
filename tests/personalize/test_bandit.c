/* test_bandit.c: learned policies converge to the best arm on simulated Bernoulli
 * bandits. Thompson sampling and epsilon-greedy learn per-variant click rates (state
 * refreshed in batches, the way servers refresh it from the store); LinUCB learns a
 * contextual bandit where two kinds of user prefer different variants. The generator
 * reseeded per decision (ka_rng_new_light) repeats a seed's draws, and its draws are
 * uniform enough for a Beta draw's mean. */
#include <math.h>
#include <string.h>

#include "keyart/personalize.h"
#include "../ka_test.h"

#define N 8

static const double rate[N] = { 0.10, 0.12, 0.08, 0.15, 0.11, 0.25, 0.09, 0.13 };
enum { BEST = 5 };

static ka_pvariant vars[N];

static void setup(void)
{
    for (int i = 0; i < N; i++)
        vars[i] = (ka_pvariant){ .number = i + 1, .genre = 0, .scene = i % KA_SCENE_COUNT,
                                 .composition = i % KA_COMP_COUNT, .quality = 0.1f * (float)i };
}

/* Plays `rounds` impressions, updating the policy every `batch` (then prepare). Returns
 * the share of the last quarter of impressions that went to BEST. */
static double play(const char *name, int rounds, int batch, double *regret)
{
    ka_policy_params prm;
    ka_policy_params_default(&prm);
    prm.n_arms = N;
    prm.epsilon = 0.05;
    ka_policy *p;
    CHECK(ka_policy_new(name, &prm, &p) == 0);
    ka_rng *rng = ka_rng_new(77), *world = ka_rng_new(78);
    ka_policy_ctx c = { .variants = vars, .n_variants = N };
    int pending_arm[1000];
    double pending_r[1000];
    int np = 0, best_late = 0;
    *regret = 0;
    for (int t = 0; t < rounds; t++) {
        ka_choice ch;
        CHECK(ka_policy_choose(p, &c, rng, &ch) == 0);
        double r = ka_rng_uniform(world) < rate[ch.arm];
        *regret += rate[BEST] - rate[ch.arm];
        if (t >= rounds * 3 / 4)
            best_late += ch.arm == BEST;
        pending_arm[np] = ch.arm;
        pending_r[np++] = r;
        if (np == batch) {
            for (int k = 0; k < np; k++)
                ka_policy_update(p, &c, pending_arm[k], pending_r[k]);
            ka_policy_prepare(p);
            np = 0;
        }
    }
    double probs[N];
    ka_policy_probs(p, &c, probs);
    fprintf(stderr, "   %-9s best arm in %.3f of the last %d impressions, its propensity "
            "%.3f, regret %.1f clicks over %d\n", name, (double)best_late / (rounds / 4),
            rounds / 4, probs[BEST], *regret, rounds);
    ka_policy_free(p);
    ka_rng_free(rng);
    ka_rng_free(world);
    return (double)best_late / (rounds / 4);
}

static void test_thompson(void)
{
    double regret;
    double share = play("thompson", 12000, 200, &regret);
    CHECK(share > 0.8);
    /* uniform play would lose (0.25 - mean rate 0.129) per impression: 1545 clicks */
    CHECK(regret < 0.35 * 12000 * (0.25 - 0.12875));
}

static void test_rng_light(void)
{
    ka_rng *r = ka_rng_new_light(7);
    CHECK(r != NULL);
    if (!r)
        return;
    double first[4], sum = 0, beta = 0;
    for (int i = 0; i < 4; i++)
        first[i] = ka_rng_uniform(r);
    ka_rng_seed(r, 7);
    for (int i = 0; i < 4; i++)
        CHECK(ka_rng_uniform(r) == first[i]);
    ka_rng_seed(r, 7ull << 32);     /* a seed's high half counts */
    CHECK(ka_rng_uniform(r) != first[0]);
    int in_range = 1;
    for (int i = 0; i < 20000; i++) {
        double u = ka_rng_uniform(r);
        in_range &= u >= 0 && u < 1;
        sum += u;
        in_range &= ka_rng_int(r, 3) < 3;
        beta += ka_rng_beta(r, 2, 6);
    }
    CHECK(in_range);
    CHECK_NEAR(sum / 20000, 0.5, 0.01);
    CHECK_NEAR(beta / 20000, 0.25, 0.005);
    ka_rng_free(r);
}

static void test_egreedy(void)
{
    double regret;
    CHECK(play("egreedy", 12000, 200, &regret) > 0.8);
}

static void test_linucb(void)
{
    double regret;
    CHECK(play("linucb", 12000, 1, &regret) > 0.8);
}

/* Two kinds of user: kind 0 prefers variant 1, kind 1 variant 6. */
static void test_linucb_contextual(void)
{
    ka_policy_params prm;
    ka_policy_params_default(&prm);
    prm.n_arms = N;
    prm.alpha = 0.5;
    ka_policy *p;
    CHECK(ka_policy_new("linucb", &prm, &p) == 0);
    ka_rng *rng = ka_rng_new(3), *world = ka_rng_new(4);
    int right[2] = { 0 }, seen[2] = { 0 };
    for (int t = 0; t < 16000; t++) {
        int kind = (int)ka_rng_int(world, 2);
        double ux[4] = { 1, kind, 0, 0 };
        ka_policy_ctx c = { .variants = vars, .n_variants = N, .user_x = ux };
        ka_choice ch;
        CHECK(ka_policy_choose(p, &c, rng, &ch) == 0);
        int best = kind ? 6 : 1;
        double pr = ch.arm == best ? 0.3 : 0.1;
        ka_policy_update(p, &c, ch.arm, ka_rng_uniform(world) < pr);
        if (t >= 12000) {
            seen[kind]++;
            right[kind] += ch.arm == best;
        }
    }
    fprintf(stderr, "   linucb (contextual): right variant for kind 0 in %.3f, kind 1 in %.3f "
            "of the last 4000\n", (double)right[0] / seen[0], (double)right[1] / seen[1]);
    CHECK((double)right[0] / seen[0] > 0.8);
    CHECK((double)right[1] / seen[1] > 0.8);
    /* prepare (Cholesky) agrees with the Sherman-Morrison updates */
    double ux[4] = { 1, 1, 0, 0 }, a[N], b[N];
    ka_policy_ctx c = { .variants = vars, .n_variants = N, .user_x = ux };
    ka_policy_probs(p, &c, a);
    CHECK(ka_policy_prepare(p) == 0);
    ka_policy_probs(p, &c, b);
    CHECK(memcmp(a, b, sizeof a) == 0);
    ka_policy_free(p);
    ka_rng_free(rng);
    ka_rng_free(world);
}

/* Per-arm priors (the variants' order): with strength 0 every arm starts alike; with
 * a pseudo-observation split by worth, Thompson's chances and epsilon-greedy's best
 * follow the worth, until the data outweighs it; bad worths are refused. */
static void test_order_prior(void)
{
    ka_policy_params prm;
    ka_policy_params_default(&prm);
    prm.n_arms = 3;
    const double worth[3] = { 0.9, 0.5, 0.1 };
    memcpy(prm.prior_worth, worth, sizeof worth);
    ka_policy_ctx c = { .variants = vars, .n_variants = 3 };
    double p[3];
    for (int k = 0; k < 2; k++) {
        const char *name = k ? "egreedy" : "thompson";
        ka_policy *pol;
        prm.prior_strength = 0;
        CHECK(ka_policy_new(name, &prm, &pol) == 0);
        CHECK(ka_policy_probs(pol, &c, p) == 0);
        CHECK_NEAR(p[0], p[2], 1e-9);
        ka_policy_free(pol);
        prm.prior_strength = 1;
        CHECK(ka_policy_new(name, &prm, &pol) == 0);
        CHECK(ka_policy_probs(pol, &c, p) == 0);
        CHECK_MSG(p[0] > p[1] && p[1] >= p[2] && (k || p[1] > p[2]), "%s: %.3f %.3f %.3f", name,
                  p[0], p[1], p[2]);              /* egreedy: the best, then all alike */
        CHECK_NEAR(p[0] + p[1] + p[2], 1.0, 1e-6);
        /* twenty clicks of 20 on the last arm: the data decides */
        for (int i = 0; i < 20; i++)
            CHECK(ka_policy_update(pol, &c, 2, 1.0) == 0);
        for (int i = 0; i < 20; i++)
            CHECK(ka_policy_update(pol, &c, 0, 0.0) == 0);
        CHECK(ka_policy_prepare(pol) == 0);
        CHECK(ka_policy_probs(pol, &c, p) == 0);
        CHECK_MSG(p[2] > p[0], "%s after the data: %.3f %.3f %.3f", name, p[0], p[1], p[2]);
        ka_policy_free(pol);
    }
    prm.prior_worth[1] = 1.5;
    ka_policy *bad = NULL;
    CHECK_EQ_INT(ka_policy_new("thompson", &prm, &bad), KA_EINVAL);
    CHECK(strstr(ka_error_message(), "prior worth") != NULL);
    prm.prior_worth[1] = 0.5;
    prm.prior_strength = -1;
    CHECK_EQ_INT(ka_policy_new("thompson", &prm, &bad), KA_EINVAL);
}

int main(void)
{
    setup();
    RUN(test_order_prior);
    RUN(test_thompson);
    RUN(test_rng_light);
    RUN(test_egreedy);
    RUN(test_linucb);
    RUN(test_linucb_contextual);
    TEST_END();
}
