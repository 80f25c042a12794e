/* look.c: what a candidate's picture looks like to an artwork editor, beyond the
 * seed's quality parts (ka_look, one call per candidate, a few milliseconds).
 *
 * Everything but the noise is measured on a working copy of the content area whose
 * longer side is about KA_LOOK_SIDE pixels (block means by the nearest whole factor,
 * else an area resize), so the figures mean the same at every resolution; the noise
 * needs the picture's own pixels and reads every KA_LOOK_NOISE_STEP-th row of it.
 *
 *   colourfulness  Hasler & Suesstrunk (2003): sqrt(sd(rg)^2 + sd(yb)^2) +
 *                  0.3 sqrt(mean(rg)^2 + mean(yb)^2), rg = R - G, yb = (R + G) / 2 - B,
 *                  / 100 (their "quite colourful" is about 0.45, "extremely" 1.1)
 *   noise          Immerkaer (1996): sigma = sqrt(pi / 2) / 6 x mean |gray * N|, N the
 *                  3x3 difference of two Laplacians; edges inflate it a little
 *   edges          share of pixels with |dx| + |dy| >= KA_LOOK_EDGE (clutter)
 *   flat           share of 8x8 blocks spanning fewer than KA_LOOK_FLAT gray levels
 *   blown          share of pixels whose gray is KA_LOOK_BLOWN or more: highlights
 *                  burnt out (the quality's clipping counts crushed blacks too,
 *                  which a low-key picture has by design)
 *   text           8x8 blocks that look like type: a high contrast, strokes (the
 *                  light-dark level crossed along rows and along columns: an edge
 *                  or a line between flat areas crosses it one way only), two-toned
 *                  (few pixels between the two levels) on an even ground; only rows
 *                  or columns of at least three such blocks count (a line of text,
 *                  either way up), as a share of all blocks. Bold type on a plain
 *                  ground (captions, screens, interfaces) reads; thin type over a
 *                  busy picture mostly does not
 *   lines          long straight edges along both axes, the hallmark of screens,
 *                  panels and interface graphics: rows (columns) where a run of strong
 *                  vertical (horizontal) gradient of one sign spans at least a fifth
 *                  of the width (height); lines 3 px apart count once; the fewer of
 *                  the two counts / 6 (trunks or a horizon run one way only)
 *   spread         Ke, Tang and Jing (2006): the share of the picture spanned by the
 *                  middle 96% of the edge energy, across x times along y
 *   isolation      mean edge strength inside the subject / (inside + outside): a sharp
 *                  subject on a soft or plain ground reads near 1, a busy ground 0.5
 *                  or less
 *   thumb          the gray in a KA_LOOK_THUMB x KA_LOOK_THUMB grid of block means,
 *                  for telling two moments of one shot apart (select/score.c) */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "keyart/media.h"
#include "keyart/rank.h"

#define KA_LOOK_SIDE 640
#define KA_LOOK_NOISE_STEP 8
#define KA_LOOK_EDGE 64         /* |dx| + |dy|, central differences on 8-bit gray */
#define KA_LOOK_FLAT 12
#define KA_LOOK_BLOWN 250
#define KA_LOOK_BLOCK 8
#define KA_LOOK_TEXT_RANGE 60   /* a block of type spans at least this many levels */
#define KA_LOOK_TEXT_GROUND 8   /* and its ground varies by at most this (sd) */

static float ka_look_clamp01(float v)
{
    return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
}

/* The working copy of content and its gray; 0 or an error. */
static int ka_look_copy(const ka_image *rgb, ka_rect c, ka_image *small, ka_image *gray,
                        float *scale)
{
    ka_image view = { c.w, c.h, 3, rgb->stride,
                      rgb->data + (size_t)c.y * rgb->stride + (size_t)c.x * 3 };
    int side = c.w > c.h ? c.w : c.h, k = (side + KA_LOOK_SIDE / 2) / KA_LOOK_SIDE, err;
    if (k >= 2) {                   /* about the working size by a whole factor: blocks */
        *scale = 1.0f / (float)k;
        err = ka_image_shrink(rgb, c, k, small);
    } else {
        *scale = side > KA_LOOK_SIDE ? (float)KA_LOOK_SIDE / (float)side : 1.0f;
        int w = (int)lroundf((float)c.w * *scale), h = (int)lroundf((float)c.h * *scale);
        err = ka_image_resize(&view, w < 1 ? 1 : w, h < 1 ? 1 : h, small);
    }
    if (!err)
        err = ka_image_alloc(gray, small->width, small->height, 1);
    if (err) {
        ka_image_free(small);
        return err;
    }
    for (int y = 0; y < small->height; y++) {
        const uint8_t *s = small->data + (size_t)y * small->stride;
        uint8_t *g = gray->data + (size_t)y * gray->stride;
        for (int x = 0; x < small->width; x++, s += 3)
            g[x] = (uint8_t)((77u * s[0] + 150u * s[1] + 29u * s[2] + 128u) >> 8);
    }
    return 0;
}

static float ka_look_blown(const ka_image *gray)
{
    long long n = 0;
    for (int y = 0; y < gray->height; y++) {
        const uint8_t *g = gray->data + (size_t)y * gray->stride;
        for (int x = 0; x < gray->width; x++)
            n += g[x] >= KA_LOOK_BLOWN;
    }
    return (float)((double)n / ((double)gray->width * gray->height));
}

/* Colourfulness of the working copy. */
static void ka_look_colour(const ka_image *img, ka_look *l)
{
    double srg = 0, syb = 0, srg2 = 0, syb2 = 0;
    long long n = (long long)img->width * img->height;
    for (int y = 0; y < img->height; y++) {
        const uint8_t *p = img->data + (size_t)y * img->stride;
        for (int x = 0; x < img->width; x++, p += 3) {
            int r = p[0], g = p[1], b = p[2];
            double rg = r - g, yb = 0.5 * (r + g) - b;
            srg += rg;
            syb += yb;
            srg2 += rg * rg;
            syb2 += yb * yb;
        }
    }
    double mrg = srg / (double)n, myb = syb / (double)n;
    double vrg = fmax(0.0, srg2 / (double)n - mrg * mrg);
    double vyb = fmax(0.0, syb2 / (double)n - myb * myb);
    double m = sqrt(vrg + vyb) + 0.3 * sqrt(mrg * mrg + myb * myb);
    l->colourfulness = (float)(m / 100.0);
}

/* Gradient magnitude |dx| + |dy| (central differences; 0 on the border). */
static void ka_look_gradient(const ka_image *g, uint16_t *mag, int16_t *dx, int16_t *dy)
{
    int w = g->width, h = g->height;
    memset(mag, 0, (size_t)w * h * sizeof *mag);
    memset(dx, 0, (size_t)w * h * sizeof *dx);
    memset(dy, 0, (size_t)w * h * sizeof *dy);
    for (int y = 1; y + 1 < h; y++) {
        const uint8_t *r = g->data + (size_t)y * g->stride;
        const uint8_t *up = r - g->stride, *dn = r + g->stride;
        for (int x = 1; x + 1 < w; x++) {
            int a = r[x + 1] - r[x - 1], b = dn[x] - up[x];
            size_t i = (size_t)y * w + x;
            dx[i] = (int16_t)a;
            dy[i] = (int16_t)b;
            mag[i] = (uint16_t)(abs(a) + abs(b));
        }
    }
}

/* Crossings of level m along the block's rows (dx 1) or columns. */
static int ka_look_crossings(const ka_image *g, int bx, int by, int m, int columns)
{
    int n = 0;
    for (int a = 0; a < KA_LOOK_BLOCK; a++) {
        int prev = -1;
        for (int b = 0; b < KA_LOOK_BLOCK; b++) {
            int x = bx + (columns ? a : b), y = by + (columns ? b : a);
            int on = g->data[(size_t)y * g->stride + x] >= m;
            n += prev >= 0 && on != prev;
            prev = on;
        }
    }
    return n;
}

/* Per 8x8 block: 1 when it looks like type (see the top of the file); lo and hi are
 * its darkest and lightest levels. */
static int ka_look_text_block(const ka_image *g, int bx, int by, int lo, int hi)
{
    /* strokes: the light-dark level is crossed both along rows and along columns (an
     * edge or a line between two flat areas crosses it one way only) */
    int m = (lo + hi + 1) / 2;
    if (ka_look_crossings(g, bx, by, m, 0) < 4 || ka_look_crossings(g, bx, by, m, 1) < 4)
        return 0;
    /* two-toned: few pixels between the levels, and the ground (the larger of the
     * two) even, as type on a caption or a screen is and foliage or a crowd is not */
    int t1 = lo + (hi - lo) * 3 / 10, t2 = hi - (hi - lo) * 3 / 10, mid = 0;
    int n[2] = { 0, 0 }, sum[2] = { 0, 0 }, sum2[2] = { 0, 0 };
    for (int y = by; y < by + KA_LOOK_BLOCK; y++) {
        const uint8_t *r = g->data + (size_t)y * g->stride;
        for (int x = bx; x < bx + KA_LOOK_BLOCK; x++) {
            int v = r[x], k = v >= t2;
            mid += v > t1 && v < t2;
            if (v <= t1 || v >= t2) {
                n[k]++;
                sum[k] += v;
                sum2[k] += v * v;
            }
        }
    }
    int k = n[1] > n[0];
    if (mid > 20 || n[k] < 20)
        return 0;
    int var = (sum2[k] - sum[k] * sum[k] / n[k]) / n[k];
    return var <= KA_LOOK_TEXT_GROUND * KA_LOOK_TEXT_GROUND;
}

/* Marks the blocks of a run (first..last along one axis) when it holds 3 or more. */
static void ka_look_mark(const uint8_t *blk, uint8_t *keep, int bw, int pass, int o, int first,
                         int last, int count)
{
    for (int k = first; count >= 3 && k <= last; k++) {
        int a = pass ? k * bw + o : o * bw + k;
        keep[a] |= blk[a];
    }
}

/* Blocks in runs of at least 3 along rows or columns (a one-block gap, the space
 * between words, does not end a run); returns how many. */
static int ka_look_text_runs(const uint8_t *blk, int bw, int bh, uint8_t *keep)
{
    memset(keep, 0, (size_t)bw * bh);
    for (int pass = 0; pass < 2; pass++) {
        int outer = pass ? bw : bh, inner = pass ? bh : bw;
        for (int o = 0; o < outer; o++) {
            int first = -1, last = -1, count = 0;
            for (int i = 0; i < inner; i++) {
                if (!blk[pass ? i * bw + o : o * bw + i])
                    continue;
                if (first >= 0 && i - last > 2) {
                    ka_look_mark(blk, keep, bw, pass, o, first, last, count);
                    first = -1;
                    count = 0;
                }
                first = first < 0 ? i : first;
                last = i;
                count++;
            }
            if (first >= 0)
                ka_look_mark(blk, keep, bw, pass, o, first, last, count);
        }
    }
    int n = 0;
    for (int i = 0; i < bw * bh; i++)
        n += keep[i];
    return n;
}

static void ka_look_blocks(const ka_image *g, ka_look *l)
{
    int bw = g->width / KA_LOOK_BLOCK, bh = g->height / KA_LOOK_BLOCK;
    if (bw < 1 || bh < 1)
        return;
    uint8_t *blk = calloc((size_t)bw * bh, 2);
    if (!blk)
        return;
    int flat = 0;
    for (int j = 0; j < bh; j++)
        for (int i = 0; i < bw; i++) {
            int lo = 255, hi = 0;
            for (int y = j * KA_LOOK_BLOCK; y < (j + 1) * KA_LOOK_BLOCK; y++) {
                const uint8_t *r = g->data + (size_t)y * g->stride + i * KA_LOOK_BLOCK;
                for (int x = 0; x < KA_LOOK_BLOCK; x++) {
                    lo = r[x] < lo ? r[x] : lo;
                    hi = r[x] > hi ? r[x] : hi;
                }
            }
            flat += hi - lo < KA_LOOK_FLAT;
            blk[j * bw + i] = hi - lo >= KA_LOOK_TEXT_RANGE &&
                              ka_look_text_block(g, i * KA_LOOK_BLOCK, j * KA_LOOK_BLOCK, lo, hi);
        }
    l->flat = (float)flat / (float)(bw * bh);
    l->text = (float)ka_look_text_runs(blk, bw, bh, blk + (size_t)bw * bh) / (float)(bw * bh);
    free(blk);
}

/* Long straight edges along rows (horizontal edges: dy) and columns (dx); a panel or
 * a screen has both, a tree trunk or a horizon one kind only, so the fewer kind counts. */
static void ka_look_lines(int w, int h, const int16_t *dx, const int16_t *dy, ka_look *l)
{
    int lines[2] = { 0, 0 };
    for (int pass = 0; pass < 2; pass++) {
        const int16_t *d = pass ? dx : dy;
        int outer = pass ? w : h, inner = pass ? h : w, need = inner / 5, last = -10;
        for (int o = 1; o + 1 < outer; o++) {
            int run = 0, sign = 0, best = 0;
            for (int i = 1; i + 1 < inner; i++) {
                /* the edge may wander a pixel either side of the row */
                int v = 0;
                for (int k = -1; k <= 1; k++) {
                    int16_t e = pass ? d[(size_t)i * w + o + k] : d[(size_t)(o + k) * w + i];
                    v = abs(e) > abs(v) ? e : v;
                }
                int sg = v >= KA_LOOK_EDGE / 2 ? 1 : v <= -KA_LOOK_EDGE / 2 ? -1 : 0;
                run = sg != 0 && sg == sign ? run + 1 : sg != 0;
                sign = sg;
                best = run > best ? run : best;
            }
            if (best >= need && o - last >= 3) {
                lines[pass]++;
                last = o;
            }
        }
    }
    int fewer = lines[0] < lines[1] ? lines[0] : lines[1];
    l->lines = ka_look_clamp01((float)fewer / 6.0f);
}

/* Ke, Tang and Jing (2006): the share of the picture spanned by the middle 96% of
 * the edge energy along each axis (a subject on a plain ground is compact; texture
 * or clutter spreads to the edges). */
static float ka_look_spread(const uint16_t *mag, int w, int h)
{
    double *col = calloc((size_t)w, sizeof *col), *row = calloc((size_t)h, sizeof *row);
    double total = 0;
    float share = 1.0f;
    if (col && row) {
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double m = mag[(size_t)y * w + x];
                col[x] += m;
                row[y] += m;
                total += m;
            }
    }
    if (col && row && total > 0) {
        float span[2];
        for (int a = 0; a < 2; a++) {
            const double *v = a ? row : col;
            int n = a ? h : w, lo = 0, hi = n - 1;
            double cut = 0.02 * total, acc = 0;
            while (lo < n - 1 && (acc += v[lo]) < cut)
                lo++;
            acc = 0;
            while (hi > lo && (acc += v[hi]) < cut)
                hi--;
            span[a] = (float)(hi - lo + 1) / (float)n;
        }
        share = span[0] * span[1];
    }
    free(col);
    free(row);
    return share;
}

static void ka_look_edges(const ka_image *g, const uint16_t *mag, ka_rect subject, ka_look *l)
{
    int w = g->width, h = g->height;
    long long strong = 0, n_in = 0, n_out = 0;
    double in = 0, out = 0;
    for (int y = 1; y + 1 < h; y++)
        for (int x = 1; x + 1 < w; x++) {
            uint16_t m = mag[(size_t)y * w + x];
            strong += m >= KA_LOOK_EDGE;
            int inside = x >= subject.x && x < subject.x + subject.w && y >= subject.y &&
                         y < subject.y + subject.h;
            if (inside) {
                in += m;
                n_in++;
            } else {
                out += m;
                n_out++;
            }
        }
    long long all = (long long)(w - 2) * (h - 2);
    l->edges = all > 0 ? (float)((double)strong / (double)all) : 0.0f;
    double mi = n_in ? in / (double)n_in : 0, mo = n_out ? out / (double)n_out : 0;
    l->isolation = n_in && n_out && mi + mo > 0 ? (float)(mi / (mi + mo)) : 0.5f;
}

/* Immerkaer's noise sigma on the picture's own gray, every few rows. */
static float ka_look_noise(const ka_image *rgb, ka_rect c)
{
    if (c.w < 3 || c.h < 3)
        return 0.0f;
    int *row[3];
    int *buf = malloc(sizeof(int) * 3 * (size_t)c.w);
    if (!buf)
        return 0.0f;
    double sum = 0;
    long long n = 0;
    for (int y = c.y + 1; y + 1 < c.y + c.h; y += KA_LOOK_NOISE_STEP) {
        for (int k = 0; k < 3; k++) {
            row[k] = buf + (size_t)k * c.w;
            const uint8_t *p = rgb->data + (size_t)(y - 1 + k) * rgb->stride + (size_t)c.x * 3;
            for (int x = 0; x < c.w; x++, p += 3)
                row[k][x] = 77 * p[0] + 150 * p[1] + 29 * p[2];   /* gray x 256 */
        }
        for (int x = 1; x + 1 < c.w; x++) {
            int v = row[0][x - 1] - 2 * row[0][x] + row[0][x + 1] - 2 * row[1][x - 1] +
                    4 * row[1][x] - 2 * row[1][x + 1] + row[2][x - 1] - 2 * row[2][x] +
                    row[2][x + 1];
            sum += abs(v);
            n++;
        }
    }
    free(buf);
    return n ? (float)(sqrt(M_PI / 2.0) / 6.0 * sum / (double)n / 256.0) : 0.0f;
}

static void ka_look_thumb(const ka_image *g, uint8_t *thumb)
{
    for (int j = 0; j < KA_LOOK_THUMB; j++)
        for (int i = 0; i < KA_LOOK_THUMB; i++) {
            int x0 = i * g->width / KA_LOOK_THUMB, x1 = (i + 1) * g->width / KA_LOOK_THUMB;
            int y0 = j * g->height / KA_LOOK_THUMB, y1 = (j + 1) * g->height / KA_LOOK_THUMB;
            unsigned sum = 0, n = 0;
            for (int y = y0; y < y1; y++)
                for (int x = x0; x < x1; x++, n++)
                    sum += g->data[(size_t)y * g->stride + x];
            thumb[j * KA_LOOK_THUMB + i] = (uint8_t)(n ? (sum + n / 2) / n : 0);
        }
}

void ka_look_measure(const ka_image *rgb, ka_rect content, ka_rect subject, ka_look *l)
{
    memset(l, 0, sizeof *l);
    l->isolation = 0.5f;
    if (!rgb || !rgb->data || rgb->channels != 3)
        return;
    ka_rect c = ka_rect_intersect(content, (ka_rect){ 0, 0, rgb->width, rgb->height });
    if (c.w < 8 || c.h < 8)
        c = (ka_rect){ 0, 0, rgb->width, rgb->height };
    if (c.w < 8 || c.h < 8)
        return;
    ka_image small = { 0 }, gray = { 0 };
    float s;
    if (ka_look_copy(rgb, c, &small, &gray, &s))
        return;
    int w = gray.width, h = gray.height;
    uint16_t *mag = malloc((size_t)w * h * sizeof *mag);
    int16_t *dx = malloc((size_t)w * h * sizeof *dx), *dy = malloc((size_t)w * h * sizeof *dy);
    if (mag && dx && dy) {
        ka_rect sub = subject.w > 0 && subject.h > 0
            ? (ka_rect){ (int)lroundf((float)(subject.x - c.x) * s),
                         (int)lroundf((float)(subject.y - c.y) * s),
                         (int)lroundf((float)subject.w * s), (int)lroundf((float)subject.h * s) }
            : (ka_rect){ 0, 0, 0, 0 };
        ka_look_colour(&small, l);
        l->blown = ka_look_blown(&gray);
        ka_look_gradient(&gray, mag, dx, dy);
        ka_look_edges(&gray, mag, sub, l);
        ka_look_blocks(&gray, l);
        ka_look_lines(w, h, dx, dy, l);
        l->spread = ka_look_spread(mag, w, h);
        ka_look_thumb(&gray, l->thumb);
        l->noise = ka_look_noise(rgb, c);
        l->measured = 1;
    }
    free(mag);
    free(dx);
    free(dy);
    ka_image_free(&small);
    ka_image_free(&gray);
}
