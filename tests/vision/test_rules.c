/* test_rules.c: the face rules with constructed inputs, no model needed: prominence,
 * composition, scene categories (close-ups by role, ensemble, romantic moment,
 * confrontation, emotion, action props, the landscape veto), the preference for open
 * eyes, crops that never cut a face, clustering, title roles, the cast. */
#include <math.h>

#include "../ka_test.h"
#include "../select/select_fixture.h"
#include "keyart/keyart.h"
#include "select/select_priv.h"
#include "vision/vision_priv.h"

/* Content of the fixture: 1920 x 960 at y 60. */
static ka_face *face(ka_vision_cand *vc, int i, int cx, int cy, int h, ka_role role, int ch)
{
    ka_face *f = &vc->faces[i];
    f->box = (ka_rect){ cx - h * 3 / 8, cy - h / 2, h * 3 / 4, h };
    f->score = 0.99f;
    f->role = role;
    f->character = ch;
    f->rank = ch + 1;
    f->main_character = role == KA_ROLE_HERO || role == KA_ROLE_HEROINE ||
                        role == KA_ROLE_VILLAIN || role == KA_ROLE_LEAD;
    f->focus = 1.0f;
    f->expression = KA_EXPR_NEUTRAL;
    f->expression_conf = 0.8f;
    f->eyes_open = 0.95f;
    snprintf(f->name, sizeof f->name, "char %d", ch + 1);
    return f;
}

static ka_candidate *cand_with(fx_title *fx, int n_faces, int n_objects)
{
    ka_candidate *c = fx_add(fx, fx->t.n_cands, fx->t.n_cands * 2.0, 0.7f);
    ka_vision_attach(c, ka_vision_cand_new(n_faces, n_objects));
    return c;
}

static ka_vision_cand *vc_of(ka_candidate *c)
{
    return ka_vision_edit(c);
}

static void free_all(fx_title *fx)
{
    for (int i = 0; i < fx->t.n_cands; i++)
        ka_candidate_side_free(&fx->c[i]);
}

static void test_prominence(void)
{
    ka_rect content = { 0, 60, 1920, 960 };
    /* a face of an eighth of the frame, centred, in focus, in an important scene */
    ka_rect big = { 960 - 339, 540 - 339, 679, 679 };
    CHECK_NEAR(ka_face_prominence(big, content, 1.0f, 1.0f), 1.0f, 0.01f);
    /* area, position, focus and importance each count with their weight */
    CHECK_NEAR(ka_face_prominence(big, content, 0.0f, 0.0f), 0.7f, 0.01f);
    ka_rect corner = { 0, 60, 40, 40 };
    float pc = ka_face_prominence(corner, content, 1.0f, 0.0f);
    CHECK(pc > 0.2f && pc < 0.25f);
    ka_rect small_centre = { 940, 520, 40, 40 };
    CHECK(ka_face_prominence(small_centre, content, 1.0f, 0.0f) > pc + 0.25f);
    CHECK(ka_face_prominence(big, (ka_rect){ 0, 0, 0, 0 }, 1, 1) == 0.0f);
}

static void test_composition(void)
{
    fx_title fx;
    fx_init(&fx);
    static const struct { int h; ka_composition want; } cases[] = {
        { 450, KA_COMP_CLOSEUP }, { 200, KA_COMP_MID }, { 80, KA_COMP_WIDE },
        { 40, KA_COMP_EXTREME_WIDE },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ka_candidate *c = cand_with(&fx, 1, 0);
        face(vc_of(c), 0, 960, 500, cases[i].h, KA_ROLE_HERO, 0);
        ka_content ct;
        ka_classify(&fx.t, c, &ct);
        CHECK_MSG(ct.composition == cases[i].want, "face %d px: %s", cases[i].h,
                  ka_composition_name(ct.composition));
    }
    /* people without faces: the tallest person decides */
    ka_candidate *c = cand_with(&fx, 0, 1);
    ka_vision_cand *vc = vc_of(c);
    vc->n_kind[KA_OBJ_PERSON] = 1;
    vc->person_frac = 0.9f;
    ka_content ct;
    ka_classify(&fx.t, c, &ct);
    CHECK_EQ_INT(ct.composition, KA_COMP_MID);
    vc->person_frac = 0.5f;
    ka_classify(&fx.t, c, &ct);
    CHECK_EQ_INT(ct.composition, KA_COMP_WIDE);
    vc->person_frac = 0.1f;
    ka_classify(&fx.t, c, &ct);
    CHECK_EQ_INT(ct.composition, KA_COMP_EXTREME_WIDE);
    free_all(&fx);
}

static ka_scene scene_of(fx_title *fx, ka_candidate *c, ka_content *ct)
{
    ka_classify(&fx->t, c, ct);
    CHECK(ct->scene_confidence >= 0 && ct->scene_confidence <= 1);
    CHECK(ct->prominence >= 0 && ct->prominence <= 1);
    return ct->scene;
}

static void test_closeups(void)
{
    fx_title fx;
    fx_init(&fx);
    ka_candidate *c = cand_with(&fx, 1, 0);
    ka_face *f = face(vc_of(c), 0, 960, 500, 400, KA_ROLE_HERO, 0);
    ka_content ct;
    CHECK_EQ_INT(scene_of(&fx, c, &ct), KA_SCENE_HERO_CLOSEUP);
    CHECK_EQ_INT(ct.n_characters, 1);
    CHECK(ct.n_characters == 1 && !strcmp(ct.characters[0], "char 1"));
    CHECK(ct.prominence > 0.5f);
    f->role = KA_ROLE_HEROINE;
    CHECK_EQ_INT(scene_of(&fx, c, &ct), KA_SCENE_HEROINE_CLOSEUP);
    f->role = KA_ROLE_VILLAIN;
    CHECK_EQ_INT(scene_of(&fx, c, &ct), KA_SCENE_CONFRONTATION);
    /* a background face is not listed as a character */
    f->role = KA_ROLE_BACKGROUND;
    f->main_character = 0;
    scene_of(&fx, c, &ct);
    CHECK_EQ_INT(ct.n_characters, 0);
    /* without identities, a large face is a lead: hero close-up */
    f->role = KA_ROLE_NONE;
    f->character = -1;
    f->name[0] = '\0';
    CHECK_EQ_INT(scene_of(&fx, c, &ct), KA_SCENE_HERO_CLOSEUP);
    free_all(&fx);
}

static void test_groups(void)
{
    fx_title fx;
    fx_init(&fx);
    /* three main characters: ensemble */
    ka_candidate *c = cand_with(&fx, 3, 0);
    face(vc_of(c), 0, 500, 500, 200, KA_ROLE_HERO, 0);
    face(vc_of(c), 1, 960, 500, 200, KA_ROLE_HEROINE, 1);
    face(vc_of(c), 2, 1400, 500, 200, KA_ROLE_LEAD, 2);
    ka_content ct;
    CHECK_EQ_INT(scene_of(&fx, c, &ct), KA_SCENE_ENSEMBLE);
    CHECK_EQ_INT(ct.n_characters, 3);
    const char *types[8];
    int nt = ka_vision_character_types(vc_of(c), fx.t.content, types, 8);
    int ensemble = 0;
    for (int i = 0; i < nt; i++)
        ensemble |= !strcmp(types[i], "ensemble");
    CHECK(ensemble && nt >= 3 && !strcmp(types[0], "hero") && !strcmp(types[1], "heroine"));
    /* hero and heroine close together, smiling: a romantic moment */
    c = cand_with(&fx, 2, 0);
    ka_face *a = face(vc_of(c), 0, 850, 500, 300, KA_ROLE_HERO, 0);
    ka_face *b = face(vc_of(c), 1, 1100, 500, 300, KA_ROLE_HEROINE, 1);
    a->valence = b->valence = 0.8f;
    a->expression = b->expression = KA_EXPR_HAPPY;
    CHECK_EQ_INT(scene_of(&fx, c, &ct), KA_SCENE_ROMANTIC);
    /* the same two, angry and turned toward each other: a confrontation */
    a->valence = b->valence = -0.8f;
    a->expression = b->expression = KA_EXPR_ANGER;
    a->yaw = 0.5f;
    b->yaw = -0.5f;
    CHECK_EQ_INT(scene_of(&fx, c, &ct), KA_SCENE_CONFRONTATION);
    CHECK(ct.dramatic > 0.3f);
    /* far apart and neutral: neither */
    a->valence = b->valence = 0.0f;
    a->yaw = b->yaw = 0.0f;
    a->box.x = 100;
    b->box.x = 1600;
    CHECK(scene_of(&fx, c, &ct) != KA_SCENE_ROMANTIC);
    free_all(&fx);
}

static void test_emotion_action_veto(void)
{
    fx_title fx;
    fx_init(&fx);
    ka_candidate *c = cand_with(&fx, 1, 0);
    ka_face *f = face(vc_of(c), 0, 960, 500, 200, KA_ROLE_HERO, 0);
    f->expression = KA_EXPR_SAD;
    f->expression_conf = 0.9f;
    f->valence = -0.8f;
    ka_content ct;
    CHECK_EQ_INT(scene_of(&fx, c, &ct), KA_SCENE_EMOTIONAL);
    CHECK(ct.emotional > 0.2f);
    /* a weapon-like prop and some motion: action */
    c = cand_with(&fx, 0, 1);
    ka_content before;
    ka_classify(&fx.t, c, &before);
    vc_of(c)->n_kind[KA_OBJ_WEAPON] = 1;
    c->motion = 0.05f;
    CHECK_EQ_INT(scene_of(&fx, c, &ct), KA_SCENE_ACTION);
    CHECK(ct.action > before.action + 0.3f);
    /* a landscape with a large face in it is not a landscape */
    c = cand_with(&fx, 1, 0);
    c->salient = (ka_rect){ 0, 100, 1920, 800 };
    CHECK_EQ_INT(scene_of(&fx, c, &ct), KA_SCENE_LANDSCAPE);
    face(vc_of(c), 0, 960, 500, 300, KA_ROLE_HERO, 0);
    CHECK(scene_of(&fx, c, &ct) != KA_SCENE_LANDSCAPE);
    free_all(&fx);
}

static void test_prefer_open_eyes(void)
{
    fx_title fx;
    fx_init(&fx);
    ka_candidate *open = cand_with(&fx, 1, 0), *shut = cand_with(&fx, 1, 0);
    ka_candidate *side = cand_with(&fx, 1, 0);
    face(vc_of(open), 0, 960, 500, 300, KA_ROLE_HERO, 0);
    face(vc_of(shut), 0, 960, 500, 300, KA_ROLE_HERO, 0)->eyes_open = 0.05f;
    face(vc_of(side), 0, 960, 500, 300, KA_ROLE_SUPPORTING, 1)->main_character = 0;
    ka_content co, cs, cd;
    ka_classify(&fx.t, open, &co);
    ka_classify(&fx.t, shut, &cs);
    ka_classify(&fx.t, side, &cd);
    CHECK(co.prominence > 2.0f * cs.prominence);
    CHECK(co.prominence > cd.prominence);
    /* and the ranker puts the open eyes first */
    float xo[KA_F_COUNT], xs[KA_F_COUNT];
    ka_rank_features(&fx.t, open, xo);
    ka_rank_features(&fx.t, shut, xs);
    CHECK(ka_ranker_score(ka_ranker_default(), xo) > ka_ranker_score(ka_ranker_default(), xs));
    free_all(&fx);
}

/* Each face is wholly inside or wholly outside each crop; must[] faces inside. */
static void check_crops(const ka_face *f, int n, ka_rect content, const int *must)
{
    ka_rect focus = { 0, 0, 0, 0 };
    CHECK(ka_vision_focus(f, n, content, &focus) == 1);
    for (int s = 0; s < KA_SHAPE_COUNT; s++) {
        int aw, ah;
        ka_shape_aspect(s, &aw, &ah);
        ka_rect r = ka_crop_place(content, focus, aw, ah);
        for (int i = 0; i < n; i++) {
            ka_rect b = f[i].box;
            int inside = b.x >= r.x && b.y >= r.y && b.x + b.w <= r.x + r.w && b.y + b.h <= r.y + r.h;
            int outside = b.x + b.w <= r.x || b.x >= r.x + r.w || b.y + b.h <= r.y || b.y >= r.y + r.h;
            CHECK_MSG(inside || outside, "%s crop %d,%d %dx%d cuts face %d at %d,%d %dx%d",
                      ka_shape_name(s), r.x, r.y, r.w, r.h, i, b.x, b.y, b.w, b.h);
            if (must && must[i])
                CHECK_MSG(inside, "%s crop leaves out face %d", ka_shape_name(s), i);
        }
    }
}

static void test_crops(void)
{
    ka_rect content = { 0, 60, 1920, 960 };
    ka_vision_cand *vc = ka_vision_cand_new(3, 0);
    /* one face near the left edge: every shape keeps it */
    face(vc, 0, 200, 400, 240, KA_ROLE_HERO, 0);
    int one[1] = { 1 };
    check_crops(vc->faces, 1, content, one);
    /* two faces far apart: the poster cannot hold both, but cuts neither, and keeps
     * the larger one */
    face(vc, 0, 300, 500, 300, KA_ROLE_HERO, 0);
    face(vc, 1, 1600, 500, 200, KA_ROLE_HEROINE, 1);
    int larger[2] = { 1, 0 };
    check_crops(vc->faces, 2, content, larger);
    /* three faces where a centred poster would cut the side ones: one centre for
     * all shapes cannot avoid every cut here, but keeps the main face whole; one
     * shape at a time (ka_vision_crop) cuts none */
    face(vc, 0, 960, 500, 260, KA_ROLE_HERO, 0);
    face(vc, 1, 700, 520, 240, KA_ROLE_LEAD, 1);
    face(vc, 2, 1220, 520, 240, KA_ROLE_LEAD, 2);
    ka_rect focus;
    CHECK(ka_vision_focus(vc->faces, 3, content, &focus) == 1);
    fx_title fx;
    fx_init(&fx);
    ka_candidate *c = fx_add(&fx, 0, 1.0, 0.7f);
    ka_vision_attach(c, vc);
    for (int s = 0; s < KA_SHAPE_COUNT; s++) {
        int aw, ah;
        ka_shape_aspect(s, &aw, &ah);
        ka_rect r = ka_crop_place(content, focus, aw, ah), own;
        ka_rect b = vc->faces[0].box;
        CHECK(b.x >= r.x && b.x + b.w <= r.x + r.w);
        CHECK(ka_vision_crop(c, content, s, &own) == 1);
        CHECK(own.w * ah == own.h * aw);
        for (int i = 0; i < 3; i++) {
            b = vc->faces[i].box;
            int inside = b.x >= own.x && b.x + b.w <= own.x + own.w;
            int outside = b.x + b.w <= own.x || b.x >= own.x + own.w;
            CHECK_MSG(inside || outside, "%s crop cuts face %d", ka_shape_name(s), i);
            if (i == 0)
                CHECK(inside);
        }
    }
    ka_candidate_side_free(c);
}

static void unit(float *v, unsigned seed)
{
    double n = 0;
    for (int i = 0; i < KA_FACE_EMBED_DIM; i++) {
        seed = seed * 1103515245u + 12345u;
        v[i] = (float)((seed >> 8) & 0xffff) / 65535.0f - 0.5f;
        n += (double)v[i] * v[i];
    }
    for (int i = 0; i < KA_FACE_EMBED_DIM; i++)
        v[i] /= (float)sqrt(n);
}

/* base blended with noise (weight w), renormalised */
static void noisy(float *out, const float *base, unsigned seed, float w)
{
    float noise[KA_FACE_EMBED_DIM];
    unit(noise, seed);
    double n = 0;
    for (int i = 0; i < KA_FACE_EMBED_DIM; i++) {
        out[i] = base[i] + w * noise[i];
        n += (double)out[i] * out[i];
    }
    for (int i = 0; i < KA_FACE_EMBED_DIM; i++)
        out[i] /= (float)sqrt(n);
}

static void test_cluster(void)
{
    static float base[3][KA_FACE_EMBED_DIM], e[12][KA_FACE_EMBED_DIM];
    const float *p[12];
    int label[12];
    for (int k = 0; k < 3; k++)
        unit(base[k], 100u + (unsigned)k);
    for (int i = 0; i < 12; i++) {
        noisy(e[i], base[i % 3], 500u + (unsigned)i, 0.8f);
        p[i] = e[i];
    }
    CHECK(ka_face_similarity(e[0], e[3]) > 0.5f && fabsf(ka_face_similarity(e[0], e[1])) < 0.3f);
    CHECK_EQ_INT(ka_vision_cluster(p, 12, KA_FACE_CLUSTER_DISTANCE, label), 3);
    for (int i = 0; i < 12; i++)
        CHECK_EQ_INT(label[i], label[i % 3]);
    CHECK(label[0] != label[1] && label[1] != label[2] && label[0] != label[2]);
    /* faces of one frame never share a cluster */
    float d[4 * 4];
    int group[4] = { 0, 0, 1, 2 };
    for (int i = 0; i < 16; i++)
        d[i] = i % 5 == 0 ? 0.0f : 0.1f;
    CHECK_EQ_INT(ka_vision_cluster_matrix(d, 4, 0.5f, group, label), 2);
    CHECK(label[0] != label[1]);
    CHECK_EQ_INT(ka_vision_cluster(p, 0, 0.5f, label), 0);
}

static void test_roles_and_cast(void)
{
    static float base[3][KA_FACE_EMBED_DIM];
    for (int k = 0; k < 3; k++)
        unit(base[k], 7u + (unsigned)k);
    fx_title fx;
    fx_init(&fx);
    /* A in 5 frames (male), B in 3 (female), C once */
    static const int who[9] = { 0, 0, 1, 0, 1, 0, 1, 0, 2 };
    for (int i = 0; i < 9; i++) {
        ka_candidate *c = cand_with(&fx, 1, 0);
        ka_face *f = &vc_of(c)->faces[0];
        f->box = (ka_rect){ 800, 300, 200, 260 };
        f->male = who[i] == 1 ? 0.1f : 0.9f;
        f->has_embedding = 1;
        noisy(f->embedding, base[who[i]], 900u + (unsigned)i, 0.5f);
    }
    CHECK_EQ_INT(ka_vision_identities(&fx.t, NULL, 0), 3);
    const ka_face *fa = &vc_of(&fx.c[0])->faces[0], *fb = &vc_of(&fx.c[2])->faces[0];
    const ka_face *fc = &vc_of(&fx.c[8])->faces[0];
    CHECK(!strcmp(fa->name, "lead 1") && fa->role == KA_ROLE_HERO && fa->rank == 1);
    CHECK(!strcmp(fb->name, "lead 2") && fb->role == KA_ROLE_HEROINE && fb->main_character);
    CHECK(fc->role == KA_ROLE_BACKGROUND && !fc->main_character && fc->rank == 3);
    CHECK(vc_of(&fx.c[5])->faces[0].character == fa->character);
    /* with a cast naming B: entries are copies, listed per title */
    ka_cast *cast = NULL;
    CHECK(ka_cast_new(&cast) == 0);
    ka_cast_entry e = { "fixture", "Mia", KA_ROLE_HEROINE, "mia.jpg", base[1] };
    CHECK(ka_cast_add(cast, &e) == 0);
    e.title = "other";
    e.name = "Zed";
    e.embedding = base[0];
    CHECK(ka_cast_add(cast, &e) == 0);
    e.name = "";
    CHECK(ka_cast_add(cast, &e) == KA_EINVAL);  /* a nameless entry is refused */
    const ka_cast_entry *list = NULL;
    CHECK_EQ_INT(ka_cast_list(cast, NULL, &list), 2);
    int n = ka_cast_list(cast, "fixture", &list);
    CHECK_EQ_INT(n, 1);
    CHECK(n == 1 && !strcmp(list[0].name, "Mia") && list[0].role == KA_ROLE_HEROINE);
    CHECK(n == 1 && list[0].embedding != base[1] &&
          memcmp(list[0].embedding, base[1], sizeof(base[1])) == 0);
    float sim;
    CHECK_EQ_INT(ka_cast_match(list, n, base[1], &sim), 0);
    CHECK_EQ_INT(ka_cast_match(list, n, base[2], &sim), -1);
    CHECK_EQ_INT(ka_vision_identities(&fx.t, list, n), 3);
    CHECK(!strcmp(fb->name, "Mia") && fb->role == KA_ROLE_HEROINE);
    CHECK(!strcmp(fa->name, "lead 1") && fa->role == KA_ROLE_HERO);
    ka_cast_free(&cast);
    CHECK(cast == NULL);
    free_all(&fx);
}

int main(void)
{
    RUN(test_prominence);
    RUN(test_composition);
    RUN(test_closeups);
    RUN(test_groups);
    RUN(test_emotion_action_veto);
    RUN(test_prefer_open_eyes);
    RUN(test_crops);
    RUN(test_cluster);
    RUN(test_roles_and_cast);
    TEST_END();
}
