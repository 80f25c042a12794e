/* bench_policy.c: the in-process cost of one personalised choice, per policy, for a
 * title with 8 variants and a user with a learned profile (target: under 1 us for
 * every policy with a prepared state). Also the cost of the pieces around a choice:
 * scoring one variant, folding an event into a profile, a policy update, and
 * Thompson's propensity refresh. Prints nanoseconds per operation and the ratio to the
 * 1 us target; it measures, it does not fail. Usage: bench_policy [iterations [policy]]
 * (default 2000000 iterations; every policy and the pieces, or with a policy name only
 * that policy's choice, for profiling). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyart/personalize.h"

#define N 8

static volatile double sink;

static ka_pvariant vars[N];
static ka_profile prof;

static void setup(void)
{
    for (int i = 0; i < N; i++) {
        vars[i] = (ka_pvariant){ .number = i + 1, .genre = i % 4, .scene = i % KA_SCENE_COUNT,
                                 .composition = i % KA_COMP_COUNT, .quality = 0.4f + 0.07f * (float)i,
                                 .n_chars = 2, .chars = { ka_profile_char_id(i % 2 ? "Thom" : "Celia"),
                                                          ka_profile_char_id("Vincent") },
                                 .roles = { i % 2 ? KA_ROLE_HERO : KA_ROLE_HEROINE, KA_ROLE_VILLAIN } };
    }
    ka_profile_init(&prof);
    for (int k = 0; k < 200; k++)
        ka_profile_update(&prof, &vars[k % N], k % 3 ? KA_EVENT_IMPRESSION : KA_EVENT_CLICK, 0,
                          1.7e9 + k * 60, NULL);
}

static double ns_per(double t0, long n)
{
    return (ka_now() - t0) * 1e9 / (double)n;
}

/* Choices by policy name after 400 updates (and prepare when prepared). With
 * rescored != 0, the choices see the variants with other quality scores than the
 * updates did: LinUCB then cannot use its folded per-arm cache and computes every arm
 * in full (its cost before the cache, measured in the same run). */
static double bench_choose(const char *name, long iters, int prepared, int rescored)
{
    ka_policy_params prm;
    ka_policy_params_default(&prm);
    prm.n_arms = N;
    ka_policy *p;
    if (ka_policy_new(name, &prm, &p)) {
        fprintf(stderr, "bench: %s: %s\n", name, ka_error_message());
        exit(1);
    }
    ka_policy_ctx c = { .variants = vars, .n_variants = N, .profile = &prof };
    for (int k = 0; k < 400; k++)        /* a learned state */
        ka_policy_update(p, &c, k % N, (k % N == 3 && k % 3) || k % 11 == 0);
    if (prepared)
        ka_policy_prepare(p);
    ka_pvariant other[N];
    for (int i = 0; i < N; i++) {
        other[i] = vars[i];
        other[i].quality += 0.01f;
    }
    if (rescored)
        c.variants = other;
    ka_rng *rng = ka_rng_new(1);
    ka_choice ch;
    for (long i = 0; i < iters / 10; i++)   /* warm up */
        ka_policy_choose(p, &c, rng, &ch);
    double t0 = ka_now(), acc = 0;
    for (long i = 0; i < iters; i++) {
        ka_policy_choose(p, &c, rng, &ch);
        acc += ch.propensity;
    }
    double ns = ns_per(t0, iters);
    sink = acc;
    char label[64];
    snprintf(label, sizeof label, "%s%s", name, !prepared ? " (state not prepared)"
             : rescored ? " (full: no cache)" : "");
    printf("  %-34s %9.1f ns  %6.3f x target\n", label, ns, ns / 1000);
    ka_policy_free(p);
    ka_rng_free(rng);
    return ns;
}

int main(int argc, char **argv)
{
    long iters = argc > 1 ? atol(argv[1]) : 2000000;
    if (iters < 1000)
        iters = 1000;
    setup();
    if (argc > 2) {
        bench_choose(argv[2], iters, 1, 0);
        return 0;
    }
    printf("one personalised choice, %d variants, learned profile (%ld iterations; "
           "target < 1000 ns):\n", N, iters);
    int n;
    const ka_policy_type *const *list = ka_policy_list(&n);
    double linucb = 0;
    for (int t = 0; t < n; t++) {
        double ns = bench_choose(list[t]->name, iters, 1, 0);
        if (!strcmp(list[t]->name, "linucb"))
            linucb = ns;
    }
    bench_choose("thompson", iters / 200 > 1000 ? iters / 200 : 1000, 0, 0);
    double full = bench_choose("linucb", iters, 1, 1);
    printf("  %-34s %9.2f x\n", "linucb: full / cached", full / linucb);

    printf("around a choice:\n");
    double t0 = ka_now(), acc = 0;
    for (long i = 0; i < iters; i++)
        acc += ka_policy_seed_score(&prof, &vars[i % N], NULL, NULL, NULL);
    printf("  %-34s %9.1f ns\n", "seed score of one variant", ns_per(t0, iters));
    ka_profile q = prof;
    ka_profile_opts o;
    ka_profile_opts_default(&o);
    t0 = ka_now();
    for (long i = 0; i < iters; i++)
        ka_profile_update(&q, &vars[i % N], (ka_event_type)(i % KA_EVENT_COUNT), 10,
                          1.8e9 + (double)i, &o);
    printf("  %-34s %9.1f ns\n", "profile update (one event)", ns_per(t0, iters));
    uint8_t buf[KA_PROFILE_BYTES];
    t0 = ka_now();
    for (long i = 0; i < iters; i++) {
        ka_profile_save(&q, buf, sizeof buf);
        ka_profile_load(&q, buf, sizeof buf);
    }
    printf("  %-34s %9.1f ns\n", "profile save + load", ns_per(t0, iters));
    static const char *const learners[] = { "egreedy", "thompson", "linucb" };
    for (int t = 0; t < 3; t++) {
        ka_policy_params prm;
        ka_policy_params_default(&prm);
        prm.n_arms = N;
        ka_policy *p;
        ka_policy_new(learners[t], &prm, &p);
        ka_policy_ctx c = { .variants = vars, .n_variants = N, .profile = &prof };
        t0 = ka_now();
        for (long i = 0; i < iters; i++)
            ka_policy_update(p, &c, (int)(i % N), i % 7 == 0);
        char label[64];
        snprintf(label, sizeof label, "%s update", learners[t]);
        printf("  %-34s %9.1f ns\n", label, ns_per(t0, iters));
        if (t == 1) {
            long reps = 200;
            t0 = ka_now();
            for (long i = 0; i < reps; i++) {
                ka_policy_update(p, &c, (int)(i % N), 1);
                ka_policy_prepare(p);
            }
            printf("  %-34s %9.1f us\n", "thompson prepare (propensities)", ns_per(t0, reps) / 1000);
        }
        ka_policy_free(p);
    }
    sink = acc;
    return 0;
}
