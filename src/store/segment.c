/* segment.c: long titles analysed in parts. A segment job decodes its core range
 * plus overlap_s of context on both sides (so a cut or a dissolve at the edge is seen
 * whole), puts its candidate frames into the shared artwork folder and leaves a blob
 * in its job row. The merge job stitches the blobs: each segment contributes the
 * shot boundaries and candidates inside its core, frame numbers are moved to the
 * whole file's count (time x fps: exact for constant frame rates), and the candidate
 * pictures are read back from the artwork folder by the selection. The blob is the
 * raw structs of this build, tagged with the version and sizes: segments and merge
 * must run the same keyart (a mismatch fails the merge with a clear message). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_priv.h"

#define SEG_MAGIC "KASEG01"

typedef struct seg_header {
    char magic[8];
    char version[24];
    uint32_t shot_size, cand_size, info_size, header_size;
    ka_video_info info;
    ka_decode_stats decode;
    int64_t frames, n_black, n_blur, n_flash, n_transition;
    ka_rect content;
    double core_start, core_end;    /* seconds; core_end 0 = to the end */
    double analyse_s;
    int32_t n_shots, n_cands;
} seg_header;

typedef struct seg_cand {
    ka_candidate c;                 /* pointers cleared */
    char image[KA_ARTWORK_NAME_MAX];
} seg_cand;

int ka_segment_pack(const ka_title *t, const ka_job *j, const char *art, void **blob,
                    size_t *size)
{
    size_t n = sizeof(seg_header) + (size_t)t->n_shots * sizeof(ka_shot) +
               (size_t)t->n_cands * sizeof(seg_cand);
    char *b = calloc(1, n);
    if (!b)
        return ka_error(KA_ENOMEM, "no memory for a segment's result");
    seg_header *h = (seg_header *)b;
    memcpy(h->magic, SEG_MAGIC, 8);
    snprintf(h->version, sizeof h->version, "%s", ka_version());
    h->shot_size = sizeof(ka_shot);
    h->cand_size = sizeof(seg_cand);
    h->info_size = sizeof(ka_video_info);
    h->header_size = sizeof(seg_header);
    h->info = t->info;
    h->decode = t->decode;
    h->frames = t->frames;
    h->n_black = t->n_black;
    h->n_blur = t->n_blur;
    h->n_flash = t->n_flash;
    h->n_transition = t->n_transition;
    h->content = t->content;
    h->core_start = j->seg_start;
    h->core_end = j->seg_end;
    h->analyse_s = t->analyse_s;
    h->n_shots = t->n_shots;
    h->n_cands = t->n_cands;
    if (t->n_shots)
        memcpy(b + sizeof *h, t->shots, (size_t)t->n_shots * sizeof(ka_shot));
    seg_cand *sc = (seg_cand *)(b + sizeof *h + (size_t)t->n_shots * sizeof(ka_shot));
    int err = 0;
    for (int i = 0; !err && i < t->n_cands; i++) {
        sc[i].c = t->cands[i];
        sc[i].c.spool_path = NULL;
        sc[i].c.ext = NULL;
        if (t->cands[i].spool_path)
            err = ka_store_file_put(art, t->cands[i].spool_path, sc[i].image);
    }
    if (err) {
        free(b);
        return err;
    }
    *blob = b;
    *size = n;
    return 0;
}

static int check_blob(const void *blob, size_t size, int k, const seg_header **out)
{
    const seg_header *h = blob;
    if (!blob || size < sizeof *h || memcmp(h->magic, SEG_MAGIC, 8))
        return ka_error(KA_EFORMAT, "segment %d: its stored result is missing or not a "
                        "segment result", k);
    if (strcmp(h->version, ka_version()) || h->shot_size != sizeof(ka_shot) ||
        h->cand_size != sizeof(seg_cand) || h->info_size != sizeof(ka_video_info) ||
        h->header_size != sizeof(seg_header))
        return ka_error(KA_EFORMAT, "segment %d was analysed by keyart %.24s, another build "
                        "than this %s: run the same keyart on every worker", k, h->version,
                        ka_version());
    if (h->n_shots < 0 || h->n_cands < 0 ||
        size != sizeof *h + (size_t)h->n_shots * sizeof(ka_shot) +
                (size_t)h->n_cands * sizeof(seg_cand))
        return ka_error(KA_EFORMAT, "segment %d: its stored result is truncated", k);
    *out = h;
    return 0;
}

typedef struct merger {
    ka_title *t;
    int cap_shots, cap_cands;
    double fps;
} merger;

static int64_t to_frame(const merger *m, double s)
{
    return llround(s * m->fps);
}

static int add_shot(merger *m, const ka_shot *s, int64_t off)
{
    ka_title *t = m->t;
    if (t->n_shots == m->cap_shots) {
        m->cap_shots = m->cap_shots ? 2 * m->cap_shots : 64;
        ka_shot *n = realloc(t->shots, (size_t)m->cap_shots * sizeof *n);
        if (!n)
            return ka_error(KA_ENOMEM, "no memory for shots");
        t->shots = n;
    }
    ka_shot g = *s;
    g.index = t->n_shots;
    g.start_frame += off;
    g.end_frame += off;
    if (g.span_first >= 0) {
        g.span_first += off;
        g.span_last += off;
    }
    t->shots[t->n_shots++] = g;
    return 0;
}

static int add_cand(merger *m, const seg_cand *sc, int64_t off, const char *art)
{
    ka_title *t = m->t;
    if (t->n_cands == m->cap_cands) {
        m->cap_cands = m->cap_cands ? 2 * m->cap_cands : 64;
        ka_candidate *n = realloc(t->cands, (size_t)m->cap_cands * sizeof *n);
        if (!n)
            return ka_error(KA_ENOMEM, "no memory for candidates");
        t->cands = n;
    }
    ka_candidate c = sc->c;
    c.frame += off;
    c.sig.frame = c.frame;
    c.spool_path = NULL;
    if (sc->image[0] && asprintf(&c.spool_path, "%s/%s", art, sc->image) < 0)
        return ka_error(KA_ENOMEM, "no memory");
    t->cands[t->n_cands++] = c;
    return 0;
}

/* One segment's share: boundaries and candidates inside its core [a, b). */
static int take_segment(merger *m, const seg_header *h, int k, double next_start,
                        const char *art)
{
    const ka_shot *shots = (const ka_shot *)(h + 1);
    const seg_cand *cands = (const seg_cand *)(shots + h->n_shots);
    if (h->n_shots == 0)
        return 0;
    /* The segment counts frames from its first decoded one; the end of its last shot
     * (time just after its last frame) places that count on the whole file's. */
    const ka_shot *last = &shots[h->n_shots - 1];
    int64_t off = to_frame(m, last->end_s) - (last->end_frame + 1);
    int64_t a = k == 0 ? INT64_MIN : to_frame(m, h->core_start);
    int64_t b = next_start >= 0 ? to_frame(m, next_start) : INT64_MAX;
    int err = 0;
    for (int i = 0; !err && i < h->n_shots; i++) {
        int64_t g = shots[i].start_frame + off;
        int artificial = k > 0 && i == 0;   /* where this segment's decoding began */
        if (g >= a && g < b && !artificial)
            err = add_shot(m, &shots[i], off);
    }
    for (int i = 0; !err && i < h->n_cands; i++) {
        int64_t g = cands[i].c.frame + off;
        if (g >= a && g < b)
            err = add_cand(m, &cands[i], off, art);
    }
    if (!err && next_start < 0) {   /* the last segment ends the title */
        m->t->frames = last->end_frame + off + 1;
        m->t->duration_s = last->end_s;
    }
    return err;
}

static int shot_of(const ka_title *t, int64_t frame)
{
    int lo = 0, hi = t->n_shots - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (t->shots[mid].start_frame <= frame)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* Ends of shots from the next one's start; candidates get their merged shot. */
static void link_up(ka_title *t)
{
    for (int i = 0; i + 1 < t->n_shots; i++) {
        t->shots[i].end_frame = t->shots[i + 1].start_frame - 1;
        t->shots[i].end_s = t->shots[i + 1].start_s;
    }
    if (t->n_shots) {
        t->shots[t->n_shots - 1].end_frame = t->frames - 1;
        t->shots[t->n_shots - 1].end_s = t->duration_s;
    }
    for (int i = 0; i < t->n_cands; i++)
        t->cands[i].shot = t->n_shots ? shot_of(t, t->cands[i].frame) : 0;
}

/* Title-wide facts: defect counts scaled to the core, decode stats summed. */
static void add_facts(ka_title *t, const seg_header *h, double core_len)
{
    double dec_len = h->frames > 0 && h->info.fps > 0 ? h->frames / h->info.fps : core_len;
    double share = dec_len > 0 ? fmin(1.0, core_len / dec_len) : 1.0;
    t->n_black += llround(h->n_black * share);
    t->n_blur += llround(h->n_blur * share);
    t->n_flash += llround(h->n_flash * share);
    t->n_transition += llround(h->n_transition * share);
    t->decode.frames += h->decode.frames;
    t->decode.packets += h->decode.packets;
    t->decode.corrupt_packets += h->decode.corrupt_packets;
    t->decode.decode_errors += h->decode.decode_errors;
    t->decode.truncated |= h->decode.truncated;
    t->analyse_s += h->analyse_s;
}

int ka_segment_merge(const char *title_id, const char *video, const void *const *blobs,
                     const size_t *sizes, int n, const char *art, ka_title **out)
{
    *out = NULL;
    const seg_header **hs = calloc((size_t)(n > 0 ? n : 1), sizeof *hs);
    if (!hs)
        return ka_error(KA_ENOMEM, "no memory");
    int err = n > 0 ? 0 : ka_error(KA_EINVAL, "%s: no segments to merge", title_id);
    for (int k = 0; !err && k < n; k++)
        err = check_blob(blobs[k], sizes[k], k, &hs[k]);
    merger m = { 0 };
    if (!err && !(m.t = calloc(1, sizeof *m.t)))
        err = ka_error(KA_ENOMEM, "no memory");
    if (!err && (!(m.t->id = strdup(title_id)) || !(m.t->path = strdup(video))))
        err = ka_error(KA_ENOMEM, "no memory");
    if (!err) {
        m.t->info = hs[0]->info;
        m.t->content = hs[0]->content;
        m.fps = hs[0]->info.fps > 0 ? hs[0]->info.fps : 25;
    }
    for (int k = 0; !err && k < n; k++) {
        double next = k + 1 < n ? hs[k + 1]->core_start : -1;
        err = take_segment(&m, hs[k], k, next, art);
        if (!err)
            add_facts(m.t, hs[k], (next >= 0 ? next : hs[k]->info.duration_s) -
                      hs[k]->core_start);
    }
    free(hs);
    if (!err && m.t->n_shots == 0)
        err = ka_error(KA_EDECODE, "%s: the segments found no frames", title_id);
    if (err) {
        ka_title_free(&m.t);
        return err;
    }
    link_up(m.t);
    *out = m.t;
    return 0;
}
