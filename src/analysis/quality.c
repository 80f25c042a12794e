/* quality.c: the seed system's visual quality of a candidate (brightness, contrast,
 * sharpness, saturation, clipped exposure), measured on its full-resolution RGB
 * inside the content rectangle.
 *
 * Cost: large images are measured on step x step block averages, with step chosen
 * so that about 350 000 blocks remain (a 1080p frame is measured at 960x540, a 4K
 * frame at 960x540 too, 720p and smaller at full size). This keeps one call under
 * ~10 ms for 1080p and makes the sharpness figure comparable across resolutions.
 * The LAB statistics use every lab-th block of every lab-th row (at most ~100 000
 * conversions); gray, clipping and the Laplacian use every block.
 *
 * Normalisation (each 0..1):
 *   lightness       mean L* (CIELAB, sRGB D65)
 *   brightness      1 - |L* - 50| / 50
 *   contrast        min(1, std(L*) / 25): a std of 25 L* (a well-spread histogram)
 *                   scores 1, a flat image 0
 *   sharpness       1 - exp(-var / 130), var = variance of the 4-neighbour 3x3
 *                   Laplacian of gray at the measuring scale. Measured on
 *                   frames of the shared clips (Sintel, Tears of Steel, Caminandes,
 *                   marathon, people): sharp frames have var 170..1100 (>= 0.73),
 *                   the same frames under a Gaussian blur of sigma 2 px 8..44
 *                   (<= 0.29), sigma 4 px 2..7 (<= 0.05); a motion-blurred ToS
 *                   frame ~70 (0.42)
 *   saturation      min(1, mean chroma / 40), chroma = sqrt(a*^2 + b*^2)
 *   exposure        share of blocks with gray <= 2 or >= 253 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "keyart/analysis.h"
#include "keyart/imaging.h"
#include "stage.h"

#define KA_QUALITY_BLOCKS 350000.0
#define KA_QUALITY_CONTRAST_REF 25.0f
#define KA_QUALITY_SHARP_K 130.0
#define KA_QUALITY_CHROMA_REF 40.0f

typedef struct ka_quality_acc {
    double sum_l, sum_l2, sum_c;
    long long n;                /* LAB samples */
    long long clipped, n_gray;  /* gray samples */
} ka_quality_acc;

static float ka_quality_clamp01(float v)
{
    return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
}

/* r intersected with the image; w or h 0 when nothing is left. */
static ka_rect ka_quality_clip(const ka_image *img, ka_rect r)
{
    int x0 = r.x < 0 ? 0 : r.x, y0 = r.y < 0 ? 0 : r.y;
    int x1 = r.x + r.w > img->width ? img->width : r.x + r.w;
    int y1 = r.y + r.h > img->height ? img->height : r.y + r.h;
    ka_rect c = { x0, y0, x1 > x0 ? x1 - x0 : 0, y1 > y0 ? y1 - y0 : 0 };
    return c;
}

static int ka_quality_step(int w, int h)
{
    int step = (int)floor(sqrt((double)w * h / KA_QUALITY_BLOCKS));
    return step < 1 ? 1 : step;
}

/* One row of block means: rgb[3 * bx ...] for the step x step blocks of row by. */
static void ka_quality_block_row(const ka_image *img, ka_rect r, int step, int by, int gw,
                                 uint8_t *rgb)
{
    int ch = img->channels, c1 = ch == 3 ? 1 : 0, c2 = ch == 3 ? 2 : 0;
    float inv = 1.0f / (float)(step * step);
    const uint8_t *top = img->data + (size_t)(r.y + by * step) * img->stride + (size_t)r.x * ch;
    for (int bx = 0; bx < gw; bx++) {
        unsigned s0 = 0, s1 = 0, s2 = 0;
        const uint8_t *row = top + (size_t)bx * step * ch;
        for (int j = 0; j < step; j++, row += img->stride)
            for (int i = 0; i < step * ch; i += ch) {
                s0 += row[i];
                s1 += row[i + c1];
                s2 += row[i + c2];
            }
        rgb[3 * bx] = (uint8_t)((float)s0 * inv + 0.5f);
        rgb[3 * bx + 1] = (uint8_t)((float)s1 * inv + 0.5f);
        rgb[3 * bx + 2] = (uint8_t)((float)s2 * inv + 0.5f);
    }
}

/* Colour statistics of the blocks (LAB on every lab-th block of every lab-th row,
 * at most ~100 000 conversions) and the gray plane of every block (gw x gh). */
static void ka_quality_colour(const ka_image *img, ka_rect r, int step, int gw, int gh,
                              uint8_t *gray, uint8_t *rgb, ka_quality_acc *acc)
{
    int lab = (int)floor(sqrt((double)gw * gh / 100000.0));
    lab = lab < 1 ? 1 : lab;
    for (int by = 0; by < gh; by++) {
        ka_quality_block_row(img, r, step, by, gw, rgb);
        uint8_t *grow = gray + (size_t)by * gw;
        for (int bx = 0; bx < gw; bx++) {
            uint8_t g = ka_color_gray(rgb[3 * bx], rgb[3 * bx + 1], rgb[3 * bx + 2]);
            grow[bx] = g;
            acc->clipped += (g <= 2 || g >= 253);
        }
        if (by % lab)
            continue;
        for (int bx = 0; bx < gw; bx += lab) {
            float L, a, b;
            ka_color_lab(rgb[3 * bx], rgb[3 * bx + 1], rgb[3 * bx + 2], &L, &a, &b);
            acc->sum_l += L;
            acc->sum_l2 += (double)L * L;
            acc->sum_c += sqrtf(a * a + b * b);
            acc->n++;
        }
    }
    acc->n_gray = (long long)gw * gh;
}

/* Variance of the 3x3 Laplacian (0 1 0 / 1 -4 1 / 0 1 0) over the interior. */
static double ka_quality_laplacian_var(const uint8_t *g, int w, int h)
{
    if (w < 3 || h < 3)
        return 0.0;
    double sum = 0.0, sum2 = 0.0;
    for (int y = 1; y < h - 1; y++) {
        const uint8_t *row = g + (size_t)y * w;
        long long rs = 0, rs2 = 0;
        for (int x = 1; x < w - 1; x++) {
            int lap = row[x - 1] + row[x + 1] + row[x - w] + row[x + w] - 4 * row[x];
            rs += lap;
            rs2 += (long long)lap * lap;
        }
        sum += (double)rs;
        sum2 += (double)rs2;
    }
    double n = (double)(w - 2) * (h - 2);
    double mean = sum / n;
    double var = sum2 / n - mean * mean;
    return var < 0.0 ? 0.0 : var;
}

static void ka_quality_normalise(ka_quality *q)
{
    q->brightness = ka_quality_clamp01(1.0f - fabsf(q->lightness - 50.0f) / 50.0f);
    q->contrast = ka_quality_clamp01(q->contrast_raw / KA_QUALITY_CONTRAST_REF);
    q->sharpness = ka_quality_clamp01((float)(1.0 - exp(-q->sharpness_raw / KA_QUALITY_SHARP_K)));
    q->saturation = ka_quality_clamp01(q->saturation_raw / KA_QUALITY_CHROMA_REF);
}

void ka_quality_measure(const ka_image *img, ka_rect r, ka_quality *q)
{
    memset(q, 0, sizeof(*q));
    if (!img || !img->data || img->width <= 0 || img->height <= 0 ||
        (img->channels != 1 && img->channels != 3))
        return;
    r = ka_quality_clip(img, r);
    if (r.w <= 0 || r.h <= 0)
        r = (ka_rect){ 0, 0, img->width, img->height };
    int step = ka_quality_step(r.w, r.h);
    int gw = r.w / step, gh = r.h / step;
    uint8_t *gray = malloc((size_t)gw * gh + (size_t)gw * 3);
    if (!gray)
        return;                 /* out of memory: reported as an unmeasured (zero) quality */
    ka_quality_acc acc = { 0 };
    ka_quality_colour(img, r, step, gw, gh, gray, gray + (size_t)gw * gh, &acc);
    double n = (double)acc.n;
    double mean = acc.sum_l / n, var = acc.sum_l2 / n - mean * mean;
    q->lightness = (float)mean;
    q->contrast_raw = (float)sqrt(var > 0.0 ? var : 0.0);
    q->saturation_raw = (float)(acc.sum_c / n);
    q->exposure_clipped = (float)((double)acc.clipped / (double)acc.n_gray);
    q->sharpness_raw = (float)ka_quality_laplacian_var(gray, gw, gh);
    free(gray);
    ka_quality_normalise(q);
}

/* The "quality" candidate stage (stage.h): the parts above into cand->q. */
static int quality_process(ka_stage_ctx *ctx, const ka_image *rgb, ka_rect content,
                           ka_candidate *cand)
{
    ka_quality_measure(rgb, content, &cand->q);
    return 0;
}

const ka_candidate_stage ka_quality_stage = {
    .name = "quality",
    .description = "brightness, contrast, sharpness (Laplacian variance), saturation, exposure",
    .process = quality_process,
};
