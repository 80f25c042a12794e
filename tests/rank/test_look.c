/* test_look.c: ka_look_measure on pictures made here, each built so that one measure
 * has a known answer: a flat card, known noise, two strong colours, interface panels
 * against tree trunks, a line of type against a texture, a small subject against a
 * texture (spread), a sharp subject on a plain ground (isolation). */
#include <string.h>

#include "../ka_test.h"
#include "keyart/keyart.h"

static unsigned lcg(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static ka_image blank(int w, int h, uint8_t v)
{
    ka_image img;
    ka_image_alloc(&img, w, h, 3);
    for (int y = 0; y < h; y++)
        memset(img.data + (size_t)y * img.stride, v, (size_t)w * 3);
    return img;
}

static void put(ka_image *img, int x, int y, uint8_t r, uint8_t g, uint8_t b)
{
    if (x < 0 || y < 0 || x >= img->width || y >= img->height)
        return;
    uint8_t *p = img->data + (size_t)y * img->stride + (size_t)x * 3;
    p[0] = r;
    p[1] = g;
    p[2] = b;
}

static void box(ka_image *img, int x0, int y0, int w, int h, uint8_t v)
{
    for (int y = y0; y < y0 + h; y++)
        for (int x = x0; x < x0 + w; x++)
            put(img, x, y, v, v, v);
}

/* Random gray blobs of 3..10 px everywhere: detail with no subject. */
static void texture(ka_image *img, unsigned seed)
{
    for (int k = 0; k < img->width * img->height / 30; k++) {
        int x = (int)(lcg(&seed) % (unsigned)img->width), y = (int)(lcg(&seed) % (unsigned)img->height);
        int r = 3 + (int)(lcg(&seed) % 8);
        uint8_t v = (uint8_t)(lcg(&seed) % 256);
        box(img, x, y, r, r, v);
    }
}

static ka_look measure(const ka_image *img, ka_rect subject)
{
    ka_look l;
    ka_look_measure(img, (ka_rect){ 0, 0, img->width, img->height }, subject, &l);
    return l;
}

static const ka_rect none = { 0, 0, 0, 0 };

static void test_flat(void)
{
    ka_image img = blank(1280, 720, 128);
    ka_look l = measure(&img, none);
    CHECK(l.measured);
    CHECK_NEAR(l.colourfulness, 0.0, 1e-6);
    CHECK_NEAR(l.noise, 0.0, 1e-6);
    CHECK_NEAR(l.edges, 0.0, 1e-6);
    CHECK_NEAR(l.text, 0.0, 1e-6);
    CHECK_NEAR(l.lines, 0.0, 1e-6);
    CHECK_NEAR(l.flat, 1.0, 1e-6);
    CHECK_NEAR(l.isolation, 0.5, 1e-6);
    ka_image_free(&img);
    /* bad input: nothing measured, no crash */
    ka_look_measure(NULL, (ka_rect){ 0, 0, 10, 10 }, none, &l);
    CHECK(!l.measured);
}

/* Gaussian-like noise of known sigma (sum of uniforms) on a flat card. */
static void test_noise(void)
{
    for (int sigma = 2; sigma <= 8; sigma += 3) {
        ka_image img = blank(1280, 720, 120);
        unsigned seed = 7u * (unsigned)sigma;
        for (int y = 0; y < img.height; y++)
            for (int x = 0; x < img.width; x++) {
                double u = 0;
                for (int k = 0; k < 12; k++)
                    u += (double)(lcg(&seed) % 10000) / 10000.0;
                int v = 120 + (int)lround((u - 6.0) * sigma);
                put(&img, x, y, (uint8_t)v, (uint8_t)v, (uint8_t)v);
            }
        ka_look l = measure(&img, none);
        CHECK_MSG(fabs(l.noise - sigma) <= 0.15 * sigma, "sigma %d read %.2f", sigma,
                  (double)l.noise);
        ka_image_free(&img);
    }
}

static void test_colour(void)
{
    ka_image img = blank(640, 360, 0);
    for (int y = 0; y < 360; y++)
        for (int x = 0; x < 640; x++)
            put(&img, x, y, x < 320 ? 220 : 20, 30, x < 320 ? 20 : 220);
    ka_look vivid = measure(&img, none);
    ka_image_free(&img);
    img = blank(640, 360, 0);
    for (int y = 0; y < 360; y++)
        for (int x = 0; x < 640; x++)
            put(&img, x, y, x < 320 ? 130 : 110, 120, x < 320 ? 110 : 130);
    ka_look dull = measure(&img, none);
    ka_image_free(&img);
    CHECK(vivid.colourfulness > 1.0f);
    CHECK(dull.colourfulness < 0.2f);
}

/* Interface panels: framed boxes in a grid; trunks: vertical bars only. */
static void test_lines(void)
{
    ka_image ui = blank(1280, 720, 30);
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++) {
            int x = 60 + c * 400, y = 40 + r * 220;
            box(&ui, x, y, 340, 180, 200);
            box(&ui, x + 4, y + 4, 332, 172, 60);
        }
    ka_look l = measure(&ui, none);
    CHECK_MSG(l.lines >= 0.99f, "panels: lines %.2f", (double)l.lines);
    ka_image_free(&ui);
    ka_image trunks = blank(1280, 720, 90);
    for (int k = 0; k < 8; k++)
        box(&trunks, 100 + k * 140, 0, 40, 720, 20);
    l = measure(&trunks, none);
    CHECK_MSG(l.lines <= 0.01f, "trunks: lines %.2f", (double)l.lines);
    ka_image_free(&trunks);
    ka_image tex = blank(1280, 720, 128);
    texture(&tex, 3);
    l = measure(&tex, none);
    CHECK_MSG(l.lines <= 0.2f, "texture: lines %.2f", (double)l.lines);
    ka_image_free(&tex);
}

/* A line of "type": glyphs of caption size (letters 24 px tall, strokes 3 px, an
 * outline, a bar across or a stem in each) on a plain dark ground. */
static void test_text(void)
{
    ka_image img = blank(1280, 720, 20);
    for (int g = 0; g < 48; g++) {
        int x = 80 + g * 23, y = 320;
        box(&img, x, y, 16, 3, 235);                /* top */
        box(&img, x, y + 21, 16, 3, 235);           /* bottom */
        box(&img, x, y, 3, 24, 235);                /* left stem */
        if (g % 3)
            box(&img, x + 13, y, 3, 24, 235);       /* right stem */
        if (g % 2)
            box(&img, x, y + 10, 16, 3, 235);       /* a bar across */
    }
    ka_look typed = measure(&img, none);
    ka_image_free(&img);
    ka_image tex = blank(1280, 720, 128);
    texture(&tex, 11);
    ka_look busy = measure(&tex, none);
    ka_image_free(&tex);
    CHECK_MSG(typed.text > 0.01f, "type: %.4f", (double)typed.text);
    CHECK_MSG(busy.text < typed.text / 3, "texture: %.4f vs type %.4f", (double)busy.text,
              (double)typed.text);
}

/* A small subject on a plain ground: its detail spans little of the picture and it
 * stands out; texture everywhere spans all of it. */
static void test_spread_isolation(void)
{
    ka_image img = blank(1280, 720, 100);
    ka_image sub = blank(200, 200, 0);
    texture(&sub, 5);
    for (int y = 0; y < 200; y++)
        memcpy(img.data + (size_t)(260 + y) * img.stride + 540 * 3,
               sub.data + (size_t)y * sub.stride, 200 * 3);
    ka_look one = measure(&img, (ka_rect){ 540, 260, 200, 200 });
    ka_look away = measure(&img, (ka_rect){ 0, 0, 200, 200 });
    ka_image_free(&img);
    ka_image_free(&sub);
    ka_image tex = blank(1280, 720, 128);
    texture(&tex, 9);
    ka_look all = measure(&tex, none);
    ka_image_free(&tex);
    CHECK_MSG(one.spread < 0.1f, "one subject spreads over %.2f", (double)one.spread);
    CHECK_MSG(all.spread > 0.9f, "texture spreads over %.2f", (double)all.spread);
    CHECK_MSG(one.isolation > 0.95f, "subject isolation %.2f", (double)one.isolation);
    CHECK_MSG(away.isolation < 0.05f, "plain box isolation %.2f", (double)away.isolation);
    CHECK(one.flat > all.flat);
}

int main(void)
{
    RUN(test_flat);
    RUN(test_noise);
    RUN(test_colour);
    RUN(test_lines);
    RUN(test_text);
    RUN(test_spread_isolation);
    TEST_END();
}
