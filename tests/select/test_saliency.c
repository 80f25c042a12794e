/* test_saliency.c: the salient region finds what stands out, stays inside the
 * content and is never empty. */
#include "../ka_test.h"
#include "select_fixture.h"

static int contains(ka_rect outer, ka_rect in)
{
    return in.x >= outer.x && in.y >= outer.y && in.x + in.w <= outer.x + outer.w &&
           in.y + in.h <= outer.y + outer.h;
}

static double overlap_of(ka_rect a, ka_rect b)      /* share of b covered by a */
{
    int x0 = a.x > b.x ? a.x : b.x, y0 = a.y > b.y ? a.y : b.y;
    int x1 = a.x + a.w < b.x + b.w ? a.x + a.w : b.x + b.w;
    int y1 = a.y + a.h < b.y + b.h ? a.y + a.h : b.y + b.h;
    if (x1 <= x0 || y1 <= y0)
        return 0.0;
    return (double)(x1 - x0) * (y1 - y0) / ((double)b.w * b.h);
}

/* A bright textured patch off-centre on a flat dark background. */
static void test_patch(void)
{
    ka_image img;
    CHECK(ka_image_alloc(&img, 1280, 720, 3) == 0);
    fx_fill(&img, 40, 45, 50);
    ka_rect patch = { 850, 150, 240, 200 };
    fx_checker(&img, patch, 12, 170, 250);
    ka_rect all = { 0, 0, 1280, 720 };
    ka_rect s = ka_saliency_region(&img, all);
    fprintf(stderr, "patch %d,%d %dx%d -> salient %d,%d %dx%d\n", patch.x, patch.y, patch.w,
            patch.h, s.x, s.y, s.w, s.h);
    CHECK(s.w > 0 && s.h > 0);
    CHECK(contains(all, s));
    CHECK(overlap_of(s, patch) > 0.5);              /* covers most of the patch */
    CHECK(overlap_of(patch, s) > 0.6);              /* and is mostly patch */
    ka_image_free(&img);
}

/* A coloured object: colour distinctness alone (no texture). */
static void test_colour(void)
{
    ka_image img;
    CHECK(ka_image_alloc(&img, 640, 360, 3) == 0);
    fx_fill(&img, 110, 120, 110);
    ka_rect obj = { 60, 200, 100, 100 };
    for (int y = obj.y; y < obj.y + obj.h; y++)
        for (int x = obj.x; x < obj.x + obj.w; x++)
            fx_set(&img, x, y, 230, 30, 40);
    ka_rect s = ka_saliency_region(&img, (ka_rect){ 0, 0, 640, 360 });
    CHECK(overlap_of(s, obj) > 0.5);
    CHECK((double)s.w * s.h < 4.0 * obj.w * obj.h);
    ka_image_free(&img);
}

/* Letterboxed: the answer lies inside content even when bars are the brightest. */
static void test_inside_content(void)
{
    ka_image img;
    CHECK(ka_image_alloc(&img, 640, 480, 3) == 0);
    fx_fill(&img, 255, 255, 255);
    ka_rect content = { 0, 60, 640, 360 };
    for (int y = content.y; y < content.y + content.h; y++)
        for (int x = 0; x < 640; x++)
            fx_set(&img, x, y, 90, 90, 90);
    ka_rect s = ka_saliency_region(&img, content);
    CHECK(contains(content, s));
    CHECK(s.w > 0 && s.h > 0);
    ka_image_free(&img);
}

/* A flat picture: a centred region, never empty; degenerate inputs are safe. */
static void test_flat(void)
{
    ka_image img;
    CHECK(ka_image_alloc(&img, 400, 200, 3) == 0);
    fx_fill(&img, 128, 128, 128);
    ka_rect all = { 0, 0, 400, 200 };
    ka_rect s = ka_saliency_region(&img, all);
    CHECK(s.w > 0 && s.h > 0 && contains(all, s));
    int cx = s.x + s.w / 2, cy = s.y + s.h / 2;
    CHECK(cx > 150 && cx < 250 && cy > 70 && cy < 130);
    ka_rect tiny = ka_saliency_region(&img, (ka_rect){ 10, 10, 1, 1 });
    CHECK(tiny.w == 1 && tiny.h == 1 && tiny.x == 10 && tiny.y == 10);
    ka_rect off = ka_saliency_region(&img, (ka_rect){ 900, 900, 10, 10 });
    CHECK(off.w > 0 && off.h > 0 && contains(all, off));
    ka_image_free(&img);
}

int main(void)
{
    RUN(test_patch);
    RUN(test_colour);
    RUN(test_inside_content);
    RUN(test_flat);
    TEST_END();
}
