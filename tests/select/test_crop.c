/* test_crop.c: crop placement: exact aspect, inside bounds, centred on the focus,
 * clamped at the edges. */
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

int main(void)
{
    RUN(test_shapes);
    RUN(test_aspect_inside);
    RUN(test_centred);
    RUN(test_clamped);
    RUN(test_degenerate);
    TEST_END();
}
