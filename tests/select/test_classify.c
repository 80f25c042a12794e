/* test_classify.c: scene, composition and content scores from constructed cues. */
#include "../ka_test.h"
#include "select/select_priv.h"
#include "select_fixture.h"

static void classify(fx_title *f, ka_candidate *c, ka_content *ct)
{
    ka_classify(&f->t, c, ct);
    CHECK(ct->action >= 0 && ct->action <= 1 && ct->emotional >= 0 && ct->emotional <= 1 &&
          ct->dramatic >= 0 && ct->dramatic <= 1);
    CHECK(ct->scene_confidence >= 0 && ct->scene_confidence <= 1);
    CHECK(ct->prominence == 0.0f && ct->n_characters == 0);
}

static void test_names(void)
{
    CHECK(strcmp(ka_scene_name(KA_SCENE_HERO_CLOSEUP), "hero_closeup") == 0);
    CHECK(strcmp(ka_scene_name(KA_SCENE_LANDSCAPE), "landscape") == 0);
    CHECK(strcmp(ka_scene_name(KA_SCENE_GENERAL), "general") == 0);
    CHECK(strcmp(ka_scene_name(KA_SCENE_COUNT), "unknown") == 0);
    CHECK(strcmp(ka_composition_name(KA_COMP_CLOSEUP), "closeup") == 0);
    CHECK(strcmp(ka_composition_name(KA_COMP_EXTREME_WIDE), "extreme_wide") == 0);
}

static void test_general(void)
{
    fx_title f;
    fx_init(&f);
    ka_candidate *c = fx_add(&f, 0, 1.0, 0.8f);
    ka_content ct;
    classify(&f, c, &ct);
    CHECK_EQ_INT(ct.scene, KA_SCENE_GENERAL);
    CHECK(ct.action < 0.1f && ct.dramatic < 0.1f && ct.emotional < 0.3f);
}

static void test_action(void)
{
    fx_title f;
    fx_init(&f);
    ka_candidate *c = fx_add(&f, 0, 1.0, 0.8f);
    fx_action(c);
    ka_content ct;
    classify(&f, c, &ct);
    CHECK_EQ_INT(ct.scene, KA_SCENE_ACTION);
    CHECK(ct.action > 0.9f && ct.scene_confidence > 0.9f);
    /* motion alone, moderately fast */
    c->motion = 0.08f;
    c->sig.edge_change = 0.0f;
    classify(&f, c, &ct);
    CHECK_EQ_INT(ct.scene, KA_SCENE_ACTION);
    /* slight motion is not action */
    c->motion = 0.03f;
    classify(&f, c, &ct);
    CHECK(ct.scene != KA_SCENE_ACTION);
    CHECK(ct.action > 0.0f && ct.action < 0.5f);
}

static void test_landscape(void)
{
    fx_title f;
    fx_init(&f);
    ka_candidate *c = fx_add(&f, 0, 1.0, 0.8f);
    fx_landscape(c);
    ka_content ct;
    classify(&f, c, &ct);
    CHECK_EQ_INT(ct.scene, KA_SCENE_LANDSCAPE);
    CHECK(ct.composition == KA_COMP_WIDE || ct.composition == KA_COMP_EXTREME_WIDE);
    /* the same view with the camera racing: not a landscape */
    c->motion = 0.15f;
    classify(&f, c, &ct);
    CHECK(ct.scene != KA_SCENE_LANDSCAPE);
    /* still, but one compact subject: not a landscape */
    c->motion = 0.0f;
    c->salient = (ka_rect){ 700, 300, 500, 400 };
    classify(&f, c, &ct);
    CHECK(ct.scene != KA_SCENE_LANDSCAPE);
}

static void test_mood(void)
{
    fx_title f;
    fx_init(&f);
    ka_candidate *c = fx_add(&f, 0, 1.0, 0.8f);
    c->q.lightness = 18.0f;         /* low key */
    c->q.contrast_raw = 32.0f;      /* hard light */
    ka_content ct;
    classify(&f, c, &ct);
    CHECK(ct.dramatic > 0.9f);
    CHECK(ct.emotional > 0.7f);
    CHECK_EQ_INT(ct.scene, KA_SCENE_EMOTIONAL);
    CHECK(ct.scene_confidence <= 0.8f);             /* a weak cue without faces */
    /* bright, flat light: no drama */
    c->q.lightness = 60.0f;
    c->q.contrast_raw = 8.0f;
    classify(&f, c, &ct);
    CHECK(ct.dramatic < 0.05f);
    CHECK(ct.scene != KA_SCENE_EMOTIONAL);
    /* action outranks mood when the frame moves */
    c->q.lightness = 18.0f;
    c->q.contrast_raw = 32.0f;
    fx_action(c);
    classify(&f, c, &ct);
    CHECK_EQ_INT(ct.scene, KA_SCENE_ACTION);
}

static void test_composition(void)
{
    CHECK_EQ_INT(ka_classify_composition_frac(0.50f), KA_COMP_CLOSEUP);
    CHECK_EQ_INT(ka_classify_composition_frac(0.20f), KA_COMP_MID);
    CHECK_EQ_INT(ka_classify_composition_frac(0.08f), KA_COMP_WIDE);
    CHECK_EQ_INT(ka_classify_composition_frac(0.01f), KA_COMP_EXTREME_WIDE);
    fx_title f;
    fx_init(&f);
    ka_candidate *c = fx_add(&f, 0, 1.0, 0.8f);
    ka_content ct;
    c->salient = (ka_rect){ 760, 60, 600, 960 };    /* 0.31 of the content, narrow */
    classify(&f, c, &ct);
    CHECK_EQ_INT(ct.composition, KA_COMP_CLOSEUP);
    c->salient = (ka_rect){ 900, 500, 150, 100 };   /* 0.008 */
    classify(&f, c, &ct);
    CHECK_EQ_INT(ct.composition, KA_COMP_EXTREME_WIDE);
    c->salient = (ka_rect){ 760, 340, 500, 500 };   /* 0.136 */
    classify(&f, c, &ct);
    CHECK_EQ_INT(ct.composition, KA_COMP_WIDE);
    c->salient = (ka_rect){ 0, 0, 0, 0 };           /* unknown: mid */
    classify(&f, c, &ct);
    CHECK_EQ_INT(ct.composition, KA_COMP_MID);
    CHECK(ct.scene != KA_SCENE_LANDSCAPE);
}

/* Quality not measured: light from the luma signals. */
static void test_signal_fallback(void)
{
    fx_title f;
    fx_init(&f);
    ka_candidate *c = fx_add(&f, 0, 1.0, 0.8f);
    c->q.lightness = 0.0f;
    c->q.contrast_raw = 0.0f;
    c->sig.luma_mean = 40.0f;
    c->sig.luma_std = 80.0f;
    ka_content ct;
    classify(&f, c, &ct);
    CHECK(ct.dramatic > 0.8f);
    ka_classify(&f.t, NULL, &ct);                   /* no crash */
    CHECK_EQ_INT(ct.scene, KA_SCENE_GENERAL);
}

int main(void)
{
    RUN(test_names);
    RUN(test_general);
    RUN(test_action);
    RUN(test_landscape);
    RUN(test_mood);
    RUN(test_composition);
    RUN(test_signal_fallback);
    TEST_END();
}
