/* keyart/analysis.h: per-frame signals, shot boundaries, defects, candidate frames
 * and the one-pass pipeline that turns a video file into a ka_title. */
#ifndef KEYART_ANALYSIS_H
#define KEYART_ANALYSIS_H

#include <stdio.h>

#include "keyart/common.h"
#include "keyart/media.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KA_HIST_LUMA_BINS 32
#define KA_HIST_CHROMA_BINS 8   /* per axis: a joint U x V histogram of 8 x 8 */

/* Cheap signals of one frame, computed on its small copy. */
typedef struct ka_signals {
    int64_t frame;
    double time_s;
    float luma_mean, luma_std;      /* 0..255 */
    float chroma_mean;              /* mean distance of (U, V) from gray, 0..181 */
    float sharpness;                /* variance of the Laplacian of the small luma */
    float diff_prev;                /* mean absolute luma difference to the previous frame */
    float hist_dist;                /* 0..1, luma + chroma histogram distance to previous */
    float edge_change;              /* 0..1, edge change ratio to the previous frame */
    uint32_t hist_luma[KA_HIST_LUMA_BINS];
    uint32_t hist_chroma[KA_HIST_CHROMA_BINS * KA_HIST_CHROMA_BINS];
    int bar_top, bar_bottom, bar_left, bar_right; /* dark uniform borders, small-copy px */
    uint32_t flags;                 /* KA_FRAME_* */
} ka_signals;

enum {
    KA_FRAME_BLACK = 1u << 0,       /* (near) black */
    KA_FRAME_BLANK = 1u << 1,       /* uniform, any level (white, gray, a flat card) */
    KA_FRAME_BLUR = 1u << 2,        /* much softer than its shot */
    KA_FRAME_FLASH = 1u << 3,       /* part of a flash: a few frames brighter than both sides */
    KA_FRAME_TRANSITION = 1u << 4,  /* inside a fade or dissolve */
};

/* A frame that never becomes artwork: black, blank, a flash, inside a transition. */
static inline int ka_frame_unusable(uint32_t flags)
{
    return (flags & (KA_FRAME_BLACK | KA_FRAME_BLANK | KA_FRAME_FLASH | KA_FRAME_TRANSITION)) != 0;
}

/* Computes sig for cur; prev may be NULL (first frame). */
void ka_signals_compute(const ka_small *cur, const ka_small *prev, const ka_signals *prev_sig,
                        ka_signals *sig);

typedef enum ka_transition {
    KA_TRANSITION_START = 0,        /* the first shot */
    KA_TRANSITION_CUT,
    KA_TRANSITION_FADE,             /* through black or white */
    KA_TRANSITION_DISSOLVE,
} ka_transition;

const char *ka_transition_name(ka_transition t);

typedef struct ka_shot {
    int index;
    int64_t start_frame, end_frame; /* inclusive */
    double start_s, end_s;          /* time of start_frame, time just after end_frame */
    ka_transition transition_in;
    int64_t span_first, span_last;  /* frames of a gradual transition_in (else -1) */
} ka_shot;

/* Shot boundary detection, streaming: push every frame's signals and small copy in
 * order; boundaries become final a bounded number of frames later. */
typedef struct ka_shot_opts {
    double min_shot_s;              /* boundaries closer than this are merged (0.4) */
    double fps;                     /* for converting times; 0 = 25 */
} ka_shot_opts;

typedef struct ka_shot_detector ka_shot_detector;

int ka_shot_detector_new(const ka_shot_opts *opts, ka_shot_detector **out);
/* Takes a copy of what it needs. */
int ka_shot_detector_push(ka_shot_detector *d, const ka_signals *sig, const ka_small *small);
/* Frames before this number will not be changed by later pushes. */
int64_t ka_shot_detector_final_before(const ka_shot_detector *d);
/* Shot index and flags (KA_FRAME_TRANSITION, KA_FRAME_FLASH) of a frame that is
 * final and not older than the detector's history; < 0 if unknown. */
int ka_shot_detector_frame_info(const ka_shot_detector *d, int64_t frame, int *shot,
                                uint32_t *flags);
/* Start time (s) of a shot whose first frame is final; < 0 if unknown. */
double ka_shot_detector_shot_start(const ka_shot_detector *d, int shot);
/* Ends the stream: every frame becomes final. */
int ka_shot_detector_finish(ka_shot_detector *d);
/* The shots found so far (final ones; all of them after finish). */
const ka_shot *ka_shot_detector_shots(const ka_shot_detector *d, int *count);
void ka_shot_detector_free(ka_shot_detector **d);

/* What analysis measures of a full-resolution candidate's picture: the seed system's
 * visual quality. Vision measures two more parts (ka_vision_quality, in its own
 * record) and select, which knows both, weighs them into the candidate's quality
 * score (ka_quality_score, ka_candidate.quality_score). */
typedef struct ka_quality {
    float lightness;                /* mean L* (0..100) */
    float brightness;               /* 1 - |L* - 50| / 50, 0..1 */
    float contrast_raw;             /* standard deviation of L* */
    float contrast;                 /* normalised 0..1 */
    float sharpness_raw;            /* variance of the Laplacian (gray, 0..255) */
    float sharpness;                /* normalised 0..1 */
    float saturation_raw;           /* mean chroma (LAB a*b* radius) */
    float saturation;               /* normalised 0..1 */
    float exposure_clipped;         /* share of pixels at 0..2 or 253..255 */
} ka_quality;

/* Measures q on img (RGB) inside r (the area without bars). */
void ka_quality_measure(const ka_image *img, ka_rect r, ka_quality *q);

/* Side data: what a later stage keeps on a candidate (vision's faces, say), as
 * FFmpeg keeps side data on a frame. A stage names its kind with a static
 * ka_side_kind whose address is the key, and gives typed accessors of its own
 * (ka_vision_of); whoever frees the candidate frees each entry through its kind. */
typedef struct ka_side_kind {
    const char *name;               /* the stage that owns it */
    void (*free_fn)(void *data);
} ka_side_kind;

typedef struct ka_side {
    const ka_side_kind *kind;       /* NULL: the slot is free */
    void *data;
} ka_side;

enum { KA_CAND_SIDE_MAX = 4 };      /* kinds one candidate can carry */

/* A candidate frame: everything later stages need, without the full picture, which
 * is spooled to a JPEG file so memory does not grow with the title's length. */
typedef struct ka_candidate {
    int64_t frame;
    double time_s;
    int shot;
    uint32_t flags;                 /* KA_CAND_* */
    ka_signals sig;
    float motion;                   /* mean frame difference around it, 0..1 */
    ka_quality q;                   /* what analysis measured of the picture */
    float quality_score;            /* 0..1, weighed by select from q and vision's parts
                                     * (ka_quality_score); 0 before selection */
    float appeal;                   /* the ranker's score (select fills it; higher is
                                     * better, 0 is the grade model's "good" line) */
    uint64_t phash;                 /* 64-bit perceptual hash of the content area */
    ka_rect salient;                /* most salient region, full-res display pixels */
    ka_rect content;                /* the picture inside bars, as this frame shows it */
    int width, height;              /* full-res display size */
    char *spool_path;               /* full frame (bars included), JPEG */
    ka_side side[KA_CAND_SIDE_MAX]; /* later stages' data (ka_candidate_side) */
} ka_candidate;

/* cand's side data of that kind, or NULL. */
void *ka_candidate_side(const ka_candidate *cand, const ka_side_kind *kind);
/* Attaches data as cand's side data of that kind, freeing what it replaces. On
 * failure (every slot taken by other kinds: KA_EINTERNAL) data is freed through the
 * kind. */
int ka_candidate_side_set(ka_candidate *cand, const ka_side_kind *kind, void *data);
/* Frees every side data of cand and empties its slots. */
void ka_candidate_side_free(ka_candidate *cand);

enum {
    KA_CAND_UNIFORM = 1u << 0,      /* sampled on the uniform grid */
    KA_CAND_SHOT_START = 1u << 1,   /* sampled near the start of its shot */
    KA_CAND_FORCED = 1u << 2,       /* asked for by ka_analysis_opts.force_frames */
};

/* The analysis of one title. */
typedef struct ka_title {
    char *id;
    char *path;
    ka_video_info info;
    ka_decode_stats decode;
    int64_t frames;                 /* frames analysed */
    double duration_s;
    ka_rect content;                /* area inside letterbox / pillarbox bars (display px) */
    ka_shot *shots;
    int n_shots;
    ka_candidate *cands;
    int n_cands;
    int64_t n_black, n_blur, n_flash, n_transition;  /* defect counts, frames */
    char *spool_dir;                /* owned temp folder, removed by ka_title_free */
    double analyse_s;               /* wall time */
} ka_title;

typedef void (*ka_progress_fn)(void *ud, double done_s, double total_s);

typedef struct ka_analysis_opts {
    ka_shot_opts shot;
    double sample_interval_s;       /* uniform grid (1.0) */
    int budget_per_hour;            /* candidates per hour of content (50..200, 120) */
    int min_candidates;             /* for short titles (24) */
    int threads;                    /* 0 = one per core */
    int small_width;                /* analysis copy width (128) */
    int64_t max_pixels;             /* larger frames are refused before decoding
                                     * (0 = KA_MAX_PIXELS_DEFAULT, keyart/media.h) */
    const char *spool_dir;          /* where candidates go; NULL = a new temp folder */
    int shots_only;                 /* find shots and defects, pick no candidates */
    ka_progress_fn progress;
    void *progress_ud;
    double start_s, end_s;          /* analyse only [start_s, end_s) of the video (end_s 0 =
                                     * to the end), for segments; times stay on the whole
                                     * file's timeline, frames count from the first one */
    int no_title_passes;            /* stages skip their passes over the whole title (the
                                     * identity clustering): the caller runs them itself,
                                     * with the cast (ka_store_identities) or at a merge */
    const int64_t *force_frames;    /* frames (ascending) that become candidates whatever
                                     * the sampler thinks, defects included (their flags
                                     * say so): how the ranker's training measures the
                                     * frames editors graded */
    int n_force_frames;
    int force_only;                 /* the sampler picks no other frame */
    /* The stages' options, "stage.option=value" (faces.detector=yunet,
     * faces.models=DIR, ...: `keyart analyze --help` lists them); checked when the
     * analysis starts. The strings must outlive the analysis. */
    const char *const *stage_opts;
    int n_stage_opts;
} ka_analysis_opts;

void ka_analysis_opts_default(ka_analysis_opts *o);
/* ka_analyze, the one pass over a video, is declared in rank.h: it runs every
 * per-candidate stage, vision's and rank's among them, and only a layer above
 * those may name them (analysis/stage.h is the interface they implement). */
void ka_title_free(ka_title **t);

/* The most salient region of img inside content: where detail, colour contrast and
 * the centre meet. Crops are centred on it. */
ka_rect ka_saliency_region(const ka_image *img, ka_rect content);

/* 64-bit difference hash of an RGB region (for near-duplicate tests). */
uint64_t ka_phash(const ka_image *img, ka_rect r);
static inline int ka_phash_distance(uint64_t a, uint64_t b) { return __builtin_popcountll(a ^ b); }

#ifdef __cplusplus
}
#endif
#endif
