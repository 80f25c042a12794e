/* pipeline_priv.h: the parts of the one-pass pipeline: candidate sampling, the
 * title's bars, and the stage runner that measures candidates at full resolution. */
#ifndef KA_PIPELINE_PRIV_H
#define KA_PIPELINE_PRIV_H

#include "keyart/analysis.h"
#include "analysis/stage.h"

/* ---- sampler.c ---- */

#define SAMPLER_TOP 3           /* frames held per stretch, best first */
#define SAMPLER_DIFFS 512       /* per-frame differences remembered, for motion */

typedef struct sampler_held {
    ka_frame *frame;
    ka_signals sig;
    float score;
    int resolved;               /* shot and flags known (the frame became final) */
    int shot;
    uint32_t flags;
} sampler_held;

typedef struct sampler_stretch {
    int64_t first, last;        /* frames offered to it */
    sampler_held top[SAMPLER_TOP];
    int n;
} sampler_stretch;

/* A frame chosen as a candidate: handed to the stage runner, which owns frame after. */
typedef struct sampler_pick {
    ka_frame *frame;
    ka_signals sig;
    int shot;
    uint32_t flags;             /* KA_CAND_* */
    float motion;
} sampler_pick;

typedef int (*sampler_emit_fn)(void *ud, sampler_pick *pick);

typedef struct ka_sampler {
    double stretch_s;           /* length of a stretch of the uniform grid */
    int target;                 /* candidates planned for the title */
    int shot_start_budget;
    int64_t stretch_index;      /* of the open stretch */
    sampler_stretch *pending;   /* closed or open stretches waiting for final frames */
    int n_pending, cap_pending;
    float diffs[SAMPLER_DIFFS];
    double last_change_s;       /* time of the last large frame change */
    float sharp_avg;            /* running sharpness of recent frames */
    int emitted, emitted_shot_start;
    int64_t n_blur;
    const int64_t *force;       /* frames asked for (ka_analysis_opts.force_frames) */
    int n_force, next_force, force_only;
    sampler_held *forced;       /* asked-for frames waiting to become final */
    int n_forced, cap_forced;
} ka_sampler;

int ka_sampler_init(ka_sampler *s, const ka_analysis_opts *o, double duration_s);
/* Considers a frame; holds a reference when it is among its stretch's best. */
int ka_sampler_offer(ka_sampler *s, const ka_frame *f, const ka_signals *sig);
/* Decides every stretch whose frames are all final (all of them when finished). */
int ka_sampler_decide(ka_sampler *s, const ka_shot_detector *d, int finished,
                      sampler_emit_fn emit, void *ud);
void ka_sampler_free(ka_sampler *s);

/* ---- bars.c: letterbox and pillarbox, by majority over the title ---- */

#define BARS_MAX 512

typedef struct ka_bars {
    uint32_t hist[4][BARS_MAX]; /* top, bottom, left, right, in small-copy pixels */
    int64_t frames;
    int small_w, small_h;
} ka_bars;

void ka_bars_add(ka_bars *b, const ka_signals *sig, int small_w, int small_h);
/* The area inside the bars, in display pixels of a width x height picture. */
ka_rect ka_bars_content(const ka_bars *b, int width, int height);

/* Snaps est's bar edges to the picture at full resolution (within slack pixels). */
ka_rect ka_bars_refine(const ka_image *rgb, ka_rect est, int slack);
/* Median edges of the candidates' content areas (fallback when there are none). */
ka_rect ka_bars_consensus(const ka_candidate *c, int n, ka_rect fallback);

/* ---- stage_runner.c: the stages, on a thread of their own, over the full-resolution
 * frames (not keyart worker, which runs jobs of the queue) ---- */

typedef struct ka_stage_runner ka_stage_runner;

/* Starts the runner of stages (NULL-terminated) on every candidate, each stage with
 * its options from the "stage.option=value" strings. */
int ka_stage_runner_start(ka_title *t, const ka_candidate_stage *const *stages,
                          int title_passes, const char *const *stage_opts, int n_stage_opts,
                          ka_stage_runner **out);
/* Queues a pick (blocks while the queue is full); takes the frame. */
int ka_stage_runner_push(ka_stage_runner *w, sampler_pick *pick, ka_rect content);
/* Waits for the queue to drain and stops; returns the first error it met. */
int ka_stage_runner_finish(ka_stage_runner **w);

#endif
