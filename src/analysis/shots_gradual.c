/* shots_gradual.c: gradual transitions. Fades are found from a run of black (or
 * white) frames, extended backwards over the fade-out and forwards over the fade-in.
 * Dissolves are found by a blend test: every frame inside a dissolve is, nearly
 * exactly, a mix a*A + (1-a)*B of the last frame before it (A) and the first frame
 * after it (B), with a falling from 1 to 0; camera motion, occluders and lighting
 * changes are not such mixes, or leave A and B the same picture. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "shots_priv.h"

#define FADE_MAX_FRAMES 150     /* longest fade-out or fade-in followed */
#define FADE_STEP 0.25f         /* per-frame change (grey levels) that continues a fade */
#define DIP_MAX_FRAMES 3
#define FADE_DARK_LUMA 36.0f    /* a dissolve from or to a picture this dark is a fade */        /* a dip to black this short, onto the same picture: none */

static int is_uniform(const shot_frame *f)
{
    const ka_signals *s = &f->sig;
    return (s->flags & KA_FRAME_BLACK) || (s->luma_std < 6 && s->luma_mean > 200);
}

/* Does the picture move away from level from a (older) to b (newer)? */
static int fading_away(const shot_frame *a, const shot_frame *b, float level)
{
    float dm = fabsf(b->sig.luma_mean - level) - fabsf(a->sig.luma_mean - level);
    float ds = b->sig.luma_std - a->sig.luma_std;
    return (dm > FADE_STEP || ds > FADE_STEP) && dm > -FADE_STEP && ds > -2 * FADE_STEP;
}

/* Frames before the run belong to the fade-out while each differs from the one
 * before it in the fade's direction: a cut to black has no such frame. */
static int64_t extend_fade_out(ka_shot_detector *d, int64_t run_first, float level)
{
    int64_t g = run_first;
    while (g - 2 >= 0 && in_ring(d, g - 2) && run_first - g < FADE_MAX_FRAMES &&
           fading_away(ring_at(d, g - 1), ring_at(d, g - 2), level))
        g--;
    for (int64_t f = g; f < run_first; f++)
        ring_at(d, f)->flags |= KA_FRAME_TRANSITION;
    return g;
}

static int emit_fade(ka_shot_detector *d, int64_t fade_in_last)
{
    int64_t run_len = d->run_last - d->run_first + 1;
    int64_t before = d->fade_out_first - 1, after = fade_in_last + 1;
    if (run_len <= DIP_MAX_FRAMES && in_ring(d, before) && in_ring(d, after) &&
        ka_shot_distance(ring_at(d, before), ring_at(d, after)) < 0.15f)
        return 0;
    for (int64_t f = d->fade_in_first; f <= fade_in_last; f++)
        if (in_ring(d, f))
            ring_at(d, f)->flags |= KA_FRAME_TRANSITION;
    boundary b = {
        .frame = d->fade_in_first,
        .time_s = in_ring(d, d->fade_in_first) ? ring_at(d, d->fade_in_first)->time_s : 0,
        .type = KA_TRANSITION_FADE,
        .span_first = d->fade_out_first,
        .span_last = fade_in_last >= d->fade_in_first ? fade_in_last : d->run_last,
        .strength = 1,
    };
    return ka_shot_add_candidate(d, &b);
}

int ka_shot_fade_step(ka_shot_detector *d)
{
    int64_t n = d->n - 1;
    shot_frame *f = ring_at(d, n);
    switch (d->fade_state) {
    case FADE_IDLE:
        if (!is_uniform(f))
            return 0;
        d->run_first = d->run_last = n;
        d->run_level = f->sig.luma_mean;
        d->fade_out_first = extend_fade_out(d, n, d->run_level);
        d->fade_state = FADE_IN_RUN;
        return 0;
    case FADE_IN_RUN:
        if (is_uniform(f)) {
            d->run_last = n;
            return 0;
        }
        d->fade_in_first = n;
        d->fade_state = FADE_IN_FADEIN;
        return 0;
    default:
        if (is_uniform(f)) {            /* back into the run: a blip inside the black */
            d->run_last = n;
            d->fade_state = FADE_IN_RUN;
            return 0;
        }
        if (fading_away(ring_at(d, n - 1), f, d->run_level) &&
            n - d->fade_in_first < FADE_MAX_FRAMES)
            return 0;
        d->fade_state = FADE_IDLE;
        return emit_fade(d, n - 1);
    }
}

int64_t ka_shot_fade_pending(const ka_shot_detector *d)
{
    return d->fade_state == FADE_IDLE ? INT64_MAX : d->fade_out_first;
}

int ka_shot_fade_finish(ka_shot_detector *d)
{
    int state = d->fade_state;
    d->fade_state = FADE_IDLE;
    if (state == FADE_IN_FADEIN)
        return emit_fade(d, d->n - 1);
    return 0;
}

/* ---- dissolves ---- */

#define DISSOLVE_MIN_LENGTH 3
#define DISSOLVE_HOLD 8            /* frames either side that must show the ends hold ... */
#define DISSOLVE_HOLD_SHARE 0.33f  /* ... changing less than this share of A to B */
#define MOTION_SHIFT 4             /* mid pixels a pan may move the picture half way */
#define DISSOLVE_MIN_DISTANCE 0.3f /* the pictures either side must differ this much */
#define DISSOLVE_MAX_COST 0.12f    /* mean misfit of the blend model at the probes */

typedef struct blend_fit {
    float alpha, resid, nearest;    /* resid and nearest relative to |A-B|^2 */
} blend_fit;

static double sq_diff(const shot_frame *a, const shot_frame *b)
{
    int n = a->tw * a->th, nc = (a->tw / 2) * ((a->th + 1) / 2);
    return (double)ka_sum_diff_product(a->ty, a->ty, b->ty, n) +
           (double)ka_sum_diff_product(a->tu, a->tu, b->tu, nc) +
           (double)ka_sum_diff_product(a->tv, a->tv, b->tv, nc);
}

/* f ~ B + alpha (A - B): least squares alpha and what it leaves unexplained. */
static blend_fit fit_blend(const shot_frame *a, const shot_frame *b, const shot_frame *f,
                           double e)
{
    int n = a->tw * a->th, nc = (a->tw / 2) * ((a->th + 1) / 2);
    double dot = (double)ka_sum_diff_product(f->ty, a->ty, b->ty, n) +
                 (double)ka_sum_diff_product(f->tu, a->tu, b->tu, nc) +
                 (double)ka_sum_diff_product(f->tv, a->tv, b->tv, nc);
    double alpha = dot / e;
    double fb = sq_diff(f, b), fa = sq_diff(f, a);
    /* |f - B - alpha (A - B)|^2 = |f - B|^2 - alpha^2 |A - B|^2 at the optimum. */
    double resid = fb - alpha * alpha * e;
    blend_fit r = {
        .alpha = (float)alpha,
        .resid = (float)(resid > 0 ? resid / e : 0),
        .nearest = (float)((fa < fb ? fa : fb) / e),
    };
    return r;
}

/* Zero-mean normalised correlation of two tiny lumas: near 1 for the same picture
 * under different light. */
static float structure_corr(const shot_frame *a, const shot_frame *b)
{
    int n = a->tw * a->th;
    double ma = 0, mb = 0;
    for (int i = 0; i < n; i++) {
        ma += a->ty[i];
        mb += b->ty[i];
    }
    ma /= n;
    mb /= n;
    double sab = 0, saa = 0, sbb = 0;
    for (int i = 0; i < n; i++) {
        double x = a->ty[i] - ma, y = b->ty[i] - mb;
        sab += x * y;
        saa += x * x;
        sbb += y * y;
    }
    return saa > 0 && sbb > 0 ? (float)(sab / sqrt(saa * sbb)) : 1.0f;
}

/* How well frames (a, b) are a dissolve from a to b: < 0 when they are not. */
static float dissolve_score(ka_shot_detector *d, int64_t a, int64_t b, const float *b_hold)
{
    shot_frame *A = ring_at(d, a), *B = ring_at(d, b);
    if (is_uniform(A))
        return -1;
    int npix = A->tw * A->th;
    double e = sq_diff(A, B);
    if (e / npix < 12.0 * 12.0)
        return -1;
    /* Both ends hold still for a while compared with the change across: a picture
     * that changes at one pace throughout (a zoom through a fractal, a moving
     * gradient) is not two shots. Short dissolves get a short while. */
    int64_t hold = (b - a) / 2;
    hold = hold < 2 ? 2 : hold > DISSOLVE_HOLD ? DISSOLVE_HOLD : hold;
    while (hold > 1 && !in_ring(d, a - hold))
        hold--;
    float dab = ka_shot_distance(A, B);
    if (dab < DISSOLVE_MIN_DISTANCE || b_hold[hold] > DISSOLVE_HOLD_SHARE * dab)
        return -1;
    float max_step = 0;
    for (int64_t f = a + 1; f <= b; f++)
        if (ring_at(d, f)->d1 > max_step)
            max_step = ring_at(d, f)->d1;
    if (max_step > 0.6f * dab ||
        ka_shot_distance(ring_at(d, a - hold), A) > DISSOLVE_HOLD_SHARE * dab)
        return -1;
    if (structure_corr(A, B) > 0.8f)
        return -1;
    int len = (int)(b - a - 1);
    float cost = 0, prev_alpha = 1.01f;
    for (int k = 1; k <= 3; k++) {
        int64_t p = a + (int64_t)lround((double)k * (len + 1) / 4.0);
        if (p <= a || p >= b)
            continue;
        blend_fit fit = fit_blend(A, B, ring_at(d, p), e);
        float expect = 1.0f - (float)(p - a) / (float)(len + 1);
        if (fit.resid > 0.15f || fit.resid > 0.5f * fit.nearest ||
            fit.alpha >= prev_alpha || fabsf(fit.alpha - expect) > 0.3f)
            return -1;
        prev_alpha = fit.alpha;
        cost += fit.resid + 0.5f * fabsf(fit.alpha - expect);
    }
    if (d->debug)
        fprintf(stderr, "dissolve? a %lld b %lld dab %.3f e/px %.0f corr %.2f max_step %.3f cost %.3f\n",
                (long long)a, (long long)b, dab, e / npix, structure_corr(A, B), max_step, cost);
    if (cost / 3.0f > DISSOLVE_MAX_COST)
        return -1;
    return dab * (1.0f - cost / 3.0f);
}

/* Mean absolute difference of f and ref zoomed by scale about the centre and moved
 * by the best shift up to MOTION_SHIFT mid pixels, over the middle of the picture:
 * small when f is ref seen by a panning or zooming camera. */
static float warped_mad(const shot_frame *f, const shot_frame *ref, float scale)
{
    float best = 1e9f;
    int w = f->mw, h = f->mh, mx = w / 8 + MOTION_SHIFT, my = h / 8 + MOTION_SHIFT;
    float cx = (w - 1) / 2.0f, cy = (h - 1) / 2.0f;
    int zx[MID_W], zy[MID_MAX_H];   /* where the zoom takes each column and row */
    for (int x = mx; x < w - mx; x++)
        zx[x] = (int)lroundf((x - cx) / scale + cx);
    for (int y = my; y < h - my; y++)
        zy[y] = (int)lroundf((y - cy) / scale + cy);
    for (int dy = -MOTION_SHIFT; dy <= MOTION_SHIFT; dy++)
        for (int dx = -MOTION_SHIFT; dx <= MOTION_SHIFT; dx++) {
            long sum = 0, n = 0;
            for (int y = my; y < h - my; y++) {
                int ry = zy[y] + dy;
                ry = ry < 0 ? 0 : ry >= h ? h - 1 : ry;
                const uint8_t *fr = f->mid + y * w, *rr = ref->mid + ry * w;
                for (int x = mx; x < w - mx; x++, n++) {
                    int rx = zx[x] + dx;
                    rx = rx < 0 ? 0 : rx >= w ? w - 1 : rx;
                    sum += abs((int)fr[x] - (int)rr[rx]);
                }
            }
            if (n && (float)sum / n < best)
                best = (float)sum / n;
        }
    return best;
}

static float moved_mad(const shot_frame *f, const shot_frame *ref)
{
    static const float scales[] = { 1.0f, 0.85f, 0.92f, 1.08f, 1.18f };
    float best = 1e9f;
    for (size_t i = 0; i < sizeof scales / sizeof *scales; i++)
        best = fminf(best, warped_mad(f, ref, scales[i]));
    return best;
}

/* Half way through a dissolve the frame is a mix of both ends that no move of
 * either end explains; half way through a pan or a zoom it is one end, moved. */
static int is_motion(const ka_shot_detector *d, int64_t a, int64_t b)
{
    const shot_frame *A = ring_at(d, a), *B = ring_at(d, b), *f = ring_at(d, (a + b) / 2);
    if (A->mw != f->mw || B->mw != f->mw || A->mh != f->mh || B->mh != f->mh ||
        f->mh <= 2 * MOTION_SHIFT)
        return 0;
    double e = sq_diff(A, B);
    float alpha = fit_blend(A, B, f, e).alpha;
    long sum = 0, n = 0;
    int w = f->mw, h = f->mh, mx = w / 8 + MOTION_SHIFT, my = h / 8 + MOTION_SHIFT;
    for (int y = my; y < h - my; y++)
        for (int x = mx; x < w - mx; x++, n++) {
            int i = y * w + x;
            sum += labs(lround(f->mid[i] - (alpha * A->mid[i] + (1 - alpha) * B->mid[i])));
        }
    float blend = n ? (float)sum / n : 0;
    float moved = fminf(moved_mad(f, A), moved_mad(f, B));
    return moved < 0.8f * blend;
}

/* The blended frames between a and b: alpha strictly between the ends. */
static void refine_span(ka_shot_detector *d, int64_t a, int64_t b, int64_t *first,
                        int64_t *last)
{
    shot_frame *A = ring_at(d, a), *B = ring_at(d, b);
    double e = sq_diff(A, B);
    *first = b - 1;
    *last = a + 1;
    for (int64_t f = a + 1; f < b; f++) {
        blend_fit fit = fit_blend(A, B, ring_at(d, f), e);
        if (fit.alpha < 0.97f && f < *first)
            *first = f;
        if (fit.alpha > 0.03f && f > *last)
            *last = f;
    }
    if (*first > *last) {
        *first = a + 1;
        *last = b - 1;
    }
}

int ka_shot_dissolve_step(ka_shot_detector *d)
{
    int64_t b = d->n - 1 - DISSOLVE_HOLD;  /* B, with frames after it to show it holds */
    float best = -1;
    int64_t best_a = -1;
    if (b < 0 || is_uniform(ring_at(d, b)))
        return 0;
    float b_hold[DISSOLVE_HOLD + 1];
    for (int k = 1; k <= DISSOLVE_HOLD; k++)
        b_hold[k] = ka_shot_distance(ring_at(d, b), ring_at(d, b + k));
    for (int len = DISSOLVE_MIN_LENGTH; len <= DISSOLVE_MAX; len++) {
        int64_t a = b - len - 1;
        if (!in_ring(d, a - 1))
            break;
        float s = dissolve_score(d, a, b, b_hold);
        if (s > best) {
            best = s;
            best_a = a;
        }
    }
    if (best < 0 || is_motion(d, best_a, b))
        return 0;
    int64_t first, last;
    refine_span(d, best_a, b, &first, &last);
    /* A mix with a (nearly) black picture is a fade, whatever else is on it. */
    int dark = ring_at(d, best_a)->sig.luma_mean < FADE_DARK_LUMA ||
               ring_at(d, b)->sig.luma_mean < FADE_DARK_LUMA;
    boundary bd = { .frame = first, .time_s = ring_at(d, first)->time_s,
                    .type = dark ? KA_TRANSITION_FADE : KA_TRANSITION_DISSOLVE,
                    .span_first = first, .span_last = last, .strength = best };
    return ka_shot_add_candidate(d, &bd);
}
