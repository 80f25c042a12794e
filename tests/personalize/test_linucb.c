/* test_linucb.c: LinUCB's folded fast path (per arm, u^T B_a u and u . w_a cached for
 * the arm's variant features) against the full computation (x^T A_a^-1 x and
 * theta_a . x with x = u (x) v_a): on random states and contexts, over several
 * dimensions, the two agree within 1e-9 relative and choose the same arm; exact ties
 * stay exact ties with the same propensities; a variant whose features changed falls
 * back to the full computation; the cache survives save/load, states saved before it
 * existed (no cache tail) still load and choose the same, and a bad tail is refused. */
#include <stdlib.h>
#include <string.h>

#include "keyart/personalize.h"
#include "personalize/personalize_priv.h"
#include "../ka_test.h"

#define N 8

static ka_pvariant vars[N];

static void random_variants(ka_rng *r, ka_pvariant *v, int n)
{
    for (int i = 0; i < n; i++)
        v[i] = (ka_pvariant){ .number = i + 1, .genre = (int)ka_rng_int(r, 4),
                              .scene = (int)ka_rng_int(r, KA_SCENE_COUNT),
                              .composition = (int)ka_rng_int(r, KA_COMP_COUNT),
                              .quality = (float)ka_rng_uniform(r) };
}

static void random_user(ka_rng *r, double *u, int du)
{
    u[0] = 1;
    for (int i = 1; i < du; i++)
        u[i] = ka_rng_uniform(r) * (i % 3 ? 1 : 10);
}

static ka_policy *new_linucb(int du, int dv, double alpha)
{
    ka_policy_params prm;
    ka_policy_params_default(&prm);
    prm.n_arms = N;
    prm.user_dim = du;
    prm.variant_dim = dv;
    prm.alpha = alpha;
    ka_policy *p = NULL;
    CHECK(ka_policy_new("linucb", &prm, &p) == 0);
    return p;
}

/* n random updates (random users, arms, rewards). */
static void train(ka_policy *p, ka_rng *r, int du, int n)
{
    double u[KA_POLICY_MAX_DIM];
    ka_policy_ctx c = { .variants = vars, .n_variants = N, .user_x = u };
    for (int k = 0; k < n; k++) {
        random_user(r, u, du);
        int arm = (int)ka_rng_int(r, N);
        double reward = ka_rng_uniform(r) < 0.1 + 0.08 * arm ? 1 : 0;
        CHECK(ka_policy_update(p, &c, arm, reward) == 0);
    }
}

/* Every arm's fast and full scores in context c: they agree within 1e-9 relative, and
 * the fast ones come from the cache. Returns the largest relative difference. */
static double compare_scores(const ka_policy *p, const ka_policy_ctx *c, double *full)
{
    const void *st = ka_policy_state_of(p);
    double worst = 0;
    for (int a = 0; a < N; a++) {
        int cached = 0;
        double fast = ka_linucb_score(st, c, a, 0, &cached);
        full[a] = ka_linucb_score(st, c, a, 1, NULL);
        CHECK(cached);
        double rel = fabs(fast - full[a]) / fmax(fabs(full[a]), 1e-300);
        worst = fmax(worst, rel);
        CHECK_MSG(rel <= 1e-9, "arm %d: fast %.17g, full %.17g", a, fast, full[a]);
    }
    return worst;
}

/* The choice the full scores imply, when it is clear (the runner-up more than 1e-9
 * relative behind), must be the policy's, with propensity 1. */
static int check_choice(const ka_policy *p, const ka_policy_ctx *c, const double *full,
                        ka_rng *r)
{
    int best = 0;
    for (int a = 1; a < N; a++)
        if (full[a] > full[best])
            best = a;
    double second = -INFINITY;
    for (int a = 0; a < N; a++)
        if (a != best)
            second = fmax(second, full[a]);
    if (!(full[best] - second > 1e-9 * fabs(full[best])))
        return 0;
    double probs[N];
    ka_choice ch;
    CHECK(ka_policy_probs(p, c, probs) == 0);
    CHECK(ka_policy_choose(p, c, r, &ch) == 0);
    CHECK_NEAR(probs[best], 1, 0);
    CHECK_EQ_INT(ch.arm, best);
    CHECK_NEAR(ch.propensity, 1, 0);
    return 1;
}

static void test_fast_equals_full(void)
{
    static const int dims[][2] = { { 4, 4 }, { 2, 3 }, { 6, 2 }, { 1, 16 }, { 16, 1 }, { 3, 5 } };
    ka_rng *r = ka_rng_new(77);
    for (size_t t = 0; t < sizeof dims / sizeof dims[0]; t++) {
        int du = dims[t][0], dv = dims[t][1];
        double worst = 0;
        int clear = 0, contexts = 0;
        for (int rep = 0; rep < 10; rep++) {
            random_variants(r, vars, N);
            ka_policy *p = new_linucb(du, dv, rep % 3 ? 1 : 0.25);
            train(p, r, du, 30 + 60 * rep);
            if (rep % 2)
                CHECK(ka_policy_prepare(p) == 0);   /* both Sherman-Morrison and Cholesky */
            double u[KA_POLICY_MAX_DIM], full[N];
            ka_policy_ctx c = { .variants = vars, .n_variants = N, .user_x = u };
            for (int k = 0; k < 50; k++, contexts++) {
                random_user(r, u, du);
                worst = fmax(worst, compare_scores(p, &c, full));
                clear += check_choice(p, &c, full, r);
            }
            /* features from a learned profile instead of user_x */
            ka_profile prof;
            ka_profile_init(&prof);
            for (int k = 0; k < 40; k++)
                ka_profile_update(&prof, &vars[k % N], k % 3 ? KA_EVENT_IMPRESSION : KA_EVENT_CLICK,
                                  0, 1.7e9 + k, NULL);
            ka_policy_ctx cp = { .variants = vars, .n_variants = N, .profile = &prof };
            worst = fmax(worst, compare_scores(p, &cp, full));
            clear += check_choice(p, &cp, full, r);
            contexts++;
            ka_policy_free(p);
        }
        fprintf(stderr, "   %2d x %-2d  largest relative difference %.2e, %d of %d choices "
                "clear and equal\n", du, dv, worst, clear, contexts);
        CHECK(clear > contexts / 2);    /* the choice check was not vacuous */
    }
    ka_rng_free(r);
}

static void test_ties(void)
{
    /* a new policy: no caches yet, every arm equal */
    for (int i = 0; i < N; i++)
        vars[i] = (ka_pvariant){ .number = i + 1, .scene = KA_SCENE_HERO_CLOSEUP,
                                 .composition = KA_COMP_CLOSEUP, .quality = 0.6f };
    ka_policy *p = new_linucb(4, 4, 1);
    double u[4] = { 1, 0.3, 0.5, 0.2 }, probs[N];
    ka_policy_ctx c = { .variants = vars, .n_variants = N, .user_x = u };
    ka_rng *r = ka_rng_new(3);
    CHECK(ka_policy_probs(p, &c, probs) == 0);
    for (int a = 0; a < N; a++)
        CHECK_NEAR(probs[a], 1.0 / N, 0);
    /* arms 2 and 5 learn the same things, the others get no clicks: 2 and 5 tie exactly
     * on the cached path, each with propensity 1/2 */
    for (int k = 0; k < 30; k++)
        for (int a = 0; a < N; a++)
            CHECK(ka_policy_update(p, &c, a, (a == 2 || a == 5) && k % 2 ? 1 : 0) == 0);
    int cached = 0;
    ka_linucb_score(ka_policy_state_of(p), &c, 2, 0, &cached);
    CHECK(cached);
    CHECK(ka_policy_probs(p, &c, probs) == 0);
    for (int a = 0; a < N; a++)
        CHECK_NEAR(probs[a], a == 2 || a == 5 ? 0.5 : 0, 0);
    int seen[N] = { 0 };
    for (int k = 0; k < 400; k++) {
        ka_choice ch;
        CHECK(ka_policy_choose(p, &c, r, &ch) == 0);
        CHECK(ch.arm == 2 || ch.arm == 5);
        CHECK_NEAR(ch.propensity, 0.5, 0);
        seen[ch.arm]++;
    }
    CHECK(seen[2] > 150 && seen[5] > 150);
    /* after prepare (Cholesky) too */
    CHECK(ka_policy_prepare(p) == 0);
    CHECK(ka_policy_probs(p, &c, probs) == 0);
    CHECK_NEAR(probs[2], 0.5, 0);
    CHECK_NEAR(probs[5], 0.5, 0);
    ka_policy_free(p);
    ka_rng_free(r);
}

static void test_fallback(void)
{
    ka_rng *r = ka_rng_new(5);
    random_variants(r, vars, N);
    ka_policy *p = new_linucb(4, 4, 1);
    train(p, r, 4, 200);
    double u[4] = { 1, 0.2, 0.7, 0.1 };
    ka_pvariant changed[N];
    memcpy(changed, vars, sizeof vars);
    changed[3].quality += 0.125f;           /* re-scored: not the cached features */
    ka_policy_ctx c = { .variants = changed, .n_variants = N, .user_x = u };
    const void *st = ka_policy_state_of(p);
    int cached = 1;
    double s = ka_linucb_score(st, &c, 3, 0, &cached);
    CHECK(!cached);
    CHECK(s == ka_linucb_score(st, &c, 3, 1, NULL));
    ka_linucb_score(st, &c, 4, 0, &cached);
    CHECK(cached);                          /* the others still fit */
    /* the next update with the new features moves arm 3's cache to them */
    CHECK(ka_policy_update(p, &c, 0, 1) == 0);
    ka_linucb_score(st, &c, 3, 0, &cached);
    CHECK(cached);
    double full[N];
    compare_scores(p, &c, full);
    ka_policy_free(p);
    ka_rng_free(r);
}

/* The saved body's tail: "LUCV", then per arm u32 flag and dv doubles. */
static size_t tail_bytes(int dv)
{
    return 4 + (size_t)N * (4 + (size_t)dv * 8);
}

static void test_save_load(void)
{
    ka_rng *r = ka_rng_new(9);
    random_variants(r, vars, N);
    ka_policy *p = new_linucb(4, 4, 1);
    train(p, r, 4, 300);
    CHECK(ka_policy_prepare(p) == 0);
    uint8_t *buf;
    size_t len;
    CHECK(ka_policy_save(p, &buf, &len) == 0);
    ka_policy *q = NULL, *old = NULL;
    CHECK(ka_policy_load(buf, len, &q) == 0);
    /* the first format: the same bytes without the tail (and the body length cut) */
    size_t cut = tail_bytes(4), body = (size_t)N * (16 * 16 + 16) * 8 + cut;
    size_t hdr = len - body;
    uint8_t *ob = malloc(len);
    memcpy(ob, buf, len - cut);
    uint32_t nb = (uint32_t)(body - cut);
    for (int i = 0; i < 4; i++)
        ob[hdr - 4 + (size_t)i] = (uint8_t)(nb >> (8 * i));
    CHECK_MSG(ka_policy_load(ob, len - cut, &old) == 0, "%s", ka_error_message());
    double u[4];
    ka_policy_ctx c = { .variants = vars, .n_variants = N, .user_x = u };
    int same = 0;
    for (int k = 0; k < 200 && q && old; k++) {
        random_user(r, u, 4);
        for (int a = 0; a < N; a++) {
            int cq = 0, co = 1;
            double sp = ka_linucb_score(ka_policy_state_of(p), &c, a, 0, NULL);
            double sq = ka_linucb_score(ka_policy_state_of(q), &c, a, 0, &cq);
            double so = ka_linucb_score(ka_policy_state_of(old), &c, a, 0, &co);
            CHECK(cq && !co);           /* loaded with its cache / without one */
            CHECK(sp == sq);            /* same A, same Cholesky, same fold: same bits */
            CHECK(fabs(so - sq) <= 1e-9 * fabs(sq));
        }
        ka_rng *r1 = ka_rng_new((uint64_t)k), *r2 = ka_rng_new((uint64_t)k);
        ka_choice x, y;
        CHECK(ka_policy_choose(q, &c, r1, &x) == 0 && ka_policy_choose(old, &c, r2, &y) == 0);
        same += x.arm == y.arm && x.propensity == y.propensity;
        ka_rng_free(r1);
        ka_rng_free(r2);
    }
    CHECK_EQ_INT(same, 200);
    /* the old-format policy gets its caches on its next update, and saves the new way */
    CHECK(ka_policy_update(old, &c, 1, 0) == 0);
    int cached = 0;
    ka_linucb_score(ka_policy_state_of(old), &c, 6, 0, &cached);
    CHECK(cached);
    /* a bad tail: wrong tag, a flag that is not 0/1, a feature that is not finite */
    size_t tag = len - cut;
    uint8_t *mut = malloc(len);
    static const size_t offs[3] = { 0, 4, 8 };
    for (int k = 0; k < 3; k++) {
        memcpy(mut, buf, len);
        if (k < 2) {
            mut[tag + offs[k]] ^= 0x22;
        } else {
            double nan = NAN;
            memcpy(mut + tag + offs[k], &nan, 8);   /* little-endian hosts */
        }
        ka_policy *bad = NULL;
        CHECK(ka_policy_load(mut, len, &bad) == KA_EFORMAT && bad == NULL);
    }
    free(mut);
    free(ob);
    free(buf);
    ka_policy_free(p);
    ka_policy_free(q);
    ka_policy_free(old);
    ka_rng_free(r);
}

int main(void)
{
    RUN(test_fast_equals_full);
    RUN(test_ties);
    RUN(test_fallback);
    RUN(test_save_load);
    TEST_END();
}
