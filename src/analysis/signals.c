/* signals.c: the cheap per-frame signals, computed on the small analysis copy of
 * every decoded frame: histograms, luminance statistics, sharpness, difference and
 * edge change to the previous frame, and dark borders (letterbox / pillarbox). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "keyart/analysis.h"

/* Rows or columns darker than this, and nearly uniform, count as bars. */
#define BAR_LUMA_MAX 28
#define BAR_STD_MAX 6.0
/* Gradient magnitude that counts as an edge for the edge change ratio. */
#define EDGE_THRESHOLD 48
#define KA_SMALL_MAX_W 1024

static void luma_stats(const ka_small *s, ka_signals *sig)
{
    uint32_t hist[256] = {0};
    int n = s->w * s->h;
    for (int i = 0; i < n; i++)
        hist[s->y[i]]++;
    double sum = 0, sum2 = 0;
    for (int v = 0; v < 256; v++) {
        sum += (double)v * hist[v];
        sum2 += (double)v * v * hist[v];
        sig->hist_luma[v * KA_HIST_LUMA_BINS / 256] += hist[v];
    }
    double mean = sum / n;
    sig->luma_mean = (float)mean;
    sig->luma_std = (float)sqrt(fmax(0.0, sum2 / n - mean * mean));
}

static void chroma_stats(const ka_small *s, ka_signals *sig)
{
    int n = s->cw * s->ch;
    double dist = 0;
    for (int i = 0; i < n; i++) {
        int u = s->u[i], v = s->v[i];
        int bu = u * KA_HIST_CHROMA_BINS / 256, bv = v * KA_HIST_CHROMA_BINS / 256;
        sig->hist_chroma[bu * KA_HIST_CHROMA_BINS + bv]++;
        dist += sqrt((double)((u - 128) * (u - 128) + (v - 128) * (v - 128)));
    }
    sig->chroma_mean = n ? (float)(dist / n) : 0;
}

/* Variance of the 4-neighbour Laplacian over the interior. */
static float laplacian_variance(const ka_small *s)
{
    int w = s->w, h = s->h;
    if (w < 3 || h < 3)
        return 0;
    int64_t sum = 0, sum2 = 0;      /* exact, as doubles were, and vectorisable */
    for (int y = 1; y < h - 1; y++) {
        const uint8_t *r = s->y + (size_t)y * w;
        for (int x = 1; x < w - 1; x++) {
            int l = 4 * r[x] - r[x - 1] - r[x + 1] - r[x - w] - r[x + w];
            sum += l;
            sum2 += l * l;
        }
    }
    double n = (double)(w - 2) * (h - 2);
    double mean = (double)sum / n;
    return (float)((double)sum2 / n - mean * mean);
}

static float histogram_distance(const ka_signals *a, const ka_signals *b, int nl, int nc)
{
    int dl = 0, dc = 0;
    for (int i = 0; i < KA_HIST_LUMA_BINS; i++)
        dl += abs((int)a->hist_luma[i] - (int)b->hist_luma[i]);
    for (int i = 0; i < KA_HIST_CHROMA_BINS * KA_HIST_CHROMA_BINS; i++)
        dc += abs((int)a->hist_chroma[i] - (int)b->hist_chroma[i]);
    /* Each L1 distance of two normalised histograms lies in 0..2. */
    return 0.5f * ((float)dl / (2.0f * nl) + (float)dc / (2.0f * nc));
}

/* Edge pixels of a small luma plane, and the same map grown by one pixel (a 3x3
 * maximum, done as a row pass and a column pass). */
static void edge_maps(const ka_small *s, uint8_t *edge, uint8_t *grown)
{
    int w = s->w, h = s->h;
    memset(edge, 0, (size_t)w * h);
    for (int y = 1; y < h - 1; y++) {
        const uint8_t *p = s->y + (size_t)y * w;
        uint8_t *e = edge + (size_t)y * w;
        for (int x = 1; x < w - 1; x++)
            e[x] = abs(p[x + 1] - p[x - 1]) + abs(p[x + w] - p[x - w]) > EDGE_THRESHOLD;
    }
    uint8_t *row = grown;   /* the row pass goes into grown, then the columns in place */
    for (int y = 0; y < h; y++) {
        const uint8_t *e = edge + (size_t)y * w;
        uint8_t *g = row + (size_t)y * w;
        g[0] = e[0] | e[1];
        for (int x = 1; x < w - 1; x++)
            g[x] = e[x - 1] | e[x] | e[x + 1];
        g[w - 1] = e[w - 2] | e[w - 1];
    }
    uint8_t prev[KA_SMALL_MAX_W], cur[KA_SMALL_MAX_W];
    memcpy(prev, row, (size_t)w);
    for (int y = 0; y < h; y++) {
        uint8_t *g = grown + (size_t)y * w;
        memcpy(cur, g, (size_t)w);
        const uint8_t *next = y + 1 < h ? g + w : cur;
        for (int x = 0; x < w; x++)
            g[x] = prev[x] | cur[x] | next[x];
        memcpy(prev, cur, (size_t)w);
    }
}

/* Edge change ratio (Zabih et al.): the larger of the shares of entering and exiting
 * edge pixels, with a one-pixel tolerance for motion. */
static float edge_change_ratio(const ka_small *cur, const ka_small *prev)
{
    size_t n = (size_t)cur->w * cur->h;
    if (cur->w > KA_SMALL_MAX_W || cur->w < 3 || cur->h < 3)
        return 0;
    uint8_t *buf = malloc(4 * n);
    if (!buf)
        return 0;
    uint8_t *ec = buf, *gc = buf + n, *ep = buf + 2 * n, *gp = buf + 3 * n;
    edge_maps(cur, ec, gc);
    edge_maps(prev, ep, gp);
    int n_cur = 0, n_prev = 0, entering = 0, exiting = 0;
    for (size_t i = 0; i < n; i++) {    /* the maps hold 0 or 1: no branches */
        n_cur += ec[i];
        n_prev += ep[i];
        entering += ec[i] & (gp[i] ^ 1);
        exiting += ep[i] & (gc[i] ^ 1);
    }
    free(buf);
    float in = n_cur ? (float)entering / n_cur : 0, out = n_prev ? (float)exiting / n_prev : 0;
    return in > out ? in : out;
}

static int row_is_bar(const uint8_t *p, int n, int step)
{
    int sum = 0, sum2 = 0;
    for (int i = 0; i < n; i++) {
        int v = p[(size_t)i * step];
        if (v > BAR_LUMA_MAX)
            return 0;
        sum += v;
        sum2 += v * v;
    }
    double mean = (double)sum / n;
    return sum2 / (double)n - mean * mean <= BAR_STD_MAX * BAR_STD_MAX;
}

static void detect_bars(const ka_small *s, ka_signals *sig)
{
    int w = s->w, h = s->h;
    int top = 0, bottom = 0, left = 0, right = 0;
    while (top < h / 2 && row_is_bar(s->y + (size_t)top * w, w, 1))
        top++;
    while (bottom < h / 2 - 1 && row_is_bar(s->y + (size_t)(h - 1 - bottom) * w, w, 1))
        bottom++;
    while (left < w / 2 && row_is_bar(s->y + left, h, w))
        left++;
    while (right < w / 2 - 1 && row_is_bar(s->y + (w - 1 - right), h, w))
        right++;
    sig->bar_top = top;
    sig->bar_bottom = bottom;
    sig->bar_left = left;
    sig->bar_right = right;
}

static float mean_abs_diff(const uint8_t *a, const uint8_t *b, int n)
{
    long sum = 0;
    for (int i = 0; i < n; i++)
        sum += abs((int)a[i] - (int)b[i]);
    return (float)sum / n;
}

void ka_signals_compute(const ka_small *cur, const ka_small *prev, const ka_signals *prev_sig,
                        ka_signals *sig)
{
    int64_t frame = sig->frame;
    double t = sig->time_s;
    memset(sig, 0, sizeof *sig);
    sig->frame = frame;
    sig->time_s = t;
    luma_stats(cur, sig);
    chroma_stats(cur, sig);
    sig->sharpness = laplacian_variance(cur);
    detect_bars(cur, sig);

    if (sig->luma_mean < 24 && sig->luma_std < 8)
        sig->flags |= KA_FRAME_BLACK;
    if (sig->luma_std < 5 || sig->flags & KA_FRAME_BLACK)
        sig->flags |= KA_FRAME_BLANK;

    if (prev && prev_sig && prev->w == cur->w && prev->h == cur->h) {
        sig->diff_prev = mean_abs_diff(cur->y, prev->y, cur->w * cur->h);
        sig->hist_dist = histogram_distance(sig, prev_sig, cur->w * cur->h, cur->cw * cur->ch);
        sig->edge_change = edge_change_ratio(cur, prev);
    }
}
