/* all_stages.c: the list of every per-candidate stage, in the order they run, and
 * ka_analyze, which runs it. It lives in rank, the top of the measuring layers,
 * because it must name a stage of each: analysis's (quality, phash, saliency),
 * vision's (faces) and rank's own (look); analysis runs whatever list it is given. */
#include "analysis/stage.h"
#include "keyart/rank.h"

/* vision/vision_stage.c: faces, people, objects, BRISQUE; the crops' focus replaces
 * the salient region when there are faces (so after saliency); its uninit runs the
 * title-level identity pass. */
extern const ka_candidate_stage ka_vision_stage;
/* look_stage.c: colour, noise, clutter, text and screens, isolation of the subject
 * vision found (so after faces). */
extern const ka_candidate_stage ka_look_stage;

static const ka_candidate_stage *const ka_all_stages[] = {
    &ka_quality_stage,
    &ka_phash_stage,
    &ka_saliency_stage,
    &ka_vision_stage,
    &ka_look_stage,
    NULL,
};

int ka_analyze(const char *path, const char *title_id, const ka_analysis_opts *opts,
               ka_title **out)
{
    return ka_analyze_stages(path, title_id, opts, ka_all_stages, out);
}

int ka_stage_opts_check(const char *const *opts, int n)
{
    return ka_stage_opts_check_in(ka_all_stages, opts, n);
}

void ka_stage_opts_print(FILE *f)
{
    ka_stage_opts_print_in(ka_all_stages, f);
}
