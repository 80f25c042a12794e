/* test_assign.c: GrowthBook-compatible assignment against the SDK's conformance
 * vectors (../shared/vectors/growthbook-cases.json, spec 0.8.0): every case of
 * `hash`, `getBucketRange`, `chooseVariation`, `inNamespace` and `getEqualWeights`,
 * and the `run` cases that only use what ka_exp_assign models (key, seed, variations,
 * weights, coverage, namespace, hashVersion; attribute `id`). */
#include <jansson.h>
#include <string.h>

#include "keyart/experiment.h"
#include "../ka_test.h"

static json_t *cases;

static json_t *section(const char *name)
{
    json_t *a = json_object_get(cases, name);
    CHECK_MSG(json_is_array(a) && json_array_size(a) > 0, "no '%s' cases", name);
    return a;
}

static void test_hash(void)
{
    json_t *a = section("hash"), *c;
    size_t i;
    int n = 0;
    json_array_foreach(a, i, c) {
        const char *seed = json_string_value(json_array_get(c, 0));
        const char *value = json_string_value(json_array_get(c, 1));
        int version = (int)json_integer_value(json_array_get(c, 2));
        json_t *want = json_array_get(c, 3);
        double h = -1;
        int err = ka_exp_hash(seed, value, version, &h);
        if (json_is_null(want)) {
            CHECK_MSG(err == KA_EINVAL, "hash('%s','%s',%d) should be null", seed, value, version);
        } else {
            /* the SDK divides an integer by 1000 or 10000: the same double exactly */
            CHECK_MSG(err == 0 && h == json_number_value(want), "hash('%s','%s',%d) = %.17g, want %.17g",
                      seed, value, version, h, json_number_value(want));
        }
        n++;
    }
    CHECK_EQ_INT(n, 15);
}

static void test_bucket_ranges(void)
{
    json_t *a = section("getBucketRange"), *c;
    size_t i;
    int n = 0;
    json_array_foreach(a, i, c) {
        const char *name = json_string_value(json_array_get(c, 0));
        json_t *args = json_array_get(c, 1), *want = json_array_get(c, 2);
        int nv = (int)json_integer_value(json_array_get(args, 0));
        double cov = json_number_value(json_array_get(args, 1));
        json_t *jw = json_array_get(args, 2);
        double w[16], r[16][2];
        int nw = 0;
        for (size_t k = 0; json_is_array(jw) && k < json_array_size(jw) && k < 16; k++)
            w[nw++] = json_number_value(json_array_get(jw, k));
        CHECK(ka_exp_bucket_ranges(nv, cov, json_is_array(jw) ? w : NULL, nw, r) == 0);
        CHECK_MSG((int)json_array_size(want) == nv, "%s: %d ranges", name, nv);
        for (int k = 0; k < nv && k < (int)json_array_size(want); k++) {
            double lo = json_number_value(json_array_get(json_array_get(want, (size_t)k), 0));
            double hi = json_number_value(json_array_get(json_array_get(want, (size_t)k), 1));
            /* 1e-9: the SDK's own sums, e.g. 0.2 * 0.2 = 0.04000000000000001 */
            CHECK_MSG(fabs(r[k][0] - lo) <= 1e-9 && fabs(r[k][1] - hi) <= 1e-9,
                      "%s: range %d = [%.17g, %.17g], want [%g, %g]", name, k, r[k][0], r[k][1], lo, hi);
        }
        n++;
    }
    CHECK_EQ_INT(n, 13);
}

static void test_choose_variation(void)
{
    json_t *a = section("chooseVariation"), *c;
    size_t i;
    int n = 0;
    json_array_foreach(a, i, c) {
        const char *name = json_string_value(json_array_get(c, 0));
        double h = json_number_value(json_array_get(c, 1));
        json_t *jr = json_array_get(c, 2);
        double r[16][2];
        int nr = 0;
        for (size_t k = 0; k < json_array_size(jr) && k < 16; k++, nr++) {
            r[k][0] = json_number_value(json_array_get(json_array_get(jr, k), 0));
            r[k][1] = json_number_value(json_array_get(json_array_get(jr, k), 1));
        }
        int want = (int)json_integer_value(json_array_get(c, 3));
        int got = ka_exp_choose_variation(h, (const double (*)[2])r, nr);
        CHECK_MSG(got == want, "%s: %d, want %d", name, got, want);
        n++;
    }
    CHECK_EQ_INT(n, 13);
}

static void test_namespace(void)
{
    json_t *a = section("inNamespace"), *c;
    size_t i;
    int n = 0;
    json_array_foreach(a, i, c) {
        const char *name = json_string_value(json_array_get(c, 0));
        const char *user = json_string_value(json_array_get(c, 1));
        json_t *ns = json_array_get(c, 2);
        int want = json_is_true(json_array_get(c, 3));
        int got = ka_exp_in_namespace(user, json_string_value(json_array_get(ns, 0)),
                                      json_number_value(json_array_get(ns, 1)),
                                      json_number_value(json_array_get(ns, 2)));
        CHECK_MSG(got == want, "%s: %d, want %d", name, got, want);
        n++;
    }
    CHECK_EQ_INT(n, 16);
}

static void test_equal_weights(void)
{
    json_t *a = section("getEqualWeights"), *c;
    size_t i;
    json_array_foreach(a, i, c) {
        int nv = (int)json_integer_value(json_array_get(c, 0));
        json_t *want = json_array_get(c, 1);
        double w[16];
        if (nv > 0)
            ka_exp_equal_weights(nv, w);
        CHECK_EQ_INT(nv > 0 ? nv : 0, json_array_size(want));
        for (int k = 0; k < nv && k < (int)json_array_size(want); k++)  /* SDK rounds to 8 digits */
            CHECK_NEAR(w[k], json_number_value(json_array_get(want, (size_t)k)), 1e-8);
    }
}

/* Keys of o all in the NULL-terminated list. */
static int only_keys(json_t *o, const char *const *keys)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        int ok = 0;
        for (int i = 0; keys[i]; i++)
            ok |= !strcmp(k, keys[i]);
        if (!ok)
            return 0;
    }
    return 1;
}

static void test_run_subset(void)
{
    static const char *const ctx_keys[] = { "attributes", NULL };
    static const char *const attr_keys[] = { "id", NULL };
    static const char *const exp_keys[] = { "key", "seed", "variations", "weights", "coverage",
                                            "namespace", "hashVersion", NULL };
    json_t *a = section("run"), *c;
    size_t i;
    int n = 0;
    json_array_foreach(a, i, c) {
        const char *name = json_string_value(json_array_get(c, 0));
        json_t *ctx = json_array_get(c, 1), *exp = json_array_get(c, 2);
        json_t *attrs = json_object_get(ctx, "attributes");
        json_t *id = json_object_get(attrs, "id");
        if (!only_keys(ctx, ctx_keys) || !json_is_object(attrs) || !only_keys(attrs, attr_keys) ||
            !json_is_string(id) || !only_keys(exp, exp_keys))
            continue;
        json_t *vars = json_object_get(exp, "variations"), *w = json_object_get(exp, "weights");
        json_t *ns = json_object_get(exp, "namespace"), *cov = json_object_get(exp, "coverage");
        int nv = (int)json_array_size(vars);
        if (nv < 1 || nv > 16)
            continue;
        ka_exp_arm arms[16];
        memset(arms, 0, sizeof arms);
        for (int k = 0; k < nv; k++)
            arms[k].weight = json_is_array(w) ? json_number_value(json_array_get(w, (size_t)k)) : 0;
        /* the SDK ignores weights that do not sum to 1; ka_exp_assign normalises them,
         * so only cases with valid (or no) weights are comparable */
        if (json_is_array(w)) {
            double s = 0;
            for (int k = 0; k < nv; k++)
                s += arms[k].weight;
            if ((int)json_array_size(w) != nv || s < 0.99 || s > 1.01)
                continue;
        }
        ka_experiment e = {
            .key = json_string_value(json_object_get(exp, "key")),
            .seed = json_string_value(json_object_get(exp, "seed")),
            .hash_version = json_is_integer(json_object_get(exp, "hashVersion"))
                ? (int)json_integer_value(json_object_get(exp, "hashVersion")) : 1,
            .coverage = json_is_number(cov) ? json_number_value(cov) : 1,
            .arms = arms, .n_arms = nv,
        };
        if (json_is_array(ns)) {
            e.ns_id = json_string_value(json_array_get(ns, 0));
            e.ns_start = json_number_value(json_array_get(ns, 1));
            e.ns_end = json_number_value(json_array_get(ns, 2));
        }
        int arm;
        CHECK_EQ_INT(ka_exp_assign(&e, json_string_value(id), &arm), 0);
        int in = json_is_true(json_array_get(c, 4));
        json_t *want = json_array_get(c, 3);
        CHECK_MSG((arm >= 0) == in, "run '%s': arm %d, inExperiment %d", name, arm, in);
        if (arm >= 0)
            CHECK_MSG(json_equal(json_array_get(vars, (size_t)arm), want), "run '%s': arm %d", name, arm);
        n++;
    }
    fprintf(stderr, "   %d run cases in the modelled subset\n", n);
    CHECK(n >= 10);
}

static void test_assign_properties(void)
{
    ka_exp_arm arms[3] = { { .name = "a", .weight = 1 }, { .name = "b", .weight = 1 },
                           { .name = "c", .weight = 2 } };
    ka_experiment e = { .key = "artwork-2024", .hash_version = 2, .coverage = 1, .arms = arms, .n_arms = 3 };
    int count[3] = { 0 }, out = 0;
    char user[32];
    for (int u = 0; u < 40000; u++) {
        snprintf(user, sizeof user, "user-%d", u);
        int a, again;
        CHECK(ka_exp_assign(&e, user, &a) == 0 && ka_exp_assign(&e, user, &again) == 0);
        CHECK(a == again);                      /* deterministic */
        if (a < 0)
            out++;
        else
            count[a]++;
    }
    CHECK_EQ_INT(out, 0);
    /* weights 1:1:2 are shares .25/.25/.5; 40000 users, sd of a share ~ 0.0025 */
    CHECK_NEAR(count[0] / 40000.0, 0.25, 0.0125);
    CHECK_NEAR(count[1] / 40000.0, 0.25, 0.0125);
    CHECK_NEAR(count[2] / 40000.0, 0.50, 0.0125);
    e.coverage = 0.5;
    int in = 0;
    for (int u = 0; u < 20000; u++) {
        snprintf(user, sizeof user, "user-%d", u);
        int a;
        CHECK_EQ_INT(ka_exp_assign(&e, user, &a), 0);
        in += a >= 0;
    }
    CHECK_NEAR(in / 20000.0, 0.5, 0.02);
    int a = 5;
    CHECK(ka_exp_assign(&e, "", &a) == 0 && a == -1);       /* no user: not in it */
    /* a broken experiment is an error, never taken for "not in it" */
    arms[1].weight = -1;
    a = 5;
    CHECK(ka_exp_assign(&e, "x", &a) == KA_EINVAL && a == -1);
    arms[1].weight = 1;
    e.hash_version = 3;
    CHECK_EQ_INT(ka_exp_assign(&e, "x", &a), KA_EINVAL);
    e.hash_version = 2;
    e.n_arms = 0;
    CHECK_EQ_INT(ka_exp_assign(&e, "x", &a), KA_EINVAL);
    /* UTF-8 is hashed as JavaScript's UTF-16 units: U+00E9 is the unit 0xE9 */
    CHECK_EQ_INT(ka_exp_fnv1a32("\xc3\xa9"), (0x811c9dc5u ^ 0xE9u) * 0x01000193u);
}

int main(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/vectors/growthbook-cases.json", ka_test_shared());
    json_error_t jerr;
    cases = json_load_file(path, 0, &jerr);
    CHECK_MSG(cases != NULL, "%s: %s", path, jerr.text);
    if (!cases)
        TEST_END();
    RUN(test_hash);
    RUN(test_bucket_ranges);
    RUN(test_choose_variation);
    RUN(test_namespace);
    RUN(test_equal_weights);
    RUN(test_run_subset);
    RUN(test_assign_properties);
    json_decref(cases);
    TEST_END();
}
