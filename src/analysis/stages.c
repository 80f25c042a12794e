/* stages.c: analysis's own per-candidate stages, the three that need nothing but
 * the picture: quality, perceptual hash and saliency. The list of every stage is
 * rank's (rank/stages.c), the lowest layer that knows them all. */
#include "stage.h"

static int quality_process(ka_stage_ctx *ctx, const ka_image *rgb, ka_rect content,
                           ka_candidate *cand)
{
    ka_quality_measure(rgb, content, &cand->q);
    return 0;
}

static int phash_process(ka_stage_ctx *ctx, const ka_image *rgb, ka_rect content,
                         ka_candidate *cand)
{
    cand->phash = ka_phash(rgb, content);
    return 0;
}

static int saliency_process(ka_stage_ctx *ctx, const ka_image *rgb, ka_rect content,
                            ka_candidate *cand)
{
    cand->salient = ka_saliency_region(rgb, content);
    return 0;
}

const ka_candidate_stage ka_quality_stage = {
    .name = "quality", .process = quality_process,
};
const ka_candidate_stage ka_phash_stage = {
    .name = "phash", .process = phash_process,
};
const ka_candidate_stage ka_saliency_stage = {
    .name = "saliency", .process = saliency_process,
};
