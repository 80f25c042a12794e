/* test_select.c: ka_select on hand-made titles: options, slots, shot and duplicate
 * rules, the quality threshold and its relaxation, MMR, why_fewer, crops. */
#include "../ka_test.h"
#include "keyart/common.h"
#include "select/select_priv.h"
#include "select_fixture.h"

static ka_select_opts opts_n(int n, const char *genre)
{
    ka_select_opts o;
    ka_select_opts_default(&o);
    o.n_variants = n;
    o.genre = genre;
    return o;
}

/* Checks every selection must pass: numbering, crops, the hard rules. */
static void check_invariants(const fx_title *f, const ka_selection *s, const ka_select_opts *o)
{
    for (int i = 0; i < s->n_variants; i++) {
        const ka_variant *v = &s->variants[i];
        const ka_candidate *c = &f->t.cands[v->cand];
        CHECK_EQ_INT(v->number, i + 1);
        CHECK(v->slot && v->slot[0]);
        CHECK(c->q.score >= s->min_quality_used - 1e-6f);
        for (int k = 0; k < KA_SHAPE_COUNT; k++) {
            ka_rect r = v->crops[k], b = f->t.content;
            int aw, ah;
            ka_shape_aspect(k, &aw, &ah);
            CHECK((long long)r.w * ah == (long long)r.h * aw);
            CHECK(r.x >= b.x && r.y >= b.y && r.x + r.w <= b.x + b.w && r.y + r.h <= b.y + b.h);
        }
        for (int j = 0; j < i; j++) {
            const ka_candidate *d = &f->t.cands[s->variants[j].cand];
            CHECK(s->variants[j].cand != v->cand);
            CHECK_MSG(ka_phash_distance(c->phash, d->phash) > o->dup_distance,
                      "variants %d and %d are near-duplicates", j + 1, i + 1);
        }
    }
}

static void test_defaults(void)
{
    ka_select_opts o;
    ka_select_opts_default(&o);
    CHECK(strcmp(o.genre, "drama") == 0);
    CHECK_EQ_INT(o.n_variants, 8);
    CHECK_NEAR(o.min_quality, 0.35, 1e-6);
    CHECK_NEAR(o.weights.brightness, 0.25, 1e-6);
    CHECK_NEAR(o.weights.contrast, 0.25, 1e-6);
    CHECK_NEAR(o.weights.sharpness, 0.30, 1e-6);
    CHECK_NEAR(o.weights.saturation, 0.20, 1e-6);
    CHECK_EQ_INT(o.dup_distance, 10);
    CHECK_NEAR(o.mmr_lambda, 0.7, 1e-6);
}

static void test_invalid(void)
{
    fx_title f;
    fx_init(&f);
    for (int i = 0; i < 10; i++)
        fx_add(&f, i, i * 10.0, 0.8f);
    ka_selection s;
    ka_select_opts o = opts_n(3, "drama");
    CHECK(ka_select(&f.t, &o, &s) == KA_EINVAL);
    CHECK(strstr(ka_error_message(), "4..12") != NULL);
    o.n_variants = 13;
    CHECK(ka_select(&f.t, &o, &s) == KA_EINVAL);
    o = opts_n(8, "western");
    CHECK(ka_select(&f.t, &o, &s) == KA_EINVAL);
    CHECK(strstr(ka_error_message(), "western") != NULL);
    CHECK(strstr(ka_error_message(), "action") && strstr(ka_error_message(), "documentary"));
    o = opts_n(8, "drama");
    o.mmr_lambda = 1.5f;
    CHECK(ka_select(&f.t, &o, &s) == KA_EINVAL);
    o = opts_n(8, "drama");
    o.weights = (ka_quality_weights){ 0, 0, 0, 0, 0, 0 };
    CHECK(ka_select(&f.t, &o, &s) == KA_EINVAL);
    o = opts_n(8, "drama");
    CHECK(ka_select(NULL, &o, &s) == KA_EINVAL);
    CHECK(ka_select(&f.t, &o, NULL) == KA_EINVAL);
    o = opts_n(4, "Action");                        /* genre names are case-insensitive */
    CHECK(ka_select(&f.t, &o, &s) == 0);
    ka_selection_free(&s);
    CHECK(ka_select(&f.t, NULL, &s) == 0);          /* NULL options: the defaults */
    CHECK_EQ_INT(s.n_variants, 8);
    ka_selection_free(&s);
}

/* Ten shots of two candidates: eight variants from eight different shots. */
static void test_same_shot(void)
{
    fx_title f;
    fx_init(&f);
    for (int shot = 0; shot < 10; shot++) {
        fx_add(&f, shot, shot * 20.0, 0.9f - 0.01f * shot);
        fx_add(&f, shot, shot * 20.0 + 2.0, 0.89f - 0.01f * shot);
    }
    ka_select_opts o = opts_n(8, "drama");
    ka_selection s;
    CHECK(ka_select(&f.t, &o, &s) == 0);
    CHECK_EQ_INT(s.n_variants, 8);
    CHECK(s.why_fewer[0] == 0);
    int seen[10] = { 0 };
    for (int i = 0; i < s.n_variants; i++)
        seen[f.c[s.variants[i].cand].shot]++;
    for (int k = 0; k < 10; k++)
        CHECK_MSG(seen[k] <= 1, "shot %d used %d times", k, seen[k]);
    check_invariants(&f, &s, &o);
    for (int i = 0; i < f.t.n_cands; i++)           /* ka_select filled every score */
        CHECK_NEAR(f.c[i].q.score, f.c[i].q.sharpness, 1e-5);
    ka_selection_free(&s);
}

/* Three shots for eight variants: spread 3/3/2, never 4 from one shot. */
static void test_few_shots(void)
{
    fx_title f;
    fx_init(&f);
    for (int shot = 0; shot < 3; shot++)
        for (int k = 0; k < 6; k++)
            fx_add(&f, shot, shot * 30.0 + k * 4.0, shot == 0 ? 0.95f : 0.6f + 0.01f * k);
    ka_select_opts o = opts_n(8, "drama");
    ka_selection s;
    CHECK(ka_select(&f.t, &o, &s) == 0);
    CHECK_EQ_INT(s.n_variants, 8);
    int seen[3] = { 0 };
    for (int i = 0; i < s.n_variants; i++) {
        seen[f.c[s.variants[i].cand].shot]++;
        /* a shot gets a second variant only when every shot has one */
        if (i < 3)
            CHECK(seen[f.c[s.variants[i].cand].shot] == 1);
    }
    for (int k = 0; k < 3; k++)
        CHECK(seen[k] == 2 || seen[k] == 3);
    check_invariants(&f, &s, &o);
    ka_selection_free(&s);
}

/* Six near-identical frames (pairwise <= 10 bits apart) and six different ones:
 * only one of the six may be chosen, so 7 of 8, and why_fewer says so. */
static void test_near_duplicates(void)
{
    fx_title f;
    fx_init(&f);
    uint64_t base = 0x0123456789abcdefull;
    for (int k = 0; k < 6; k++) {
        ka_candidate *c = fx_add(&f, k, k * 20.0, 0.95f - 0.01f * k);
        c->phash = k ? base ^ (0x1full << (5 * (k - 1))) : base;   /* 5 bits from base */
    }
    for (int k = 0; k < 6; k++)
        fx_add(&f, 6 + k, 120.0 + k * 20.0, 0.6f);
    ka_select_opts o = opts_n(8, "drama");
    ka_selection s;
    CHECK(ka_select(&f.t, &o, &s) == 0);
    CHECK_EQ_INT(s.n_variants, 7);
    int dups = 0;
    for (int i = 0; i < s.n_variants; i++)
        dups += s.variants[i].cand < 6;
    CHECK_EQ_INT(dups, 1);
    CHECK(fx_find_variant(&s, 0) >= 0);            /* the best of them */
    CHECK(strstr(s.why_fewer, "only 7 of 8") != NULL);
    CHECK(strstr(s.why_fewer, "5 rejected as near-duplicates") != NULL);
    fprintf(stderr, "why_fewer: %s\n", s.why_fewer);
    check_invariants(&f, &s, &o);
    ka_selection_free(&s);
}

/* The same structure in different colours (flat cards, a lighting change) is not a
 * near-duplicate; the same structure in the same colours is. */
static void fill_hist(ka_candidate *c, int luma_bin, int chroma_bin)
{
    memset(c->sig.hist_luma, 0, sizeof c->sig.hist_luma);
    memset(c->sig.hist_chroma, 0, sizeof c->sig.hist_chroma);
    c->sig.hist_luma[luma_bin] = 1000;
    c->sig.hist_chroma[chroma_bin] = 250;
}

static void test_colour_duplicates(void)
{
    fx_title f;
    fx_init(&f);
    for (int k = 0; k < 4; k++) {
        ka_candidate *c = fx_add(&f, k, k * 20.0, 0.9f);
        c->phash = 0;                                   /* flat: identical structure */
        fill_hist(c, 12, k < 3 ? 9 * k : 0);            /* 3 colours, the 4th repeats the 1st */
    }
    ka_select_opts o = opts_n(4, "drama");
    ka_selection s;
    CHECK(ka_select(&f.t, &o, &s) == 0);
    CHECK_EQ_INT(s.n_variants, 3);
    CHECK(strstr(s.why_fewer, "1 rejected as near-duplicates") != NULL);
    fprintf(stderr, "why_fewer: %s\n", s.why_fewer);
    ka_selection_free(&s);
}

/* Enough good candidates: none under the threshold is used. */
static void test_min_quality(void)
{
    fx_title f;
    fx_init(&f);
    for (int k = 0; k < 9; k++)
        fx_add(&f, k, k * 20.0, 0.5f + 0.02f * k);
    for (int k = 0; k < 3; k++) {
        ka_candidate *c = fx_add(&f, 9 + k, 200.0 + k * 20.0, 0.30f);
        fx_action(c);                               /* would fill a slot if allowed */
    }
    ka_select_opts o = opts_n(8, "action");
    ka_selection s;
    CHECK(ka_select(&f.t, &o, &s) == 0);
    CHECK_EQ_INT(s.n_variants, 8);
    CHECK_NEAR(s.min_quality_used, 0.35, 1e-6);
    CHECK_EQ_INT(s.n_requested, 8);
    for (int i = 0; i < s.n_variants; i++)
        CHECK(s.variants[i].cand < 9);
    CHECK(s.why_fewer[0] == 0);
    check_invariants(&f, &s, &o);
    ka_selection_free(&s);
}

/* Too few good candidates: the threshold is relaxed (never below half), and said so. */
static void test_relax(void)
{
    fx_title f;
    fx_init(&f);
    fx_add(&f, 0, 0.0, 0.8f);
    fx_add(&f, 1, 20.0, 0.8f);
    for (int k = 0; k < 4; k++)
        fx_add(&f, 2 + k, 40.0 + k * 20.0, 0.25f);
    for (int k = 0; k < 6; k++)
        fx_add(&f, 6 + k, 200.0 + k * 20.0, 0.10f);
    ka_select_opts o = opts_n(4, "drama");
    ka_selection s;
    CHECK(ka_select(&f.t, &o, &s) == 0);
    CHECK_EQ_INT(s.n_variants, 4);
    CHECK(s.min_quality_used < 0.35f && s.min_quality_used >= 0.175f);
    CHECK(strstr(s.why_fewer, "relaxed") != NULL);
    for (int i = 0; i < s.n_variants; i++)
        CHECK(s.variants[i].cand < 6);
    ka_selection_free(&s);
    /* asking for more than exists: fewer, with the reason */
    o = opts_n(12, "drama");
    CHECK(ka_select(&f.t, &o, &s) == 0);
    CHECK_EQ_INT(s.n_variants, 6);
    CHECK(strstr(s.why_fewer, "only 6 of 12") != NULL);
    CHECK(strstr(s.why_fewer, "6 below quality") != NULL);
    fprintf(stderr, "why_fewer: %s\n", s.why_fewer);
    ka_selection_free(&s);
}

/* MMR: after the best, the different frame beats the near-identical better one. */
static void test_mmr(void)
{
    fx_title f;
    fx_init(&f);
    ka_candidate *a = fx_add(&f, 0, 0.0, 0.90f);
    ka_candidate *b = fx_add(&f, 1, 100.0, 0.89f);
    ka_candidate *c = fx_add(&f, 2, 200.0, 0.70f);
    ka_candidate *d = fx_add(&f, 3, 300.0, 0.60f);
    ka_candidate *e = fx_add(&f, 4, 400.0, 0.50f);
    a->phash = 0;
    b->phash = 0x7ff;                    /* 11 bits: not a duplicate, but very alike */
    c->phash = 0xffffffff00000000ull;
    d->phash = 0x00000000ffffffffull;
    e->phash = 0xffff0000ffff0000ull;
    ka_select_opts o = opts_n(4, "drama");
    ka_selection s;
    CHECK(ka_select(&f.t, &o, &s) == 0);
    CHECK_EQ_INT(s.n_variants, 4);
    CHECK_EQ_INT(s.variants[0].cand, 0);
    CHECK_EQ_INT(s.variants[1].cand, 2);           /* c, not b */
    CHECK(strcmp(s.variants[1].slot, "diversity") == 0);
    CHECK_NEAR(s.variants[0].diversity_penalty, 0.0, 1e-6);
    int ib = fx_find_variant(&s, 1);
    if (ib >= 0)
        CHECK(s.variants[ib].diversity_penalty > 0.6f);
    ka_selection_free(&s);
    /* lambda 1: relevance only, b comes second */
    o.mmr_lambda = 1.0f;
    CHECK(ka_select(&f.t, &o, &s) == 0);
    CHECK_EQ_INT(s.variants[1].cand, 1);
    ka_selection_free(&s);
}

/* Slots: a slot's first scene beats its later ones; quotas; unfilled -> diversity. */
static void test_slots(void)
{
    fx_title f;
    fx_init(&f);
    ka_candidate *land = fx_add(&f, 0, 0.0, 0.95f);
    fx_landscape(land);
    ka_candidate *act = fx_add(&f, 1, 20.0, 0.60f);
    fx_action(act);
    for (int k = 0; k < 6; k++)
        fx_add(&f, 2 + k, 40.0 + k * 20.0, 0.7f);
    ka_select_opts o = opts_n(4, "adventure");     /* quotas 1 1 1 1 */
    ka_selection s;
    CHECK(ka_select(&f.t, &o, &s) == 0);
    CHECK_EQ_INT(s.n_variants, 4);
    CHECK_EQ_INT(s.variants[0].cand, 1);           /* action_journey takes the action frame */
    CHECK(strcmp(s.variants[0].slot, "action_journey") == 0);
    CHECK_EQ_INT(s.variants[0].content.scene, KA_SCENE_ACTION);
    CHECK_EQ_INT(s.variants[1].cand, 0);           /* the landscape slot its landscape */
    CHECK(strcmp(s.variants[1].slot, "landscape") == 0);
    CHECK(strcmp(s.variants[2].slot, "diversity") == 0);
    CHECK(strcmp(s.variants[3].slot, "diversity") == 0);
    CHECK_NEAR(s.variants[0].relevance, 0.60, 1e-5);
    check_invariants(&f, &s, &o);
    ka_selection_free(&s);

    /* action, 8 variants: hero_action's quota of 3 goes to the 3 best action frames */
    fx_init(&f);
    for (int k = 0; k < 4; k++)
        fx_action(fx_add(&f, k, k * 20.0, 0.5f + 0.1f * k));
    for (int k = 0; k < 8; k++)
        fx_add(&f, 4 + k, 100.0 + k * 20.0, 0.9f);
    o = opts_n(8, "action");
    CHECK(ka_select(&f.t, &o, &s) == 0);
    CHECK_EQ_INT(s.n_variants, 8);
    CHECK(s.variants[0].cand == 3 && s.variants[1].cand == 2 && s.variants[2].cand == 1);
    for (int i = 0; i < 3; i++)
        CHECK(strcmp(s.variants[i].slot, "hero_action") == 0);
    for (int i = 3; i < 8; i++)
        CHECK(strcmp(s.variants[i].slot, "diversity") == 0);
    check_invariants(&f, &s, &o);
    ka_selection_free(&s);
}

/* Shot-start bonus breaks a tie; defect frames are never chosen. */
static void test_bonus_and_defects(void)
{
    fx_title f;
    fx_init(&f);
    ka_candidate *black = fx_add(&f, 0, 0.0, 0.99f);
    black->sig.flags = KA_FRAME_BLACK;
    ka_candidate *flash = fx_add(&f, 1, 20.0, 0.99f);
    flash->sig.flags = KA_FRAME_FLASH;
    ka_candidate *trans = fx_add(&f, 2, 40.0, 0.99f);
    trans->sig.flags = KA_FRAME_TRANSITION;
    fx_add(&f, 3, 60.0, 0.8f);
    ka_candidate *start = fx_add(&f, 4, 80.0, 0.8f);
    start->flags |= KA_CAND_SHOT_START;
    for (int k = 0; k < 4; k++)
        fx_add(&f, 5 + k, 100.0 + k * 20.0, 0.5f);
    ka_select_opts o = opts_n(4, "drama");
    ka_selection s;
    CHECK(ka_select(&f.t, &o, &s) == 0);
    CHECK_EQ_INT(s.n_variants, 4);
    CHECK_EQ_INT(s.variants[0].cand, 4);
    for (int i = 0; i < s.n_variants; i++)
        CHECK(s.variants[i].cand > 2);
    ka_selection_free(&s);
}

/* The quality weights of the options decide which frame ranks first. */
static void test_weights(void)
{
    fx_title f;
    fx_init(&f);
    ka_candidate *bright = fx_add(&f, 0, 0.0, 0.6f);
    bright->q.brightness = 1.0f;
    bright->q.sharpness = 0.4f;
    ka_candidate *sharp = fx_add(&f, 1, 20.0, 0.6f);
    sharp->q.brightness = 0.4f;
    sharp->q.sharpness = 1.0f;
    for (int k = 0; k < 4; k++)
        fx_add(&f, 2 + k, 40.0 + k * 20.0, 0.5f);
    ka_select_opts o = opts_n(4, "drama");
    o.weights = (ka_quality_weights){ 1, 0, 0, 0, 0, 0 };
    ka_selection s;
    CHECK(ka_select(&f.t, &o, &s) == 0);
    CHECK_EQ_INT(s.variants[0].cand, 0);
    CHECK_NEAR(f.c[0].q.score, 1.0, 1e-6);
    ka_selection_free(&s);
    o.weights = (ka_quality_weights){ 0, 0, 1, 0, 0, 0 };
    CHECK(ka_select(&f.t, &o, &s) == 0);
    CHECK_EQ_INT(s.variants[0].cand, 1);
    ka_selection_free(&s);
}

static void test_empty(void)
{
    fx_title f;
    fx_init(&f);
    ka_selection s;
    CHECK(ka_select(&f.t, NULL, &s) == 0);
    CHECK_EQ_INT(s.n_variants, 0);
    CHECK(s.why_fewer[0] != 0);
    ka_selection_free(&s);
    ka_selection_free(NULL);
}

static void test_similarity(void)
{
    ka_candidate a = { 0 }, b = { 0 };
    a.shot = 1;
    b.shot = 2;
    a.time_s = 0;
    b.time_s = 1000;
    a.phash = 0;
    b.phash = ~0ull;
    CHECK_NEAR(ka_select_similarity(&a, &b), 0.0, 1e-6);
    b.phash = 0xff;                                  /* 8 bits: 1 - 8/32 */
    CHECK_NEAR(ka_select_similarity(&a, &b), 0.75, 1e-6);
    b.phash = ~0ull;
    b.shot = 1;                                      /* same shot */
    CHECK_NEAR(ka_select_similarity(&a, &b), 0.7, 1e-6);
    b.shot = 2;
    b.time_s = 0.0;                                  /* same moment, other shot */
    CHECK_NEAR(ka_select_similarity(&a, &b), 0.5, 1e-6);
}

int main(void)
{
    RUN(test_defaults);
    RUN(test_invalid);
    RUN(test_same_shot);
    RUN(test_few_shots);
    RUN(test_near_duplicates);
    RUN(test_colour_duplicates);
    RUN(test_min_quality);
    RUN(test_relax);
    RUN(test_mmr);
    RUN(test_slots);
    RUN(test_bonus_and_defects);
    RUN(test_weights);
    RUN(test_empty);
    RUN(test_similarity);
    TEST_END();
}
