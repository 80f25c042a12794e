/* bench_serve_choice.c: the in-process cost of one personalised choice as the server
 * makes it (find the user's profile among 10,000, check the running experiment, let
 * the policy choose among a title's 8 variants, of 1,000 titles), per policy, against
 * the 1 us target. Pairs (user, title) are drawn up front so only the choice is timed.
 * It measures; it does not fail. Usage: bench_serve_choice [choices] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/serve_priv.h"

enum { TITLES = 1000, VARIANTS = 8, USERS = 10000, PAIRS = 1 << 16 };

static const char *scenes[] = { "hero_closeup", "heroine_closeup", "ensemble", "action",
                                "romantic", "landscape", "emotional", "confrontation" };

static ka_catalog *catalog(void)
{
    json_t *a = json_array();
    for (int t = 0; t < TITLES; t++) {
        json_t *vars = json_array();
        for (int v = 1; v <= VARIANTS; v++)
            json_array_append_new(vars, json_pack("{s:i, s:s, s:s, s:f, s:[{s:s, s:s}],"
                " s:{s:s}}", "number", v, "scene_type", scenes[(v + t) % 8], "composition",
                v % 2 ? "closeup" : "wide", "quality_score", 0.4 + 0.05 * v, "characters",
                "name", v % 2 ? "Thom" : "Celia", "role", v % 2 ? "hero" : "heroine",
                "images", "full", "ab/ab.jpg"));
        char id[16];
        snprintf(id, sizeof id, "title%d", t);
        json_array_append_new(a, json_pack("{s:s, s:s, s:f, s:o}", "title_id", id, "genre",
                                           t % 2 ? "action" : "romance", "analysed_at", 1.0,
                                           "variants", vars));
    }
    ka_catalog *c;
    if (ka_catalog_build(a, &c)) {
        fprintf(stderr, "bench: %s\n", ka_error_message());
        exit(1);
    }
    json_decref(a);
    return c;
}

/* Users with profiles learned from 20 events each. */
static void users(ka_serve_state *st, ka_rng *rng)
{
    for (int u = 0; u < USERS; u++) {
        char key[16];
        snprintf(key, sizeof key, "user%d", u);
        ka_suser *s = calloc(1, sizeof *s);
        ka_profile_init(&s->p);
        for (int k = 0; k < 20; k++) {
            const ka_stitle *t = st->cat->titles[ka_rng_int(rng, TITLES)];
            ka_profile_update(&s->p, &t->pv[ka_rng_int(rng, VARIANTS)],
                              k % 4 ? KA_EVENT_IMPRESSION : KA_EVENT_CLICK, 0, 1.7e9 + k, NULL);
        }
        ka_strmap_put(&st->users, key, s);
    }
}

/* Teaches each title's policy from some rewards, as folding would. */
static void learn(ka_serve_state *st, int k, ka_rng *rng)
{
    for (int i = 0; i < st->cat->n; i++) {
        ka_stitle *t = st->cat->titles[i];
        ka_policy_ctx c = { .variants = t->pv, .n_variants = t->n_variants,
                            .profile_opts = &st->popts };
        for (int n = 0; n < 50; n++) {
            int arm = (int)ka_rng_int(rng, VARIANTS);
            ka_policy_update(t->policy[k], &c, arm, ka_rng_uniform(rng) < 0.05 * (arm + 1));
        }
        ka_policy_prepare(t->policy[k]);
    }
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    ka_rng *rng = ka_rng_new(1);
    static char user_keys[PAIRS][16];
    static const ka_stitle *pair_title[PAIRS];
    int count;
    const ka_policy_type *const *list = ka_policy_list(&count);
    printf("bench_serve_choice: %d titles x %d variants, %d users with profiles, one running"
           " experiment on 10%% of the titles; %ld choices per policy\n", TITLES, VARIANTS,
           USERS, n);
    for (int k = 0; k < count; k++) {
        ka_serve_opts o;
        ka_serve_opts_default(&o);
        o.policy = list[k]->name;
        ka_serve_state st;
        ka_state_init(&st, &o);
        st.cat = catalog();
        for (int i = 0; i < st.cat->n; i++)
            ka_stitle_policies(st.cat->titles[i], st.policy_mask, &st.params);
        users(&st, rng);
        learn(&st, st.default_policy, rng);
        json_t *cfg = json_loads("{\"arms\": [{\"name\": \"a\", \"variant\": 1}, {\"name\":"
            " \"b\", \"variant\": 2}], \"titles\": [\"title0\", \"title10\", \"title20\"]}", 0, NULL);
        char why[200];
        st.exps = calloc(1, sizeof *st.exps);
        st.n_exps = ka_sexp_parse(&st.exps[0], "bench", "running", cfg, why, sizeof why) ? 0 : 1;
        json_decref(cfg);
        for (int i = 0; i < PAIRS; i++) {
            snprintf(user_keys[i], sizeof user_keys[i], "user%lu", ka_rng_int(rng, USERS));
            pair_title[i] = st.cat->titles[ka_rng_int(rng, TITLES)];
        }
        ka_decision d;
        double sum = 0, t0 = ka_now();
        for (long i = 0; i < n; i++) {
            int p = (int)(i & (PAIRS - 1));
            ka_serve_decide(&st, pair_title[p], user_keys[p], rng, &d);
            sum += d.propensity;
        }
        double ns = (ka_now() - t0) * 1e9 / (double)n;
        printf("  %-10s %8.1f ns per choice   %.2fx the 1 us target   (mean propensity %.3f)\n",
               list[k]->name, ns, ns / 1000, sum / (double)n);
        ka_state_free(&st);
    }
    ka_rng_free(rng);
    return 0;
}
