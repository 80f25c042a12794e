/* fuzz_cli_values.c: the values the command line takes (and the work queue stores):
 * numbers (common/parse.c), quality weights, event types, detectors, roles, OPE
 * target specs and DR models, and "stage.option=value" strings through every
 * stage's option table (common/options.c). The input is up to 8 lines; each line goes
 * through every parser, and the lines together are one set of stage options. */
#include <math.h>
#include <string.h>

#include "keyart/experiment.h"
#include "keyart/personalize.h"
#include "keyart/rank.h"
#include "keyart/select.h"
#include "keyart/vision.h"
#include "fuzz.h"

enum { MAX_LINES = 8 };

static void one_value(const char *s)
{
    int i;
    double d;
    if (ka_parse_int(s, -1000, 1000, &i) == 0)
        FUZZ_CHECK(i >= -1000 && i <= 1000);
    if (ka_parse_double(s, 0, 1, &d) == 0)
        FUZZ_CHECK(d >= 0 && d <= 1);
    ka_quality_weights w;
    if (ka_quality_weights_parse(s, &w) == 0) {
        const float *f = &w.brightness;
        for (int k = 0; k < 6; k++)
            FUZZ_CHECK(isfinite(f[k]) && f[k] >= 0 && f[k] <= 1000);
        /* the queue stores them as text: formatting gives back the very same floats */
        char text[KA_QUALITY_WEIGHTS_TEXT_MAX];
        ka_quality_weights back;
        ka_quality_weights_format(&w, text);
        FUZZ_CHECK(ka_quality_weights_parse(text, &back) == 0);
        FUZZ_CHECK(!memcmp(&back, &w, sizeof w));
    }
    ka_event_type et;
    ka_event_type_parse(s, &et);
    ka_face_detector fd;
    ka_vision_detector_parse(s, &fd);
    ka_role role;
    ka_role_parse(s, &role);
    ka_ope_dr_model dm;
    ka_ope_dr_model_parse(s, &dm);
    ka_ope_fixed *fixed = NULL;
    if (ka_ope_fixed_parse(s, &fixed) == 0)
        FUZZ_CHECK(fixed && ka_ope_fixed_name(fixed));
    ka_ope_fixed_free(fixed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = ka_fuzz_str(data, size), *save = NULL;
    const char *lines[MAX_LINES];
    int n = 0;
    for (char *l = strtok_r(text, "\n", &save); l && n < MAX_LINES; l = strtok_r(NULL, "\n", &save))
        lines[n++] = l;
    for (int i = 0; i < n; i++)
        one_value(lines[i]);
    ka_stage_opts_check(lines, n);
    free(text);
    return 0;
}
