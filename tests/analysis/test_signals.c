/* test_signals.c: each per-frame signal on constructed small frames. */
#include "keyart/keyart.h"
#include "ka_test.h"
#include "small_fixture.h"

static void compute(const ka_small *cur, const ka_small *prev, const ka_signals *ps,
                    ka_signals *s)
{
    memset(s, 0, sizeof *s);
    ka_signals_compute(cur, prev, ps, s);
}

static void test_black_and_blank(void)
{
    ka_small a;
    ka_signals s;
    fx_alloc(&a, 128, 72);
    fx_fill(&a, 16, 128, 128);
    compute(&a, NULL, NULL, &s);
    CHECK_NEAR(s.luma_mean, 16, 1e-3);
    CHECK_NEAR(s.luma_std, 0, 1e-3);
    CHECK(s.flags & KA_FRAME_BLACK);
    CHECK(s.flags & KA_FRAME_BLANK);
    fx_fill(&a, 235, 128, 128);
    compute(&a, NULL, NULL, &s);
    CHECK(!(s.flags & KA_FRAME_BLACK));
    CHECK(s.flags & KA_FRAME_BLANK);
    fx_texture(&a, 1, 0);
    compute(&a, NULL, NULL, &s);
    CHECK(!(s.flags & (KA_FRAME_BLACK | KA_FRAME_BLANK)));
    CHECK(s.luma_std > 20);
    /* A dark but textured night picture is not black. */
    for (int i = 0; i < a.w * a.h; i++)
        a.y[i] = (uint8_t)(16 + a.y[i] / 8);
    compute(&a, NULL, NULL, &s);
    CHECK(!(s.flags & KA_FRAME_BLACK));
    fx_free(&a);
}

static void test_histograms(void)
{
    ka_small a;
    ka_signals s;
    fx_alloc(&a, 64, 36);
    fx_texture(&a, 3, 0);
    compute(&a, NULL, NULL, &s);
    uint64_t sl = 0, sc = 0;
    for (int i = 0; i < KA_HIST_LUMA_BINS; i++)
        sl += s.hist_luma[i];
    for (int i = 0; i < KA_HIST_CHROMA_BINS * KA_HIST_CHROMA_BINS; i++)
        sc += s.hist_chroma[i];
    CHECK_EQ_INT(sl, 64 * 36);
    CHECK_EQ_INT(sc, 32 * 18);
    fx_fill(&a, 100, 200, 60);
    compute(&a, NULL, NULL, &s);
    CHECK_EQ_INT(s.hist_luma[100 * KA_HIST_LUMA_BINS / 256], 64 * 36);
    CHECK_NEAR(s.chroma_mean, sqrt(72.0 * 72 + 68 * 68), 0.01);
    fx_free(&a);
}

static void test_sharpness(void)
{
    ka_small a;
    ka_signals sharp, soft;
    fx_alloc(&a, 128, 72);
    for (int y = 0; y < a.h; y++)
        for (int x = 0; x < a.w; x++)
            a.y[y * a.w + x] = ((x / 2 + y / 2) & 1) ? 200 : 40;
    compute(&a, NULL, NULL, &sharp);
    /* The same pattern, box-blurred. */
    uint8_t *b = malloc((size_t)a.w * a.h);
    for (int y = 0; y < a.h; y++)
        for (int x = 0; x < a.w; x++) {
            int sum = 0, n = 0;
            for (int dy = -2; dy <= 2; dy++)
                for (int dx = -2; dx <= 2; dx++) {
                    int yy = y + dy, xx = x + dx;
                    if (yy >= 0 && yy < a.h && xx >= 0 && xx < a.w) {
                        sum += a.y[yy * a.w + xx];
                        n++;
                    }
                }
            b[y * a.w + x] = (uint8_t)(sum / n);
        }
    memcpy(a.y, b, (size_t)a.w * a.h);
    free(b);
    compute(&a, NULL, NULL, &soft);
    CHECK(sharp.sharpness > 10 * soft.sharpness);
    fx_fill(&a, 90, 128, 128);
    compute(&a, NULL, NULL, &soft);
    CHECK_NEAR(soft.sharpness, 0, 1e-6);
    fx_free(&a);
}

static void test_differences(void)
{
    ka_small a, b;
    ka_signals sa, sb;
    fx_alloc(&a, 128, 72);
    fx_alloc(&b, 128, 72);
    fx_texture(&a, 5, 0);
    fx_texture(&b, 5, 0);
    compute(&a, NULL, NULL, &sa);
    compute(&b, &a, &sa, &sb);
    CHECK_NEAR(sb.diff_prev, 0, 1e-6);
    CHECK_NEAR(sb.hist_dist, 0, 1e-6);
    CHECK_NEAR(sb.edge_change, 0, 1e-6);
    /* An unrelated picture: large difference, histogram change and edge change. */
    fx_texture(&b, 77, 0);
    for (int i = 0; i < b.w * b.h; i++)
        b.y[i] = (uint8_t)(b.y[i] / 2);
    memset(b.u, 60, (size_t)b.cw * b.ch);
    compute(&b, &a, &sa, &sb);
    fprintf(stderr, "unrelated: diff %.1f hist %.3f edges %.3f\n", sb.diff_prev, sb.hist_dist,
            sb.edge_change);
    CHECK(sb.diff_prev > 30);
    CHECK(sb.hist_dist > 0.6);
    CHECK(sb.edge_change > 0.3);
    /* A one-pixel shift: edges mostly stay within the tolerance. */
    fx_texture(&b, 5, 1);
    compute(&b, &a, &sa, &sb);
    CHECK(sb.edge_change < 0.5);
    CHECK(sb.hist_dist < 0.15);
    /* Flat colours of equal luma but different hue: only chroma tells them apart. */
    fx_fill(&a, 100, 90, 170);
    fx_fill(&b, 100, 170, 90);
    compute(&a, NULL, NULL, &sa);
    compute(&b, &a, &sa, &sb);
    CHECK_NEAR(sb.diff_prev, 0, 1e-6);
    CHECK(sb.hist_dist >= 0.49);
    fx_free(&a);
    fx_free(&b);
}

static void test_bars(void)
{
    ka_small a;
    ka_signals s;
    fx_alloc(&a, 128, 72);
    fx_texture(&a, 9, 0);
    compute(&a, NULL, NULL, &s);
    CHECK_EQ_INT(s.bar_top + s.bar_bottom + s.bar_left + s.bar_right, 0);
    /* Letterbox: 9 black rows top and bottom. */
    memset(a.y, 16, 9 * 128);
    memset(a.y + 63 * 128, 16, 9 * 128);
    compute(&a, NULL, NULL, &s);
    CHECK_EQ_INT(s.bar_top, 9);
    CHECK_EQ_INT(s.bar_bottom, 9);
    CHECK_EQ_INT(s.bar_left, 0);
    /* Pillarbox: 16 columns each side. */
    fx_texture(&a, 9, 0);
    for (int y = 0; y < 72; y++) {
        memset(a.y + y * 128, 16, 16);
        memset(a.y + y * 128 + 112, 16, 16);
    }
    compute(&a, NULL, NULL, &s);
    CHECK_EQ_INT(s.bar_left, 16);
    CHECK_EQ_INT(s.bar_right, 16);
    CHECK_EQ_INT(s.bar_top, 0);
    fx_free(&a);
}

int main(void)
{
    RUN(test_black_and_blank);
    RUN(test_histograms);
    RUN(test_sharpness);
    RUN(test_differences);
    RUN(test_bars);
    TEST_END();
}
