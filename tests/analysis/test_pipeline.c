/* test_pipeline.c: ka_analyze end to end on real clips: candidates are few, sorted,
 * inside their shots, never black, flashing or inside a transition, spooled and
 * cleaned up; letterbox bars are found once per title; the budget holds for long
 * titles; bad options are refused. */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyart/keyart.h"
#include "analysis/pipeline_priv.h"
#include "ka_test.h"

static ka_title *analyze(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/media/%s", ka_test_shared(), name);
    ka_title *t = NULL;
    int err = ka_analyze(path, name, NULL, &t);
    CHECK_MSG(err == 0, "%s: %s", name, ka_error_message());
    return t;
}

static int in_gradual_span(const ka_title *t, int64_t f)
{
    for (int k = 0; k < t->n_shots; k++)
        if (t->shots[k].span_first >= 0 && f >= t->shots[k].span_first &&
            f <= t->shots[k].span_last)
            return 1;
    return 0;
}

static void check_candidates(const ka_title *t)
{
    CHECK(t->n_cands >= 10);
    CHECK(t->n_cands <= 60);
    for (int i = 0; i < t->n_cands; i++) {
        const ka_candidate *c = &t->cands[i];
        struct stat st;
        CHECK(i == 0 || c->frame > t->cands[i - 1].frame);
        CHECK(c->shot >= 0 && c->shot < t->n_shots);
        if (c->shot >= 0 && c->shot < t->n_shots) {
            CHECK(c->frame >= t->shots[c->shot].start_frame);
            CHECK(c->frame <= t->shots[c->shot].end_frame);
        }
        CHECK(!(c->sig.flags & (KA_FRAME_BLACK | KA_FRAME_BLANK)));
        CHECK(!in_gradual_span(t, c->frame));
        CHECK(c->flags & (KA_CAND_UNIFORM | KA_CAND_SHOT_START));
        CHECK(c->spool_path && stat(c->spool_path, &st) == 0 && st.st_size > 1000);
        CHECK(c->width == t->info.width && c->height == t->info.height);
        CHECK(c->q.brightness >= 0 && c->q.brightness <= 1);
        CHECK(c->q.sharpness >= 0 && c->q.sharpness <= 1);
        CHECK(c->motion >= 0 && c->motion <= 1);
        CHECK(c->salient.w > 0 && c->salient.h > 0);
    }
}

static void test_tears(void)
{
    ka_title *t = analyze("tears_of_steel_10s.mp4");
    if (!t)
        return;
    CHECK_EQ_INT(t->frames, 240);
    CHECK_EQ_INT(t->n_shots, 4);
    CHECK_NEAR(t->duration_s, 10.0, 0.05);
    check_candidates(t);
    /* The white flicker inside the last shot is never a candidate. */
    static const int flicker[] = { 192, 193, 196, 197, 200, 201, 204, 205 };
    for (int i = 0; i < t->n_cands; i++)
        for (size_t k = 0; k < sizeof flicker / sizeof *flicker; k++)
            CHECK_MSG(t->cands[i].frame != flicker[k], "flash frame %d is a candidate", flicker[k]);
    /* Every shot has a candidate. */
    for (int s = 0; s < t->n_shots; s++) {
        int found = 0;
        for (int i = 0; i < t->n_cands; i++)
            found |= t->cands[i].shot == s;
        CHECK_MSG(found, "shot %d has no candidate", s);
    }
    CHECK(t->n_flash >= 4);
    /* No letterbox: the whole frame is content. */
    CHECK_EQ_INT(t->content.w, t->info.width);
    CHECK_EQ_INT(t->content.h, t->info.height);
    char *spool = strdup(t->spool_dir);
    struct stat st;
    CHECK(stat(spool, &st) == 0);
    ka_title_free(&t);
    CHECK(t == NULL);
    CHECK_MSG(stat(spool, &st) != 0, "%s is left behind", spool);
    free(spool);
}

static void test_sintel_letterbox(void)
{
    ka_title *t = analyze("sintel_10s.mp4");
    if (!t)
        return;
    check_candidates(t);
    /* Sintel is 2.39:1 inside 16:9: the picture is 640x272 at y=42 (labelled by
     * eye); the edges are found to within two rows. */
    CHECK_MSG(t->content.y >= 40 && t->content.y <= 44, "y %d", t->content.y);
    CHECK_MSG(t->content.h >= 268 && t->content.h <= 276, "h %d", t->content.h);
    CHECK_EQ_INT(t->content.w, t->info.width);
    ka_title_free(&t);
}

/* A detailed shot, a soft one and a smooth gradient: each shot gets candidates,
 * whatever the sharpness of the shot before it. */
static void test_every_shot_sampled(void)
{
    char dir[] = "/tmp/keyart-pipe-XXXXXX", cmd[1024], path[600];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/three.mp4", dir);
    snprintf(cmd, sizeof cmd,
             "ffmpeg -nostdin -v error -y -filter_complex "
             "\"testsrc2=s=320x180:r=24:d=2,format=yuv420p[a];"
             "testsrc=s=320x180:r=24:d=2,gblur=sigma=5,format=yuv420p[b];"
             "gradients=s=320x180:r=24:d=2:speed=0.02:seed=1:n=2:c0=0x1030c0:c1=0xf0e040,format=yuv420p[c];"
             "[a][b][c]concat=n=3:v=1:a=0[v]\" -map [v] -c:v libx264 -preset veryfast %s",
             path);
    CHECK(system(cmd) == 0);
    ka_title *t = NULL;
    CHECK(ka_analyze(path, "three", NULL, &t) == 0);
    if (t) {
        CHECK_EQ_INT(t->n_shots, 3);
        for (int s = 0; s < t->n_shots; s++) {
            int n = 0;
            for (int i = 0; i < t->n_cands; i++)
                n += t->cands[i].shot == s;
            CHECK_MSG(n >= 2, "shot %d has %d candidates", s, n);
        }
        ka_title_free(&t);
    }
    unlink(path);
    rmdir(dir);
}

/* Stretches longer than the shot detector's memory (here 360 frames, as in any title
 * over a few minutes) still give their candidates. */
static void test_long_stretches(void)
{
    char dir[] = "/tmp/keyart-pipe-XXXXXX", cmd[1024], path[600];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/long.mp4", dir);
    snprintf(cmd, sizeof cmd,
             "ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=s=192x108:r=24:d=30 "
             "-c:v libx264 -preset ultrafast %s", path);
    CHECK(system(cmd) == 0);
    ka_analysis_opts o;
    ka_analysis_opts_default(&o);
    o.min_candidates = 2;
    o.budget_per_hour = 50;
    ka_title *t = NULL;
    CHECK(ka_analyze(path, "long", &o, &t) == 0);
    if (t) {
        CHECK_EQ_INT(t->frames, 720);
        CHECK_MSG(t->n_cands >= 2, "%d candidates", t->n_cands);
        CHECK_EQ_INT(t->n_transition + t->n_flash, 0);
        ka_title_free(&t);
    }
    unlink(path);
    rmdir(dir);
}

static void test_budget(void)
{
    ka_analysis_opts o;
    ka_sampler s;
    ka_analysis_opts_default(&o);
    ka_sampler_init(&s, &o, 3600.0);
    CHECK_EQ_INT(s.target, 120);
    CHECK_NEAR(s.stretch_s, 30.0, 1e-9);
    ka_sampler_init(&s, &o, 7200.0);
    CHECK_EQ_INT(s.target, 240);
    o.budget_per_hour = 50;
    ka_sampler_init(&s, &o, 3600.0);
    CHECK_EQ_INT(s.target, 50);
    ka_analysis_opts_default(&o);
    ka_sampler_init(&s, &o, 10.0);
    CHECK_EQ_INT(s.target, 24);
    CHECK(s.stretch_s < 1.0);
    ka_sampler_init(&s, &o, 60.0);
    CHECK_EQ_INT(s.target, 24);
    ka_sampler_init(&s, &o, 0);
    CHECK_NEAR(s.stretch_s, 1.0, 1e-9);
}

static void test_bad_options(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/media/tears_of_steel_10s.mp4", ka_test_shared());
    ka_analysis_opts o;
    ka_title *t = NULL;
    ka_analysis_opts_default(&o);
    o.budget_per_hour = 10;
    CHECK_EQ_INT(ka_analyze(path, "x", &o, &t), KA_EINVAL);
    CHECK(strstr(ka_error_message(), "budget") != NULL);
    CHECK(t == NULL);
    ka_analysis_opts_default(&o);
    o.sample_interval_s = 0;
    CHECK_EQ_INT(ka_analyze(path, "x", &o, &t), KA_EINVAL);
    CHECK_EQ_INT(ka_analyze("/nonexistent/video.mp4", "x", NULL, &t), KA_EIO);
    CHECK(strstr(ka_error_message(), "/nonexistent/video.mp4") != NULL);
}

/* Frames asked for by number become candidates as they are (the ranker's training):
 * exactly those with force_only, defects included and marked; beside the sampler's
 * own picks without it; a list that does not ascend is refused. */
static void test_forced_frames(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/media/pyscenedetect/testvideo.mp4", ka_test_shared());
    const int64_t want[] = { 0, 6, 150, 282, 699, 5000 };  /* 0: black; 5000: past the end */
    ka_analysis_opts o;
    ka_analysis_opts_default(&o);
    o.force_frames = want;
    o.n_force_frames = 6;
    o.force_only = 1;
    ka_title *t = NULL;
    CHECK(ka_analyze(path, "forced", &o, &t) == 0);
    if (!t)
        return;
    CHECK_EQ_INT(t->n_cands, 5);
    for (int i = 0; i < t->n_cands && i < 5; i++) {
        CHECK_EQ_INT(t->cands[i].frame, want[i]);
        CHECK(t->cands[i].flags & KA_CAND_FORCED);
        CHECK(t->cands[i].shot >= 0);
    }
    CHECK(ka_frame_unusable(t->cands[0].sig.flags));    /* black: kept, and said so */
    CHECK(!ka_frame_unusable(t->cands[3].sig.flags));   /* the deer */
    ka_title_free(&t);
    o.force_only = 0;
    CHECK(ka_analyze(path, "forced", &o, &t) == 0);
    int forced = 0;
    for (int i = 0; t && i < t->n_cands; i++) {
        forced += (t->cands[i].flags & KA_CAND_FORCED) != 0;
        CHECK(i == 0 || t->cands[i].frame > t->cands[i - 1].frame);  /* never twice */
    }
    CHECK_EQ_INT(forced, 5);
    CHECK(t && t->n_cands > 10);
    ka_title_free(&t);
    const int64_t back[] = { 10, 5 };
    o.force_frames = back;
    o.n_force_frames = 2;
    CHECK_EQ_INT(ka_analyze(path, "forced", &o, &t), KA_EINVAL);
    CHECK(strstr(ka_error_message(), "ascend") != NULL);
}

int main(void)
{
    RUN(test_tears);
    RUN(test_sintel_letterbox);
    RUN(test_every_shot_sampled);
    RUN(test_long_stretches);
    RUN(test_budget);
    RUN(test_bad_options);
    RUN(test_forced_frames);
    TEST_END();
}
