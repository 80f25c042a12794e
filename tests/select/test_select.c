/* test_select.c: ka_select on hand-made titles: options, the order by appeal, good
 * moments and their reason, slots, shot and duplicate rules (the same picture, the
 * same people in the same place), the quality threshold and its relaxation, MMR,
 * why_fewer, crops. Most cases use a ranker that reads one part (fx_ranker), so
 * what they check is selection, not what the shipped ranker learned. */
#include "../ka_test.h"
#include "keyart/common.h"
#include "select/select_priv.h"
#include "keyart/vision.h"
#include "select_fixture.h"

static ka_ranker fx_rank;        /* appeal = q, good from q >= 0.2 */

static ka_select_opts opts_n(int n, const char *genre)
{
    ka_select_opts o;
    ka_select_opts_default(&o);
    o.n_variants = n;
    o.genre = genre;
    fx_ranker(&fx_rank, 1.0f, 0.2f);
    o.ranker = &fx_rank;
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
        CHECK(c->quality_score >= s->min_quality_used - 1e-6f);
        for (int k = 0; k < KA_SHAPE_COUNT; k++) {
            ka_rect r = v->crops[k], b = f->t.content;
            int aw, ah;
            ka_shape_aspect(k, &aw, &ah);
            CHECK((long long)r.w * ah == (long long)r.h * aw);
            CHECK(r.x >= b.x && r.y >= b.y && r.x + r.w <= b.x + b.w && r.y + r.h <= b.y + b.h);
        }
        /* numbered by appeal with diversity: variant 1 is the best usable candidate */
        CHECK(c->appeal <= f->t.cands[s->variants[0].cand].appeal);
        for (int j = 0; j < i; j++) {
            const ka_candidate *d = &f->t.cands[s->variants[j].cand];
            CHECK(s->variants[j].cand != v->cand);
            CHECK_MSG(!ka_select_near_duplicate(&f->t, c, d, o->dup_distance),
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
    CHECK(o.ranker == NULL);                        /* the built-in one */
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
    CHECK(s.n_variants >= 1 && s.n_variants <= 8);
    CHECK(strcmp(s.ranker.source, "default") == 0);
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
    CHECK(s.reason == NULL);
    CHECK_EQ_INT(s.good_moments, 8);
    CHECK_EQ_INT(s.variants[0].cand, 0);            /* the best first */
    int seen[10] = { 0 };
    for (int i = 0; i < s.n_variants; i++)
        seen[f.c[s.variants[i].cand].shot]++;
    for (int k = 0; k < 10; k++)
        CHECK_MSG(seen[k] <= 1, "shot %d used %d times", k, seen[k]);
    check_invariants(&f, &s, &o);
    for (int i = 0; i < f.t.n_cands; i++)           /* ka_select filled every score */
        CHECK_NEAR(f.c[i].quality_score, f.c[i].q.sharpness, 1e-5);
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
    CHECK(strstr(s.why_fewer, "5 near-duplicates") != NULL);
    CHECK(s.reason && strcmp(s.reason, "few_good_moments") == 0);
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
    CHECK(strstr(s.why_fewer, "1 near-duplicate") != NULL);
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

/* Slots: a candidate whose scene fills an open slot gets a bonus and names the slot;
 * a slot's quota bounds it; the others are "diversity". */
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
    CHECK_EQ_INT(s.variants[0].cand, 0);           /* the best: the landscape */
    CHECK(strcmp(s.variants[0].slot, "landscape") == 0);
    CHECK_EQ_INT(s.variants[1].cand, 1);           /* the action frame, by its slot's bonus */
    CHECK(strcmp(s.variants[1].slot, "action_journey") == 0);
    CHECK_EQ_INT(s.variants[1].content.scene, KA_SCENE_ACTION);
    CHECK_NEAR(s.variants[1].relevance, 0.60 + KA_SELECT_SLOT_BONUS, 1e-5);
    for (int i = 2; i < 4; i++)
        CHECK(strcmp(s.variants[i].slot, "landscape") && strcmp(s.variants[i].slot, "action_journey"));
    check_invariants(&f, &s, &o);
    ka_selection_free(&s);

    /* action, 8 variants: hero_action's quota of 3 goes to the best action frames,
     * as far as their appeal and diversity allow */
    fx_init(&f);
    for (int k = 0; k < 4; k++)
        fx_action(fx_add(&f, k, k * 20.0, 0.5f + 0.1f * k));
    for (int k = 0; k < 8; k++)
        fx_add(&f, 4 + k, 100.0 + k * 20.0, 0.9f);
    o = opts_n(8, "action");
    CHECK(ka_select(&f.t, &o, &s) == 0);
    CHECK_EQ_INT(s.n_variants, 8);
    CHECK(s.variants[0].cand >= 4);                /* the best picture comes first */
    int hero = 0, last = -1;
    for (int i = 0; i < 8; i++)
        if (!strcmp(s.variants[i].slot, "hero_action")) {
            CHECK(s.variants[i].cand >= 1 && s.variants[i].cand <= 3);
            CHECK(last < 0 || s.variants[i].cand < last);   /* the better ones first */
            last = s.variants[i].cand;
            hero++;
        }
    CHECK(hero >= 2 && hero <= 3);                  /* the bonus brings them in, the quota bounds */
    CHECK(fx_find_variant(&s, 3) >= 0 && fx_find_variant(&s, 2) >= 0);
    CHECK(fx_find_variant(&s, 0) < 0 || strcmp(s.variants[fx_find_variant(&s, 0)].slot,
                                               "hero_action"));
    check_invariants(&f, &s, &o);
    ka_selection_free(&s);
}

/* Defect frames are never chosen, however bright. */
static void test_defects(void)
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
    fx_add(&f, 4, 80.0, 0.85f);
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

/* The quality weights make the quality score (filled by select), which the quality
 * threshold reads: the same frame passes under one set of weights and not another. */
static void test_weights(void)
{
    fx_title f;
    fx_init(&f);
    ka_candidate *bright = fx_add(&f, 0, 0.0, 0.6f);
    bright->q.brightness = 1.0f;
    bright->q.contrast = bright->q.saturation = 0.1f;
    bright->q.sharpness = 0.1f;
    for (int k = 0; k < 4; k++)
        fx_add(&f, 1 + k, 20.0 + k * 20.0, 0.5f);
    ka_select_opts o = opts_n(4, "drama");
    o.weights = (ka_quality_weights){ 1, 0, 0, 0, 0, 0 };
    ka_selection s;
    CHECK(ka_select(&f.t, &o, &s) == 0);
    CHECK_NEAR(f.c[0].quality_score, 1.0, 1e-6);
    CHECK_EQ_INT(s.variants[0].cand, 0);           /* the brightest is the best (fx_ranker) */
    ka_selection_free(&s);
    o.weights = (ka_quality_weights){ 0, 0, 1, 0, 0, 0 };
    CHECK(ka_select(&f.t, &o, &s) == 0);
    CHECK_NEAR(f.c[0].quality_score, 0.1, 1e-6);
    CHECK(fx_find_variant(&s, 0) < 0);             /* under the threshold now */
    ka_selection_free(&s);
}

/* One moment stands out: the ranker's odds that an editor prefers any other are
 * under KA_SELECT_RIVAL, so the title gets that one, and says why in words and in
 * one word. */
static void test_one_good_moment(void)
{
    fx_title f;
    fx_init(&f);
    fx_add(&f, 0, 0.0, 0.9f);
    for (int k = 0; k < 7; k++)
        fx_add(&f, 1 + k, 20.0 + k * 20.0, 0.5f);
    ka_select_opts o = opts_n(8, "drama");
    fx_ranker(&fx_rank, 10.0f, 0.2f);              /* steep: 0.9 vs 0.5 is decisive */
    ka_selection s;
    CHECK(ka_select(&f.t, &o, &s) == 0);
    CHECK_EQ_INT(s.n_variants, 1);
    CHECK_EQ_INT(s.variants[0].cand, 0);
    CHECK_EQ_INT(s.good_moments, 1);
    CHECK(s.reason && strcmp(s.reason, "few_good_moments") == 0);
    CHECK(strstr(s.why_fewer, "only 1 of 8") && strstr(s.why_fewer, "1 good, distinct moment "));
    CHECK(strstr(s.why_fewer, "7 would be poor artwork") != NULL);
    fprintf(stderr, "why_fewer: %s\n", s.why_fewer);
    ka_selection_free(&s);
    /* a gentler ranker finds them fair rivals: all eight */
    o = opts_n(8, "drama");
    CHECK(ka_select(&f.t, &o, &s) == 0);
    CHECK_EQ_INT(s.n_variants, 8);
    ka_selection_free(&s);
}

/* Nothing reaches the good line: the title still gets its best frame, not marked
 * good, and no more. */
static void test_nothing_good(void)
{
    fx_title f;
    fx_init(&f);
    for (int k = 0; k < 6; k++)
        fx_add(&f, k, k * 20.0, 0.40f + 0.01f * k);
    ka_select_opts o = opts_n(4, "drama");
    fx_ranker(&fx_rank, 1.0f, 0.8f);
    ka_selection s;
    CHECK(ka_select(&f.t, &o, &s) == 0);
    CHECK_EQ_INT(s.n_variants, 1);
    CHECK_EQ_INT(s.variants[0].cand, 5);
    CHECK_EQ_INT(s.variants[0].good, 0);
    CHECK_EQ_INT(s.good_moments, 0);
    CHECK(s.reason && strcmp(s.reason, "few_good_moments") == 0);
    ka_selection_free(&s);
}

/* In one shot, the same people in the same places and poses are the same picture
 * whatever the phash says; a moved face, a turned head, another expression, another
 * person or another shot is not. */
static ka_vision_cand *fx_faces(ka_candidate *c, int n, const ka_rect *boxes, const int *who)
{
    ka_vision_cand *vc = ka_vision_cand_new(n, 0);
    for (int i = 0; i < n; i++) {
        vc->faces[i].box = boxes[i];
        vc->faces[i].character = who ? who[i] : -1;
        vc->faces[i].prominence = 0.5f;
    }
    ka_vision_attach(c, vc);
    return vc;
}

static void test_same_people(void)
{
    fx_title f;
    fx_init(&f);
    const ka_rect two[2] = { { 500, 300, 200, 260 }, { 1100, 320, 190, 250 } };
    const ka_rect moved[2] = { { 500, 300, 200, 260 }, { 1400, 320, 190, 250 } };
    const int who[2] = { 0, 1 }, other[2] = { 0, 2 };
    ka_candidate *a = fx_add(&f, 0, 0.0, 0.9f), *b = fx_add(&f, 0, 1.0, 0.8f);
    ka_candidate *c = fx_add(&f, 0, 2.0, 0.8f), *d = fx_add(&f, 0, 3.0, 0.8f);
    ka_candidate *e = fx_add(&f, 1, 4.0, 0.8f), *g = fx_add(&f, 0, 5.0, 0.8f);
    fx_faces(a, 2, two, who);
    fx_faces(b, 2, two, who);                       /* a blink later: the same picture */
    fx_faces(c, 2, moved, who);                     /* he walked across */
    fx_faces(d, 2, two, other);                     /* someone else in his place */
    fx_faces(e, 2, two, who);                       /* the same set-up, another shot */
    fx_faces(g, 1, two, who);                       /* one of them left */
    CHECK(ka_phash_distance(a->phash, b->phash) > 10);
    CHECK(ka_select_near_duplicate(&f.t, a, b, 10));
    CHECK(!ka_select_near_duplicate(&f.t, a, c, 10));
    CHECK(!ka_select_near_duplicate(&f.t, a, d, 10));
    CHECK(!ka_select_near_duplicate(&f.t, a, e, 10));
    CHECK(!ka_select_near_duplicate(&f.t, a, g, 10));
    ka_face *fb = ka_vision_edit(b)->faces;
    fb[0].yaw = 0.5f;                               /* he turned his head */
    CHECK(!ka_select_near_duplicate(&f.t, a, b, 10));
    fb[0].yaw = 0.1f;                               /* barely */
    CHECK(ka_select_near_duplicate(&f.t, a, b, 10));
    ka_vision_edit(a)->faces[0].expression = KA_EXPR_NEUTRAL;
    fb[0].expression = KA_EXPR_HAPPY;               /* then smiled */
    CHECK(!ka_select_near_duplicate(&f.t, a, b, 10));
    fb[0].expression = KA_EXPR_UNKNOWN;             /* not read: no difference known */
    CHECK(ka_select_near_duplicate(&f.t, a, b, 10));
    fill_hist(a, 12, 9);
    fill_hist(b, 12, 9);
    CHECK(ka_select_near_duplicate(&f.t, a, b, 10));
    fill_hist(b, 3, 40);                            /* other colours: the lights changed */
    CHECK(!ka_select_near_duplicate(&f.t, a, b, 10));
    fill_hist(b, 12, 9);
    ka_select_opts o = opts_n(8, "drama");
    ka_selection s;
    CHECK(ka_select(&f.t, &o, &s) == 0);
    CHECK(fx_find_variant(&s, 0) == 0 && fx_find_variant(&s, 1) < 0);
    check_invariants(&f, &s, &o);
    ka_selection_free(&s);
    for (int i = 0; i < f.t.n_cands; i++)
        ka_candidate_side_free(&f.c[i]);
}

static void test_empty(void)
{
    fx_title f;
    fx_init(&f);
    ka_selection s;
    CHECK(ka_select(&f.t, NULL, &s) == 0);
    CHECK_EQ_INT(s.n_variants, 0);
    CHECK(s.why_fewer[0] != 0);
    CHECK(s.reason && strcmp(s.reason, "no_candidates") == 0);
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

/* Without faces, in one shot: a part of the picture that changed while the rest stayed
 * (a subject turned before a still ground) is a new moment, whatever the phash says;
 * change everywhere is left to the phash. */
static void test_local_change(void)
{
    fx_title f;
    fx_init(&f);
    ka_candidate *a = fx_add(&f, 0, 0.0, 0.9f), *b = fx_add(&f, 0, 3.0, 0.8f);
    b->phash = a->phash;                            /* the same structure */
    fill_hist(a, 12, 9);
    fill_hist(b, 12, 9);
    ka_look *la = calloc(1, sizeof *la), *lb = calloc(1, sizeof *lb);
    CHECK(la && lb);
    if (!la || !lb)
        return;
    la->measured = lb->measured = 1;
    memset(la->thumb, 100, sizeof la->thumb);
    memset(lb->thumb, 100, sizeof lb->thumb);
    CHECK(ka_select_near_duplicate(&f.t, a, b, 10));    /* no look: the phash decides */
    CHECK_EQ_INT(ka_candidate_side_set(a, &ka_look_side, la), 0);
    CHECK_EQ_INT(ka_candidate_side_set(b, &ka_look_side, lb), 0);
    CHECK(ka_select_near_duplicate(&f.t, a, b, 10));
    lb->thumb[40] = 140;                            /* the subject's head turned */
    lb->thumb[41] = 135;
    CHECK(!ka_select_near_duplicate(&f.t, a, b, 10));
    memset(lb->thumb, 120, sizeof lb->thumb);       /* everything brighter: light */
    CHECK(ka_select_near_duplicate(&f.t, a, b, 10));
    for (int i = 0; i < KA_LOOK_THUMB * KA_LOOK_THUMB; i++)    /* a crowd moving everywhere */
        lb->thumb[i] = (uint8_t)(i % 2 ? 130 : 70);
    CHECK(ka_select_near_duplicate(&f.t, a, b, 10));
    b->phash = ~a->phash;                           /* ... and a new layout */
    CHECK(!ka_select_near_duplicate(&f.t, a, b, 10));
    ka_candidate_side_free(a);
    ka_candidate_side_free(b);
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
    RUN(test_defects);
    RUN(test_weights);
    RUN(test_one_good_moment);
    RUN(test_nothing_good);
    RUN(test_same_people);
    RUN(test_local_change);
    RUN(test_empty);
    RUN(test_similarity);
    TEST_END();
}
