/* test_quality.c: ka_quality_measure on synthetic and real images, ka_quality_score,
 * and the quality weights as text (what the CLI takes and the work queue stores). */
#include <stdio.h>

#include "../ka_test.h"
#include "keyart/media.h"
#include "select_fixture.h"

static void measure_solid(uint8_t r, uint8_t g, uint8_t b, ka_quality *q)
{
    ka_image img;
    CHECK(ka_image_alloc(&img, 64, 48, 3) == 0);
    fx_fill(&img, r, g, b);
    ka_quality_measure(&img, (ka_rect){ 0, 0, 64, 48 }, q);
    ka_image_free(&img);
}

static void test_mid_gray(void)
{
    ka_quality q;
    measure_solid(119, 119, 119, &q);
    CHECK_NEAR(q.lightness, 50.0, 0.3);          /* sRGB 119 is L* 50.0 */
    CHECK(q.brightness > 0.99f);
    CHECK_NEAR(q.contrast_raw, 0.0, 1e-3);
    CHECK_NEAR(q.contrast, 0.0, 1e-3);
    CHECK_NEAR(q.sharpness, 0.0, 1e-6);
    CHECK(q.saturation_raw < 0.05f);
    CHECK_NEAR(q.exposure_clipped, 0.0, 1e-6);
}

static void test_black_white(void)
{
    ka_quality q;
    measure_solid(0, 0, 0, &q);
    CHECK_NEAR(q.lightness, 0.0, 0.01);
    CHECK_NEAR(q.brightness, 0.0, 1e-3);
    CHECK_NEAR(q.exposure_clipped, 1.0, 1e-6);
    ka_cand_quality cq = { .q = q };               /* vision's parts unknown */
    ka_quality_score(&cq, NULL);
    CHECK_NEAR(cq.score, 0.0, 1e-6);
    measure_solid(255, 255, 255, &q);
    CHECK_NEAR(q.lightness, 100.0, 0.05);
    CHECK_NEAR(q.brightness, 0.0, 1e-3);
    CHECK_NEAR(q.exposure_clipped, 1.0, 1e-6);
}

static void test_known_lab(void)
{
    ka_quality q;
    measure_solid(128, 128, 128, &q);
    CHECK_NEAR(q.lightness, 53.59, 0.1);
    measure_solid(255, 0, 0, &q);                  /* L* 53.24, a* 80.09, b* 67.20 */
    CHECK_NEAR(q.lightness, 53.24, 0.1);
    CHECK_NEAR(q.saturation_raw, 104.55, 0.5);
    measure_solid(0, 0, 255, &q);                  /* L* 32.30, a* 79.19, b* -107.86 */
    CHECK_NEAR(q.lightness, 32.30, 0.1);
    CHECK_NEAR(q.saturation_raw, 133.81, 0.6);
    measure_solid(255, 255, 0, &q);                /* yellow: L* 97.14 */
    CHECK_NEAR(q.lightness, 97.14, 0.1);
}

static void test_saturation(void)
{
    ka_quality red, gray;
    measure_solid(220, 30, 30, &red);
    measure_solid(120, 120, 120, &gray);
    CHECK(red.saturation > gray.saturation);
    CHECK_NEAR(red.saturation, 1.0, 1e-6);         /* chroma > 40 */
    CHECK(gray.saturation < 0.01f);
}

static void test_contrast(void)
{
    ka_image img;
    CHECK(ka_image_alloc(&img, 64, 64, 3) == 0);
    fx_fill(&img, 64, 64, 64);
    for (int y = 0; y < 64; y++)
        for (int x = 32; x < 64; x++)
            fx_set(&img, x, y, 192, 192, 192);
    ka_quality q;
    ka_quality_measure(&img, (ka_rect){ 0, 0, 64, 64 }, &q);
    /* L* of 64 is 27.09, of 192 is 77.69: std = half the difference */
    CHECK_NEAR(q.contrast_raw, (77.69 - 27.09) / 2, 0.2);
    CHECK_NEAR(q.contrast, 1.0, 1e-6);
    ka_image_free(&img);
}

static void test_sharpness_checker(void)
{
    ka_image img;
    ka_rect all = { 0, 0, 320, 240 };
    CHECK(ka_image_alloc(&img, 320, 240, 3) == 0);
    fx_checker(&img, all, 2, 64, 192);
    ka_quality sharp, soft;
    ka_quality_measure(&img, all, &sharp);
    fx_blur(&img, 3);
    ka_quality_measure(&img, all, &soft);
    CHECK(sharp.sharpness_raw > soft.sharpness_raw);
    CHECK(sharp.sharpness > 0.7f);
    CHECK(soft.sharpness < 0.3f);
    ka_image_free(&img);
}

static void test_region(void)
{
    ka_image img;
    CHECK(ka_image_alloc(&img, 100, 50, 3) == 0);
    fx_fill(&img, 119, 119, 119);
    for (int y = 0; y < 50; y++)
        for (int x = 0; x < 50; x++)
            fx_set(&img, x, y, 230, 20, 20);
    ka_quality left, right, outside;
    ka_quality_measure(&img, (ka_rect){ 0, 0, 50, 50 }, &left);
    ka_quality_measure(&img, (ka_rect){ 50, 0, 50, 50 }, &right);
    CHECK(left.saturation > 0.9f);
    CHECK(right.saturation < 0.01f);
    CHECK_NEAR(right.contrast_raw, 0.0, 1e-3);
    /* a rect off the image measures the whole image */
    ka_quality_measure(&img, (ka_rect){ 500, 500, 10, 10 }, &outside);
    CHECK(outside.saturation_raw > right.saturation_raw);
    CHECK(outside.saturation_raw < left.saturation_raw);
    ka_quality_measure(NULL, (ka_rect){ 0, 0, 1, 1 }, &outside);   /* no crash, zeros */
    CHECK(outside.lightness == 0.0f && outside.sharpness == 0.0f);
    ka_image_free(&img);
}

/* A 1080p frame: sampled path, and cheap. */
static void test_large(void)
{
    ka_image img;
    ka_rect all = { 0, 0, 1920, 1080 };
    CHECK(ka_image_alloc(&img, 1920, 1080, 3) == 0);
    fx_checker(&img, all, 8, 60, 180);
    ka_quality q;
    double t0 = ka_now();
    for (int i = 0; i < 5; i++)
        ka_quality_measure(&img, all, &q);
    double ms = (ka_now() - t0) * 1000.0 / 5;
    fprintf(stderr, "quality of a 1080p frame: %.2f ms\n", ms);
    CHECK(ms < 200.0);                             /* ~5 ms optimised; loose for sanitizers */
    CHECK(q.sharpness > 0.7f);
    CHECK(q.contrast > 0.9f);
    CHECK_NEAR(q.exposure_clipped, 0.0, 1e-6);
    ka_image_free(&img);
}

/* A real photograph is sharp; the same photo blurred (box radius 3, ~sigma 2) is not. */
static void test_real_photo(void)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/faces/public-figures/obama.jpg", ka_test_shared());
    ka_image img;
    if (ka_image_read_jpeg(path, &img) != 0) {
        fprintf(stderr, "skip: cannot read %s: %s\n", path, ka_error_message());
        return;
    }
    ka_rect all = { 0, 0, img.width, img.height };
    ka_quality sharp, soft;
    ka_quality_measure(&img, all, &sharp);
    fx_blur(&img, 3);
    ka_quality_measure(&img, all, &soft);
    fprintf(stderr, "photo sharpness %.1f -> %.3f, blurred %.1f -> %.3f\n",
            (double)sharp.sharpness_raw, (double)sharp.sharpness, (double)soft.sharpness_raw,
            (double)soft.sharpness);
    CHECK(sharp.sharpness > 0.7f);
    CHECK(soft.sharpness < 0.3f);
    ka_image_free(&img);
}

static void test_score(void)
{
    ka_cand_quality q = { 0 };
    q.q.brightness = 0.8f;
    q.q.contrast = 0.6f;
    q.q.sharpness = 0.4f;
    q.q.saturation = 0.2f;
    ka_quality_weights def = { 0.25f, 0.25f, 0.30f, 0.20f, 0.10f, 0.15f };
    ka_quality_score(&q, &def);
    CHECK_NEAR(q.score, 0.25 * 0.8 + 0.25 * 0.6 + 0.30 * 0.4 + 0.20 * 0.2, 1e-5);
    float base = q.score;
    ka_quality_score(&q, NULL);                    /* NULL = the defaults */
    CHECK_NEAR(q.score, base, 1e-6);
    ka_quality_weights only_b = { 1, 0, 0, 0, 0, 0 }, only_s = { 0, 0, 2, 0, 0, 0 };
    ka_quality_score(&q, &only_b);
    CHECK_NEAR(q.score, 0.8, 1e-6);
    ka_quality_score(&q, &only_s);                 /* weights are normalised by their sum */
    CHECK_NEAR(q.score, 0.4, 1e-6);
    ka_quality_weights bad = { -1, 0, 0, 0, 0, 0 };
    ka_quality_score(&q, &bad);                    /* invalid: the defaults */
    CHECK_NEAR(q.score, base, 1e-6);
    q.q.exposure_clipped = 0.2f;
    ka_quality_score(&q, &def);
    CHECK_NEAR(q.score, base * 0.8, 1e-5);
    q.q.exposure_clipped = 0.9f;                   /* the penalty stops at half */
    ka_quality_score(&q, &def);
    CHECK_NEAR(q.score, base * 0.5, 1e-5);
}

/* BRISQUE and the faces: their own parts, counted only when measured, each with its
 * weight; the breakdown's contributions add up to the score. */
static void test_score_parts(void)
{
    ka_cand_quality q = { 0 };
    q.q.brightness = 0.8f;
    q.q.contrast = 0.6f;
    q.q.sharpness = 0.4f;
    q.q.saturation = 0.2f;
    q.v.brisque = 0.9f;                            /* not measured yet: ignored */
    q.v.face = 0.1f;
    ka_quality_weights w = { 0.25f, 0.25f, 0.30f, 0.20f, 0.10f, 0.15f };
    ka_quality_score(&q, &w);
    float plain = 0.25f * 0.8f + 0.25f * 0.6f + 0.30f * 0.4f + 0.20f * 0.2f;
    CHECK_NEAR(q.score, plain, 1e-5);
    q.v.has_brisque = 1;
    ka_quality_score(&q, &w);
    CHECK_NEAR(q.score, (plain + 0.10 * 0.9) / 1.10, 1e-5);
    float with_brisque = q.score;
    q.v.has_face = 1;
    ka_quality_score(&q, &w);
    CHECK_NEAR(q.score, (plain + 0.10 * 0.9 + 0.15 * 0.1) / 1.25, 1e-5);
    CHECK(q.score < with_brisque);                 /* poor faces lower it */
    q.v.brisque = 0.2f;                            /* a worse BRISQUE lowers it */
    float before = q.score;
    ka_quality_score(&q, &w);
    CHECK_NEAR(before - q.score, 0.10 * 0.7 / 1.25, 1e-5);
    /* the breakdown: known parts with their weights, contributions summing to score */
    q.q.exposure_clipped = 0.1f;
    ka_quality_part parts[KA_QPART_COUNT];
    float exposure = 0.0f, sum = 0.0f;
    float score = ka_quality_breakdown(&q, &w, parts, &exposure);
    ka_quality_score(&q, &w);
    CHECK_NEAR(score, q.score, 1e-6);
    CHECK_NEAR(exposure, 0.9, 1e-6);
    for (int i = 0; i < KA_QPART_COUNT; i++) {
        CHECK(parts[i].known);
        sum += parts[i].contribution;
    }
    CHECK_NEAR(sum, q.score, 1e-5);
    CHECK(strcmp(parts[KA_QPART_BRISQUE].name, "brisque") == 0);
    CHECK_NEAR(parts[KA_QPART_FACE].contribution, 0.15 * 0.1 / 1.25 * 0.9, 1e-5);
    q.v.has_face = 0;
    ka_quality_breakdown(&q, &w, parts, &exposure);
    CHECK(!parts[KA_QPART_FACE].known && parts[KA_QPART_FACE].weight == 0.0f &&
          parts[KA_QPART_FACE].contribution == 0.0f);
    /* weights: validity, and parts weighing alone */
    CHECK(ka_quality_weights_valid(&w));
    ka_quality_weights neg = w, zero = { 0 }, face_only = { 0, 0, 0, 0, 0, 1 };
    neg.face = -0.1f;
    CHECK(!ka_quality_weights_valid(&neg) && !ka_quality_weights_valid(&zero));
    q.v.has_face = 1;
    q.q.exposure_clipped = 0.0f;
    ka_quality_score(&q, &face_only);
    CHECK_NEAR(q.score, 0.1, 1e-6);
    q.v.has_face = 0;                              /* only unknown parts weigh: defaults */
    ka_quality_score(&q, &face_only);
    CHECK_NEAR(q.score, (plain + 0.10 * 0.2) / 1.10, 1e-5);
}

/* Text and back gives the same floats; malformed text is refused, saying why. */
static void test_weights_text(void)
{
    const ka_quality_weights odd = { 0.1f, 1.0f / 3, 999.999f, 1e-3f, 0, 0.7f };
    char text[KA_QUALITY_WEIGHTS_TEXT_MAX];
    ka_quality_weights_format(&odd, text);
    ka_quality_weights back = { 0 };
    CHECK_EQ_INT(ka_quality_weights_parse(text, &back), 0);
    CHECK_MSG(!memcmp(&back, &odd, sizeof odd), "%s", text);
    const ka_quality_weights sharp = { 0, 0, 1, 0, 0, 0 };
    ka_quality_weights_format(&sharp, text);
    CHECK_MSG(!strcmp(text, "0,0,1,0,0,0"), "%s", text);
    static const char *const bad[][2] = {
        { "1,2", "too few numbers" }, { "", "too few numbers" },
        { "1,1,1,1,1,1,1", "too many numbers" }, { "1,1,,1,1,1", "a number is missing" },
        { "1,1,x,1,1,1", "'x' is not a number from 0 to 1000" },
        { "1,1,1,1,1,1001", "'1001' is not a number from 0 to 1000" },
        { "1,1,1,1,1,1x", "'1x' is not a number from 0 to 1000" }, { "0,0,0,0,0,0", "all are 0" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ka_quality_weights w = sharp;
        CHECK_EQ_INT(ka_quality_weights_parse(bad[i][0], &w), KA_EINVAL);
        CHECK_MSG(!strcmp(ka_error_message(), bad[i][1]), "'%s': %s", bad[i][0],
                  ka_error_message());
        CHECK(!memcmp(&w, &sharp, sizeof w));      /* untouched */
    }
}

int main(void)
{
    RUN(test_mid_gray);
    RUN(test_black_white);
    RUN(test_known_lab);
    RUN(test_saturation);
    RUN(test_contrast);
    RUN(test_sharpness_checker);
    RUN(test_region);
    RUN(test_large);
    RUN(test_real_photo);
    RUN(test_score);
    RUN(test_score_parts);
    RUN(test_weights_text);
    TEST_END();
}
