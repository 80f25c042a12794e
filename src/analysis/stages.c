/* stages.c: the table of per-candidate stages and the three that need nothing but
 * the picture: quality, perceptual hash and saliency. */
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

static const ka_candidate_stage quality_stage = {
    .name = "quality", .process = quality_process,
};
static const ka_candidate_stage phash_stage = {
    .name = "phash", .process = phash_process,
};
static const ka_candidate_stage saliency_stage = {
    .name = "saliency", .process = saliency_process,
};

/* vision/vision_stage.c: faces, people, objects, BRISQUE (after quality, which it
 * adjusts); its uninit runs the title-level identity pass. */
extern const ka_candidate_stage ka_vision_stage;
/* rank/look_stage.c: colour, noise, clutter, text and screens, skin, isolation of the
 * subject vision found. */
extern const ka_candidate_stage ka_look_stage;

const ka_candidate_stage *const ka_candidate_stages[] = {
    &quality_stage,
    &phash_stage,
    &saliency_stage,
    &ka_vision_stage,
    &ka_look_stage,
    NULL,
};
