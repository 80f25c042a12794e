/* test_genre.c: the genre tables (the seed's exactly, every table sums to 1) and
 * the slot quotas (largest remainder, summing to n). */
#include "../ka_test.h"
#include "select/select_priv.h"
#include "select_fixture.h"

static void check_slot(const ka_genre *g, int i, const char *name, float share,
                       const ka_scene *scenes, int n)
{
    CHECK_MSG(strcmp(g->slots[i].name, name) == 0, "%s slot %d is %s, not %s", g->name, i,
              g->slots[i].name, name);
    CHECK_MSG(g->slots[i].share == share, "%s.%s share %g", g->name, name,
              (double)g->slots[i].share);
    CHECK_EQ_INT(g->slots[i].n_scenes, n);
    for (int k = 0; k < n && k < g->slots[i].n_scenes; k++)
        CHECK_MSG(g->slots[i].scenes[k] == scenes[k], "%s.%s scene %d", g->name, name, k);
}

#define SC(...) (const ka_scene[]){ __VA_ARGS__ }, \
    (int)(sizeof((ka_scene[]){ __VA_ARGS__ }) / sizeof(ka_scene))

static void test_seed_tables(void)
{
    const ka_genre *a = ka_genre_find("action");
    CHECK(a && a->n_slots == 4);
    if (a && a->n_slots == 4) {
        check_slot(a, 0, "hero_action", 0.40f, SC(KA_SCENE_ACTION, KA_SCENE_HERO_CLOSEUP));
        check_slot(a, 1, "hero_closeup", 0.25f, SC(KA_SCENE_HERO_CLOSEUP));
        check_slot(a, 2, "ensemble", 0.20f, SC(KA_SCENE_ENSEMBLE));
        check_slot(a, 3, "heroine", 0.15f, SC(KA_SCENE_HEROINE_CLOSEUP));
    }
    const ka_genre *r = ka_genre_find("romance");
    CHECK(r && r->n_slots == 4);
    if (r && r->n_slots == 4) {
        check_slot(r, 0, "couple", 0.35f, SC(KA_SCENE_ROMANTIC));
        check_slot(r, 1, "single_emotional", 0.30f,
                   SC(KA_SCENE_EMOTIONAL, KA_SCENE_HEROINE_CLOSEUP, KA_SCENE_HERO_CLOSEUP));
        check_slot(r, 2, "couple_dialogue", 0.20f, SC(KA_SCENE_ROMANTIC, KA_SCENE_CONFRONTATION));
        check_slot(r, 3, "group", 0.15f, SC(KA_SCENE_ENSEMBLE));
    }
    const ka_genre *v = ka_genre_find("adventure");
    CHECK(v && v->n_slots == 4);
    if (v && v->n_slots == 4) {
        check_slot(v, 0, "action_journey", 0.30f, SC(KA_SCENE_ACTION, KA_SCENE_LANDSCAPE));
        check_slot(v, 1, "hero_solo", 0.25f, SC(KA_SCENE_HERO_CLOSEUP));
        check_slot(v, 2, "ensemble", 0.25f, SC(KA_SCENE_ENSEMBLE));
        check_slot(v, 3, "landscape", 0.20f, SC(KA_SCENE_LANDSCAPE));
    }
}

static void test_all_tables(void)
{
    static const char *required[] = { "action", "romance", "adventure", "drama", "comedy",
                                      "horror", "documentary", "animation" };
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
        CHECK_MSG(ka_genre_find(required[i]) != NULL, "%s missing", required[i]);
    int n = 0;
    const ka_genre *const *list = ka_genre_list(&n);
    CHECK(n >= 8);
    for (int g = 0; g < n; g++) {
        double sum = 0.0;
        CHECK(list[g] && list[g]->n_slots > 0 && list[g]->n_slots <= 16);
        for (int s = 0; s < list[g]->n_slots; s++) {
            const ka_slot *sl = &list[g]->slots[s];
            sum += sl->share;
            CHECK(sl->share > 0.0f && sl->n_scenes >= 1 && sl->n_scenes <= 4);
            for (int k = 0; k < sl->n_scenes; k++)
                CHECK(sl->scenes[k] >= 0 && sl->scenes[k] < KA_SCENE_COUNT);
        }
        CHECK_MSG(fabs(sum - 1.0) < 1e-5, "%s sums to %g", list[g]->name, sum);
        CHECK(ka_genre_find(list[g]->name) == list[g]);
    }
    CHECK(ka_genre_find("ACTION") == ka_genre_find("action"));
    CHECK(ka_genre_find("sci-fi") == ka_genre_find("scifi"));
    CHECK(ka_genre_find("western") == NULL);
    CHECK(ka_genre_find(NULL) == NULL);
}

static void test_quotas(void)
{
    int n_genres;
    const ka_genre *const *list = ka_genre_list(&n_genres);
    for (int g = 0; g < n_genres; g++)
        for (int n = 4; n <= 12; n++) {
            int quota[16], sum = 0;
            ka_select_quotas(list[g], n, quota);
            for (int s = 0; s < list[g]->n_slots; s++) {
                sum += quota[s];
                /* each is share x n rounded down or up */
                double want = list[g]->slots[s].share * n;
                CHECK(quota[s] >= (int)floor(want + 1e-4) && quota[s] <= (int)ceil(want - 1e-4));
            }
            CHECK_MSG(sum == n, "%s n=%d sums to %d", list[g]->name, n, sum);
        }
    /* action, 8: 3.2 2.0 1.6 1.2 -> 3 2 2 1 (the .6 remainder wins) */
    int q[16];
    ka_select_quotas(ka_genre_find("action"), 8, q);
    CHECK(q[0] == 3 && q[1] == 2 && q[2] == 2 && q[3] == 1);
    /* adventure, 4: 1.2 1.0 1.0 0.8 -> 1 1 1 1 */
    ka_select_quotas(ka_genre_find("adventure"), 4, q);
    CHECK(q[0] == 1 && q[1] == 1 && q[2] == 1 && q[3] == 1);
    /* romance, 10: 3.5 3.0 2.0 1.5 -> 4 3 2 1 (equal remainders: larger share) */
    ka_select_quotas(ka_genre_find("romance"), 10, q);
    CHECK(q[0] == 4 && q[1] == 3 && q[2] == 2 && q[3] == 1);
}

static void test_slot_order(void)
{
    int order[16];
    const ka_genre *g = ka_genre_find("scifi");     /* .30 .30 .20 .20 */
    ka_select_slot_order(g, order);
    CHECK(order[0] == 0 && order[1] == 1 && order[2] == 2 && order[3] == 3);
    for (int i = 1; i < g->n_slots; i++)
        CHECK(g->slots[order[i - 1]].share >= g->slots[order[i]].share);
}

int main(void)
{
    RUN(test_seed_tables);
    RUN(test_all_tables);
    RUN(test_quotas);
    RUN(test_slot_order);
    TEST_END();
}
