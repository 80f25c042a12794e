/* small.c: the small analysis copy of every decoded frame, built in the decode
 * thread, so it must cost next to nothing. Planar and packed YUV and gray formats
 * of 8 to 16 bits (native endian) take the fast path: each output pixel averages a
 * sparse grid of source samples inside its footprint (up to 4 along a row, from 2
 * rows), read straight from the AVFrame planes with the rotation folded into
 * precomputed offset tables, so the work is per output pixel, never per source
 * pixel. Anything else (RGB, palettes, big-endian, ...) goes through a cached
 * SwsContext (SWS_AREA) straight to the small size, then a rotation of the small
 * planes. Values keep the source range (limited or full); deeper inputs are
 * reduced to 8 bits. */
#include <stdlib.h>
#include <string.h>

#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "media/media_internal.h"

/* Samples per output pixel, at most: along a source row they are nearly free (the
 * cache line is loaded anyway), every source row read costs memory traffic. At 1080p
 * 4 x 2 costs about 90 us a frame, 4 x 4 about 125 us (one core, ~2-3% of decoding).
 * In a real analysis the frame has left the caches: perf put the generic loop at 2.9%
 * of keyart's CPU on the 5-minute bench input, the unrolled 4 x 2 path with the next
 * rows prefetched at 1.9%. */
#define KA_SMALL_TAPS_COL 4
#define KA_SMALL_TAPS_ROW 2

typedef struct plane_map {
    int plane, offset;          /* data[] index and byte offset of the component */
    int bytes, shift;           /* sample size; right shift to 8 bits */
    int ow, oh, nx, ny;         /* output size; samples per output pixel per axis */
    ptrdiff_t *xo, *yo;         /* byte offsets for display X and Y samples */
} plane_map;

struct ka_small_ctx {
    int w, h, cw, ch, rot;
    int src_w, src_h, src_fmt;  /* what the tables were built for */
    int linesize[4];
    int mode;                   /* 0 = none built, 1 = fast YUV, 2 = fast gray, 3 = sws */
    plane_map map[3];
    struct SwsContext *sws;
    uint8_t *tmp;               /* sws output before rotation */
};

int ka_small_ctx_new(int w, int h, int rotation, ka_small_ctx **out)
{
    ka_small_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return KA_ENOMEM;
    c->w = w;
    c->h = h;
    c->cw = w / 2;
    c->ch = h / 2;
    c->rot = rotation;
    *out = c;
    return 0;
}

static void free_maps(ka_small_ctx *c)
{
    for (int i = 0; i < 3; i++) {
        free(c->map[i].xo);
        free(c->map[i].yo);
        c->map[i].xo = c->map[i].yo = NULL;
    }
    c->mode = 0;
}

void ka_small_ctx_free(ka_small_ctx **pc)
{
    ka_small_ctx *c = pc ? *pc : NULL;
    if (!c)
        return;
    free_maps(c);
    sws_freeContext(c->sws);
    free(c->tmp);
    free(c);
    *pc = NULL;
}

static int alloc_small(ka_small *s, int w, int h)
{
    s->w = w;
    s->h = h;
    s->cw = w / 2;
    s->ch = h / 2;
    s->y = malloc((size_t)w * h + 2 * (size_t)s->cw * s->ch);
    if (!s->y)
        return KA_ENOMEM;
    s->u = s->y + (size_t)w * h;
    s->v = s->u + (size_t)s->cw * s->ch;
    return 0;
}

int ka_small_dup(const ka_small *src, ka_small *dst)
{
    if (alloc_small(dst, src->w, src->h) < 0)
        return KA_ENOMEM;
    memcpy(dst->y, src->y, (size_t)src->w * src->h + 2 * (size_t)src->cw * src->ch);
    return 0;
}

/* Offsets of n samples per output position along one display axis: the source
 * axis has len samples; rows are multiplied by the line size, columns by step. */
static ptrdiff_t *axis_table(int out_n, int len, int n, int reversed, ptrdiff_t unit)
{
    ptrdiff_t *t = malloc(sizeof *t * (size_t)out_n * n);
    if (!t)
        return NULL;
    for (int i = 0; i < out_n; i++)
        for (int k = 0; k < n; k++) {
            long idx = (long)(((double)i + (k + 0.5) / n) * len / out_n);
            idx = idx < 0 ? 0 : idx >= len ? len - 1 : idx;
            t[i * n + k] = (reversed ? len - 1 - idx : idx) * unit;
        }
    return t;
}

static int taps(int len, int out_n, int most)
{
    int n = len / out_n;
    return n < 1 ? 1 : n > most ? most : n;
}

static int build_map(ka_small_ctx *c, const AVPixFmtDescriptor *d, int comp, plane_map *m)
{
    const AVComponentDescriptor *cd = &d->comp[comp];
    int pw = c->src_w, ph = c->src_h;
    if (comp > 0) {
        pw = AV_CEIL_RSHIFT(pw, d->log2_chroma_w);
        ph = AV_CEIL_RSHIFT(ph, d->log2_chroma_h);
    }
    m->plane = cd->plane;
    m->offset = cd->offset;
    m->bytes = cd->depth + cd->shift > 8 ? 2 : 1;
    m->shift = cd->shift + cd->depth - 8;
    m->ow = comp ? c->cw : c->w;
    m->oh = comp ? c->ch : c->h;
    int swap = c->rot % 180 != 0; /* display X runs along source rows */
    int lx = swap ? ph : pw, ly = swap ? pw : ph;
    ptrdiff_t row = c->linesize[cd->plane], col = cd->step;
    m->nx = taps(lx, m->ow, swap ? KA_SMALL_TAPS_ROW : KA_SMALL_TAPS_COL);
    m->ny = taps(ly, m->oh, swap ? KA_SMALL_TAPS_COL : KA_SMALL_TAPS_ROW);
    m->xo = axis_table(m->ow, lx, m->nx, c->rot == 90 || c->rot == 180, swap ? row : col);
    m->yo = axis_table(m->oh, ly, m->ny, c->rot == 180 || c->rot == 270, swap ? col : row);
    return m->xo && m->yo ? 0 : KA_ENOMEM;
}

static int fast_mode(const AVPixFmtDescriptor *d)
{
    const uint64_t bad = AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_BITSTREAM |
                         AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_FLOAT | AV_PIX_FMT_FLAG_BAYER;
    if (!d || (d->flags & bad) || !strncmp(d->name, "xyz", 3))
        return 3;
    int n = d->nb_components >= 3 ? 3 : 1;
    for (int i = 0; i < n; i++) {
        const AVComponentDescriptor *cd = &d->comp[i];
        int bits = cd->depth + cd->shift;
        if (cd->depth < 8 || bits > 16 || (bits > 8 && (d->flags & AV_PIX_FMT_FLAG_BE) !=
                                           (AV_NE(AV_PIX_FMT_FLAG_BE, 0))))
            return 3;
    }
    return n == 3 ? 1 : 2;
}

static int rebuild(ka_small_ctx *c, const AVFrame *f)
{
    free_maps(c);
    c->src_w = f->width;
    c->src_h = f->height;
    c->src_fmt = f->format;
    memcpy(c->linesize, f->linesize, sizeof c->linesize);
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get((enum AVPixelFormat)f->format);
    int mode = fast_mode(d);
    if (mode != 3)
        for (int i = 0; i < (mode == 1 ? 3 : 1); i++)
            if (build_map(c, d, i, &c->map[i]) < 0)
                return KA_ENOMEM;
    c->mode = mode;
    return 0;
}

static void sample8(const plane_map *m, const uint8_t *base, uint8_t *dst)
{
    int nn = m->nx * m->ny;
    for (int j = 0; j < m->oh; j++) {
        const ptrdiff_t *yo = m->yo + (size_t)j * m->ny;
        for (int i = 0; i < m->ow; i++) {
            const ptrdiff_t *xo = m->xo + (size_t)i * m->nx;
            unsigned sum = 0;
            for (int b = 0; b < m->ny; b++) {
                const uint8_t *r = base + yo[b];
                for (int a = 0; a < m->nx; a++)
                    sum += r[xo[a]];
            }
            *dst++ = (uint8_t)((sum + nn / 2) / nn);
        }
    }
}

static void sample16(const plane_map *m, const uint8_t *base, uint8_t *dst)
{
    unsigned div = (unsigned)(m->nx * m->ny) << m->shift;
    for (int j = 0; j < m->oh; j++) {
        const ptrdiff_t *yo = m->yo + (size_t)j * m->ny;
        for (int i = 0; i < m->ow; i++) {
            const ptrdiff_t *xo = m->xo + (size_t)i * m->nx;
            unsigned sum = 0;
            for (int b = 0; b < m->ny; b++) {
                const uint8_t *r = base + yo[b];
                for (int a = 0; a < m->nx; a++)
                    sum += *(const uint16_t *)(r + xo[a]);
            }
            unsigned v = (sum + div / 2) / div;
            *dst++ = (uint8_t)(v > 255 ? 255 : v);
        }
    }
}

/* sample8 for the common case (8 bits, no rotation: 4 x 2 taps), unrolled: the same
 * values without the loop overhead that dominates at 8 taps a pixel. */
static void sample8_4x2(const plane_map *m, const uint8_t *base, uint8_t *dst)
{
    ptrdiff_t first = m->xo[0], last = m->xo[4 * m->ow - 1];
    for (int j = 0; j < m->oh; j++) {
        const uint8_t *r0 = base + m->yo[2 * j], *r1 = base + m->yo[2 * j + 1];
        if (j + 1 < m->oh)  /* the next rows are far apart in memory: ask for them early */
            for (ptrdiff_t x = first; x <= last; x += 64) {
                __builtin_prefetch(base + m->yo[2 * j + 2] + x);
                __builtin_prefetch(base + m->yo[2 * j + 3] + x);
            }
        const ptrdiff_t *xo = m->xo;
        for (int i = 0; i < m->ow; i++, xo += 4) {
            unsigned sum = (unsigned)r0[xo[0]] + r0[xo[1]] + r0[xo[2]] + r0[xo[3]] +
                           r1[xo[0]] + r1[xo[1]] + r1[xo[2]] + r1[xo[3]];
            *dst++ = (uint8_t)((sum + 4) >> 3);
        }
    }
}

static void sample_plane(const plane_map *m, const AVFrame *f, uint8_t *dst)
{
    const uint8_t *base = f->data[m->plane] + m->offset;
    if (m->bytes == 1 && m->nx == 4 && m->ny == 2)
        sample8_4x2(m, base, dst);
    else if (m->bytes == 1)
        sample8(m, base, dst);
    else
        sample16(m, base, dst);
}

void ka_plane_rotate(const uint8_t *src, int sstride, int w, int h, int rot, uint8_t *dst)
{
    int dw = rot % 180 ? h : w, dh = rot % 180 ? w : h;
    for (int dy = 0; dy < dh; dy++)
        for (int dx = 0; dx < dw; dx++) {
            int sx = dx, sy = dy;
            if (rot == 90) { sx = dy; sy = h - 1 - dx; }
            else if (rot == 180) { sx = w - 1 - dx; sy = h - 1 - dy; }
            else if (rot == 270) { sx = w - 1 - dy; sy = dx; }
            *dst++ = src[(size_t)sy * sstride + sx];
        }
}

/* Other formats: scale to the small size in source orientation, then rotate. */
static int make_sws(ka_small_ctx *c, const AVFrame *f, ka_small *s)
{
    int sw = c->rot % 180 ? c->h : c->w, sh = c->rot % 180 ? c->w : c->h;
    c->sws = sws_getCachedContext(c->sws, f->width, f->height, (enum AVPixelFormat)f->format,
                                  sw, sh, AV_PIX_FMT_YUV420P, SWS_AREA, NULL, NULL, NULL);
    if (!c->sws)
        return KA_EUNSUPPORTED;
    size_t n = (size_t)c->w * c->h + 2 * (size_t)c->cw * c->ch;
    if (c->rot && !c->tmp && !(c->tmp = malloc(n)))
        return KA_ENOMEM;
    uint8_t *base = c->rot ? c->tmp : s->y;
    uint8_t *dst[4] = { base, base + (size_t)sw * sh, base + (size_t)sw * sh + (sw / 2) * (sh / 2) };
    int ls[4] = { sw, sw / 2, sw / 2 };
    if (sws_scale(c->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height,
                  dst, ls) <= 0)
        return KA_EUNSUPPORTED;
    if (c->rot) {
        ka_plane_rotate(dst[0], ls[0], sw, sh, c->rot, s->y);
        ka_plane_rotate(dst[1], ls[1], sw / 2, sh / 2, c->rot, s->u);
        ka_plane_rotate(dst[2], ls[2], sw / 2, sh / 2, c->rot, s->v);
    }
    return 0;
}

int ka_small_make(ka_small_ctx *c, const AVFrame *f, ka_small *s)
{
    memset(s, 0, sizeof *s);
    if (f->width != c->src_w || f->height != c->src_h || f->format != c->src_fmt ||
        memcmp(f->linesize, c->linesize, sizeof c->linesize) || c->mode == 0) {
        if (rebuild(c, f) < 0)
            return KA_ENOMEM;
    }
    if (alloc_small(s, c->w, c->h) < 0)
        return KA_ENOMEM;
    int ret = 0;
    if (c->mode == 3) {
        ret = make_sws(c, f, s);
    } else {
        sample_plane(&c->map[0], f, s->y);
        if (c->mode == 1) {
            sample_plane(&c->map[1], f, s->u);
            sample_plane(&c->map[2], f, s->v);
        } else {
            memset(s->u, 128, 2 * (size_t)s->cw * s->ch);
        }
    }
    if (ret < 0) {
        free(s->y);
        memset(s, 0, sizeof *s);
    }
    return ret;
}
