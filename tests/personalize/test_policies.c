/* test_policies.c: every policy of the table behind the one interface: propensities
 * sum to 1 and match the frequencies of actual choices; every choice reports the
 * propensity of what it chose; the seed scorer's weights are exactly 0.25 / 0.20 /
 * 0.20 / 0.20 / 0.15; Thompson's quadrature agrees with Monte Carlo; segments are
 * separate; state survives a save/load round trip bit for bit; remapped arms keep
 * what they learned; bad parameters, contexts and bytes are refused. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "keyart/personalize.h"
#include "../ka_test.h"

#define N 8

static ka_pvariant vars[N];
static ka_profile prof;

static void setup(void)
{
    static const int scenes[N] = { KA_SCENE_HERO_CLOSEUP, KA_SCENE_ENSEMBLE, KA_SCENE_ACTION,
                                   KA_SCENE_LANDSCAPE, KA_SCENE_ROMANTIC, KA_SCENE_EMOTIONAL,
                                   KA_SCENE_CONFRONTATION, KA_SCENE_GENERAL };
    for (int i = 0; i < N; i++) {
        vars[i] = (ka_pvariant){ .number = i + 1, .genre = ka_profile_genre_index("action"),
                                 .scene = scenes[i], .composition = i % KA_COMP_COUNT,
                                 .quality = 0.5f + 0.05f * (float)i };
        if (i < 3) {
            vars[i].n_chars = 1;
            vars[i].chars[0] = ka_profile_char_id(i ? "Celia" : "Thom");
            vars[i].roles[0] = i ? KA_ROLE_HEROINE : KA_ROLE_HERO;
        }
    }
    ka_profile_init(&prof);
    for (int k = 0; k < 5; k++) {
        ka_profile_update(&prof, &vars[k % 3], KA_EVENT_IMPRESSION, 0, 1e9 + k, NULL);
        ka_profile_update(&prof, &vars[2], KA_EVENT_CLICK, 0, 1e9 + k, NULL);
    }
}

static ka_policy_ctx ctx(int segment)
{
    return (ka_policy_ctx){ .variants = vars, .n_variants = N, .profile = &prof,
                            .segment = segment };
}

/* Feeds a few rewards so that learned policies have a non-trivial state. */
static void train(ka_policy *p, int segments)
{
    for (int k = 0; k < 60; k++) {
        ka_policy_ctx c = ctx(k % segments);
        int arm = k % N;
        CHECK(ka_policy_update(p, &c, arm, (arm == 2 || (arm == 5 && k % 2)) ? 1 : 0) == 0);
    }
    CHECK(ka_policy_prepare(p) == 0);
}

static void test_each_policy(void)
{
    int n;
    const ka_policy_type *const *list = ka_policy_list(&n);
    CHECK_EQ_INT(n, 6);
    ka_rng *rng = ka_rng_new(2024);
    for (int t = 0; t < n; t++) {
        ka_policy_params prm;
        ka_policy_params_default(&prm);
        prm.n_arms = N;
        prm.temperature = 0.05;     /* seed: a softmax, so frequencies are interesting */
        ka_policy *p;
        CHECK(ka_policy_new(list[t]->name, &prm, &p) == 0);
        CHECK(ka_policy_find(list[t]->name) == list[t]);
        CHECK(list[t]->description && *list[t]->description);
        train(p, 1);
        ka_policy_ctx c = ctx(0);
        double probs[N], sum = 0;
        CHECK(ka_policy_probs(p, &c, probs) == 0);
        for (int i = 0; i < N; i++) {
            CHECK(probs[i] >= 0 && probs[i] <= 1);
            sum += probs[i];
        }
        CHECK_NEAR(sum, 1, 1e-9);
        int draws = 20000, count[N] = { 0 };
        for (int d = 0; d < draws; d++) {
            ka_choice ch;
            CHECK(ka_policy_choose(p, &c, rng, &ch) == 0);
            count[ch.arm]++;
            CHECK(ch.variant == vars[ch.arm].number);
            if (fabs(ch.propensity - probs[ch.arm]) > 1e-9) {
                CHECK_MSG(0, "%s: choice propensity %g vs probs %g", list[t]->name,
                          ch.propensity, probs[ch.arm]);
                break;
            }
        }
        fprintf(stderr, "   %-9s", list[t]->name);
        for (int i = 0; i < N; i++) {
            double f = (double)count[i] / draws;
            fprintf(stderr, " %.3f/%.3f", probs[i], f);
            /* 4.5 binomial sd, plus 0.002 for quadrature / tie slack */
            CHECK_MSG(fabs(f - probs[i]) <= 4.5 * sqrt(probs[i] * (1 - probs[i]) / draws) + 0.002,
                      "%s arm %d: frequency %.4f, propensity %.4f", list[t]->name, i, f, probs[i]);
        }
        fputc('\n', stderr);
        ka_policy_free(p);
    }
    ka_rng_free(rng);
}

static void test_seed_weights(void)
{
    CHECK(ka_seed_weights_default.genre == 0.25f);
    CHECK(ka_seed_weights_default.character == 0.20f);
    CHECK(ka_seed_weights_default.scene == 0.20f);
    CHECK(ka_seed_weights_default.ctr == 0.20f);
    CHECK(ka_seed_weights_default.quality == 0.15f);
    /* each component alone: a profile that likes only what the variant has in one respect;
     * no CTR prior, so CTR is 0 until impressions */
    ka_profile_opts o;
    ka_profile_opts_default(&o);
    o.ctr_prior = 0;
    o.ctr_prior_n = 0;
    ka_pvariant v = { .number = 1, .genre = 0, .scene = KA_SCENE_ACTION, .composition = KA_COMP_WIDE,
                      .n_chars = 1, .chars = { ka_profile_char_id("Thom") },
                      .roles = { KA_ROLE_HERO }, .quality = 0 };
    ka_pvariant other = { .number = 2, .genre = 1, .scene = KA_SCENE_LANDSCAPE,
                          .composition = KA_COMP_EXTREME_WIDE };
    ka_profile p;
    ka_profile_match m;
    /* genre only */
    ka_profile_init(&p);
    p.genre[0] = 2;
    CHECK_NEAR(ka_policy_seed_score(&p, &v, &o, NULL, &m), 0.25, 1e-7);
    /* character only (by name; the role has no affinity) */
    ka_profile_init(&p);
    p.char_id[0] = ka_profile_char_id("Thom");
    p.char_w[0] = 1;
    CHECK_NEAR(ka_policy_seed_score(&p, &v, &o, NULL, &m), 0.20, 1e-7);
    /* found in the last slot too, after free ones (the lookup stops at the last used) */
    ka_profile_init(&p);
    p.char_id[KA_PROFILE_CHARS - 1] = ka_profile_char_id("Thom");
    p.char_w[KA_PROFILE_CHARS - 1] = 1;
    p.char_id[3] = ka_profile_char_id("Celia");
    p.char_w[3] = 2;
    CHECK_NEAR(ka_policy_seed_score(&p, &v, &o, NULL, &m), 0.20 * 0.5, 1e-7);
    /* scene type and composition: 0.8 + 0.2 of the scene part */
    ka_profile_init(&p);
    p.scene[KA_SCENE_ACTION] = 4;
    CHECK_NEAR(ka_policy_seed_score(&p, &v, &o, NULL, &m), 0.20 * 0.8, 1e-7);
    p.composition[KA_COMP_WIDE] = 1;
    CHECK_NEAR(ka_policy_seed_score(&p, &v, &o, NULL, &m), 0.20, 1e-7);
    /* historical CTR of the scene type: 3 clicks in 10 impressions */
    ka_profile_init(&p);
    p.scene_imps[KA_SCENE_ACTION] = 10;
    p.scene_clicks[KA_SCENE_ACTION] = 3;
    CHECK_NEAR(ka_policy_seed_score(&p, &v, &o, NULL, &m), 0.20 * 0.3, 1e-7);
    CHECK_NEAR(ka_policy_seed_score(&p, &other, &o, NULL, &m), 0, 1e-7);
    /* quality */
    ka_profile_init(&p);
    v.quality = 1;
    CHECK_NEAR(ka_policy_seed_score(&p, &v, &o, NULL, &m), 0.15, 1e-7);
    /* everything at 1: the weights sum to 1 */
    p.genre[0] = 1;
    p.char_id[0] = ka_profile_char_id("Thom");
    p.char_w[0] = 1;
    p.scene[KA_SCENE_ACTION] = 1;
    p.composition[KA_COMP_WIDE] = 1;
    p.scene_imps[KA_SCENE_ACTION] = 5;
    p.scene_clicks[KA_SCENE_ACTION] = 5;
    CHECK_NEAR(ka_policy_seed_score(&p, &v, &o, NULL, &m), 1, 1e-6);
    CHECK_NEAR(m.genre + m.character + m.scene + m.ctr + m.quality, 5, 1e-6);

    /* temperature 0: the best, propensity 1; softmax: exp(s / T) / sum */
    ka_policy_params prm;
    ka_policy_params_default(&prm);
    prm.n_arms = N;
    ka_policy *pol;
    CHECK(ka_policy_new("seed", &prm, &pol) == 0);
    ka_policy_ctx c = ctx(0);
    ka_rng *rng = ka_rng_new(1);
    ka_choice ch;
    CHECK(ka_policy_choose(pol, &c, rng, &ch) == 0);
    CHECK_NEAR(ch.propensity, 1, 0);
    double best = -1;
    int best_i = 0;
    for (int i = 0; i < N; i++) {
        double s = ka_policy_seed_score(&prof, &vars[i], NULL, NULL, NULL);
        if (s > best) {
            best = s;
            best_i = i;
        }
    }
    CHECK_EQ_INT(ch.arm, best_i);
    ka_policy_free(pol);
    prm.temperature = 0.1;
    CHECK(ka_policy_new("seed", &prm, &pol) == 0);
    double probs[N], z = 0;
    CHECK(ka_policy_probs(pol, &c, probs) == 0);
    for (int i = 0; i < N; i++)
        z += exp(ka_policy_seed_score(&prof, &vars[i], NULL, NULL, NULL) / 0.1);
    for (int i = 0; i < N; i++)
        CHECK_NEAR(probs[i], exp(ka_policy_seed_score(&prof, &vars[i], NULL, NULL, NULL) / 0.1) / z, 1e-9);
    ka_policy_free(pol);
    ka_rng_free(rng);
}

static void test_thompson_propensities(void)
{
    ka_policy_params prm;
    ka_policy_params_default(&prm);
    prm.n_arms = N;
    ka_policy *q, *mc;
    CHECK(ka_policy_new("thompson", &prm, &q) == 0);
    prm.mc_draws = 400000;
    CHECK(ka_policy_new("thompson", &prm, &mc) == 0);
    ka_policy_ctx c = ctx(0);
    /* arms with 5..40 clicks in 100..400 impressions */
    for (int i = 0; i < N; i++)
        for (int k = 0; k < 100 + 40 * i; k++) {
            double r = k < 5 + 4 * i + (i == 3 ? 10 : 0);
            CHECK(ka_policy_update(q, &c, i, r) == 0);
            CHECK(ka_policy_update(mc, &c, i, r) == 0);
        }
    /* before prepare: a choice computes its own propensity on the fly */
    ka_rng *rng = ka_rng_new(5);
    ka_choice ch;
    CHECK(ka_policy_choose(q, &c, rng, &ch) == 0);
    double pq[N], pm[N];
    CHECK(ka_policy_prepare(q) == 0);
    CHECK(ka_policy_prepare(mc) == 0);
    CHECK(ka_policy_probs(q, &c, pq) == 0);
    CHECK(ka_policy_probs(mc, &c, pm) == 0);
    CHECK_NEAR(ch.propensity, pq[ch.arm], 1e-6);
    for (int i = 0; i < N; i++)     /* Monte Carlo sd <= sqrt(.25 / 4e5) = 0.0008 */
        CHECK_MSG(fabs(pq[i] - pm[i]) < 0.004, "arm %d: quadrature %.5f, Monte Carlo %.5f", i,
                  pq[i], pm[i]);
    /* segments: segment 1 has learned nothing, its arms are uniform */
    ka_policy_free(q);
    prm.mc_draws = 0;
    prm.n_segments = 2;
    CHECK(ka_policy_new("thompson", &prm, &q) == 0);
    for (int k = 0; k < 50; k++)
        ka_policy_update(q, &c, 1, 1);
    ka_policy_prepare(q);
    ka_policy_ctx c1 = ctx(1);
    CHECK(ka_policy_probs(q, &c1, pq) == 0);
    for (int i = 0; i < N; i++)
        CHECK_NEAR(pq[i], 1.0 / N, 1e-6);
    CHECK(ka_policy_probs(q, &c, pq) == 0);
    /* by hand: arm 1 is Beta(51, 1) (density 51 x^50), the 7 others uniform:
     * P(arm 1 wins) = int 51 x^50 x^7 dx = 51 / 58 */
    CHECK_NEAR(pq[1], 51.0 / 58, 1e-7);
    c1.segment = 2;
    CHECK(ka_policy_probs(q, &c1, pq) == KA_EINVAL);
    ka_policy_free(q);
    ka_policy_free(mc);
    ka_rng_free(rng);
}

static void test_save_load(void)
{
    int n;
    const ka_policy_type *const *list = ka_policy_list(&n);
    for (int t = 0; t < n; t++) {
        ka_policy_params prm;
        ka_policy_params_default(&prm);
        prm.n_arms = N;
        prm.n_segments = 3;
        prm.epsilon = 0.2;
        ka_policy *p, *q;
        CHECK(ka_policy_new(list[t]->name, &prm, &p) == 0);
        train(p, 3);
        uint8_t *buf, *buf2;
        size_t len, len2;
        CHECK(ka_policy_save(p, &buf, &len) == 0);
        CHECK_MSG(ka_policy_load(buf, len, &q) == 0, "%s: %s", list[t]->name, ka_error_message());
        if (!q) {
            free(buf);
            ka_policy_free(p);
            continue;
        }
        CHECK(ka_policy_type_of(q) == list[t]);
        const ka_policy_params *pp = ka_policy_params_of(p), *qp = ka_policy_params_of(q);
        CHECK(pp->n_arms == qp->n_arms && pp->n_segments == qp->n_segments &&
              pp->epsilon == qp->epsilon && pp->temperature == qp->temperature &&
              pp->prior_alpha == qp->prior_alpha && pp->prior_beta == qp->prior_beta &&
              pp->alpha == qp->alpha && pp->user_dim == qp->user_dim &&
              pp->variant_dim == qp->variant_dim && pp->ridge == qp->ridge &&
              pp->mc_draws == qp->mc_draws);
        CHECK(ka_policy_save(q, &buf2, &len2) == 0);
        CHECK(len == len2 && memcmp(buf, buf2, len) == 0);
        for (int s = 0; s < 3; s++) {
            ka_policy_ctx c = ctx(s);
            double a[N], b[N];
            CHECK(ka_policy_probs(p, &c, a) == 0 && ka_policy_probs(q, &c, b) == 0);
            for (int i = 0; i < N; i++)
                CHECK_NEAR(a[i], b[i], 1e-12);
            ka_rng *r1 = ka_rng_new(9), *r2 = ka_rng_new(9);
            for (int k = 0; k < 50; k++) {
                ka_choice x, y;
                ka_policy_choose(p, &c, r1, &x);
                ka_policy_choose(q, &c, r2, &y);
                CHECK(x.arm == y.arm && fabs(x.propensity - y.propensity) < 1e-12);
            }
            ka_rng_free(r1);
            ka_rng_free(r2);
        }
        /* every truncation and a flipped byte in each header field: refused, no crash */
        for (size_t cut = 0; cut < len; cut += (cut < 64 ? 1 : 97)) {
            ka_policy *bad = NULL;
            CHECK(ka_policy_load(buf, cut, &bad) == KA_EFORMAT && bad == NULL);
        }
        uint8_t *mut = malloc(len);
        for (size_t k = 0; k < 12 + strlen(list[t]->name); k++) {
            memcpy(mut, buf, len);
            mut[k] ^= 0x5A;
            ka_policy *bad = NULL;
            CHECK(ka_policy_load(mut, len, &bad) == KA_EFORMAT && bad == NULL);
        }
        free(mut);
        free(buf);
        free(buf2);
        ka_policy_free(p);
        ka_policy_free(q);
    }
}

/* A title analysed again: old arms 0..7 become new arms by from (some dropped, two
 * new). The remapped policy must equal one that learned the same rewards directly on
 * the new arms (new arms start from the prior). */
static void test_remap(void)
{
    static const int from[6] = { 2, 5, -1, 0, 7, -1 };
    int n;
    const ka_policy_type *const *list = ka_policy_list(&n);
    ka_policy_params p8, p6;
    ka_policy_params_default(&p8);
    p8.n_arms = N;
    p6 = p8;
    p6.n_arms = 6;
    ka_pvariant v6[6];
    for (int i = 0; i < 6; i++)
        v6[i] = from[i] >= 0 ? vars[from[i]] : vars[(i + 3) % N];
    for (int k = 0; k < n; k++) {
        ka_policy *old, *direct, *mapped;
        CHECK(ka_policy_new(list[k]->name, &p8, &old) == 0);
        CHECK(ka_policy_new(list[k]->name, &p6, &direct) == 0);
        for (int r = 0; r < 80; r++) {
            int arm = r % N, reward = arm == 2 || (arm == 5 && r % 3) || (arm == 7 && r % 5 == 0);
            ka_policy_ctx c = ctx(0);
            CHECK(ka_policy_update(old, &c, arm, reward) == 0);
            for (int i = 0; i < 6; i++)
                if (from[i] == arm) {
                    ka_policy_ctx c6 = { .variants = v6, .n_variants = 6, .profile = &prof };
                    CHECK(ka_policy_update(direct, &c6, i, reward) == 0);
                }
        }
        CHECK(ka_policy_prepare(old) == 0 && ka_policy_prepare(direct) == 0);
        CHECK_MSG(ka_policy_remap(old, &p6, from, &mapped) == 0, "%s: %s", list[k]->name,
                  ka_error_message());
        double a[6], b[6];
        ka_policy_ctx c6 = { .variants = v6, .n_variants = 6, .profile = &prof };
        if (list[k]->shared)        /* one model for any arms: it keeps all it learned */
            CHECK(mapped && ka_policy_probs(mapped, &c6, a) == 0 &&
                  ka_policy_probs(old, &c6, b) == 0);
        else
            CHECK(mapped && ka_policy_probs(mapped, &c6, a) == 0 &&
                  ka_policy_probs(direct, &c6, b) == 0);
        for (int i = 0; mapped && i < 6; i++)
            CHECK_MSG(fabs(a[i] - b[i]) < 1e-9, "%s arm %d: remapped %.12g, learned %.12g",
                      list[k]->name, i, a[i], b[i]);
        static const int bad[6] = { 0, 1, 2, 3, 4, N };
        ka_policy *none = NULL;
        CHECK(ka_policy_remap(old, &p6, bad, &none) == KA_EINVAL && none == NULL);
        ka_policy_free(old);
        ka_policy_free(direct);
        ka_policy_free(mapped);
    }
}

static void test_refusals(void)
{
    ka_policy_params prm;
    ka_policy_params_default(&prm);
    ka_policy *p = (ka_policy *)1;
    CHECK(ka_policy_new("nosuch", &prm, &p) == KA_EINVAL && p == NULL);
    prm.n_arms = 0;
    CHECK(ka_policy_new("uniform", &prm, &p) == KA_EINVAL);
    prm.n_arms = KA_POLICY_MAX_ARMS + 1;
    CHECK(ka_policy_new("uniform", &prm, &p) == KA_EINVAL);
    ka_policy_params_default(&prm);
    prm.epsilon = 1.5;
    CHECK(ka_policy_new("egreedy", &prm, &p) == KA_EINVAL);
    ka_policy_params_default(&prm);
    prm.user_dim = 8;
    prm.variant_dim = 4;
    CHECK(ka_policy_new("linucb", &prm, &p) == KA_EINVAL);
    ka_policy_params_default(&prm);
    prm.prior_alpha = 0;
    CHECK(ka_policy_new("thompson", &prm, &p) == KA_EINVAL);
    ka_policy_params_default(&prm);
    prm.n_arms = N;
    CHECK(ka_policy_new("thompson", &prm, &p) == 0);
    ka_policy_ctx c = ctx(0);
    c.n_variants = N - 1;
    ka_rng *rng = ka_rng_new(1);
    ka_choice ch;
    CHECK(ka_policy_choose(p, &c, rng, &ch) == KA_EINVAL);
    c.n_variants = N;
    CHECK(ka_policy_choose(p, &c, NULL, &ch) == KA_EINVAL);
    CHECK(ka_policy_update(p, &c, N, 1) == KA_EINVAL);
    CHECK(ka_policy_update(p, &c, 0, 1.5) == KA_EINVAL);
    CHECK(ka_policy_update(p, &c, 0, NAN) == KA_EINVAL);
    ka_policy_free(p);
    ka_policy_free(NULL);
    ka_rng_free(rng);
    ka_event_type e;
    CHECK(ka_event_type_parse("click", &e) == 0 && e == KA_EVENT_CLICK);
    CHECK(ka_event_type_parse("clack", &e) == KA_EINVAL);
    CHECK(!strcmp(ka_event_type_name(KA_EVENT_COMPLETE), "complete"));
}

int main(void)
{
    setup();
    RUN(test_each_policy);
    RUN(test_seed_weights);
    RUN(test_thompson_propensities);
    RUN(test_save_load);
    RUN(test_remap);
    RUN(test_refusals);
    TEST_END();
}
