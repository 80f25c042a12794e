/* phash.c: 64-bit difference hash (dHash) of an image region, for telling near-
 * duplicate candidates apart. The region is reduced to 9x8 gray cells by area
 * averaging (sampled on a grid of at most ~16x16 points per cell for speed); bit
 * y*8 + x is set when cell (x, y) is darker than cell (x + 1, y). Two frames of
 * the same still scene differ by a few bits; unrelated frames by about 32. */
#include "keyart/analysis.h"
#include "keyart/imaging.h"
#include "stage.h"

#define KA_PHASH_W 9
#define KA_PHASH_H 8
#define KA_PHASH_SAMPLES 16

static ka_rect ka_phash_clip(const ka_image *img, ka_rect r)
{
    int x0 = r.x < 0 ? 0 : r.x, y0 = r.y < 0 ? 0 : r.y;
    int x1 = r.x + r.w > img->width ? img->width : r.x + r.w;
    int y1 = r.y + r.h > img->height ? img->height : r.y + r.h;
    ka_rect c = { x0, y0, x1 > x0 ? x1 - x0 : 0, y1 > y0 ? y1 - y0 : 0 };
    return c;
}

static uint8_t ka_phash_gray_at(const ka_image *img, int x, int y)
{
    const uint8_t *p = img->data + (size_t)y * img->stride + (size_t)x * img->channels;
    return img->channels == 3 ? ka_color_gray(p[0], p[1], p[2]) : p[0];
}

/* Mean gray of [x0, x1) x [y0, y1) (never empty). */
static double ka_phash_cell(const ka_image *img, int x0, int x1, int y0, int y1)
{
    int sx = (x1 - x0) / KA_PHASH_SAMPLES, sy = (y1 - y0) / KA_PHASH_SAMPLES;
    if (sx < 1)
        sx = 1;
    if (sy < 1)
        sy = 1;
    double sum = 0.0;
    long n = 0;
    for (int y = y0; y < y1; y += sy)
        for (int x = x0; x < x1; x += sx, n++)
            sum += ka_phash_gray_at(img, x, y);
    return sum / (double)n;
}

/* Cell bounds along one axis: [lo, hi) of cell i of n over [start, start + len). */
static void ka_phash_span(int start, int len, int i, int n, int *lo, int *hi)
{
    *lo = start + (int)((long long)len * i / n);
    *hi = start + (int)((long long)len * (i + 1) / n);
    if (*hi <= *lo)
        *hi = *lo + 1;
    if (*hi > start + len) {
        *hi = start + len;
        *lo = *hi - 1;
    }
}

uint64_t ka_phash(const ka_image *img, ka_rect r)
{
    if (!img || !img->data || img->width <= 0 || img->height <= 0 ||
        (img->channels != 1 && img->channels != 3))
        return 0;
    r = ka_phash_clip(img, r);
    if (r.w <= 0 || r.h <= 0)
        r = (ka_rect){ 0, 0, img->width, img->height };
    double cell[KA_PHASH_H][KA_PHASH_W];
    for (int j = 0; j < KA_PHASH_H; j++) {
        int y0, y1;
        ka_phash_span(r.y, r.h, j, KA_PHASH_H, &y0, &y1);
        for (int i = 0; i < KA_PHASH_W; i++) {
            int x0, x1;
            ka_phash_span(r.x, r.w, i, KA_PHASH_W, &x0, &x1);
            cell[j][i] = ka_phash_cell(img, x0, x1, y0, y1);
        }
    }
    uint64_t h = 0;
    for (int j = 0; j < KA_PHASH_H; j++)
        for (int i = 0; i < KA_PHASH_W - 1; i++)
            if (cell[j][i] < cell[j][i + 1])
                h |= 1ull << (j * 8 + i);
    return h;
}

/* The "phash" candidate stage (stage.h): the content area's hash into cand->phash. */
static int phash_process(ka_stage_ctx *ctx, const ka_image *rgb, ka_rect content,
                         ka_candidate *cand)
{
    cand->phash = ka_phash(rgb, content);
    return 0;
}

const ka_candidate_stage ka_phash_stage = {
    .name = "phash",
    .description = "the 64-bit perceptual hash that tells near-duplicates apart",
    .process = phash_process,
};
