/* fuzz_ranker.c: ranker files (rank/model.c; `keyart analyze --ranker`). A file is
 * refused with a reason or gives a ranker whose scores are finite for any features,
 * and that is written and read back unchanged. */
#include <math.h>
#include <string.h>

#include "keyart/rank.h"
#include "fuzz.h"

/* Features a picture may have, including ones far outside any graded picture. */
static void features(float x[KA_F_COUNT], float v)
{
    for (int i = 0; i < KA_F_COUNT; i++)
        x[i] = v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = ka_fuzz_str(data, size);
    ka_ranker r;
    if (ka_ranker_parse(text, "fuzz", &r) == 0) {
        static const float probe[] = { 0.0f, 1.0f, -1e6f, 1e6f };
        float x[KA_F_COUNT];
        for (size_t i = 0; i < sizeof probe / sizeof *probe; i++) {
            features(x, probe[i]);
            float s = ka_ranker_score(&r, x);
            FUZZ_CHECK(isfinite(s));
            float g = ka_ranker_grade(&r, s);
            FUZZ_CHECK(g >= 0.0f && g <= KA_GRADE_MAX);
        }
        char path[512];
        ka_ranker back;
        snprintf(path, sizeof path, "%s/ranker.json", ka_fuzz_dir());
        FUZZ_CHECK(ka_ranker_save(&r, path) == 0);
        FUZZ_CHECK(ka_ranker_load(path, &back) == 0);
        FUZZ_CHECK(!memcmp(back.mean, r.mean, sizeof r.mean) &&
                   !memcmp(back.scale, r.scale, sizeof r.scale) &&
                   !memcmp(back.weight, r.weight, sizeof r.weight) &&
                   !memcmp(back.cut, r.cut, sizeof r.cut));
    }
    free(text);
    return 0;
}
