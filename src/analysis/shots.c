/* shots.c: streaming shot boundary detection. Every frame's signals and small copy
 * come in; hard cuts are found here, fades and dissolves in shots_gradual.c, and the
 * candidates of both are reconciled into final boundaries a bounded number of frames
 * later, so memory does not depend on the length of the video.
 *
 * A cut at frame c needs three things: a large change from c-1 to c, much larger than
 * the changes around it (fast motion changes every frame); and no return to the old
 * picture within a few frames (a flash, a muzzle flash or a passing occluder does
 * return); and the new picture must hold (a frame of a whip pan does not). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shots_priv.h"

#define CUT_MIN 0.20f        /* smallest distance that can be a cut */
#define CUT_LOCAL_RATIO 2.2f  /* ... and how far above the local level of change */
#define CUT_MAX_UNCHANGED 0.5f /* share of the picture a cut may leave unchanged */
#define RETURN_RATIO 0.45f    /* a later frame this close to the old picture: no cut */
#define BOX_MAX_W 1024        /* widest plane box_means_exact sums (small copies: <= 320) */

const char *ka_transition_name(ka_transition t)
{
    switch (t) {
    case KA_TRANSITION_START: return "start";
    case KA_TRANSITION_CUT: return "cut";
    case KA_TRANSITION_FADE: return "fade";
    case KA_TRANSITION_DISSOLVE: return "dissolve";
    }
    return "unknown";
}

/* ka_shot_box_means when the blocks are all kx x ky (the usual case: a 128-wide small
 * copy into 32 and 64 columns): column sums of each band of ky rows, then kx of
 * them at a time, instead of a loop per block. The same sums as the general case. */
static void box_means_exact(const uint8_t *src, int sw, int dw, int dh, int ky, float *out)
{
    int kx = sw / dw, n = kx * ky;
    int col[BOX_MAX_W];
    for (int by = 0; by < dh; by++) {
        memset(col, 0, (size_t)sw * sizeof *col);
        for (int y = by * ky; y < (by + 1) * ky; y++) {
            const uint8_t *row = src + (size_t)y * sw;
            for (int x = 0; x < sw; x++)
                col[x] += row[x];
        }
        for (int bx = 0; bx < dw; bx++) {
            int sum = 0;
            for (int k = 0; k < kx; k++)
                sum += col[bx * kx + k];
            out[by * dw + bx] = (float)sum / n;
        }
    }
}

void ka_shot_box_means(const uint8_t *src, int sw, int sh, int dw, int dh, float empty,
                       float *out)
{
    if (dw > 0 && dh > 0 && sw >= dw && sh >= dh && sw % dw == 0 && sh % dh == 0 &&
        sw <= BOX_MAX_W) {
        box_means_exact(src, sw, dw, dh, sh / dh, out);
        return;
    }
    for (int by = 0; by < dh; by++) {
        int y0 = by * sh / dh, y1 = (by + 1) * sh / dh;
        for (int bx = 0; bx < dw; bx++) {
            int x0 = bx * sw / dw, x1 = (bx + 1) * sw / dw;
            int sum = 0, n = 0;
            for (int y = y0; y < y1; y++)
                for (int x = x0; x < x1; x++, n++)
                    sum += src[(size_t)y * sw + x];
            out[by * dw + bx] = n ? (float)sum / n : empty;
        }
    }
}

static int scaled_height(const ka_small *s, int w, int max_h)
{
    int h = (int)lround((double)s->h * w / s->w);
    return h < 1 ? 1 : h > max_h ? max_h : h;
}

/* The tiny copy (TINY_W wide, luma and half-size chroma, for frame distances) and
 * the mid copy (MID_W wide luma, for motion tests), keeping the aspect. */
static void make_tiny(const ka_small *s, shot_frame *f)
{
    f->tw = TINY_W;
    f->th = scaled_height(s, TINY_W, TINY_MAX_H);
    f->small_w = s->w;
    ka_shot_box_means(s->y, s->w, s->h, f->tw, f->th, 0, f->ty);
    int cw = f->tw / 2, ch = (f->th + 1) / 2;
    ka_shot_box_means(s->u, s->cw, s->ch, cw, ch, 128, f->tu);
    ka_shot_box_means(s->v, s->cw, s->ch, cw, ch, 128, f->tv);

    float mid[MID_W * MID_MAX_H];
    f->mw = MID_W;
    f->mh = scaled_height(s, MID_W, MID_MAX_H);
    ka_shot_box_means(s->y, s->w, s->h, f->mw, f->mh, 0, mid);
    for (int i = 0; i < f->mw * f->mh; i++)
        f->mid[i] = (uint8_t)mid[i];
}

static void normalise_hist(const ka_signals *sig, float *out)
{
    enum { NL = KA_HIST_LUMA_BINS, NC = KA_HIST_CHROMA_BINS * KA_HIST_CHROMA_BINS };
    double nl = 0, nc = 0;
    for (int i = 0; i < NL; i++)
        nl += sig->hist_luma[i];
    for (int i = 0; i < NC; i++)
        nc += sig->hist_chroma[i];
    for (int i = 0; i < NL; i++)
        out[i] = nl > 0 ? (float)(sig->hist_luma[i] / nl) : 0;
    for (int i = 0; i < NC; i++)
        out[NL + i] = nc > 0 ? (float)(sig->hist_chroma[i] / nc) : 0;
}

/* Half the mean of the luma and chroma L1 distances: 0..1. */
static float hist_distance(const shot_frame *a, const shot_frame *b)
{
    return 0.25f * ka_sum_abs_diff(a->hist, b->hist, (int)(sizeof a->hist / sizeof a->hist[0]));
}

float ka_shot_distance(const shot_frame *a, const shot_frame *b)
{
    if (a->tw != b->tw || a->th != b->th)
        return 1;
    int n = a->tw * a->th, nc = (a->tw / 2) * ((a->th + 1) / 2);
    double dy = ka_sum_abs_diff(a->ty, b->ty, n);
    double dc = ka_sum_abs_diff(a->tu, b->tu, nc) + ka_sum_abs_diff(a->tv, b->tv, nc);
    /* A mean difference of 64 grey levels (or 32 in chroma) is as different as
     * two unrelated pictures get. */
    float pd = (float)(dy / n / 64.0 + dc / nc / 64.0);
    if (pd > 1)
        pd = 1;
    return 0.5f * hist_distance(a, b) + 0.5f * pd;
}

int ka_shot_detector_new(const ka_shot_opts *opts, ka_shot_detector **out)
{
    ka_shot_detector *d = calloc(1, sizeof *d);
    if (!d || !(d->ring = calloc(SHOT_RING, sizeof *d->ring))) {
        free(d);
        return ka_error(KA_ENOMEM, "no memory for the shot detector");
    }
    d->o = *opts;
    if (d->o.fps <= 0)
        d->o.fps = 25;
    if (d->o.min_shot_s < 0)
        d->o.min_shot_s = 0;
    d->min_gap = (int)lround(d->o.min_shot_s * d->o.fps);
    if (d->min_gap < 2)
        d->min_gap = 2;
    d->fade_state = FADE_IDLE;
    d->debug = getenv("KEYART_SHOT_DEBUG") != NULL;
    *out = d;
    return 0;
}

int ka_shot_add_candidate(ka_shot_detector *d, const boundary *b)
{
    int err = ka_array_grow((void **)&d->cands, &d->cap_cands, d->n_cands + 1, sizeof *d->cands);
    if (err)
        return err;
    int i = d->n_cands++;
    while (i > 0 && ka_boundary_first(&d->cands[i - 1]) > ka_boundary_first(b)) {
        d->cands[i] = d->cands[i - 1];
        i--;
    }
    d->cands[i] = *b;
    if (d->debug)
        fprintf(stderr, "shot candidate %s at %lld span [%lld,%lld] strength %.3f\n",
                ka_transition_name(b->type), (long long)b->frame, (long long)b->span_first,
                (long long)b->span_last, b->strength);
    return 0;
}

/* Median-like local level: the mean of the window's d1 after dropping its largest
 * two values, so one other cut or flash nearby does not hide this one. */
static float local_level(const ka_shot_detector *d, int64_t c)
{
    float v[2 * CUT_WINDOW_FRAMES];
    int n = 0;
    for (int64_t f = c - CUT_WINDOW_FRAMES; f <= c + CUT_WINDOW_FRAMES; f++)
        if (f != c && f > 0 && in_ring(d, f))
            v[n++] = ring_at(d, f)->d1;
    for (int k = 0; k < 2 && n > 2; k++) {
        int m = 0;
        for (int i = 1; i < n; i++)
            if (v[i] > v[m])
                m = i;
        v[m] = v[--n];
    }
    float s = 0;
    for (int i = 0; i < n; i++)
        s += v[i];
    return n ? s / n : 0;
}

/* The smallest distance between the old picture (frames shortly before c) and any
 * frame from c on: small when the picture comes back (a flash, an occluder, a dip
 * to black, whether c is its first frame or the first after it). */
static float return_distance(const ka_shot_detector *d, int64_t c)
{
    float best = 1;
    for (int64_t i = c - 1 - CUT_LOOKAHEAD; i < c; i++) {
        if (!in_ring(d, i) || ring_at(d, i)->sig.flags & KA_FRAME_BLANK)
            continue;
        for (int64_t j = c; j <= c + CUT_LOOKAHEAD && j < d->n; j++) {
            if (j == c && i == c - 1)
                continue;
            float dist = ka_shot_distance(ring_at(d, i), ring_at(d, j));
            if (dist < best)
                best = dist;
        }
    }
    return best;
}

/* Share of the tiny picture that stays put across c: a cut changes nearly all of
 * it, something entering the frame leaves the background. */
static float unchanged_share(const ka_shot_detector *d, int64_t c)
{
    const shot_frame *a = ring_at(d, c - 1), *b = ring_at(d, c);
    /* Bars stay put across every cut: count only the picture inside them. */
    int small_w = b->small_w;
    int y0 = b->sig.bar_top * a->tw / small_w, y1 = a->th - b->sig.bar_bottom * a->tw / small_w;
    int x0 = b->sig.bar_left * a->tw / small_w, x1 = a->tw - b->sig.bar_right * a->tw / small_w;
    int n = 0, same = 0;
    int cw = a->tw / 2;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++, n++) {
            int ci = (y / 2) * cw + x / 2;
            same += fabsf(a->ty[y * a->tw + x] - b->ty[y * a->tw + x]) < 8.0f &&
                    fabsf(a->tu[ci] - b->tu[ci]) < 6.0f && fabsf(a->tv[ci] - b->tv[ci]) < 6.0f;
        }
    return n ? (float)same / n : 1.0f;
}

/* Marks the bright frames of a rejected flash starting at c. */
static void mark_flash(ka_shot_detector *d, int64_t c)
{
    float before = ring_at(d, c - 1)->sig.luma_mean;
    for (int64_t f = c; f <= c + CUT_LOOKAHEAD && f < d->n; f++) {
        shot_frame *s = ring_at(d, f);
        if (s->sig.luma_mean > before + 8)
            s->flags |= KA_FRAME_FLASH;
    }
}

static int cut_check(ka_shot_detector *d, int64_t c)
{
    if (c < 1 || !in_ring(d, c - 1))
        return 0;
    shot_frame *f = ring_at(d, c);
    if (f->d1 < CUT_MIN)
        return 0;
    float level = local_level(d, c);
    float ret = return_distance(d, c);
    float same = unchanged_share(d, c);
    if (d->debug)
        fprintf(stderr, "cut? %lld d1 %.3f level %.3f return %.3f same %.2f\n", (long long)c, f->d1, level,
                ret, same);
    if (ret < RETURN_RATIO * f->d1) {
        mark_flash(d, c);
        return 0;
    }
    if (f->d1 < CUT_LOCAL_RATIO * level || same > CUT_MAX_UNCHANGED)
        return 0;
    boundary b = { .frame = c, .time_s = f->time_s, .type = KA_TRANSITION_CUT, .span_first = -1, .span_last = -1,
                   .strength = f->d1 * (1.0f - same) };
    return ka_shot_add_candidate(d, &b);
}

int ka_shot_detector_push(ka_shot_detector *d, const ka_signals *sig, const ka_small *small)
{
    if (d->finished)
        return ka_error(KA_EINVAL, "shot detector: push after finish");
    if (!small || small->w < 8 || small->h < 2)
        return ka_error(KA_EINVAL, "shot detector: small frame too small");
    shot_frame *f = ring_at(d, d->n);
    memset(f, 0, offsetof(shot_frame, ty));
    f->flags = 0;   /* the slot held a frame SHOT_RING frames ago */
    f->frame = d->n;
    f->time_s = sig->time_s;
    f->sig = *sig;
    normalise_hist(sig, f->hist);
    make_tiny(small, f);
    d->last_time_s = sig->time_s;
    f->d1 = d->n > 0 ? ka_shot_distance(ring_at(d, d->n - 1), f) : 0;
    d->n++;
    int err = cut_check(d, d->n - 1 - CUT_LOOKAHEAD);
    if (!err)
        err = ka_shot_fade_step(d);
    if (!err)
        err = ka_shot_dissolve_step(d);
    if (!err)
        err = ka_shot_settle(d, d->n - (DISSOLVE_MAX + CUT_LOOKAHEAD + 8));
    return err;
}

int ka_shot_finish_pending(ka_shot_detector *d)
{
    int err = 0;
    for (int64_t c = d->n - CUT_LOOKAHEAD; c < d->n && !err; c++)
        err = cut_check(d, c);
    return err ? err : ka_shot_fade_finish(d);
}
