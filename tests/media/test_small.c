/* test_small.c: the small analysis copy built straight from synthetic AVFrames:
 * every pixel format (fast path and swscale path) gives the same picture as the
 * 4:4:4 original, rotations are exact rotations, odd sizes are safe, and the cost
 * per 1080p frame is printed. */
#include <stdlib.h>
#include <string.h>

#include <libavutil/frame.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "keyart/keyart.h"
#include "media/media_internal.h"
#include "../ka_test.h"

/* A smooth 4:4:4 picture: luma ramps left to right, U top to bottom, V right to left. */
static AVFrame *make_ref(int w, int h)
{
    AVFrame *f = av_frame_alloc();
    f->width = w;
    f->height = h;
    f->format = AV_PIX_FMT_YUV444P;
    if (av_frame_get_buffer(f, 0) < 0)
        return NULL;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            f->data[0][y * f->linesize[0] + x] = (uint8_t)(40 + 160 * x / w + 10 * y / h);
            f->data[1][y * f->linesize[1] + x] = (uint8_t)(100 + 56 * y / h);
            f->data[2][y * f->linesize[2] + x] = (uint8_t)(156 - 56 * x / w);
        }
    return f;
}

/* Gray copies of the luma plane, same range (swscale would expand it). */
static AVFrame *gray_of(const AVFrame *src, enum AVPixelFormat fmt)
{
    AVFrame *f = av_frame_alloc();
    f->width = src->width;
    f->height = src->height;
    f->format = fmt;
    if (av_frame_get_buffer(f, 0) < 0)
        return NULL;
    for (int y = 0; y < f->height; y++)
        for (int x = 0; x < f->width; x++) {
            uint8_t v = src->data[0][y * src->linesize[0] + x];
            if (fmt == AV_PIX_FMT_GRAY8)
                f->data[0][y * f->linesize[0] + x] = v;
            else
                ((uint16_t *)(f->data[0] + y * f->linesize[0]))[x] = (uint16_t)(v << 2);
        }
    return f;
}

static AVFrame *convert(const AVFrame *src, enum AVPixelFormat fmt)
{
    if (fmt == AV_PIX_FMT_GRAY8 || fmt == AV_PIX_FMT_GRAY10LE)
        return gray_of(src, fmt);
    if (fmt == AV_PIX_FMT_YUVJ420P) { /* the same bytes, labelled full range */
        AVFrame *f = convert(src, AV_PIX_FMT_YUV420P);
        if (f)
            f->format = fmt;
        return f;
    }
    AVFrame *f = av_frame_alloc();
    f->width = src->width;
    f->height = src->height;
    f->format = fmt;
    struct SwsContext *sws = sws_getContext(src->width, src->height, src->format, f->width,
                                            f->height, fmt, SWS_BILINEAR, NULL, NULL, NULL);
    if (!sws || av_frame_get_buffer(f, 0) < 0) {
        sws_freeContext(sws);
        av_frame_free(&f);
        return NULL;
    }
    sws_scale(sws, (const uint8_t *const *)src->data, src->linesize, 0, src->height, f->data,
              f->linesize);
    sws_freeContext(sws);
    return f;
}

static double mean_abs_diff(const uint8_t *a, const uint8_t *b, int n, int *maxd)
{
    double s = 0;
    *maxd = 0;
    for (int i = 0; i < n; i++) {
        int d = abs(a[i] - b[i]);
        s += d;
        if (d > *maxd)
            *maxd = d;
    }
    return s / n;
}

static int small_of(const AVFrame *f, int w, int h, int rot, ka_small *out)
{
    ka_small_ctx *c;
    if (ka_small_ctx_new(w, h, rot, &c) < 0)
        return -1;
    int ret = ka_small_make(c, f, out);
    ka_small_ctx_free(&c);
    return ret;
}

static void test_formats(void)
{
    const enum AVPixelFormat fmts[] = {
        AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUV444P,
        AV_PIX_FMT_YUV411P, AV_PIX_FMT_NV12, AV_PIX_FMT_NV21, AV_PIX_FMT_YUYV422,
        AV_PIX_FMT_UYVY422, AV_PIX_FMT_YUV420P10LE, AV_PIX_FMT_YUV422P10LE, AV_PIX_FMT_P010LE,
        AV_PIX_FMT_YUV420P12LE, AV_PIX_FMT_YUV444P16LE, AV_PIX_FMT_YUVA420P,
        AV_PIX_FMT_YUV420P10BE, AV_PIX_FMT_GRAY8, AV_PIX_FMT_GRAY10LE, AV_PIX_FMT_RGB24,
        AV_PIX_FMT_BGRA, AV_PIX_FMT_GBRP, AV_PIX_FMT_RGB48LE, AV_PIX_FMT_PAL8,
    };
    const int sizes[][2] = { { 640, 360 }, { 321, 241 } };
    for (int s = 0; s < 2; s++) {
        int w = sizes[s][0], h = sizes[s][1];
        AVFrame *ref = make_ref(w, h);
        ka_small want;
        CHECK_EQ_INT(small_of(ref, 128, 72, 0, &want), 0);
        for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
            const char *name = av_get_pix_fmt_name(fmts[i]);
            AVFrame *f = convert(ref, fmts[i]);
            if (!f) {
                fprintf(stderr, "   %s: swscale cannot write it, not tested\n", name);
                continue;
            }
            ka_small got;
            int ret = small_of(f, 128, 72, 0, &got);
            CHECK_MSG(ret == 0, "%s: %d", name, ret);
            if (ret == 0) {
                int gray = fmts[i] == AV_PIX_FMT_GRAY8 || fmts[i] == AV_PIX_FMT_GRAY10LE;
                int rgb = av_pix_fmt_desc_get(fmts[i])->flags & AV_PIX_FMT_FLAG_RGB;
                double tol = rgb ? 2.5 : 1.2;
                int cmax = rgb ? 24 : 8;
                int my, mu, mv;
                double dy = mean_abs_diff(want.y, got.y, 128 * 72, &my);
                double du = mean_abs_diff(want.u, got.u, 64 * 36, &mu);
                double dv = mean_abs_diff(want.v, got.v, 64 * 36, &mv);
                CHECK_MSG(dy < tol && my <= 8, "%s %dx%d: luma off by %.2f (max %d)", name,
                          w, h, dy, my);
                if (gray)
                    CHECK(got.u[0] == 128 && got.v[64 * 36 - 1] == 128);
                else /* swscale's chroma differs at the picture's edges */
                    CHECK_MSG(du < tol && dv < tol && mu <= cmax && mv <= cmax, "%s %dx%d: "
                              "chroma off by %.2f/%.2f (max %d/%d)", name, w, h, du, dv, mu, mv);
                free(got.y);
            }
            av_frame_free(&f);
        }
        free(want.y);
        av_frame_free(&ref);
    }
}

/* Rotating the source gives the rotated small copy of the upright one. */
static void test_rotations(void)
{
    AVFrame *ref = make_ref(640, 360);
    AVFrame *nv12 = convert(ref, AV_PIX_FMT_NV12);
    AVFrame *rgb = convert(ref, AV_PIX_FMT_RGB24);
    AVFrame *srcs[] = { ref, nv12, rgb };
    for (int k = 0; k < 3; k++) {
        ka_small up;
        CHECK_EQ_INT(small_of(srcs[k], 128, 72, 0, &up), 0);
        for (int rot = 90; rot < 360; rot += 90) {
            int w = rot % 180 ? 72 : 128, h = rot % 180 ? 128 : 72;
            ka_small got;
            CHECK_EQ_INT(small_of(srcs[k], w, h, rot, &got), 0);
            uint8_t y[128 * 72], u[64 * 36];
            ka_plane_rotate(up.y, 128, 128, 72, rot, y);
            ka_plane_rotate(up.u, 64, 64, 36, rot, u);
            int my, mu;
            double dy = mean_abs_diff(y, got.y, 128 * 72, &my);
            double du = mean_abs_diff(u, got.u, 64 * 36, &mu);
            CHECK_MSG(my <= (k == 2 ? 3 : 1) && mu <= (k == 2 ? 3 : 1), "source %d rot %d: "
                      "differs by %.2f/%.2f (max %d/%d)", k, rot, dy, du, my, mu);
            free(got.y);
        }
        free(up.y);
    }
    av_frame_free(&ref);
    av_frame_free(&nv12);
    av_frame_free(&rgb);
}

static void time_format(const AVFrame *ref, enum AVPixelFormat fmt, int iters)
{
    AVFrame *f = fmt == ref->format ? av_frame_clone(ref) : convert(ref, fmt);
    ka_small_ctx *c;
    ka_small s;
    ka_small_ctx_new(128, 72, 0, &c);
    ka_small_make(c, f, &s); /* builds the tables */
    free(s.y);
    double t0 = ka_now();
    for (int i = 0; i < iters; i++) {
        ka_small_make(c, f, &s);
        free(s.y);
    }
    double us = (ka_now() - t0) / iters * 1e6;
    fprintf(stderr, "   small copy of a 1920x1080 %s frame: %.1f us\n",
            av_get_pix_fmt_name(fmt), us);
    ka_small_ctx_free(&c);
    av_frame_free(&f);
}

static void test_cost_1080p(void)
{
    AVFrame *ref = make_ref(1920, 1080);
    AVFrame *yuv = convert(ref, AV_PIX_FMT_YUV420P);
    time_format(yuv, AV_PIX_FMT_YUV420P, 200);
    time_format(yuv, AV_PIX_FMT_YUV420P10LE, 200);
    time_format(yuv, AV_PIX_FMT_NV12, 200);
    time_format(yuv, AV_PIX_FMT_RGB24, 20);
    av_frame_free(&yuv);
    av_frame_free(&ref);
}

static void test_dup(void)
{
    AVFrame *ref = make_ref(64, 48);
    ka_small a, b;
    CHECK_EQ_INT(small_of(ref, 32, 24, 0, &a), 0);
    CHECK_EQ_INT(ka_small_dup(&a, &b), 0);
    CHECK(b.y != a.y && b.w == 32 && b.h == 24 && b.cw == 16 && b.ch == 12);
    CHECK(b.u == b.y + 32 * 24 && b.v == b.u + 16 * 12);
    CHECK(!memcmp(a.y, b.y, 32 * 24 + 2 * 16 * 12));
    free(a.y);
    free(b.y);
    av_frame_free(&ref);
}

/* The mean of the taps the small copy takes for output (i, j): n x m samples spread
 * evenly over the output pixel's footprint (an oracle written apart from small.c). */
static int tap_mean(const uint8_t *p, int stride, int len_x, int len_y, int out_w, int out_h,
                    int i, int j, int nx, int ny)
{
    unsigned sum = 0;
    for (int b = 0; b < ny; b++)
        for (int a = 0; a < nx; a++) {
            long x = (long)(((double)i + (a + 0.5) / nx) * len_x / out_w);
            long y = (long)(((double)j + (b + 0.5) / ny) * len_y / out_h);
            sum += p[(size_t)y * stride + x];
        }
    return (int)((sum + (unsigned)(nx * ny) / 2) / (unsigned)(nx * ny));
}

/* 1080p noise (every tap matters) to 128x72: each pixel is exactly the mean of its
 * 4 x 2 taps, in luma and chroma alike (15 x 15 source pixels each). */
static void test_exact_taps(void)
{
    AVFrame *f = av_frame_alloc();
    f->width = 1920;
    f->height = 1080;
    f->format = AV_PIX_FMT_YUV420P;
    CHECK(av_frame_get_buffer(f, 0) == 0);
    unsigned seed = 12345;
    for (int c = 0; c < 3; c++) {
        int w = c ? 960 : 1920, h = c ? 540 : 1080;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                seed = seed * 1103515245u + 12345u;
                f->data[c][(size_t)y * f->linesize[c] + x] = (uint8_t)(seed >> 16);
            }
    }
    ka_small s;
    CHECK_EQ_INT(small_of(f, 128, 72, 0, &s), 0);
    int bad = 0;
    for (int j = 0; j < 72; j++)
        for (int i = 0; i < 128; i++)
            bad += s.y[j * 128 + i] !=
                   tap_mean(f->data[0], f->linesize[0], 1920, 1080, 128, 72, i, j, 4, 2);
    for (int j = 0; j < 36; j++)
        for (int i = 0; i < 64; i++) {
            bad += s.u[j * 64 + i] !=
                   tap_mean(f->data[1], f->linesize[1], 960, 540, 64, 36, i, j, 4, 2);
            bad += s.v[j * 64 + i] !=
                   tap_mean(f->data[2], f->linesize[2], 960, 540, 64, 36, i, j, 4, 2);
        }
    CHECK_MSG(bad == 0, "%d pixels of the small copy are not the mean of their taps", bad);
    free(s.y);
    av_frame_free(&f);
}

int main(void)
{
    RUN(test_exact_taps);
    RUN(test_formats);
    RUN(test_rotations);
    RUN(test_dup);
    RUN(test_cost_1080p);
    TEST_END();
}
