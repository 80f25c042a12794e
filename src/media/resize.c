/* resize.c: good-quality image resizing for ka_image. Shrinking averages the exact
 * area each output pixel covers (box filter with fractional edge weights), growing
 * is bilinear. Separable: each output row first sums its source rows into one
 * float row, then filters that row horizontally, so scratch memory is one row. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "keyart/media.h"

typedef struct axis {
    int *start, *count;         /* first source index and number of taps per output */
    float *w;                   /* weights, maxn per output */
    int maxn;
} axis;

static void axis_free(axis *a)
{
    free(a->start);
    free(a->count);
    free(a->w);
}

static void area_taps(axis *a, int i, int in, int out)
{
    double s = (double)in / out, x0 = i * s, x1 = x0 + s;
    int k0 = (int)floor(x0), n = 0;
    a->start[i] = k0;
    for (int k = k0; k < in && k < x1 && n < a->maxn; k++, n++) {
        double lo = k > x0 ? k : x0, hi = k + 1 < x1 ? k + 1 : x1;
        a->w[(size_t)i * a->maxn + n] = (float)((hi - lo) / s);
    }
    a->count[i] = n;
}

static void linear_taps(axis *a, int i, int in, int out)
{
    double c = (i + 0.5) * in / out - 0.5;
    int k0 = (int)floor(c);
    float f = (float)(c - k0);
    if (k0 < 0) {
        k0 = 0;
        f = 0;
    }
    if (k0 >= in - 1) {
        k0 = in - 1;
        f = 0;
    }
    a->start[i] = k0;
    a->count[i] = f > 0 ? 2 : 1;
    a->w[(size_t)i * a->maxn] = 1 - f;
    a->w[(size_t)i * a->maxn + 1] = f;
}

static int axis_init(axis *a, int in, int out)
{
    a->maxn = in > out ? (int)ceil((double)in / out) + 1 : 2;
    a->start = malloc(sizeof *a->start * out);
    a->count = malloc(sizeof *a->count * out);
    a->w = malloc(sizeof *a->w * (size_t)out * a->maxn);
    if (!a->start || !a->count || !a->w)
        return KA_ENOMEM;
    for (int i = 0; i < out; i++) {
        if (in > out)
            area_taps(a, i, in, out);
        else
            linear_taps(a, i, in, out);
    }
    return 0;
}

static void vertical(const ka_image *src, const axis *ay, int y, float *acc)
{
    size_t n = (size_t)src->width * src->channels;
    memset(acc, 0, sizeof *acc * n);
    for (int t = 0; t < ay->count[y]; t++) {
        const uint8_t *row = src->data + (size_t)(ay->start[y] + t) * src->stride;
        float w = ay->w[(size_t)y * ay->maxn + t];
        for (size_t i = 0; i < n; i++)
            acc[i] += w * row[i];
    }
}

static void horizontal(const float *acc, const axis *ax, int ch, int w, uint8_t *dst)
{
    for (int x = 0; x < w; x++)
        for (int c = 0; c < ch; c++) {
            float s = 0;
            for (int t = 0; t < ax->count[x]; t++)
                s += ax->w[(size_t)x * ax->maxn + t] * acc[(size_t)(ax->start[x] + t) * ch + c];
            int v = (int)lrintf(s);
            dst[(size_t)x * ch + c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
}

int ka_image_resize(const ka_image *src, int width, int height, ka_image *out)
{
    memset(out, 0, sizeof *out);
    if (!src || !src->data || src->width <= 0 || src->height <= 0 ||
        (src->channels != 1 && src->channels != 3))
        return ka_error(KA_EINVAL, "resize: not a valid image");
    if (width <= 0 || height <= 0 || width > 32768 || height > 32768)
        return ka_error(KA_EINVAL, "resize to %dx%d: size out of range", width, height);
    axis ax = { 0 }, ay = { 0 };
    float *acc = malloc(sizeof *acc * (size_t)src->width * src->channels);
    int ret = acc ? 0 : KA_ENOMEM;
    if (ret == 0)
        ret = axis_init(&ax, src->width, width);
    if (ret == 0)
        ret = axis_init(&ay, src->height, height);
    if (ret == 0)
        ret = ka_image_alloc(out, width, height, src->channels);
    else
        ret = ka_error(KA_ENOMEM, "no memory to resize a %dx%d image", src->width, src->height);
    for (int y = 0; ret == 0 && y < height; y++) {
        vertical(src, &ay, y, acc);
        horizontal(acc, &ax, src->channels, width, out->data + (size_t)y * out->stride);
    }
    axis_free(&ax);
    axis_free(&ay);
    free(acc);
    return ret;
}

int ka_image_shrink(const ka_image *src, ka_rect r, int k, ka_image *dst)
{
    int w = r.w / k, h = r.h / k, c = src->channels;
    if (k < 1 || w < 1 || h < 1 || r.x < 0 || r.y < 0 || r.x + w * k > src->width ||
        r.y + h * k > src->height)
        return ka_error(KA_EINVAL, "shrink: region %d,%d %dx%d by %d outside the picture", r.x,
                        r.y, r.w, r.h, k);
    int err = ka_image_alloc(dst, w, h, c);
    if (err)
        return err;
    unsigned half = (unsigned)(k * k) / 2, n = (unsigned)(k * k);
    for (int y = 0; y < h && k == 2; y++) {        /* the common case, unrolled */
        const uint8_t *s0 = src->data + (size_t)(r.y + 2 * y) * src->stride + (size_t)r.x * c;
        const uint8_t *s1 = s0 + src->stride;
        uint8_t *d = dst->data + (size_t)y * dst->stride;
        for (int x = 0; x < w * c; x++) {
            int i = (x / c) * 2 * c + x % c;
            d[x] = (uint8_t)((s0[i] + s0[i + c] + s1[i] + s1[i + c] + 2) >> 2);
        }
    }
    /* any other factor: the k source rows summed in order into one row of sums */
    unsigned *acc = k != 2 ? malloc(sizeof *acc * (size_t)w * c) : NULL;
    if (k != 2 && !acc) {
        ka_image_free(dst);
        return ka_error(KA_ENOMEM, "no memory to shrink a %dx%d picture", r.w, r.h);
    }
    for (int y = 0; y < h && k != 2; y++) {
        memset(acc, 0, sizeof *acc * (size_t)w * c);
        for (int j = 0; j < k; j++) {
            const uint8_t *s =
                src->data + (size_t)(r.y + y * k + j) * src->stride + (size_t)r.x * c;
            for (int x = 0; x < w && c == 3; x++) {   /* RGB: three sums in registers */
                unsigned sr = 0, sg = 0, sb = 0;
                for (int i = 0; i < k; i++, s += 3) {
                    sr += s[0];
                    sg += s[1];
                    sb += s[2];
                }
                acc[3 * x] += sr;
                acc[3 * x + 1] += sg;
                acc[3 * x + 2] += sb;
            }
            for (int x = 0; x < w && c != 3; x++) {
                unsigned *a = acc + (size_t)x * c;
                for (int i = 0; i < k; i++, s += c)
                    for (int ch = 0; ch < c; ch++)
                        a[ch] += s[ch];
            }
        }
        uint8_t *d = dst->data + (size_t)y * dst->stride;
        for (int x = 0; x < w * c; x++)
            d[x] = (uint8_t)((acc[x] + half) / n);
    }
    free(acc);
    return 0;
}
