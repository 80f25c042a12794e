/* stage.h: the one small interface every per-candidate analysis stage implements,
 * analysis's own stages, and the pipeline that runs a list of them. The pipeline
 * knows no stage by name: adding a measurement is one file and one row in the list.
 * Stages of higher layers (vision's faces, rank's look) implement this interface
 * too; the full list, which must know them all, is rank's (rank/all_stages.c), and
 * ka_analyze (rank.h) runs it, so analysis never names a layer above it. A stage with
 * options lists them in a table (keyart/options.h) and gets them, set from the
 * "stage.option=value" strings of ka_analysis_opts, in ctx->opts. */
#ifndef KA_STAGE_H
#define KA_STAGE_H

#include "keyart/analysis.h"
#include "keyart/options.h"

typedef struct ka_stage_ctx {
    ka_title *title;            /* video info and options; shots not known yet. Stages
                                 * change only their own side data, and the
                                 * candidates' only in uninit's title passes */
    void *priv;                 /* priv_size zeroed bytes, the stage's own */
    int title_passes;           /* run passes over the whole title at uninit (opts) */
    const void *opts;           /* the stage's options struct (opts_size bytes), set */
} ka_stage_ctx;

typedef struct ka_candidate_stage {
    const char *name;
    const char *description;                                /* a line for --help */
    const ka_option *options;   /* NULL-terminated; NULL: none */
    size_t opts_size;           /* the struct options write into */
    size_t priv_size;
    int (*init)(ka_stage_ctx *ctx);                         /* optional */
    /* rgb is the full-resolution frame in display orientation; content excludes
     * the frame's bars. Runs on the stage runner thread, one candidate at a time. */
    int (*process)(ka_stage_ctx *ctx, const ka_image *rgb, ka_rect content,
                   ka_candidate *cand);
    void (*uninit)(ka_stage_ctx *ctx);                      /* optional */
} ka_candidate_stage;

/* analysis's own stages, each in the file of its measurement: they need nothing
 * but the picture. */
extern const ka_candidate_stage ka_quality_stage;   /* cand->q */
extern const ka_candidate_stage ka_phash_stage;     /* cand->phash */
extern const ka_candidate_stage ka_saliency_stage;  /* cand->salient */

/* ka_analyze with the stages given (NULL-terminated, run in that order on every
 * candidate; NULL: none): one pass over the video, see ka_analyze. */
int ka_analyze_stages(const char *path, const char *title_id, const ka_analysis_opts *opts,
                      const ka_candidate_stage *const *stages, ka_title **out);

/* Stage st's options from the "stage.option=value" strings (those of other stages are
 * skipped) over its defaults, into *out (malloc'd; NULL for a stage without options).
 * KA_EINVAL with the reason, KA_ENOMEM. */
int ka_stage_opts_make(const ka_candidate_stage *st, const char *const *opts, int n,
                       void **out);
/* The strings against the stages' tables: 0, or KA_EINVAL saying which is wrong and
 * what is allowed (an unknown stage names the stages there are). */
int ka_stage_opts_check_in(const ka_candidate_stage *const *stages, const char *const *opts,
                           int n);
/* The stages' options, for --help. */
void ka_stage_opts_print_in(const ka_candidate_stage *const *stages, FILE *f);

#endif
