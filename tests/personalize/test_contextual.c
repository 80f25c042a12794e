/* test_contextual.c: the "contextual" policy, one model shared by every title. It
 * takes titles of any number of arms; what viewers of one taste teach it on some
 * titles it applies to a title it never saw, differently for viewers of another
 * taste (told apart only by the genres of their profiles); its choices report the
 * propensities its probs give; a saved model restores bit for bit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "keyart/personalize.h"
#include "../ka_test.h"

/* A title of genre g: arm 0 a romantic close-up with the heroine, arm 1 an action
 * scene with the hero, the rest landscapes. */
static void title(ka_pvariant *v, int n, const char *genre)
{
    for (int i = 0; i < n; i++) {
        v[i] = (ka_pvariant){ .number = i + 1, .genre = ka_profile_genre_index(genre),
                              .scene = KA_SCENE_LANDSCAPE, .composition = KA_COMP_WIDE,
                              .quality = 0.6f };
        if (i == 0) {
            v[i].scene = KA_SCENE_ROMANTIC;
            v[i].composition = KA_COMP_CLOSEUP;
            v[i].n_chars = 1;
            v[i].roles[0] = KA_ROLE_HEROINE;
        } else if (i == 1) {
            v[i].scene = KA_SCENE_ACTION;
            v[i].n_chars = 1;
            v[i].roles[0] = KA_ROLE_HERO;
        }
    }
}

/* A viewer who was shown titles of genre g (and clicked none yet). */
static void viewer(ka_profile *p, const char *genre)
{
    ka_pvariant v[3];
    title(v, 3, genre);
    ka_profile_init(p);
    for (int k = 0; k < 6; k++)
        ka_profile_update(p, &v[2], KA_EVENT_IMPRESSION, 0, 1e9 + k, NULL);
}

static void test_shared_across_titles(void)
{
    ka_policy *p;
    CHECK_EQ_INT(ka_policy_new("contextual", NULL, &p), 0);
    CHECK(ka_policy_type_of(p)->shared);
    ka_profile romance, action;
    viewer(&romance, "romance");
    viewer(&action, "action");
    ka_rng *r = ka_rng_new(5);
    /* romance viewers click romantic pictures, action viewers action ones, on titles
     * of their genres with 3 to 5 pictures */
    for (int k = 0; k < 400; k++) {
        ka_pvariant v[5];
        int n = 3 + k % 3, fan = k % 2, arm = (int)ka_rng_int(r, (unsigned long)n);
        title(v, n, fan ? "romance" : "action");
        ka_policy_ctx c = { .variants = v, .n_variants = n,
                            .profile = fan ? &romance : &action };
        int liked = fan ? arm == 0 : arm == 1;
        CHECK_EQ_INT(ka_policy_update(p, &c, arm, liked && ka_rng_uniform(r) < 0.6 ? 1 : 0), 0);
    }
    CHECK_EQ_INT(ka_policy_prepare(p), 0);
    /* a title of 8 pictures none of them saw, of a genre of neither */
    ka_pvariant v[8];
    title(v, 8, "documentary");
    double pr[8], pa[8], sum = 0;
    ka_policy_ctx cr = { .variants = v, .n_variants = 8, .profile = &romance };
    ka_policy_ctx ca = { .variants = v, .n_variants = 8, .profile = &action };
    CHECK_EQ_INT(ka_policy_probs(p, &cr, pr), 0);
    CHECK_EQ_INT(ka_policy_probs(p, &ca, pa), 0);
    for (int i = 0; i < 8; i++)
        sum += pr[i];
    CHECK_NEAR(sum, 1, 1e-9);
    fprintf(stderr, "unseen title: romance viewer %.3f romantic / %.3f action; action viewer "
            "%.3f / %.3f\n", pr[0], pr[1], pa[0], pa[1]);
    CHECK(pr[0] > 0.6 && pr[0] > 3 * pr[1]);
    CHECK(pa[1] > 0.6 && pa[1] > 3 * pa[0]);
    /* choices: their propensity is probs', and they follow it */
    int count[8] = { 0 };
    for (int k = 0; k < 2000; k++) {
        ka_choice ch;
        CHECK_EQ_INT(ka_policy_choose(p, &cr, r, &ch), 0);
        CHECK_NEAR(ch.propensity, pr[ch.arm], 1e-12);
        count[ch.arm]++;
    }
    for (int i = 0; i < 8; i++)
        CHECK_MSG(fabs(count[i] / 2000.0 - pr[i]) < 0.04, "arm %d: %d of 2000, p %.3f", i,
                  count[i], pr[i]);
    /* any title's arms, but 1..KA_POLICY_MAX_ARMS of them */
    ka_pvariant many[KA_POLICY_MAX_ARMS + 1];
    title(many, KA_POLICY_MAX_ARMS + 1, "drama");
    ka_policy_ctx big = { .variants = many, .n_variants = KA_POLICY_MAX_ARMS + 1 };
    CHECK_EQ_INT(ka_policy_probs(p, &big, pr), KA_EINVAL);
    big.n_variants = 0;
    CHECK_EQ_INT(ka_policy_probs(p, &big, pr), KA_EINVAL);
    /* saved and loaded: the same model */
    uint8_t *buf;
    size_t len;
    ka_policy *q;
    CHECK_EQ_INT(ka_policy_save(p, &buf, &len), 0);
    CHECK_EQ_INT(ka_policy_load(buf, len, &q), 0);
    CHECK_EQ_INT(ka_policy_probs(q, &ca, pr), 0);
    for (int i = 0; i < 8; i++)
        CHECK_NEAR(pr[i], pa[i], 1e-15);
    buf[len - 1] ^= 0x80;           /* a variance's sign: refused */
    ka_policy *bad = NULL;
    CHECK(ka_policy_load(buf, len, &bad) == KA_EFORMAT && !bad);
    free(buf);
    ka_policy_free(q);
    ka_policy_free(p);
    ka_rng_free(r);
}

/* A new model knows nothing: its means are all 0, and the arms it knows least of
 * (more features, so a wider posterior) are the likelier; arms alike tie exactly. */
static void test_new_model(void)
{
    ka_policy *p;
    CHECK_EQ_INT(ka_policy_new("contextual", NULL, &p), 0);
    ka_pvariant v[4];
    title(v, 4, "drama");
    for (int i = 0; i < 4; i++)
        v[i].quality = 0.5f;
    v[2].scene = KA_SCENE_GENERAL;
    double pr[4];
    ka_policy_ctx c = { .variants = v, .n_variants = 4 };
    CHECK_EQ_INT(ka_policy_probs(p, &c, pr), 0);
    CHECK(pr[0] == pr[1] && pr[2] == pr[3] && pr[0] > pr[2] && pr[2] > 0);   /* 3 vs 2 */
    CHECK_NEAR(pr[0] + pr[1] + pr[2] + pr[3], 1, 1e-12);
    ka_policy_free(p);
}

int main(void)
{
    RUN(test_new_model);
    RUN(test_shared_across_titles);
    TEST_END();
}
