/* test_characters.c: characters over whole titles, on real clips with the deep models.
 *
 *   - An edit of tears_of_steel_10s.mp4 made here with ffmpeg: the man with glasses
 *     (3.3-5.3 s of the clip), a shot of caminandes (no human face), the same man
 *     again (6.0-7.9 s, another framing), then the woman (9.2-10 s). Identities were
 *     checked by eye: the man's faces of both shots must form one character, the
 *     woman another; no face in the animated shot.
 *   - tears_of_steel_10s.mp4 and people_single_shot_17s.mp4: the chosen variants list
 *     characters; in the single shot, the man in the red cap (4.0-6.2 s, checked by
 *     eye) is one character throughout. */
#include <unistd.h>

#include "vision_test.h"

static ka_title *analyze(const char *path)
{
    static char models[8400];
    snprintf(models, sizeof models, "faces.models=%s", ka_vt_models());
    const char *stage_opts[] = { models };
    ka_analysis_opts ao;
    ka_analysis_opts_default(&ao);
    ao.stage_opts = stage_opts;
    ao.n_stage_opts = 1;
    ka_title *t = NULL;
    int err = ka_analyze(path, "clip", &ao, &t);
    CHECK_MSG(err == 0, "%s: %s", path, ka_error_message());
    return t;
}

static const ka_face *largest(const ka_candidate *c)
{
    const ka_vision_cand *vc = ka_vision_of(c);
    const ka_face *best = NULL;
    for (int i = 0; vc && i < vc->n_faces; i++)
        if (!best || vc->faces[i].box.h > best->box.h)
            best = &vc->faces[i];
    return best;
}

/* The character of the largest face of every candidate in [t0, t1): all the same
 * (returned), at least min of them; -2 when they differ. */
static int one_character(const ka_title *t, double t0, double t1, int min, int *shot)
{
    int ch = -1, n = 0;
    for (int i = 0; i < t->n_cands; i++) {
        const ka_candidate *c = &t->cands[i];
        const ka_face *f = c->time_s >= t0 && c->time_s < t1 ? largest(c) : NULL;
        if (!f)
            continue;
        CHECK_MSG(f->character >= 0, "face at %.2f s has no character", c->time_s);
        if (n++ == 0)
            ch = f->character;
        else if (f->character != ch) {
            fprintf(stderr, "  %.2f s: character %d (%s), expected %d\n", c->time_s,
                    f->character, f->name, ch);
            ch = -2;
        }
        if (shot)
            *shot = c->shot;
    }
    CHECK_MSG(n >= min, "%d faces in [%.1f, %.1f) s, expected %d or more", n, t0, t1, min);
    return ch;
}

/* The variants name characters. */
static void check_variants(ka_title *t, int min_with)
{
    ka_selection sel;
    CHECK(ka_select(t, NULL, &sel) == 0);
    int with = 0;
    for (int i = 0; i < sel.n_variants; i++) {
        const ka_content *c = &sel.variants[i].content;
        with += c->n_characters > 0;
        for (int k = 0; k < c->n_characters; k++)
            CHECK(c->characters[k] && c->characters[k][0]);
    }
    CHECK_MSG(with >= min_with, "%d variants name characters, expected %d", with, min_with);
    ka_selection_free(&sel);
}

static void test_edit(void)
{
    char dir[] = "/tmp/keyart-vision-XXXXXX", cmd[8192], path[4096];
    CHECK(mkdtemp(dir) != NULL);
    const char *m = ka_test_shared();
    snprintf(path, sizeof path, "%s/edit.mp4", dir);
    snprintf(cmd, sizeof cmd,
             "ffmpeg -nostdin -v error -y -ss 3.3 -t 2 -i %s/media/tears_of_steel_10s.mp4 "
             "-ss 2 -t 2 -i %s/media/caminandes_10s.mp4 -ss 6.0 -t 1.9 -i "
             "%s/media/tears_of_steel_10s.mp4 -ss 9.2 -t 0.8 -i %s/media/tears_of_steel_10s.mp4 "
             "-filter_complex '[0:v][1:v][2:v][3:v]concat=n=4:v=1:a=0,format=yuv420p' -an "
             "-c:v libx264 -preset veryfast -crf 20 %s", m, m, m, m, path);
    CHECK_MSG(system(cmd) == 0, "ffmpeg could not make the edit");
    ka_title *t = analyze(path);
    if (t) {
        int shot_a = -1, shot_c = -1, shot_d = -1;
        int a = one_character(t, 0.2, 1.9, 3, &shot_a);
        int c = one_character(t, 4.2, 5.8, 3, &shot_c);
        int d = one_character(t, 6.1, 6.8, 1, &shot_d);
        CHECK_MSG(shot_a >= 0 && shot_c >= 0 && shot_a != shot_c, "shots %d and %d", shot_a, shot_c);
        CHECK_MSG(a >= 0 && a == c, "the man is characters %d and %d", a, c);
        CHECK_MSG(d >= 0 && d != a, "the woman is character %d, the man %d", d, a);
        for (int i = 0; i < t->n_cands; i++)     /* the animated llama shot */
            if (t->cands[i].time_s > 2.2 && t->cands[i].time_s < 3.8)
                CHECK_MSG(largest(&t->cands[i]) == NULL, "a face at %.2f s", t->cands[i].time_s);
        check_variants(t, 2);
    }
    ka_title_free(&t);
    unlink(path);
    rmdir(dir);
}

static void test_clips(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/media/tears_of_steel_10s.mp4", ka_test_shared());
    ka_title *t = analyze(path);
    if (t)
        check_variants(t, 2);
    ka_title_free(&t);
    snprintf(path, sizeof path, "%s/media/people_single_shot_17s.mp4", ka_test_shared());
    t = analyze(path);
    if (t) {
        CHECK(one_character(t, 4.0, 6.2, 3, NULL) >= 0);
        check_variants(t, 2);
    }
    ka_title_free(&t);
}

int main(void)
{
    RUN(test_edit);
    RUN(test_clips);
    TEST_END();
}
