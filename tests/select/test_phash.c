/* test_phash.c: the difference hash: identical, near and different pictures. */
#include "../ka_test.h"
#include "select_fixture.h"

/* A smooth scene: horizontal and vertical gradients plus a bright disc at (cx, cy). */
static void scene(ka_image *img, int cx, int cy, int noise_seed)
{
    for (int y = 0; y < img->height; y++)
        for (int x = 0; x < img->width; x++) {
            int v = 40 + x * 120 / img->width + (y * 60 / img->height);
            int dx = x - cx, dy = y - cy;
            if (dx * dx + dy * dy < 40 * 40)
                v = 230;
            if (noise_seed)
                v += (int)(fx_mix((uint64_t)(y * img->width + x) * 31u + (uint64_t)noise_seed) % 7)
                     - 3;
            v = v < 0 ? 0 : v > 255 ? 255 : v;
            fx_set(img, x, y, (uint8_t)v, (uint8_t)(v * 9 / 10), (uint8_t)(v * 8 / 10));
        }
}

static void test_identical_near_different(void)
{
    ka_image a, b, c, d;
    ka_rect all = { 0, 0, 320, 180 };
    CHECK(ka_image_alloc(&a, 320, 180, 3) == 0);
    CHECK(ka_image_alloc(&b, 320, 180, 3) == 0);
    CHECK(ka_image_alloc(&c, 320, 180, 3) == 0);
    CHECK(ka_image_alloc(&d, 320, 180, 3) == 0);
    scene(&a, 100, 90, 0);
    scene(&b, 100, 90, 5);          /* same picture with sensor noise */
    scene(&c, 104, 92, 0);          /* a slight camera move */
    fx_checker(&d, all, 20, 30, 220);   /* something else entirely */
    uint64_t ha = ka_phash(&a, all), hb = ka_phash(&b, all), hc = ka_phash(&c, all);
    uint64_t hd = ka_phash(&d, all);
    CHECK_EQ_INT(ka_phash_distance(ha, ka_phash(&a, all)), 0);
    CHECK_MSG(ka_phash_distance(ha, hb) <= 4, "noise: %d", ka_phash_distance(ha, hb));
    CHECK_MSG(ka_phash_distance(ha, hc) <= 10, "move: %d", ka_phash_distance(ha, hc));
    CHECK_MSG(ka_phash_distance(ha, hd) > 20, "different: %d", ka_phash_distance(ha, hd));
    ka_image_free(&a);
    ka_image_free(&b);
    ka_image_free(&c);
    ka_image_free(&d);
}

/* Bit y*8+x is set when cell x is darker than cell x+1: a left-to-right ramp sets
 * all 64 bits, the mirrored ramp none. */
static void test_bits(void)
{
    ka_image img;
    ka_rect all = { 0, 0, 90, 16 };
    CHECK(ka_image_alloc(&img, 90, 16, 3) == 0);
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 90; x++)
            fx_set(&img, x, y, (uint8_t)(x * 2), (uint8_t)(x * 2), (uint8_t)(x * 2));
    CHECK(ka_phash(&img, all) == ~0ull);
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 90; x++)
            fx_set(&img, x, y, (uint8_t)(200 - x * 2), 0, 0);
    CHECK(ka_phash(&img, all) == 0ull);
    ka_image_free(&img);
}

/* The hash covers only the region: bars outside it do not change it. */
static void test_region(void)
{
    ka_image a, b;
    CHECK(ka_image_alloc(&a, 320, 240, 3) == 0);
    CHECK(ka_image_alloc(&b, 320, 240, 3) == 0);
    scene(&a, 150, 120, 0);
    scene(&b, 150, 120, 0);
    for (int y = 0; y < 30; y++)
        for (int x = 0; x < 320; x++) {
            fx_set(&b, x, y, 0, 0, 0);
            fx_set(&b, x, 239 - y, 0, 0, 0);
        }
    ka_rect inner = { 0, 30, 320, 180 };
    CHECK(ka_phash(&a, inner) == ka_phash(&b, inner));
    CHECK(ka_phash(&a, (ka_rect){ 0, 0, 320, 240 }) != ka_phash(&b, (ka_rect){ 0, 0, 320, 240 }));
    /* tiny and odd regions do not crash */
    (void)ka_phash(&a, (ka_rect){ 5, 5, 3, 2 });
    (void)ka_phash(&a, (ka_rect){ 318, 238, 50, 50 });
    CHECK(ka_phash(NULL, inner) == 0);
    ka_image_free(&a);
    ka_image_free(&b);
}

int main(void)
{
    RUN(test_identical_near_different);
    RUN(test_bits);
    RUN(test_region);
    TEST_END();
}
