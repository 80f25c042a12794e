/* small_fixture.h: hand-made small analysis copies for the analysis tests. */
#ifndef SMALL_FIXTURE_H
#define SMALL_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "keyart/analysis.h"

static inline void fx_alloc(ka_small *s, int w, int h)
{
    s->w = w;
    s->h = h;
    s->cw = w / 2;
    s->ch = h / 2;
    s->y = calloc((size_t)w * h, 1);
    s->u = malloc((size_t)s->cw * s->ch);
    s->v = malloc((size_t)s->cw * s->ch);
    memset(s->u, 128, (size_t)s->cw * s->ch);
    memset(s->v, 128, (size_t)s->cw * s->ch);
}

static inline void fx_free(ka_small *s)
{
    free(s->y);
    free(s->u);
    free(s->v);
}

static inline void fx_fill(ka_small *s, int y, int u, int v)
{
    memset(s->y, y, (size_t)s->w * s->h);
    memset(s->u, u, (size_t)s->cw * s->ch);
    memset(s->v, v, (size_t)s->cw * s->ch);
}

/* A textured picture: smooth noise-like pattern from seed, shifted by dx pixels. */
static inline void fx_texture(ka_small *s, unsigned seed, int dx)
{
    for (int y = 0; y < s->h; y++)
        for (int x = 0; x < s->w; x++) {
            unsigned X = (unsigned)(x + dx) / 6, Y = (unsigned)y / 6;
            unsigned hsh = (X * 73856093u) ^ (Y * 19349663u) ^ (seed * 83492791u);
            hsh ^= hsh >> 13;
            hsh *= 0x5bd1e995u;
            hsh ^= hsh >> 15;
            s->y[y * s->w + x] = (uint8_t)(30 + hsh % 190);
        }
    for (int y = 0; y < s->ch; y++)
        for (int x = 0; x < s->cw; x++) {
            unsigned hsh = ((unsigned)(x + dx / 2) / 5 * 2654435761u) ^ ((unsigned)y / 5 * 40503u) ^ seed;
            s->u[y * s->cw + x] = (uint8_t)(90 + (hsh >> 7) % 80);
            s->v[y * s->cw + x] = (uint8_t)(90 + (hsh >> 15) % 80);
        }
}

/* dst = a * A + (1 - a) * B, per plane. */
static inline void fx_blend(ka_small *dst, const ka_small *A, const ka_small *B, double a)
{
    int n = A->w * A->h, nc = A->cw * A->ch;
    for (int i = 0; i < n; i++)
        dst->y[i] = (uint8_t)(a * A->y[i] + (1 - a) * B->y[i] + 0.5);
    for (int i = 0; i < nc; i++) {
        dst->u[i] = (uint8_t)(a * A->u[i] + (1 - a) * B->u[i] + 0.5);
        dst->v[i] = (uint8_t)(a * A->v[i] + (1 - a) * B->v[i] + 0.5);
    }
}

/* Scales the picture's luma towards `level` by k (1 = unchanged, 0 = level). */
static inline void fx_fade(ka_small *dst, const ka_small *src, double k, int level)
{
    int n = src->w * src->h, nc = src->cw * src->ch;
    for (int i = 0; i < n; i++)
        dst->y[i] = (uint8_t)(level + k * (src->y[i] - level) + 0.5);
    for (int i = 0; i < nc; i++) {
        dst->u[i] = (uint8_t)(128 + k * (src->u[i] - 128) + 0.5);
        dst->v[i] = (uint8_t)(128 + k * (src->v[i] - 128) + 0.5);
    }
}

#endif
