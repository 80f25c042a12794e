/* test_stage_opts.c: option tables (keyart/options.h) set every type, keep defaults,
 * and refuse unknown names and bad values with a message that says what is allowed;
 * the stages' options ("stage.option=value") are checked, made per stage (another
 * stage's are left alone) and listed for --help. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../ka_test.h"
#include "analysis/stage.h"
#include "keyart/rank.h"

/* the stages of rank/all_stages.c's list, in its order */
extern const ka_candidate_stage ka_vision_stage, ka_look_stage;
static const ka_candidate_stage *const ka_candidate_stages[] = {
    &ka_quality_stage, &ka_phash_stage, &ka_saliency_stage, &ka_vision_stage, &ka_look_stage,
    NULL,
};

typedef struct demo {
    int on, n, pick;
    double x;
    const char *path;
} demo;

static const char *const picks[] = { "red", "green", "blue", NULL };
static const ka_option demo_opts[] = {
    { "on", "a switch", KA_OPT_BOOL, offsetof(demo, on), "true", 0, 0, NULL },
    { "n", "a count", KA_OPT_INT, offsetof(demo, n), "3", 1, 9, NULL },
    { "x", "a number", KA_OPT_DOUBLE, offsetof(demo, x), "0.5", 0, 1, NULL },
    { "pick", "a colour", KA_OPT_CHOICE, offsetof(demo, pick), "green", 0, 0, picks },
    { "path", "a folder", KA_OPT_STRING, offsetof(demo, path), NULL, 0, 0, NULL },
    { NULL, NULL, 0, 0, NULL, 0, 0, NULL },
};

static void test_table(void)
{
    demo d;
    memset(&d, 0xff, sizeof d);
    ka_options_defaults(demo_opts, &d);
    CHECK(d.on == 1 && d.n == 3 && d.x == 0.5 && d.pick == 1 && d.path == NULL);
    CHECK_EQ_INT(ka_option_set(demo_opts, &d, "on", "no"), 0);
    CHECK_EQ_INT(ka_option_set(demo_opts, &d, "n", "9"), 0);
    CHECK_EQ_INT(ka_option_set(demo_opts, &d, "x", "0.25"), 0);
    CHECK_EQ_INT(ka_option_set(demo_opts, &d, "pick", "blue"), 0);
    CHECK_EQ_INT(ka_option_set(demo_opts, &d, "path", "/m"), 0);
    CHECK(d.on == 0 && d.n == 9 && d.x == 0.25 && d.pick == 2 && !strcmp(d.path, "/m"));
    static const struct { const char *name, *value, *says; } bad[] = {
        { "on", "maybe", "true or false" }, { "n", "10", "1..9" }, { "n", "2.5", "whole" },
        { "x", "nan", "0..1" }, { "pick", "pink", "red, green, blue" }, { "path", "", "value" },
        { "nope", "1", "there are: on, n, x, pick, path" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        demo before = d;
        CHECK_EQ_INT(ka_option_set(demo_opts, &d, bad[i].name, bad[i].value), KA_EINVAL);
        CHECK_MSG(strstr(ka_error_message(), bad[i].says), "%s=%s: '%s'", bad[i].name,
                  bad[i].value, ka_error_message());
        CHECK(!memcmp(&before, &d, sizeof d));      /* a refused value changes nothing */
    }
}

static const ka_candidate_stage *stage(const char *name)
{
    for (int i = 0; ka_candidate_stages[i]; i++)
        if (!strcmp(ka_candidate_stages[i]->name, name))
            return ka_candidate_stages[i];
    return NULL;
}

static void test_stages(void)
{
    const char *good[] = { "faces.detector=yunet", "faces.max_side=640", "faces.models=/m" };
    CHECK_EQ_INT(ka_stage_opts_check(good, 3), 0);
    CHECK_EQ_INT(ka_stage_opts_check(NULL, 0), 0);
    static const struct { const char *opt, *says; } bad[] = {
        { "faces", "not stage.option=value" }, { "faces.detector", "not stage.option=value" },
        { ".x=1", "not stage.option=value" }, { "eyes.x=1", "no stage 'eyes' (the stages:" },
        { "faces.detector=sharp", "detector is one of auto" }, { "look.x=1", "no options" },
        { "faces.max_side=5", "160..4096" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *one[] = { "faces.enabled=true", bad[i].opt };
        CHECK_EQ_INT(ka_stage_opts_check(one, 2), KA_EINVAL);
        CHECK_MSG(strstr(ka_error_message(), bad[i].says), "%s: '%s'", bad[i].opt,
                  ka_error_message());
    }
    /* made per stage: the faces stage gets its own, a stage without options nothing */
    const ka_candidate_stage *faces = stage("faces"), *quality = stage("quality");
    CHECK(faces && faces->options && faces->opts_size && quality && !quality->options);
    void *o = NULL;
    CHECK_EQ_INT(ka_stage_opts_make(quality, good, 3, &o), 0);
    CHECK(o == NULL);
    CHECK_EQ_INT(ka_stage_opts_make(faces, good, 3, &o), 0);
    CHECK(o != NULL);
    const ka_option *md = ka_option_find(faces->options, "models");
    const ka_option *ms = ka_option_find(faces->options, "max_side");
    if (o && md && ms) {
        const char *models;
        int side;
        memcpy(&models, (char *)o + md->offset, sizeof models);
        memcpy(&side, (char *)o + ms->offset, sizeof side);
        CHECK(models && !strcmp(models, "/m") && side == 640);
    }
    free(o);
}

static void test_help(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ka_stage_opts_print(f);
    fclose(f);
    for (int i = 0; ka_candidate_stages[i]; i++)
        for (const ka_option *o = ka_candidate_stages[i]->options; o && o->name; o++) {
            char want[96];
            snprintf(want, sizeof want, "%s.%s=", ka_candidate_stages[i]->name, o->name);
            CHECK_MSG(text && strstr(text, want), "--help lacks %s", want);
        }
    free(text);
}

int main(void)
{
    RUN(test_table);
    RUN(test_stages);
    RUN(test_help);
    TEST_END();
}
