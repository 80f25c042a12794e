/* test_stage_example.c: the worked example of docs/stages.md, compiled from the page
 * itself (doc_block.py), runs as a stage of the real pipeline on a shared clip: its
 * option reaches it, its side data is on every candidate and freed with the title,
 * and a bad value is refused with the option's range. */
#include <string.h>

#include "../ka_test.h"
#include "analysis/stage.h"

extern const ka_candidate_stage ka_warmth_stage;
float ka_warmth_of(const ka_candidate *cand);

static const ka_candidate_stage *const stages[] = {
    &ka_quality_stage, &ka_warmth_stage, NULL,
};

static ka_title *analyse(const char *path, const char *opt)
{
    ka_analysis_opts o;
    ka_analysis_opts_default(&o);
    const char *opts[] = { opt };
    o.stage_opts = opts;
    o.n_stage_opts = 1;
    ka_title *t = NULL;
    int err = ka_analyze_stages(path, "example", &o, stages, &t);
    CHECK_MSG(err == 0, "%s", ka_error_message());
    return t;
}

int main(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/media/caminandes_10s.mp4", ka_test_shared());
    ka_title *loose = analyse(path, "warmth.min_saturation=0");
    ka_title *strict = analyse(path, "warmth.min_saturation=0.8");
    CHECK(loose && strict && loose->n_cands > 0 && loose->n_cands == strict->n_cands);
    int fewer = 0, warm = 0;
    for (int i = 0; loose && strict && i < loose->n_cands && i < strict->n_cands; i++) {
        float a = ka_warmth_of(&loose->cands[i]), b = ka_warmth_of(&strict->cands[i]);
        CHECK_MSG(a >= 0 && a <= 1 && b >= 0 && b <= 1, "candidate %d: %g %g", i, a, b);
        CHECK(b <= a);                  /* a stricter option counts fewer pixels */
        fewer += b < a;
        warm += a > 0.05f;
    }
    CHECK(fewer > 0);
    CHECK(warm > 0);
    ka_candidate bare = { 0 };
    CHECK(ka_warmth_of(&bare) < 0);     /* not measured */
    ka_title_free(&loose);
    ka_title_free(&strict);             /* frees the side data (ASan: no leak) */

    const char *bad[] = { "warmth.min_saturation=2" };
    CHECK_EQ_INT(ka_stage_opts_check_in(stages, bad, 1), KA_EINVAL);
    CHECK_MSG(strstr(ka_error_message(), "0..1") != NULL, "%s", ka_error_message());
    TEST_END();
}
