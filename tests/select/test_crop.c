/* test_crop.c: crop placement: exact aspect, inside bounds, centred on the focus,
 * clamped at the edges; around faces (ka_crop_faces): faces near the borders, two
 * faces too far apart for a poster, the heaviest kept, no face cut when a placement
 * allows it (checked against every placement of random scenes), letterbox bars; the
 * margin kept around a face (hair, head room, chin), shrunk only as far as the crop
 * needs; the eyes on the upper third, a single lead on a third of a wide crop. */
#include "../ka_test.h"
#include "select_fixture.h"

static int inside(ka_rect b, ka_rect r)
{
    return r.x >= b.x && r.y >= b.y && r.x + r.w <= b.x + b.w && r.y + r.h <= b.y + b.h;
}

static void test_shapes(void)
{
    CHECK(strcmp(ka_shape_name(KA_SHAPE_16X9), "16x9") == 0);
    CHECK(strcmp(ka_shape_name(KA_SHAPE_2X3), "2x3") == 0);
    CHECK(strcmp(ka_shape_name(KA_SHAPE_1X1), "1x1") == 0);
    CHECK(strcmp(ka_shape_name(7), "unknown") == 0);
    int aw, ah;
    ka_shape_aspect(KA_SHAPE_2X3, &aw, &ah);
    CHECK(aw == 2 && ah == 3);
}

/* Every shape over several bounds and foci: exact aspect, inside, largest. */
static void test_aspect_inside(void)
{
    ka_rect bounds[] = { { 0, 0, 1920, 1080 }, { 0, 140, 1920, 800 }, { 240, 0, 1440, 1080 },
                         { 3, 7, 641, 359 }, { 0, 0, 1080, 1920 } };
    ka_rect foci[] = { { 900, 500, 100, 80 }, { 0, 0, 50, 50 }, { 1800, 1000, 120, 80 },
                       { 0, 0, 0, 0 } };
    for (size_t b = 0; b < sizeof(bounds) / sizeof(bounds[0]); b++)
        for (size_t f = 0; f < sizeof(foci) / sizeof(foci[0]); f++)
            for (int s = 0; s < KA_SHAPE_COUNT; s++) {
                int aw, ah;
                ka_shape_aspect(s, &aw, &ah);
                ka_rect r = ka_crop_place(bounds[b], foci[f], aw, ah);
                CHECK_MSG((long long)r.w * ah == (long long)r.h * aw, "%dx%d for %d:%d", r.w,
                          r.h, aw, ah);
                CHECK(inside(bounds[b], r));
                /* largest: one more step of the ratio would not fit */
                CHECK(r.w + aw > bounds[b].w || r.h + ah > bounds[b].h);
            }
}

static void test_centred(void)
{
    ka_rect b = { 0, 0, 1920, 1080 };
    ka_rect focus = { 1100, 400, 200, 200 };         /* centre (1200, 500) */
    ka_rect r = ka_crop_place(b, focus, 1, 1);       /* 1080x1080 */
    CHECK(r.w == 1080 && r.h == 1080);
    CHECK_EQ_INT(r.x + r.w / 2, 1200);
    CHECK(r.x <= focus.x && r.x + r.w >= focus.x + focus.w);
    r = ka_crop_place(b, focus, 2, 3);               /* 720x1080 */
    CHECK(r.w == 720 && r.h == 1080);
    CHECK_EQ_INT(r.x + r.w / 2, 1200);
    r = ka_crop_place(b, focus, 16, 9);              /* the whole frame */
    CHECK(r.x == 0 && r.y == 0 && r.w == 1920 && r.h == 1080);
}

static void test_clamped(void)
{
    ka_rect b = { 0, 140, 1920, 800 };               /* letterboxed content */
    ka_rect left = ka_crop_place(b, (ka_rect){ 0, 140, 40, 40 }, 1, 1);
    CHECK(left.x == 0 && left.y == 140 && left.w == 800);
    ka_rect right = ka_crop_place(b, (ka_rect){ 1900, 900, 20, 40 }, 2, 3);
    CHECK(right.x + right.w == 1920);
    CHECK(right.y == 142 && right.h == 798 && right.w == 532);   /* 266 x (2:3), at the bottom */
    /* a focus outside the bounds is pulled in */
    ka_rect away = ka_crop_place(b, (ka_rect){ 5000, -300, 10, 10 }, 1, 1);
    CHECK(away.x == 1120 && away.y == 140);
    /* empty focus: the centre */
    ka_rect mid = ka_crop_place(b, (ka_rect){ 0, 0, 0, 0 }, 1, 1);
    CHECK(mid.x == 560 && mid.y == 140);
}

static void test_degenerate(void)
{
    ka_rect tiny = ka_crop_place((ka_rect){ 5, 5, 10, 3 }, (ka_rect){ 5, 5, 1, 1 }, 16, 9);
    CHECK(tiny.w >= 1 && tiny.h >= 1 && tiny.w <= 10 && tiny.h <= 3);
    ka_rect none = ka_crop_place((ka_rect){ 0, 0, 0, 0 }, (ka_rect){ 0, 0, 5, 5 }, 1, 1);
    CHECK(none.w == 0 && none.h == 0);
    ka_rect bad = ka_crop_place((ka_rect){ 0, 0, 100, 100 }, (ka_rect){ 0, 0, 5, 5 }, 0, 1);
    CHECK(bad.w == 100);
}

static const ka_rect full = { 0, 0, 1920, 1080 }, centre = { 860, 440, 200, 200 };

static void test_faces_none(void)
{
    for (int s = 0; s < KA_SHAPE_COUNT; s++) {
        int aw, ah;
        ka_shape_aspect(s, &aw, &ah);
        ka_rect a = ka_crop_faces(full, centre, aw, ah, NULL, 0);
        ka_rect b = ka_crop_place(full, centre, aw, ah);
        CHECK(a.x == b.x && a.y == b.y && a.w == b.w && a.h == b.h);
        ka_crop_face empty = { { 5, 5, 0, 0 }, 1.0f };    /* no box: as no face */
        a = ka_crop_faces(full, centre, aw, ah, &empty, 1);
        CHECK(a.x == b.x && a.y == b.y);
    }
}

/* A face at the right border: the salient centre would leave it out, the face-aware
 * crop keeps it whole; a face half out of the frame keeps its visible part. */
static void test_face_near_border(void)
{
    ka_crop_face f = { { 1700, 300, 200, 260 }, 1.0f };
    for (int s = KA_SHAPE_2X3; s <= KA_SHAPE_1X1; s++) {
        int aw, ah;
        ka_shape_aspect(s, &aw, &ah);
        CHECK(ka_test_rect_rel(ka_crop_place(full, centre, aw, ah), f.box) != 1);
        ka_rect r = ka_crop_faces(full, centre, aw, ah, &f, 1);
        CHECK_MSG(ka_test_rect_rel(r, f.box) == 1, "%s: crop x %d w %d", ka_shape_name(s), r.x, r.w);
        CHECK(inside(full, r));
        CHECK_EQ_INT(r.x + r.w, 1920);          /* the face and its margin: at the edge */
    }
    ka_crop_face half = { { -80, 400, 200, 240 }, 1.0f };
    ka_rect r = ka_crop_faces(full, centre, 2, 3, &half, 1);
    CHECK_EQ_INT(r.x, 0);
    CHECK(inside(full, r));
}

/* Two faces too far apart for a 2:3 poster: the heavier one whole, the other left
 * out entirely (never half a face at the border); swapping the weights swaps them. */
static void test_two_far_apart(void)
{
    ka_crop_face f[2] = { { { 200, 300, 200, 250 }, 0.6f }, { { 1500, 320, 200, 250 }, 0.4f } };
    ka_rect r = ka_crop_faces(full, centre, 2, 3, f, 2);
    CHECK(r.w == 720 && r.h == 1080);
    CHECK(ka_test_rect_rel(r, f[0].box) == 1 && ka_test_rect_rel(r, f[1].box) == 0);
    f[0].weight = 0.3f;
    r = ka_crop_faces(full, centre, 2, 3, f, 2);
    CHECK(ka_test_rect_rel(r, f[0].box) == 0 && ka_test_rect_rel(r, f[1].box) == 1);
    /* 1:1 (1080 wide) cannot hold both either */
    r = ka_crop_faces(full, centre, 1, 1, f, 2);
    CHECK(ka_test_rect_rel(r, f[1].box) == 1 && ka_test_rect_rel(r, f[0].box) == 0);
}

/* Two faces close together: both in, the pair centred. */
static void test_two_close(void)
{
    ka_crop_face f[2] = { { { 700, 300, 200, 250 }, 0.5f }, { { 1000, 330, 200, 240 }, 0.5f } };
    ka_rect r = ka_crop_faces(full, (ka_rect){ 0, 0, 300, 300 }, 2, 3, f, 2);
    CHECK(ka_test_rect_rel(r, f[0].box) == 1 && ka_test_rect_rel(r, f[1].box) == 1);
    CHECK(abs(r.x + r.w / 2 - 950) <= 40);
}

/* Three faces, room for the lead and one more: the heavier of the other two. */
static void test_heaviest_kept(void)
{
    ka_crop_face f[3] = { { { 820, 300, 150, 200 }, 0.5f }, { { 430, 320, 150, 200 }, 0.3f },
                          { { 1250, 310, 150, 200 }, 0.2f } };
    ka_rect r = ka_crop_faces(full, centre, 2, 3, f, 3);
    CHECK(ka_test_rect_rel(r, f[0].box) == 1 && ka_test_rect_rel(r, f[1].box) == 1 && ka_test_rect_rel(r, f[2].box) == 0);
    f[1].weight = 0.1f;
    f[2].weight = 0.4f;
    r = ka_crop_faces(full, centre, 2, 3, f, 3);
    CHECK(ka_test_rect_rel(r, f[0].box) == 1 && ka_test_rect_rel(r, f[2].box) == 1 && ka_test_rect_rel(r, f[1].box) == 0);
}

/* Faces that do not matter (weight 0) are never cut when the crop can move. */
static void test_background_uncut(void)
{
    ka_crop_face f[3] = { { { 900, 300, 160, 200 }, 1.0f }, { { 600, 500, 40, 50 }, 0.0f },
                          { { 1330, 480, 40, 50 }, 0.0f } };
    for (int s = KA_SHAPE_2X3; s <= KA_SHAPE_1X1; s++) {
        int aw, ah;
        ka_shape_aspect(s, &aw, &ah);
        ka_rect r = ka_crop_faces(full, f[0].box, aw, ah, f, 3);
        CHECK(ka_test_rect_rel(r, f[0].box) == 1);
        CHECK_MSG(ka_test_rect_rel(r, f[1].box) != 2 && ka_test_rect_rel(r, f[2].box) != 2, "%s: x %d w %d",
                  ka_shape_name(s), r.x, r.w);
    }
}

/* Letterboxed content: every shape inside the bars, faces whole. */
static void test_letterbox(void)
{
    ka_rect b = { 0, 140, 1920, 800 };
    ka_crop_face f[2] = { { { 1650, 200, 200, 240 }, 0.7f }, { { 60, 600, 150, 200 }, 0.3f } };
    for (int s = 0; s < KA_SHAPE_COUNT; s++) {
        int aw, ah;
        ka_shape_aspect(s, &aw, &ah);
        ka_rect r = ka_crop_faces(b, centre, aw, ah, f, 2);
        CHECK(inside(b, r));
        CHECK((long long)r.w * ah == (long long)r.h * aw);
        CHECK(ka_test_rect_rel(r, f[0].box) == 1 && ka_test_rect_rel(r, f[1].box) != 2);
    }
}

/* A face wider than the crop cannot be whole: the crop centres on it. */
static void test_face_too_wide(void)
{
    ka_crop_face f = { { 500, 100, 900, 900 }, 1.0f };
    ka_rect r = ka_crop_faces(full, (ka_rect){ 0, 0, 10, 10 }, 2, 3, &f, 1);
    CHECK(abs(r.x + r.w / 2 - 950) <= 2);
}

/* The part of a face inside the frame: what is beyond was cut by the frame. */
static ka_rect in_frame(ka_rect b)
{
    int x0 = b.x < 0 ? 0 : b.x, x1 = b.x + b.w > 1920 ? 1920 : b.x + b.w;
    return (ka_rect){ x0, b.y, x1 - x0, b.h };
}

static unsigned ka_lcg(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

/* Random scenes against every placement: the crop cuts no face that matters when
 * some placement cuts none, keeps the lead whole when some such placement does, and
 * then cuts no other face when some such placement does not. */
static void test_exhaustive(void)
{
    unsigned seed = 12345;
    int scenes = 0;
    for (int t = 0; t < 400; t++) {
        ka_crop_face f[6];
        int n = 1 + (int)(ka_lcg(&seed) % 6), lead = 0;
        for (int i = 0; i < n; i++) {
            int h = 40 + (int)(ka_lcg(&seed) % 300);
            f[i].box = (ka_rect){ (int)(ka_lcg(&seed) % 1900) - 20, (int)(ka_lcg(&seed) % 700), h * 4 / 5, h };
            f[i].weight = ka_lcg(&seed) % 3 ? 0.1f + (float)(ka_lcg(&seed) % 100) / 100.0f : 0.0f;
            lead = f[i].weight > f[lead].weight ? i : lead;
        }
        int shape = t % 2 ? KA_SHAPE_2X3 : KA_SHAPE_1X1, aw, ah;
        ka_shape_aspect(shape, &aw, &ah);
        ka_rect r = ka_crop_faces(full, centre, aw, ah, f, n);
        int best_cut = 99, lead_ok = 0, bg_ok = 0;
        for (int x = 0; x + r.w <= 1920; x++) {
            ka_rect c = { x, 0, r.w, r.h };
            int cut = 0, bg = 0;
            for (int i = 0; i < n; i++) {
                int k = ka_test_rect_rel(c, in_frame(f[i].box));
                cut += k == 2 && f[i].weight > 0;
                bg += k == 2 && f[i].weight <= 0;
            }
            int whole = f[lead].weight <= 0 || ka_test_rect_rel(c, in_frame(f[lead].box)) == 1;
            if (cut < best_cut) {
                best_cut = cut;
                lead_ok = bg_ok = 0;
            }
            if (cut == best_cut && whole) {
                lead_ok = 1;
                bg_ok |= bg == 0;
            }
        }
        int cut = 0, bg = 0;
        for (int i = 0; i < n; i++) {
            ka_rect b = in_frame(f[i].box);
            cut += ka_test_rect_rel(r, b) == 2 && f[i].weight > 0;
            bg += ka_test_rect_rel(r, b) == 2 && f[i].weight <= 0;
            if (i == lead && lead_ok && f[i].weight > 0)
                CHECK_MSG(ka_test_rect_rel(r, b) == 1, "scene %d: lead left out or cut", t);
        }
        CHECK_MSG(cut == best_cut, "scene %d: %d faces that matter cut, %d possible", t, cut,
                  best_cut);
        if (lead_ok && bg_ok)
            CHECK_MSG(bg == 0, "scene %d: a background face cut", t);
        CHECK(inside(full, r));
        scenes += best_cut == 0;
    }
    CHECK(scenes > 100);             /* most scenes allow a clean crop */
}

/* The margin: 45% of the face's height above, 20% below, 20% of its width either
 * side; inside the bounds; shrunk, keeping the face, to what the crop holds. */
static void test_margin_box(void)
{
    ka_rect f = { 800, 400, 200, 260 };
    ka_rect m = ka_crop_face_margin(f, full, 720, 1080);
    CHECK(m.x == 760 && m.w == 280);
    CHECK(m.y == 400 - 117 && m.h == 260 + 117 + 52);
    ka_rect top = ka_crop_face_margin((ka_rect){ 800, 40, 200, 260 }, full, 720, 1080);
    CHECK_EQ_INT(top.y, 0);                     /* the frame's edge: no room beyond */
    ka_rect tight = ka_crop_face_margin(f, full, 240, 300);
    CHECK(tight.w == 240 && tight.h == 300);    /* what the crop can hold */
    CHECK(tight.x <= f.x && tight.y <= f.y && tight.x + tight.w >= f.x + f.w &&
          tight.y + tight.h >= f.y + f.h);      /* the face itself is never shrunk */
    CHECK(f.y - tight.y > tight.y + tight.h - f.y - f.h);    /* head room before chin */
    ka_rect huge = ka_crop_face_margin(f, full, 150, 150);
    CHECK(huge.x == f.x && huge.w == f.w && huge.h == f.h);  /* too big: the face alone */
}

/* A face near the top: the poster starts above its hair, not at its forehead; a face
 * anywhere: its margin is whole and its eyes sit near the upper third line. */
static void test_margin_kept(void)
{
    ka_rect wide_bounds = { 0, 0, 1920, 1080 };
    for (int y = 150; y <= 650; y += 100) {
        ka_crop_face f = { { 900, y, 180, 230 }, 1.0f };
        for (int s = KA_SHAPE_2X3; s <= KA_SHAPE_1X1; s++) {
            int aw, ah;
            ka_shape_aspect(s, &aw, &ah);
            ka_rect r = ka_crop_faces(wide_bounds, centre, aw, ah, &f, 1);
            ka_rect m = ka_crop_face_margin(f.box, wide_bounds, r.w, r.h);
            CHECK_MSG(ka_test_rect_rel(r, m) == 1, "%s, face at y %d: margin cut",
                      ka_shape_name(s), y);
        }
    }
    /* a tall picture, a 1:1 crop that can slide down: eyes on the upper third */
    ka_crop_face f = { { 620, 500, 200, 260 }, 1.0f };
    ka_rect r = ka_crop_faces((ka_rect){ 0, 0, 1080, 1440 }, centre, 1, 1, &f, 1);
    int eyes = f.box.y + (int)(0.4f * (float)f.box.h);
    CHECK_MSG(abs(eyes - (r.y + r.h / 3)) <= 8, "eyes at %d, third at %d", eyes, r.y + r.h / 3);
}

/* A single lead in a wide crop of a wider picture (a scope frame) stands on the third
 * on its side; two faces are centred together. */
static void test_thirds(void)
{
    ka_rect scope = { 0, 0, 2560, 1080 };
    ka_crop_face left = { { 700, 300, 200, 260 }, 1.0f };
    ka_rect r = ka_crop_faces(scope, centre, 16, 9, &left, 1);
    int cx = left.box.x + left.box.w / 2;
    CHECK_MSG(abs(cx - (r.x + r.w / 3)) <= 8, "centre %d, left third %d", cx, r.x + r.w / 3);
    ka_crop_face right = { { 1700, 300, 200, 260 }, 1.0f };
    r = ka_crop_faces(scope, centre, 16, 9, &right, 1);
    cx = right.box.x + right.box.w / 2;
    CHECK_MSG(abs(cx - (r.x + 2 * r.w / 3)) <= 8, "centre %d, right third %d", cx,
              r.x + 2 * r.w / 3);
    ka_crop_face two[2] = { { { 1000, 300, 200, 260 }, 1.0f }, { { 1400, 320, 190, 250 }, 0.9f } };
    r = ka_crop_faces(scope, centre, 16, 9, two, 2);
    CHECK(abs((r.x + r.w / 2) - 1295) <= 60);
}

int main(void)
{
    RUN(test_shapes);
    RUN(test_aspect_inside);
    RUN(test_centred);
    RUN(test_clamped);
    RUN(test_degenerate);
    RUN(test_faces_none);
    RUN(test_face_near_border);
    RUN(test_two_far_apart);
    RUN(test_two_close);
    RUN(test_heaviest_kept);
    RUN(test_background_uncut);
    RUN(test_letterbox);
    RUN(test_face_too_wide);
    RUN(test_exhaustive);
    RUN(test_margin_box);
    RUN(test_margin_kept);
    RUN(test_thirds);
    TEST_END();
}
