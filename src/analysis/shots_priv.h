/* shots_priv.h: the shot detector's state, shared by its cut (shots.c) and gradual
 * transition (shots_gradual.c) halves. */
#ifndef KA_SHOTS_PRIV_H
#define KA_SHOTS_PRIV_H

#include <math.h>

#include "keyart/analysis.h"

/* Frames of history kept: longer than the longest dissolve we look for plus the
 * lookahead, so every decision sees the frames it needs. */
#define SHOT_RING 192
/* Frames a cut decision waits for (flash and occlusion tests look this far). */
#define CUT_LOOKAHEAD 6
/* Longest dissolve, in frames. */
#define DISSOLVE_MAX 64
/* The tiny copy used for frame-to-frame comparisons: TINY_W wide. */
#define TINY_W 32
/* Frames each side of a frame that set the local level of change. */
#define CUT_WINDOW_FRAMES 8
#define TINY_MAX_H 64
/* The mid copy (for motion tests on dissolve candidates): MID_W wide. */
#define MID_W 64
#define MID_MAX_H 128

typedef struct shot_frame {
    int64_t frame;
    double time_s;
    ka_signals sig;
    int tw, th;                                 /* tiny luma size, chroma is half */
    int small_w;                                /* width of the small copy it came from */
    float ty[TINY_W * TINY_MAX_H];
    float tu[TINY_W * TINY_MAX_H / 4], tv[TINY_W * TINY_MAX_H / 4];
    int mw, mh;
    uint8_t mid[MID_W * MID_MAX_H];             /* luma, 2x the tiny resolution */
    float hist[KA_HIST_LUMA_BINS + KA_HIST_CHROMA_BINS * KA_HIST_CHROMA_BINS];
                                                /* both histograms, each summing to 1 */
    float d1;                                   /* distance to the previous frame */
    uint32_t flags;                             /* KA_FRAME_TRANSITION, KA_FRAME_FLASH */
} shot_frame;

typedef struct boundary {
    int64_t frame;                              /* first frame of the new shot */
    double time_s;
    ka_transition type;
    int64_t span_first, span_last;              /* -1 for cuts */
    float strength;
} boundary;

/* The first frame a boundary touches: its span's start, or its frame. */
static inline int64_t ka_boundary_first(const boundary *b)
{
    return b->span_first >= 0 && b->span_first < b->frame ? b->span_first : b->frame;
}

/* Fade state machine (through black or white). */
enum { FADE_IDLE, FADE_IN_RUN, FADE_IN_FADEIN };

struct ka_shot_detector {
    ka_shot_opts o;
    int min_gap;                                /* min shot length in frames */
    shot_frame *ring;
    int64_t n;                                  /* frames pushed */

    boundary *cands;                            /* not yet final, sorted by first frame */
    int n_cands, cap_cands;
    boundary *final;                            /* accepted, sorted */
    int n_final, cap_final;
    int64_t final_before;

    int fade_state;
    int64_t fade_out_first, run_first, run_last, fade_in_first;
    float run_level;

    ka_shot *shots;                             /* built from final boundaries */
    int n_shots, cap_shots;
    int finished;
    double last_time_s;                         /* of the newest frame */
    int debug;
};

static inline shot_frame *ring_at(const ka_shot_detector *d, int64_t f)
{
    return &d->ring[f % SHOT_RING];
}

static inline int in_ring(const ka_shot_detector *d, int64_t f)
{
    return f >= 0 && f < d->n && f > d->n - SHOT_RING;
}

/* Sums over the tiny pictures, the detector's innermost loops (the dissolve search
 * compares each new frame with 60 earlier ones). They add in eight separate lanes:
 * one running sum would wait on every add, eight fill the vector registers. */
#define KA_LANES 8

static inline float ka_sum_abs_diff(const float *a, const float *b, int n)
{
    float acc[KA_LANES] = { 0 }, s = 0;
    int i = 0;
    for (; i + KA_LANES <= n; i += KA_LANES)
        for (int k = 0; k < KA_LANES; k++)
            acc[k] += fabsf(a[i + k] - b[i + k]);
    for (; i < n; i++)
        s += fabsf(a[i] - b[i]);
    for (int k = 0; k < KA_LANES; k++)
        s += acc[k];
    return s;
}

/* Sum of (a - c)(b - c): with a == b, the squared distance of a and c. */
static inline float ka_sum_diff_product(const float *a, const float *b, const float *c, int n)
{
    float acc[KA_LANES] = { 0 }, s = 0;
    int i = 0;
    for (; i + KA_LANES <= n; i += KA_LANES)
        for (int k = 0; k < KA_LANES; k++)
            acc[k] += (a[i + k] - c[i + k]) * (b[i + k] - c[i + k]);
    for (; i < n; i++)
        s += (a[i] - c[i]) * (b[i] - c[i]);
    for (int k = 0; k < KA_LANES; k++)
        s += acc[k];
    return s;
}

/* Block means of a sw x sh plane into dw x dh (empty blocks get empty). */
void ka_shot_box_means(const uint8_t *src, int sw, int sh, int dw, int dh, float empty,
                       float *out);

/* Distance of two frames' content, 0..1 (histograms and tiny pictures). */
float ka_shot_distance(const shot_frame *a, const shot_frame *b);
/* Offers a boundary candidate; overlapping candidates are reconciled at finalisation. */
int ka_shot_add_candidate(ka_shot_detector *d, const boundary *b);

/* Makes candidates final up to horizon (bounded by unfinished fades). */
int ka_shot_settle(ka_shot_detector *d, int64_t horizon);

/* Gradual transitions, called once per pushed frame (the newest is d->n - 1). */
int ka_shot_fade_step(ka_shot_detector *d);
int ka_shot_dissolve_step(ka_shot_detector *d);
/* At the end of the stream: decides what still waits for frames that will not come. */
int ka_shot_finish_pending(ka_shot_detector *d);
int ka_shot_fade_finish(ka_shot_detector *d);
/* The earliest frame an unfinished fade may still claim (INT64_MAX when none). */
int64_t ka_shot_fade_pending(const ka_shot_detector *d);

#endif
