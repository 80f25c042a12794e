/* test_shot_kernels.c: the shot detector's inner loops against plain versions of
 * themselves: block means (the exact-blocks path and the general one give the mean
 * of every block, to the last bit), and the eight-lane sums (the same sums as one
 * running double, within float rounding, for every tail length). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/shots_priv.h"
#include "ka_test.h"

static uint32_t rng = 12345;
static uint32_t next(void)
{
    rng = rng * 1664525u + 1013904223u;
    return rng >> 8;
}

/* The mean of block (bx, by) as the general path defines it. */
static float block_mean(const uint8_t *p, int sw, int sh, int dw, int dh, int bx, int by)
{
    int x0 = bx * sw / dw, x1 = (bx + 1) * sw / dw, y0 = by * sh / dh, y1 = (by + 1) * sh / dh;
    int sum = 0, n = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++, n++)
            sum += p[y * sw + x];
    return n ? (float)sum / n : -1.0f;
}

static void test_box_means(void)
{
    /* exact blocks (128x72 into 32x18 and 64x36, chroma 64x36 into 16x9), uneven
     * ones (128x54 into 32x14, 100x75 into 32x19), and a plane smaller than its
     * output (empty blocks) */
    static const int sizes[][4] = {
        { 128, 72, 32, 18 }, { 128, 72, 64, 36 }, { 64, 36, 16, 9 }, { 128, 96, 32, 24 },
        { 128, 54, 32, 14 }, { 100, 75, 32, 19 }, { 16, 8, 32, 18 },
    };
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        int sw = sizes[k][0], sh = sizes[k][1], dw = sizes[k][2], dh = sizes[k][3];
        uint8_t *p = malloc((size_t)sw * sh);
        float *out = malloc((size_t)dw * dh * sizeof *out);
        for (int i = 0; i < sw * sh; i++)
            p[i] = (uint8_t)next();
        ka_shot_box_means(p, sw, sh, dw, dh, -1.0f, out);
        int wrong = 0;
        for (int by = 0; by < dh; by++)
            for (int bx = 0; bx < dw; bx++)
                wrong += out[by * dw + bx] != block_mean(p, sw, sh, dw, dh, bx, by);
        CHECK_MSG(wrong == 0, "%dx%d into %dx%d: %d blocks differ", sw, sh, dw, dh, wrong);
        free(p);
        free(out);
    }
}

static void test_lane_sums(void)
{
    float a[1030], b[1030], c[1030];
    for (int i = 0; i < 1030; i++) {
        a[i] = (float)(next() % 25600) / 100.0f;
        b[i] = (float)(next() % 25600) / 100.0f;
        c[i] = (float)(next() % 25600) / 100.0f;
    }
    static const int lengths[] = { 0, 1, 7, 8, 9, 15, 16, 17, 288, 576, 1030 };
    for (size_t k = 0; k < sizeof lengths / sizeof *lengths; k++) {
        int n = lengths[k];
        double l1 = 0, dot = 0;
        for (int i = 0; i < n; i++) {
            l1 += fabs((double)a[i] - b[i]);
            dot += ((double)a[i] - c[i]) * ((double)b[i] - c[i]);
        }
        CHECK_NEAR(ka_sum_abs_diff(a, b, n), l1, 1e-5 * (1.0 + l1));
        CHECK_NEAR(ka_sum_diff_product(a, b, c, n), dot, 1e-5 * (1.0 + fabs(dot)) + 1e-2 * n);
        /* the last element counts: a change there moves the sum */
        if (n > 0) {
            float keep = a[n - 1];
            a[n - 1] = b[n - 1] + 1000.0f;
            CHECK(ka_sum_abs_diff(a, b, n) > l1 + 500.0);
            a[n - 1] = keep;
        }
    }
}

int main(void)
{
    RUN(test_box_means);
    RUN(test_lane_sums);
    TEST_END();
}
