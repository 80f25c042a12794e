/* select_fixture.h: hand-made titles and images for the select tests (no video). */
#ifndef KA_SELECT_FIXTURE_H
#define KA_SELECT_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "keyart/select.h"

#define FX_MAX 64

typedef struct fx_title {
    ka_title t;
    ka_candidate c[FX_MAX];
} fx_title;

static inline uint64_t fx_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* A 1920x1080 letterboxed title (content 1920x960 at y 60) with no candidates. */
static inline void fx_init(fx_title *f)
{
    memset(f, 0, sizeof(*f));
    f->t.id = (char *)"fixture";
    f->t.info.width = 1920;
    f->t.info.height = 1080;
    f->t.content = (ka_rect){ 0, 60, 1920, 960 };
    f->t.cands = f->c;
}

/* Adds a plain candidate: quality parts all equal to q (so the score is q with any
 * weights), neutral light (L* 50, std 10), still, a mid-size centred salient region,
 * a pseudo-random phash (unrelated candidates differ by ~32 bits). */
static inline ka_candidate *fx_add(fx_title *f, int shot, double time_s, float q)
{
    ka_candidate *c = &f->c[f->t.n_cands];
    memset(c, 0, sizeof(*c));
    c->frame = (int64_t)(time_s * 25);
    c->time_s = time_s;
    c->shot = shot;
    c->flags = KA_CAND_UNIFORM;
    c->q.lightness = 50.0f;
    c->q.contrast_raw = 10.0f;
    c->q.brightness = c->q.contrast = c->q.sharpness = c->q.saturation = q;
    c->phash = fx_mix((uint64_t)f->t.n_cands * 7919u + 17u);
    c->salient = (ka_rect){ 760, 340, 400, 400 };   /* 0.087 of the content: wide */
    c->width = 1920;
    c->height = 1080;
    f->t.n_cands++;
    return c;
}

/* Makes c an action frame (fast motion, edges changing). */
static inline void fx_action(ka_candidate *c)
{
    c->motion = 0.2f;
    c->sig.edge_change = 0.6f;
}

/* Makes c a landscape: still, detail spread over most of the frame. */
static inline void fx_landscape(ka_candidate *c)
{
    c->motion = 0.0f;
    c->salient = (ka_rect){ 0, 120, 1920, 720 };    /* 0.75 of the content */
}

/* A ranker that reads brightness alone (the fixture sets it to q): appeal = slope x q;
 * good (P(grade >= 2) >= 0.5) from q >= good_q. */
static inline void fx_ranker(ka_ranker *r, float slope, float good_q)
{
    memset(r, 0, sizeof(*r));
    for (int i = 0; i < KA_F_COUNT; i++)
        r->scale[i] = 1.0f;
    r->weight[KA_F_BRIGHTNESS] = slope;
    r->cut[0] = -100.0f;
    r->cut[1] = slope * good_q;
    r->cut[2] = 100.0f;
}

static inline int fx_find_variant(const ka_selection *s, int cand)
{
    for (int i = 0; i < s->n_variants; i++)
        if (s->variants[i].cand == cand)
            return i;
    return -1;
}

/* Images. */
static inline void fx_fill(ka_image *img, uint8_t r, uint8_t g, uint8_t b)
{
    for (int y = 0; y < img->height; y++)
        for (int x = 0; x < img->width; x++) {
            uint8_t *p = img->data + (size_t)y * img->stride + (size_t)x * 3;
            p[0] = r;
            p[1] = g;
            p[2] = b;
        }
}

static inline void fx_set(ka_image *img, int x, int y, uint8_t r, uint8_t g, uint8_t b)
{
    uint8_t *p = img->data + (size_t)y * img->stride + (size_t)x * 3;
    p[0] = r;
    p[1] = g;
    p[2] = b;
}

/* Checkerboard of cell px squares, levels lo and hi, inside r. */
static inline void fx_checker(ka_image *img, ka_rect r, int cell, uint8_t lo, uint8_t hi)
{
    for (int y = r.y; y < r.y + r.h; y++)
        for (int x = r.x; x < r.x + r.w; x++) {
            uint8_t v = (((x - r.x) / cell + (y - r.y) / cell) & 1) ? hi : lo;
            fx_set(img, x, y, v, v, v);
        }
}

/* Box blur of radius rad (separable, edges clamped), in place. */
static inline void fx_blur(ka_image *img, int rad)
{
    ka_image tmp;
    if (ka_image_alloc(&tmp, img->width, img->height, 3))
        return;
    for (int pass = 0; pass < 2; pass++) {
        ka_image *src = pass ? &tmp : img, *dst = pass ? img : &tmp;
        for (int y = 0; y < img->height; y++)
            for (int x = 0; x < img->width; x++)
                for (int k = 0; k < 3; k++) {
                    int sum = 0, n = 0;
                    for (int d = -rad; d <= rad; d++) {
                        int xx = pass ? x : x + d, yy = pass ? y + d : y;
                        xx = xx < 0 ? 0 : xx >= img->width ? img->width - 1 : xx;
                        yy = yy < 0 ? 0 : yy >= img->height ? img->height - 1 : yy;
                        sum += src->data[(size_t)yy * src->stride + (size_t)xx * 3 + k];
                        n++;
                    }
                    dst->data[(size_t)y * dst->stride + (size_t)x * 3 + k] =
                        (uint8_t)((sum + n / 2) / n);
                }
    }
    ka_image_free(&tmp);
}

#endif
