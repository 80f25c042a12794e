/* test_profile.c: user profiles learned from events: what each event adds, decay by
 * half-life, the match of a variant (relative to the strongest affinity), the
 * character table, features for LinUCB, and the byte format (round trip, bad input). */
#include <string.h>

#include "keyart/personalize.h"
#include "../ka_test.h"

static ka_pvariant variant(int number, const char *genre, int scene, int comp, const char *who,
                           int role, float quality)
{
    ka_pvariant v = { .number = number, .genre = ka_profile_genre_index(genre), .scene = scene,
                      .composition = comp, .quality = quality };
    if (who) {
        v.n_chars = 1;
        v.chars[0] = ka_profile_char_id(who);
        v.roles[0] = role;
    }
    return v;
}

static void test_events(void)
{
    ka_profile_opts o;
    ka_profile_opts_default(&o);
    ka_profile p;
    ka_profile_init(&p);
    ka_pvariant hero = variant(1, "action", KA_SCENE_HERO_CLOSEUP, KA_COMP_CLOSEUP, "Thom",
                               KA_ROLE_HERO, 0.8f);
    ka_pvariant land = variant(2, "adventure", KA_SCENE_LANDSCAPE, KA_COMP_EXTREME_WIDE, NULL,
                               0, 0.6f);
    CHECK(ka_profile_genre_index("Action") >= 0);
    CHECK_EQ_INT(ka_profile_genre_index("nosuch"), -1);
    CHECK_EQ_INT(ka_profile_char_id("Thom"), ka_profile_char_id("THOM"));
    double t = 1.7e9;
    /* impressions only count for CTR; a click adds 1, a play 2, a completion 3 */
    CHECK(ka_profile_update(&p, &hero, KA_EVENT_IMPRESSION, 0, t, &o) == 0);
    CHECK(ka_profile_update(&p, &hero, KA_EVENT_CLICK, 0, t, &o) == 0);
    CHECK(ka_profile_update(&p, &hero, KA_EVENT_PLAY, 0, t, &o) == 0);
    CHECK(ka_profile_update(&p, &land, KA_EVENT_IMPRESSION, 0, t, &o) == 0);
    CHECK(ka_profile_update(&p, &land, KA_EVENT_CLICK, 0, t, &o) == 0);
    CHECK(ka_profile_update(&p, &land, KA_EVENT_SKIP, 0, t, &o) == 0);    /* -1: back to 0 */
    CHECK(ka_profile_update(&p, &land, KA_EVENT_SKIP, 0, t, &o) == 0);    /* floored at 0 */
    CHECK_NEAR(p.genre[hero.genre], 3, 1e-6);
    CHECK_NEAR(p.scene[KA_SCENE_HERO_CLOSEUP], 3, 1e-6);
    CHECK_NEAR(p.scene[KA_SCENE_LANDSCAPE], 0, 1e-6);
    CHECK_NEAR(p.role[KA_ROLE_HERO], 3, 1e-6);
    CHECK_NEAR(p.scene_imps[KA_SCENE_HERO_CLOSEUP], 1, 1e-6);
    CHECK_NEAR(p.scene_clicks[KA_SCENE_HERO_CLOSEUP], 1, 1e-6);
    /* dwell: 1 per minute, capped */
    CHECK(ka_profile_update(&p, &hero, KA_EVENT_DWELL, 30, t, &o) == 0);
    CHECK_NEAR(p.genre[hero.genre], 3.5, 1e-6);
    CHECK(ka_profile_update(&p, &hero, KA_EVENT_DWELL, 600, t, &o) == 0);
    CHECK_NEAR(p.genre[hero.genre], 4.5, 1e-6);
    CHECK(ka_profile_update(&p, &hero, (ka_event_type)99, 0, t, &o) == KA_EINVAL);
    CHECK(ka_profile_update(&p, NULL, KA_EVENT_CLICK, 0, t, &o) == KA_EINVAL);
    ka_profile before = p;
    CHECK(ka_profile_update(&p, &hero, KA_EVENT_CLICK, 0, NAN, &o) == KA_EINVAL);
    CHECK(ka_profile_update(&p, &hero, KA_EVENT_CLICK, 0, INFINITY, &o) == KA_EINVAL);
    CHECK(memcmp(&before, &p, sizeof p) == 0);

    /* match: relative to the strongest affinity */
    ka_profile_match m;
    ka_profile_match_variant(&p, &hero, &o, &m);
    CHECK_NEAR(m.genre, 1, 1e-6);
    CHECK_NEAR(m.character, 1, 1e-6);
    CHECK_NEAR(m.scene, 1, 1e-6);               /* 0.8 scene + 0.2 close-up share */
    CHECK_NEAR(m.quality, 0.8, 1e-6);
    /* CTR: (1 click + 0.05 * 20) / (1 impression + 20) */
    CHECK_NEAR(m.ctr, 2.0 / 21, 1e-6);
    ka_profile_match_variant(&p, &land, &o, &m);
    CHECK_NEAR(m.genre, 0, 1e-6);
    CHECK_NEAR(m.character, 0, 1e-6);
    CHECK_NEAR(m.scene, 0, 1e-6);
    /* a character known by role only: the role's share */
    ka_pvariant other = variant(3, "action", KA_SCENE_HERO_CLOSEUP, KA_COMP_MID, "Celia",
                                KA_ROLE_HERO, 0.5f);
    ka_profile_match_variant(&p, &other, &o, &m);
    CHECK_NEAR(m.character, 1, 1e-6);
    other.roles[0] = KA_ROLE_VILLAIN;
    ka_profile_match_variant(&p, &other, &o, &m);
    CHECK_NEAR(m.character, 0, 1e-6);
    /* a new profile: nothing matches, CTR is the prior */
    ka_profile_match_variant(NULL, &hero, &o, &m);
    CHECK_NEAR(m.genre + m.character + m.scene, 0, 0);
    CHECK_NEAR(m.ctr, 0.05, 1e-6);
}

static void test_decay(void)
{
    ka_profile_opts o;
    ka_profile_opts_default(&o);
    o.half_life_s = 1000;
    ka_profile p;
    ka_profile_init(&p);
    ka_pvariant a = variant(1, "drama", KA_SCENE_EMOTIONAL, KA_COMP_CLOSEUP, NULL, 0, 0.5f);
    ka_pvariant b = variant(2, "comedy", KA_SCENE_ENSEMBLE, KA_COMP_WIDE, NULL, 0, 0.5f);
    ka_profile_update(&p, &a, KA_EVENT_COMPLETE, 0, 5000, &o);      /* 3 */
    ka_profile_update(&p, &b, KA_EVENT_CLICK, 0, 7000, &o);         /* 2 half-lives later */
    CHECK_NEAR(p.genre[a.genre], 0.75, 1e-6);
    CHECK_NEAR(p.genre[b.genre], 1, 1e-6);
    /* an older event is folded in at the profile's time, without decay */
    ka_profile_update(&p, &b, KA_EVENT_CLICK, 0, 6000, &o);
    CHECK_NEAR(p.genre[b.genre], 2, 1e-6);
    CHECK_NEAR(p.ts, 7000, 0);
    ka_profile_match m;
    ka_profile_match_variant(&p, &a, &o, &m);
    CHECK_NEAR(m.genre, 0.375, 1e-6);
}

static void test_characters(void)
{
    ka_profile p;
    ka_profile_init(&p);
    char name[32];
    /* more characters than slots: the weakest is replaced */
    for (int i = 0; i < KA_PROFILE_CHARS + 4; i++) {
        snprintf(name, sizeof name, "char%d", i);
        ka_pvariant v = variant(1, "drama", KA_SCENE_HERO_CLOSEUP, KA_COMP_CLOSEUP, name,
                                KA_ROLE_SUPPORTING, 0.5f);
        for (int k = 0; k <= i; k++)
            ka_profile_update(&p, &v, KA_EVENT_CLICK, 0, 100, NULL);
    }
    int found_last = 0, found_first = 0;
    for (int k = 0; k < KA_PROFILE_CHARS; k++) {
        found_last |= p.char_id[k] == ka_profile_char_id("char19");
        found_first |= p.char_id[k] == ka_profile_char_id("char0");
    }
    CHECK(found_last);
    CHECK(!found_first);
}

static void test_features_and_bytes(void)
{
    ka_profile p;
    ka_profile_init(&p);
    ka_pvariant v = variant(4, "action", KA_SCENE_ACTION, KA_COMP_WIDE, "Thom", KA_ROLE_HERO, 0.9f);
    ka_profile_update(&p, &v, KA_EVENT_PLAY, 0, 1e9, NULL);
    ka_profile_update(&p, &v, KA_EVENT_IMPRESSION, 0, 1e9, NULL);
    double x[8];
    CHECK_EQ_INT(ka_profile_features(&p, NULL, x, 8), KA_PROFILE_FEATURES);
    CHECK_NEAR(x[0], 1, 0);
    CHECK_NEAR(x[4], 1, 1e-9);          /* all genre affinity is action */
    CHECK_NEAR(x[6], 0, 0);             /* padding */
    CHECK_EQ_INT(ka_pvariant_features(&v, x, 4), 4);
    CHECK_NEAR(x[1], 0.9, 1e-6);

    uint8_t buf[KA_PROFILE_BYTES + 8];
    CHECK_EQ_INT(ka_profile_save(&p, buf, sizeof buf), KA_PROFILE_BYTES);
    ka_profile q;
    CHECK(ka_profile_load(&q, buf, KA_PROFILE_BYTES) == 0);
    CHECK(memcmp(&p, &q, sizeof p) == 0);
    CHECK(ka_profile_save(&p, buf, 10) == KA_EINVAL);
    CHECK(ka_profile_load(&q, buf, KA_PROFILE_BYTES - 1) == KA_EFORMAT);
    /* impressions count their genres; a version 1 profile (without them) still loads */
    CHECK(p.genre_seen[v.genre] > 0);
    uint8_t v1[KA_PROFILE_BYTES];
    memcpy(v1, buf, sizeof v1);
    v1[4] = 1;
    CHECK(ka_profile_load(&q, v1, KA_PROFILE_BYTES) == KA_EFORMAT);
    CHECK(ka_profile_load(&q, v1, KA_PROFILE_BYTES - 4 * KA_PROFILE_GENRES) == 0);
    CHECK(q.genre_seen[v.genre] == 0 && q.scene_clicks[v.scene] == p.scene_clicks[v.scene]);
    ka_profile nan = p;
    nan.scene[2] = NAN;
    CHECK_EQ_INT(ka_profile_save(&nan, buf, sizeof buf), KA_PROFILE_BYTES);
    CHECK(ka_profile_load(&q, buf, KA_PROFILE_BYTES) == KA_EFORMAT);
    buf[0] ^= 0xFF;
    CHECK(ka_profile_load(&q, buf, KA_PROFILE_BYTES) == KA_EFORMAT);
    CHECK(ka_profile_load(&q, NULL, 0) == KA_EFORMAT);
}

int main(void)
{
    RUN(test_events);
    RUN(test_decay);
    RUN(test_characters);
    RUN(test_features_and_bytes);
    TEST_END();
}
