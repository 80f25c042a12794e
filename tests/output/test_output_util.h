/* test_output_util.h: a fake analysed title (letterboxed 640x360 frames spooled as
 * JPEGs in a temp folder, three shots, three candidates) and a selection over it,
 * for the output module's tests. */
#ifndef TEST_OUTPUT_UTIL_H
#define TEST_OUTPUT_UTIL_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyart/keyart.h"

enum { FAKE_W = 640, FAKE_H = 360, FAKE_BAR = 40, FAKE_CANDS = 3 };

typedef struct fake {
    char dir[256];                  /* temp folder, removed by fake_free */
    ka_title t;
    ka_candidate cands[FAKE_CANDS];
    ka_shot shots[3];
    ka_selection sel;
    ka_variant variants[FAKE_CANDS];
} fake;

/* A letterboxed picture: black bars of FAKE_BAR rows, a colour pattern inside. */
static inline int fake_spool(const char *path, int seed)
{
    ka_image img;
    int rc = ka_image_alloc(&img, FAKE_W, FAKE_H, 3);
    if (rc < 0)
        return rc;
    for (int y = 0; y < FAKE_H; y++)
        for (int x = 0; x < FAKE_W; x++) {
            uint8_t *p = img.data + (size_t)y * img.stride + 3 * x;
            int bar = y < FAKE_BAR || y >= FAKE_H - FAKE_BAR;
            p[0] = bar ? 0 : (uint8_t)(60 + (x * 150 / FAKE_W + seed * 40) % 190);
            p[1] = bar ? 0 : (uint8_t)(60 + (y * 150 / FAKE_H) % 190);
            p[2] = bar ? 0 : (uint8_t)(100 + seed * 50);
        }
    rc = ka_image_write_jpeg(&img, path, 90);
    ka_image_free(&img);
    return rc;
}

static inline ka_rect fake_crop(ka_rect content, int aw, int ah)
{
    int h = content.h, w = h * aw / ah;
    if (w > content.w) {
        w = content.w;
        h = w * ah / aw;
    }
    return (ka_rect){ content.x + (content.w - w) / 2, content.y + (content.h - h) / 2, w, h };
}

static inline void fake_shots(fake *f)
{
    static const ka_shot shots[3] = {
        { 0, 0, 47, 0.0, 2.0, KA_TRANSITION_START, -1, -1 },
        { 1, 48, 119, 2.0, 5.0, KA_TRANSITION_CUT, -1, -1 },
        { 2, 120, 239, 5.0, 10.0, KA_TRANSITION_DISSOLVE, 114, 125 },
    };
    memcpy(f->shots, shots, sizeof shots);
    f->t.shots = f->shots;
    f->t.n_shots = 3;
}

static inline void fake_candidate(fake *f, int i)
{
    ka_candidate *c = &f->cands[i];
    char path[320];
    snprintf(path, sizeof path, "%s/cand_%d.jpg", f->dir, i);
    c->spool_path = strdup(path);
    c->frame = 20 + i * 80;
    c->time_s = c->frame / 24.0;
    c->shot = i;
    c->flags = i ? KA_CAND_UNIFORM : KA_CAND_UNIFORM | KA_CAND_SHOT_START;
    c->width = FAKE_W;
    c->height = FAKE_H;
    c->salient = (ka_rect){ 200, 120, 160, 120 };
    c->q = (ka_quality){ 48.f, 0.96f, 20.f, 0.5f, 300.f, 0.6f, 25.f, 0.4f, 0.01f };
    c->quality_score = 0.7f - 0.1f * i;     /* no vision record: no BRISQUE, faces */
    c->motion = 0.1f * i;
}

static inline void fake_variant(fake *f, int i)
{
    static const char *slots[] = { "hero_action", "ensemble", "diversity" };
    static const char *names[] = { "Ada", "Bo" };
    ka_variant *v = &f->variants[i];
    v->number = i + 1;
    v->cand = i;
    v->slot = slots[i];
    v->content.scene = i == 0 ? KA_SCENE_ACTION : i == 1 ? KA_SCENE_ENSEMBLE : KA_SCENE_LANDSCAPE;
    v->content.composition = i == 0 ? KA_COMP_CLOSEUP : KA_COMP_WIDE;
    v->content.emotional = 0.3f;
    v->content.action = 0.8f - 0.2f * i;
    v->content.dramatic = 0.5f;
    v->content.prominence = i == 0 ? 0.6f : 0.f;
    v->content.n_characters = i == 0 ? 2 : 0;
    v->content.characters[0] = names[0];
    v->content.characters[1] = names[1];
    v->score = 0.8f - 0.1f * i;
    v->relevance = 0.85f - 0.1f * i;
    v->diversity_penalty = 0.05f * i;
    v->crops[KA_SHAPE_16X9] = fake_crop(f->t.content, 16, 9);
    v->crops[KA_SHAPE_2X3] = fake_crop(f->t.content, 2, 3);
    v->crops[KA_SHAPE_1X1] = fake_crop(f->t.content, 1, 1);
}

/* 0 on success; spools the candidates' pictures into a new temp folder. */
static inline int fake_init(fake *f)
{
    memset(f, 0, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/keyart-output-test-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    f->t.id = (char *)"tt-fake-01";
    f->t.path = (char *)"/media/fake.mp4";
    f->t.info.width = FAKE_W;
    f->t.info.height = FAKE_H;
    f->t.info.fps = 24.0;
    snprintf(f->t.info.codec, sizeof f->t.info.codec, "h264");
    f->t.frames = 240;
    f->t.duration_s = 10.0;
    f->t.content = (ka_rect){ 0, FAKE_BAR, FAKE_W, FAKE_H - 2 * FAKE_BAR };
    f->t.decode.corrupt_packets = 1;
    f->t.n_black = 3;
    fake_shots(f);
    for (int i = 0; i < FAKE_CANDS; i++) {
        fake_candidate(f, i);
        if (fake_spool(f->cands[i].spool_path, i) < 0)
            return -1;
        fake_variant(f, i);
    }
    f->t.cands = f->cands;
    f->t.n_cands = FAKE_CANDS;
    f->sel.variants = f->variants;
    f->sel.n_variants = FAKE_CANDS;
    return 0;
}

static inline int fake_rm_one(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st; (void)type; (void)ftw;
    return remove(p);
}

static inline void fake_free(fake *f)
{
    for (int i = 0; i < FAKE_CANDS; i++)
        free(f->cands[i].spool_path);
    if (f->dir[0])
        nftw(f->dir, fake_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static inline int file_exists(const char *dir, const char *name)
{
    char p[1024];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

#endif
