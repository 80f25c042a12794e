/* test_artwork.c: what vision gives the artwork, with constructed inputs: the faces'
 * quality (a blink, a soft face, an unreadable expression lower it) and BRISQUE's
 * normalisation as parts of the quality score with their own weights; the crops of
 * every shape around a candidate's faces (ka_vision_crop): faces near the borders,
 * two characters too far apart for a poster, the main character kept, no face cut. */
#include <math.h>

#include "../ka_test.h"
#include "../select/select_fixture.h"
#include "keyart/keyart.h"
#include "vision/vision_priv.h"

static const ka_rect content = { 0, 60, 1920, 960 };   /* fx_init's */

static ka_face *face(ka_vision_cand *vc, int i, int cx, int cy, int h)
{
    ka_face *f = &vc->faces[i];
    f->box = (ka_rect){ cx - h * 3 / 8, cy - h / 2, h * 3 / 4, h };
    f->score = 0.99f;
    f->focus = 1.0f;
    f->expression = KA_EXPR_NEUTRAL;
    f->expression_conf = 0.8f;
    f->eyes_open = 0.95f;
    f->prominence = ka_face_prominence(f->box, content, f->focus, 0.5f);
    return f;
}

static void test_face_quality(void)
{
    ka_vision_cand *vc = ka_vision_cand_new(1, 0);
    ka_face *f = face(vc, 0, 960, 500, 300);
    float good = ka_vision_face_quality(vc, content);
    CHECK_NEAR(good, 0.40 + 0.35 * 0.95 + 0.25 * 1.0, 1e-5);
    f->eyes_open = 0.05f;                       /* a blink */
    float blink = ka_vision_face_quality(vc, content);
    CHECK(blink < good - 0.3f);
    f->eyes_open = -1.0f;                       /* not measured (a turned face) */
    CHECK_NEAR(ka_vision_face_quality(vc, content), 0.40 + 0.35 * 0.7 + 0.25, 1e-5);
    f->eyes_open = 0.95f;
    f->focus = 0.1f;                            /* a soft face */
    CHECK(ka_vision_face_quality(vc, content) < good - 0.3f);
    f->focus = 1.0f;
    f->expression_conf = 0.3f;                  /* the model cannot read it */
    CHECK(ka_vision_face_quality(vc, content) < good - 0.2f);
    f->box.h = 20;                              /* no face that matters: unknown */
    f->box.w = 15;
    CHECK(ka_vision_face_quality(vc, content) < 0.0f);
    CHECK(ka_vision_face_quality(NULL, content) < 0.0f);
    ka_vision_cand_free(vc);
}

static void test_brisque_quality(void)
{
    CHECK_NEAR(ka_vision_brisque_quality(8.0f), 1.0, 1e-6);
    CHECK_NEAR(ka_vision_brisque_quality(15.0f), 1.0, 1e-6);
    CHECK_NEAR(ka_vision_brisque_quality(42.5f), 0.5, 1e-5);
    CHECK_NEAR(ka_vision_brisque_quality(90.0f), 0.0, 1e-6);
    CHECK(ka_vision_brisque_quality(-1.0f) < 0.0f);
}

/* The quality score through its parts as the analysis fills them: a worse BRISQUE
 * or a blink lowers it, and each weight does what it says. */
static void test_quality_parts(void)
{
    ka_vision_cand *vc = ka_vision_cand_new(1, 0);
    ka_face *f = face(vc, 0, 960, 500, 300);
    ka_cand_quality q = { 0 };
    q.q.brightness = q.q.contrast = q.q.sharpness = q.q.saturation = 0.7f;
    q.v.brisque = ka_vision_brisque_quality(20.0f);
    q.v.has_brisque = 1;
    q.v.face = ka_vision_face_quality(vc, content);
    q.v.has_face = 1;
    ka_select_opts o;
    ka_select_opts_default(&o);
    CHECK(o.weights.brisque > 0.0f && o.weights.face > 0.0f);
    ka_quality_score(&q, &o.weights);
    float base = q.score;
    ka_cand_quality worse = q;                  /* a compressed, noisy frame */
    worse.v.brisque = ka_vision_brisque_quality(60.0f);
    ka_quality_score(&worse, &o.weights);
    CHECK(worse.score < base - 0.03f);
    f->eyes_open = 0.02f;                       /* the same frame with a blink */
    ka_cand_quality blink = q;
    blink.v.face = ka_vision_face_quality(vc, content);
    ka_quality_score(&blink, &o.weights);
    CHECK(blink.score < base - 0.03f);
    /* weights honoured: BRISQUE alone is the score; without weight it changes nothing */
    ka_quality_weights only = { 0, 0, 0, 0, 1, 0 };
    ka_quality_score(&worse, &only);
    CHECK_NEAR(worse.score, ka_vision_brisque_quality(60.0f), 1e-5);
    ka_quality_weights none = o.weights;
    none.brisque = none.face = 0.0f;
    ka_cand_quality a = q, b = blink;
    b.v.brisque = 0.0f;
    ka_quality_score(&a, &none);
    ka_quality_score(&b, &none);
    CHECK_NEAR(a.score, b.score, 1e-6);
    CHECK_NEAR(a.score, 0.7, 1e-5);
    /* a heavier face weight makes the blink cost more */
    ka_quality_weights faces = o.weights;
    faces.face = 1.0f;
    ka_cand_quality c = q, d = blink;
    ka_quality_score(&c, &faces);
    ka_quality_score(&d, &faces);
    CHECK(c.score - d.score > base - blink.score + 0.05f);
    ka_vision_cand_free(vc);
}

static ka_candidate *cand_with(fx_title *fx, int n_faces)
{
    ka_candidate *c = fx_add(fx, fx->t.n_cands, fx->t.n_cands * 2.0, 0.7f);
    ka_vision_attach(c, ka_vision_cand_new(n_faces, 0));
    return c;
}

/* Every shape: each face wholly in or out, the must[] ones in, inside the content. */
static void check_shapes(const ka_candidate *c, const int *must)
{
    const ka_vision_cand *vc = ka_vision_of(c);
    for (int s = 0; s < KA_SHAPE_COUNT; s++) {
        ka_rect r;
        int aw, ah;
        ka_shape_aspect(s, &aw, &ah);
        CHECK(ka_vision_crop(c, content, s, &r) == 1);
        CHECK((long long)r.w * ah == (long long)r.h * aw);
        CHECK(r.x >= content.x && r.y >= content.y && r.x + r.w <= content.x + content.w &&
              r.y + r.h <= content.y + content.h);
        for (int i = 0; i < vc->n_faces; i++) {
            int k = ka_test_rect_rel(r, vc->faces[i].box);
            CHECK_MSG(k != 2, "%s crop %d+%d cuts face %d", ka_shape_name(s), r.x, r.w, i);
            if (must && must[i])
                CHECK_MSG(k == 1, "%s crop %d+%d leaves out face %d", ka_shape_name(s), r.x,
                          r.w, i);
        }
    }
}

static void test_crops(void)
{
    fx_title fx;
    fx_init(&fx);
    /* no face: no face crop (selection crops on the salient region) */
    ka_candidate *none = cand_with(&fx, 0);
    ka_rect r;
    CHECK(ka_vision_crop(none, content, KA_SHAPE_2X3, &r) == 0);
    /* one face at each border: kept whole by every shape */
    ka_candidate *left = cand_with(&fx, 1), *right = cand_with(&fx, 1);
    face(ka_vision_edit(left), 0, 90, 400, 220);
    face(ka_vision_edit(right), 0, 1840, 700, 200);
    static const int one[1] = { 1 };
    check_shapes(left, one);
    check_shapes(right, one);
    /* two characters far apart: the poster keeps the main one, cuts neither; with the
     * other one the more prominent, it keeps that one instead */
    ka_candidate *pair = cand_with(&fx, 2);
    ka_vision_cand *vc = ka_vision_edit(pair);
    face(vc, 0, 300, 500, 280)->main_character = 1;
    face(vc, 1, 1600, 500, 260)->main_character = 1;
    vc->faces[0].character = 0;
    vc->faces[1].character = 1;
    ka_rect poster;
    CHECK(ka_vision_crop(pair, content, KA_SHAPE_2X3, &poster) == 1);
    CHECK(ka_test_rect_rel(poster, vc->faces[0].box) == 1 && ka_test_rect_rel(poster, vc->faces[1].box) == 0);
    check_shapes(pair, NULL);
    vc->faces[0].main_character = 0;            /* a supporting character now */
    CHECK(ka_vision_crop(pair, content, KA_SHAPE_2X3, &poster) == 1);
    CHECK(ka_test_rect_rel(poster, vc->faces[1].box) == 1 && ka_test_rect_rel(poster, vc->faces[0].box) == 0);
    /* a lead with small faces where the crops centred on it would cut them (the 2:3
     * edges at 640 and 1280, the 1:1 ones at 480 and 1440) */
    ka_candidate *crowd = cand_with(&fx, 3);
    vc = ka_vision_edit(crowd);
    face(vc, 0, 960, 450, 300);
    face(vc, 1, 640, 600, 60);                  /* does not matter: only not cut */
    face(vc, 2, 1440, 620, 60);
    for (int s = KA_SHAPE_2X3; s <= KA_SHAPE_1X1; s++) {
        int aw, ah, cut = 0;
        ka_shape_aspect(s, &aw, &ah);
        ka_rect centred = ka_crop_place(content, vc->faces[0].box, aw, ah);
        for (int i = 1; i < 3; i++)
            cut += ka_test_rect_rel(centred, vc->faces[i].box) == 2;
        CHECK(cut > 0);                         /* the case is a real one */
    }
    static const int lead[3] = { 1, 0, 0 };
    check_shapes(crowd, lead);
    free(vc->faces);                            /* and a record with no faces left */
    vc->faces = NULL;
    vc->n_faces = 0;
    CHECK(ka_vision_crop(crowd, content, KA_SHAPE_1X1, &r) == 0);
    for (int i = 0; i < fx.t.n_cands; i++)
        ka_candidate_side_free(&fx.c[i]);
}

int main(void)
{
    RUN(test_face_quality);
    RUN(test_brisque_quality);
    RUN(test_quality_parts);
    RUN(test_crops);
    TEST_END();
}
