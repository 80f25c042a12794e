/* bars.c: letterbox and pillarbox bars, decided once per title by majority: every
 * picture frame votes with the dark uniform borders of its small copy, and the
 * title's bars are the median vote, so a dark scene cannot crop the picture. The
 * small copy places an edge to within a few pixels; candidates refine it at full
 * resolution, and the title takes the median of their edges. */
#include <stdlib.h>
#include <string.h>

#include "pipeline_priv.h"

void ka_bars_add(ka_bars *b, const ka_signals *sig, int small_w, int small_h)
{
    if (sig->flags & (KA_FRAME_BLACK | KA_FRAME_BLANK))
        return;
    if (b->frames == 0) {
        b->small_w = small_w;
        b->small_h = small_h;
    }
    if (small_w != b->small_w || small_h != b->small_h)
        return;
    int v[4] = { sig->bar_top, sig->bar_bottom, sig->bar_left, sig->bar_right };
    for (int i = 0; i < 4; i++)
        b->hist[i][v[i] < BARS_MAX ? v[i] : BARS_MAX - 1]++;
    b->frames++;
}

static int median(const uint32_t *hist, int64_t n)
{
    int64_t seen = 0;
    for (int v = 0; v < BARS_MAX; v++) {
        seen += hist[v];
        if (2 * seen > n)
            return v;
    }
    return 0;
}

ka_rect ka_bars_content(const ka_bars *b, int width, int height)
{
    ka_rect full = { 0, 0, width, height };
    if (b->frames == 0 || b->small_w <= 0 || b->small_h <= 0)
        return full;
    double sx = (double)width / b->small_w, sy = (double)height / b->small_h;
    /* One small pixel more, so the soft edge of a bar stays out of the crops. */
    int top = median(b->hist[0], b->frames), bottom = median(b->hist[1], b->frames);
    int left = median(b->hist[2], b->frames), right = median(b->hist[3], b->frames);
    int y0 = top ? (int)((top + 1) * sy) : 0, y1 = height - (bottom ? (int)((bottom + 1) * sy) : 0);
    int x0 = left ? (int)((left + 1) * sx) : 0, x1 = width - (right ? (int)((right + 1) * sx) : 0);
    if (y1 - y0 < height / 4 || x1 - x0 < width / 4)
        return full;
    ka_rect r = { x0, y0, x1 - x0, y1 - y0 };
    return r;
}

/* Is this run of n pixels (stride step, RGB) dark and flat, like a bar? */
static int line_is_bar(const uint8_t *p, int n, int step)
{
    long sum = 0, sum2 = 0;
    for (int i = 0; i < n; i++, p += step) {
        int v = (p[0] + 2 * p[1] + p[2]) >> 2;
        if (v > 40)
            return 0;
        sum += v;
        sum2 += v * v;
    }
    double mean = (double)sum / n;
    return mean <= 24 && sum2 / (double)n - mean * mean <= 64;
}

/* Moves each edge of est that borders a bar to the exact first picture line at full
 * resolution, looking up to slack pixels either way. */
ka_rect ka_bars_refine(const ka_image *rgb, ka_rect est, int slack)
{
    int w = rgb->width, h = rgb->height, st = rgb->stride;
    int top = est.y, bottom = est.y + est.h, left = est.x, right = est.x + est.w;
    if (top > 0) {
        int y = top - slack < 0 ? 0 : top - slack;
        while (y < top + slack && y < h / 2 && line_is_bar(rgb->data + (size_t)y * st, w, 3))
            y++;
        top = y;
    }
    if (bottom < h) {
        int y = bottom + slack > h ? h : bottom + slack;
        while (y > bottom - slack && y > h / 2 &&
               line_is_bar(rgb->data + (size_t)(y - 1) * st, w, 3))
            y--;
        bottom = y;
    }
    if (left > 0) {
        int x = left - slack < 0 ? 0 : left - slack;
        while (x < left + slack && x < w / 2 && line_is_bar(rgb->data + (size_t)x * 3, h, st))
            x++;
        left = x;
    }
    if (right < w) {
        int x = right + slack > w ? w : right + slack;
        while (x > right - slack && x > w / 2 &&
               line_is_bar(rgb->data + (size_t)(x - 1) * 3, h, st))
            x--;
        right = x;
    }
    ka_rect r = { left, top, right - left, bottom - top };
    return r.w > 0 && r.h > 0 ? r : est;
}

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

/* The median of each edge over the candidates' refined content areas. */
ka_rect ka_bars_consensus(const ka_candidate *c, int n, ka_rect fallback)
{
    if (n <= 0)
        return fallback;
    int *v = malloc(sizeof(int) * 4 * (size_t)n);
    if (!v)
        return fallback;
    for (int i = 0; i < n; i++) {
        v[i] = c[i].content.x;
        v[n + i] = c[i].content.y;
        v[2 * n + i] = c[i].content.x + c[i].content.w;
        v[3 * n + i] = c[i].content.y + c[i].content.h;
    }
    for (int k = 0; k < 4; k++)
        qsort(v + k * n, (size_t)n, sizeof(int), cmp_int);
    ka_rect r = { v[n / 2], v[n + n / 2], v[2 * n + n / 2] - v[n / 2],
                  v[3 * n + n / 2] - v[n + n / 2] };
    free(v);
    return r.w > 0 && r.h > 0 ? r : fallback;
}
