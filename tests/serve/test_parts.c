/* test_parts.c: the server's parts with constructed inputs: the string map against a
 * plain array, experiment configs (every refusal names its reason), the catalogue
 * built from the store's JSON, and decisions (experiment arms, shipped arms, the
 * default policy, propensities). */
#include <string.h>

#include "../ka_test.h"
#include "serve/serve_priv.h"

/* ---- strmap: random puts and deletes against a reference array ---- */

static void test_strmap(void)
{
    enum { N = 3000 };
    static int present[N];
    static int value[N];
    ka_strmap m = { 0 };
    ka_rng *rng = ka_rng_new(7);
    char key[32];
    int ok = 1;
    for (int step = 0; step < 40000; step++) {
        int k = (int)ka_rng_int(rng, N);
        snprintf(key, sizeof key, "user-%d", k);
        if (ka_rng_uniform(rng) < 0.6) {
            value[k] = step + 1;
            present[k] = 1;
            ok &= ka_strmap_put(&m, key, &value[k]) == 0;
        } else {
            void *v = ka_strmap_del(&m, key);
            ok &= present[k] ? v == &value[k] : v == NULL;
            present[k] = 0;
        }
    }
    CHECK(ok);
    size_t count = 0;
    for (int k = 0; k < N; k++) {
        snprintf(key, sizeof key, "user-%d", k);
        void *v = ka_strmap_get(&m, key);
        ok &= present[k] ? v == &value[k] : v == NULL;
        count += (size_t)present[k];
    }
    CHECK(ok);
    CHECK_EQ_INT(m.n, count);
    CHECK(ka_strmap_get(&m, NULL) == NULL);
    ka_strmap_free(&m, NULL);
    CHECK(ka_strmap_get(&m, "user-1") == NULL);
    ka_rng_free(rng);
}

/* ---- experiment configs ---- */

static int parse(const char *text, char *why)
{
    json_t *c = json_loads(text, 0, NULL);
    ka_sexp e;
    int err = ka_sexp_parse(&e, "exp", "running", c, why, 200);
    ka_sexp_clear(&e);
    json_decref(c);
    return err;
}

static void test_experiment_config(void)
{
    char why[200];
    CHECK_EQ_INT(parse("{\"arms\": [{\"name\": \"a\", \"variant_number\": 1}, {\"name\": \"b\","
                       " \"policy\": \"thompson\", \"weight\": 2}], \"control\": \"b\","
                       " \"coverage\": 0.5, \"hash_version\": 1, \"namespace\": {\"id\": \"n\","
                       " \"start\": 0, \"end\": 0.5}, \"titles\": [\"t1\"]}", why), 0);
    /* two good arms, then the member under test */
#define AB "{\"arms\": [{\"name\": \"a\", \"variant_number\": 1}, {\"name\": \"b\"," \
           " \"variant_number\": 2}]"
#define ARMS(a, b) "{\"arms\": [{\"name\": \"a\", " a "}, {\"name\": \"b\", " b "}]}"
    static const struct { const char *config, *reason; } bad[] = {
        { "[]", "JSON object" },
        { "{\"arms\": [{\"name\": \"a\", \"variant_number\": 1}]}", "2-32 arms" },
        { "{\"arms\": [{\"name\": \"a\", \"variant_number\": 1}, {\"name\": \"a\","
          " \"variant_number\": 2}]}", "two arms are named 'a'" },
        { "{\"arms\": [{\"name\": \"a\", \"variant_number\": 1}, {\"name\": \"b\"}]}",
          "either a variant_number, a variant_id or a policy" },
        { ARMS("\"variant_number\": 1", "\"variant_number\": 1, \"policy\": \"seed\""),
          "either a variant_number, a variant_id or a policy" },
        { ARMS("\"variant_number\": 0", "\"variant_number\": 1"),
          "variant_number must be an integer" },
        { ARMS("\"variant_number\": \"1\"", "\"variant_number\": 1"),
          "variant_number must be an integer" },
        /* the old name is refused, not taken as an alias */
        { ARMS("\"variant\": 1", "\"variant_number\": 1"), "unknown field 'variant'" },
        { ARMS("\"policy\": \"oracle\"", "\"variant_number\": 1"), "unknown policy 'oracle'" },
        { "{\"arms\": [{\"name\": \"a b\", \"variant_number\": 1}, {\"name\": \"b\","
          " \"variant_number\": 1}]}", "needs a name" },
        { ARMS("\"variant_number\": 1, \"colour\": 1", "\"variant_number\": 1"),
          "unknown field 'colour'" },
        { ARMS("\"variant_number\": 1, \"weight\": -1", "\"variant_number\": 1"),
          "weight must be a number" },
        { AB ", \"control\": \"c\"}", "control must name an arm" },
        { AB ", \"coverage\": 1.5}", "coverage must be a number" },
        { AB ", \"hash_version\": 3}", "hash_version must be 1 or 2" },
        { AB ", \"namespace\": {\"id\": \"n\", \"start\": 0.5, \"end\": 0.5}}", "above its start" },
        { AB ", \"titles\": []}", "titles must be a list" },
        { AB ", \"titles\": [3]}", "titles[0] is not a title id" },
        { AB ", \"shipped\": \"z\"}", "shipped must name an arm" },
        { AB ", \"owner\": \"me\"}", "unknown field 'owner'" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = '\0';
        int err = parse(bad[i].config, why);
        CHECK_MSG(err == KA_EINVAL && strstr(why, bad[i].reason), "config %zu: err %d, why '%s',"
                  " wanted '%s'", i, err, why, bad[i].reason);
    }
#undef AB
#undef ARMS
    CHECK(ka_serve_name_ok("exp-1.b:c_d"));
    CHECK(!ka_serve_name_ok(""));
    CHECK(!ka_serve_name_ok("a/b"));
    CHECK(!ka_serve_name_ok("0123456789012345678901234567890123456789012345678901234567890123x"));
}

/* ---- the catalogue ---- */

/* A catalogue of n_titles titles "t0".. with n_vars variants each. */
static ka_catalog *make_catalog(int n_titles, int n_vars)
{
    json_t *a = json_array();
    static const char *scenes[] = { "hero_closeup", "landscape", "action", "ensemble" };
    for (int t = 0; t < n_titles; t++) {
        json_t *vars = json_array();
        for (int v = 1; v <= n_vars; v++) {
            char img[80];
            snprintf(img, sizeof img, "%02x/%02x%062d.jpg", v, v, t);
            json_array_append_new(vars, json_pack("{s:i, s:s, s:s, s:f, s:[{s:s, s:s}],"
                " s:{s:s, s:s, s:n, s:s}}", "variant_number", v, "scene_type", scenes[v % 4],
                "composition", v % 2 ? "closeup" : "wide", "quality_score", 0.5 + 0.05 * v,
                "characters", "name", "Ada", "role", "heroine",
                "images", "full", img, "16x9", img, "2x3", "1x1", img));
        }
        char id[16];
        snprintf(id, sizeof id, "t%d", t);
        json_array_append_new(a, json_pack("{s:s, s:s, s:f, s:o}", "title_id", id, "genre",
                                           "action", "analysed_at", 1000.0 + t, "variants", vars));
    }
    json_array_append_new(a, json_pack("{s:s, s:[]}", "title_id", "empty", "variants"));
    ka_catalog *c = NULL;
    CHECK_EQ_INT(ka_catalog_build(a, &c), 0);
    json_decref(a);
    return c;
}

static void test_catalog(void)
{
    ka_catalog *c = make_catalog(3, 6);
    CHECK_EQ_INT(c->n, 3);                 /* the title without variants is not served */
    CHECK(ka_catalog_find(c, "empty") == NULL);
    const ka_stitle *t = ka_catalog_find(c, "t2");
    CHECK(t && t->n_variants == 6);
    CHECK(t && t->pv[2].number == 3 && t->pv[2].genre == ka_profile_genre_index("action"));
    CHECK(t && !strcmp(t->scene[0], "landscape") && t->pv[0].scene != t->pv[3].scene);
    CHECK(t && t->pv[0].n_chars == 1 && t->pv[0].chars[0] == ka_profile_char_id("ada") &&
          t->pv[0].roles[0] == KA_ROLE_HEROINE);
    CHECK(t && t->images[0][0] && !t->images[0][2] && t->images[0][3]);
    CHECK_NEAR(t ? t->pv[1].quality : 0, 0.6, 1e-6);    /* no ranker grade: the quality */
    ka_policy_params p;
    ka_policy_params_default(&p);
    CHECK_EQ_INT(ka_stitle_policies(c->titles[0], 1u << ka_policy_index("thompson"), &p), 0);
    CHECK(c->titles[0]->policy[ka_policy_index("thompson")] != NULL);
    CHECK(c->titles[0]->policy[ka_policy_index("seed")] == NULL);
    CHECK_EQ_INT(ka_policy_index("nope"), -1);
    ka_catalog_free(c);
}

/* Variants stored with the ranker's grade start from it: the seed scorer shows an
 * unknown user variant 1 (the highest grade) even when its quality score is the
 * lowest. */
static void test_catalog_prior(void)
{
    json_t *vars = json_array();
    for (int v = 1; v <= 4; v++)
        json_array_append_new(vars, json_pack("{s:i, s:s, s:s, s:f, s:f, s:[], s:{s:s}}",
            "variant_number", v, "scene_type", "landscape", "composition", "wide", "quality_score",
            0.5 + 0.1 * v, "appeal_grade", 3.0 - 0.5 * v, "characters", "images", "full",
            "aa/aa.jpg"));
    json_t *a = json_pack("[{s:s, s:s, s:f, s:o}]", "title_id", "t", "genre", "drama",
                          "analysed_at", 1.0, "variants", vars);
    ka_catalog *c = NULL;
    CHECK_EQ_INT(ka_catalog_build(a, &c), 0);
    json_decref(a);
    const ka_stitle *t = c ? ka_catalog_find(c, "t") : NULL;
    CHECK(t != NULL);
    if (!t) {
        ka_catalog_free(c);
        return;
    }
    CHECK_NEAR(t->pv[0].quality, 2.5 / 3.0, 1e-6);
    int best = 0;
    for (int i = 1; i < t->n_variants; i++)
        if (ka_policy_seed_score(NULL, &t->pv[i], NULL, NULL, NULL) >
            ka_policy_seed_score(NULL, &t->pv[best], NULL, NULL, NULL))
            best = i;
    CHECK_EQ_INT(t->pv[best].number, 1);
    /* and Thompson sampling gives variant 1 the best chance */
    ka_policy_params p;
    ka_policy_params_default(&p);
    int th = ka_policy_index("thompson");
    CHECK_EQ_INT(ka_stitle_policies(c->titles[0], 1u << th, &p), 0);
    double probs[4];
    ka_policy_ctx ctx = { .variants = t->pv, .n_variants = t->n_variants };
    CHECK(t->policy[th] && ka_policy_probs(t->policy[th], &ctx, probs) == 0);
    for (int i = 1; i < 4; i++)
        CHECK_MSG(probs[0] > probs[i], "variant 1 %.3f, variant %d %.3f", probs[0], i + 1,
                  probs[i]);
    ka_catalog_free(c);
}

/* A clone learns alone: the original, which requests keep reading, does not change. */
static void test_policy_clone(void)
{
    ka_catalog *c = make_catalog(1, 4);
    const ka_stitle *t = c->titles[0];
    ka_policy_ctx ctx = { .variants = t->pv, .n_variants = 4 };
    static const char *names[] = { "thompson", "egreedy", "linucb", "seed" };
    for (int n = 0; n < 4; n++) {
        ka_policy_params p;
        ka_policy_params_default(&p);
        p.n_arms = 4;
        ka_policy *a, *b;
        CHECK_EQ_INT(ka_policy_new(names[n], &p, &a), 0);
        CHECK_EQ_INT(ka_policy_clone(a, &b), 0);
        double pa[4], pb[4], pa2[4];
        ka_policy_probs(a, &ctx, pa);
        ka_policy_probs(b, &ctx, pb);
        CHECK_MSG(!memcmp(pa, pb, sizeof pa), "%s: clone differs", names[n]);
        for (int i = 0; i < 30; i++)
            ka_policy_update(b, &ctx, 2, 1);
        ka_policy_prepare(b);
        ka_policy_probs(a, &ctx, pa2);
        ka_policy_probs(b, &ctx, pb);
        CHECK_MSG(!memcmp(pa, pa2, sizeof pa), "%s: the original changed", names[n]);
        if (strcmp(names[n], "seed"))       /* the seed scorer does not learn */
            CHECK_MSG(memcmp(pa, pb, sizeof pa), "%s: the clone did not learn", names[n]);
        ka_policy_free(a);
        ka_policy_free(b);
    }
    ka_catalog_free(c);
}

/* ---- decisions ---- */

static void add_exp(ka_serve_state *st, const char *name, const char *status, const char *cfg)
{
    char why[200];
    json_t *c = json_loads(cfg, 0, NULL);
    if (!st->exps)                  /* room for all: a parsed experiment must not move */
        st->exps = calloc(8, sizeof *st->exps);
    CHECK_MSG(ka_sexp_parse(&st->exps[st->n_exps], name, status, c, why, sizeof why) == 0, "%s",
              why);
    json_decref(c);
    st->n_exps++;
}

static void test_decide(void)
{
    ka_serve_opts o;
    ka_serve_opts_default(&o);
    o.policy = "uniform";
    ka_serve_state st;
    CHECK_EQ_INT(ka_state_init(&st, &o), 0);
    st.cat = make_catalog(2, 5);
    st.policy_mask = (1u << ka_policy_index("uniform")) | (1u << ka_policy_index("seed"));
    for (int i = 0; i < st.cat->n; i++)
        CHECK_EQ_INT(ka_stitle_policies(st.cat->titles[i], st.policy_mask, &st.params), 0);
    ka_rng *rng = ka_rng_new(3);
    const ka_stitle *t0 = ka_catalog_find(st.cat, "t0"), *t1 = ka_catalog_find(st.cat, "t1");
    ka_decision d;

    /* No experiment: the default policy, uniform over 5 variants. */
    CHECK_EQ_INT(ka_serve_decide(&st, t0, "u1", rng, &d), 0);
    CHECK(d.exp == NULL && d.policy == ka_policy_index("uniform"));
    CHECK_NEAR(d.propensity, 0.2, 1e-12);
    CHECK(!strcmp(ka_decision_policy(&d), "uniform"));

    /* A running experiment on t0: fixed variant 4 vs the seed scorer. */
    add_exp(&st, "e1", "running", "{\"arms\": [{\"name\": \"fixed4\", \"variant_number\": 4},"
            " {\"name\": \"seed\", \"policy\": \"seed\"}], \"titles\": [\"t0\"]}");
    int seen[2] = { 0, 0 };
    for (int u = 0; u < 400; u++) {
        char user[16];
        snprintf(user, sizeof user, "user%d", u);
        CHECK_EQ_INT(ka_serve_decide(&st, t0, user, rng, &d), 0);
        int arm;
        CHECK_EQ_INT(ka_exp_assign(&st.exps[0].exp, user, &arm), 0);
        CHECK_MSG(d.exp == &st.exps[0] && d.exp_arm == arm, "user %s arm %d vs %d", user,
                  d.exp_arm, arm);
        if (arm == 0)
            CHECK(d.variant == 4 && d.propensity == 1 && d.policy == -1);
        else
            CHECK(d.policy == ka_policy_index("seed") && d.propensity > 0);
        seen[arm == 0]++;
        CHECK_EQ_INT(ka_serve_decide(&st, t1, user, rng, &d), 0);  /* t1 is not covered */
        CHECK(d.exp == NULL);
    }
    CHECK_MSG(seen[0] > 150 && seen[1] > 150, "arms %d / %d of 400", seen[0], seen[1]);

    /* An arm whose variant the title lacks does not apply. */
    add_exp(&st, "e2", "running", "{\"arms\": [{\"name\": \"v9\", \"variant_number\": 9},"
            " {\"name\": \"v10\", \"variant_number\": 10}], \"titles\": [\"t1\"]}");
    CHECK_EQ_INT(ka_serve_decide(&st, t1, "user1", rng, &d), 0);
    CHECK(d.exp == NULL && d.policy == ka_policy_index("uniform"));

    /* Shipped: everyone gets the winning arm; a running experiment still comes first. */
    add_exp(&st, "e3", "shipped", "{\"arms\": [{\"name\": \"a\", \"variant_number\": 1},"
            " {\"name\": \"b\", \"variant_number\": 2}], \"shipped\": \"b\"}");
    CHECK_EQ_INT(ka_serve_decide(&st, t1, "anyone", rng, &d), 0);
    CHECK(d.exp == &st.exps[2] && d.variant == 2 && d.propensity == 1);
    CHECK_EQ_INT(ka_serve_decide(&st, t0, "user1", rng, &d), 0);
    CHECK(d.exp == &st.exps[0]);

    ka_rng_free(rng);
    ka_state_free(&st);
}

int main(void)
{
    RUN(test_strmap);
    RUN(test_experiment_config);
    RUN(test_catalog);
    RUN(test_catalog_prior);
    RUN(test_policy_clone);
    RUN(test_decide);
    TEST_END();
}
