/* crop.c: artwork crops. Each shape (16:9, 2:3 poster, 1:1) is the largest rectangle
 * of exactly that aspect inside the content area, centred on the focus region (the
 * salient region now; the faces that matter once vision exists) as far as the
 * bounds allow. */
#include "keyart/select.h"

static const struct { const char *name; int aw, ah; } ka_crop_shapes[KA_SHAPE_COUNT] = {
    [KA_SHAPE_16X9] = { "16x9", 16, 9 },
    [KA_SHAPE_2X3] = { "2x3", 2, 3 },
    [KA_SHAPE_1X1] = { "1x1", 1, 1 },
};

const char *ka_shape_name(int shape)
{
    return shape >= 0 && shape < KA_SHAPE_COUNT ? ka_crop_shapes[shape].name : "unknown";
}

void ka_shape_aspect(int shape, int *aw, int *ah)
{
    int ok = shape >= 0 && shape < KA_SHAPE_COUNT;
    *aw = ok ? ka_crop_shapes[shape].aw : 1;
    *ah = ok ? ka_crop_shapes[shape].ah : 1;
}

static int ka_crop_gcd(int a, int b)
{
    while (b) {
        int t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* Size of the largest aw:ah rectangle inside bw x bh. Exact aspect (a whole multiple
 * of the reduced ratio) whenever the bounds hold one; else the nearest fit. */
static void ka_crop_size(int bw, int bh, int aw, int ah, int *w, int *h)
{
    int g = ka_crop_gcd(aw, ah);
    aw /= g;
    ah /= g;
    int k = bw / aw < bh / ah ? bw / aw : bh / ah;
    if (k >= 1) {
        *w = k * aw;
        *h = k * ah;
    } else if ((long long)bw * ah >= (long long)bh * aw) {
        *h = bh;
        *w = (int)((long long)bh * aw / ah);
    } else {
        *w = bw;
        *h = (int)((long long)bw * ah / aw);
    }
    *w = *w < 1 ? 1 : *w;
    *h = *h < 1 ? 1 : *h;
}

/* Start of a span of length len centred on twice_centre / 2, kept inside [lo, lo + room). */
static int ka_crop_centre(long long twice_centre, int len, int lo, int room)
{
    long long start = (twice_centre - len) / 2;
    if (start > (long long)lo + room - len)
        start = (long long)lo + room - len;
    if (start < lo)
        start = lo;
    return (int)start;
}

ka_rect ka_crop_place(ka_rect bounds, ka_rect focus, int aw, int ah)
{
    if (bounds.w <= 0 || bounds.h <= 0 || aw <= 0 || ah <= 0)
        return bounds;
    int w, h;
    ka_crop_size(bounds.w, bounds.h, aw, ah, &w, &h);
    if (focus.w <= 0 || focus.h <= 0)
        focus = bounds;
    ka_rect r = { 0, 0, w, h };
    r.x = ka_crop_centre(2LL * focus.x + focus.w, w, bounds.x, bounds.w);
    r.y = ka_crop_centre(2LL * focus.y + focus.h, h, bounds.y, bounds.h);
    return r;
}
