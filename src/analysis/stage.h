/* stage.h: the one small interface every per-candidate analysis stage implements,
 * analysis's own stages, and the pipeline that runs a list of them. The pipeline
 * knows no stage by name: adding a measurement is one file and one row in the list.
 * Stages of higher layers (vision's faces, rank's look) implement this interface
 * too; the full list, which must know them all, is rank's (rank/stages.c), and
 * ka_analyze (rank.h) runs it, so analysis never names a layer above it. */
#ifndef KA_STAGE_H
#define KA_STAGE_H

#include "keyart/analysis.h"

typedef struct ka_stage_ctx {
    const ka_title *title;      /* video info and options; shots not known yet */
    void *priv;                 /* priv_size zeroed bytes, the stage's own */
    int title_passes;           /* run passes over the whole title at uninit (opts) */
} ka_stage_ctx;

typedef struct ka_candidate_stage {
    const char *name;
    size_t priv_size;
    int (*init)(ka_stage_ctx *ctx);                         /* optional */
    /* rgb is the full-resolution frame in display orientation; content excludes
     * the frame's bars. Runs on a worker thread, one candidate at a time. */
    int (*process)(ka_stage_ctx *ctx, const ka_image *rgb, ka_rect content,
                   ka_candidate *cand);
    void (*uninit)(ka_stage_ctx *ctx);                      /* optional */
} ka_candidate_stage;

/* analysis's own stages (stages.c): they need nothing but the picture. */
extern const ka_candidate_stage ka_quality_stage;   /* cand->q */
extern const ka_candidate_stage ka_phash_stage;     /* cand->phash */
extern const ka_candidate_stage ka_saliency_stage;  /* cand->salient */

/* ka_analyze with the stages given (NULL-terminated, run in that order on every
 * candidate; NULL: none): one pass over the video, see ka_analyze. */
int ka_analyze_stages(const char *path, const char *title_id, const ka_analysis_opts *opts,
                      const ka_candidate_stage *const *stages, ka_title **out);

#endif
