/* segment.c: long titles analysed in parts. A segment job decodes its core range
 * plus overlap_s of context on both sides (so a cut or a dissolve at the edge is seen
 * whole), puts its candidate frames into the shared artwork folder and leaves a blob
 * in its job row. The merge job stitches the blobs: each segment contributes the
 * shot boundaries and candidates inside its core, frame numbers are moved to the
 * whole file's count (time x fps: exact for constant frame rates), and the candidate
 * pictures are read back from the artwork folder by the selection. Each candidate
 * brings its vision record (faces with their identity embeddings, objects), so the
 * merge can cluster the faces of the whole title at once (run.c).
 *
 * The blob is the raw structs of this build:
 *   header | shots | seg_cand per candidate | faces and objects of each candidate
 * tagged with the format number and a hash of the records' layout (sizes and field
 * offsets). Segments and merge must run the same keyart: a blob of another format or
 * layout fails the merge with a clear message, never a misreading. Bump SEG_FORMAT
 * when what a field means changes without its layout changing. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyart/jobs.h"
#include "keyart/vision.h"

#define SEG_MAGIC "KASEG"           /* + two digits of SEG_FORMAT */
#define SEG_FORMAT 3
#define SEG_MAX_RECORDS (1 << 16)   /* faces or objects of one candidate, at most */

typedef struct seg_header {
    char magic[8];
    char version[24];
    uint32_t layout, header_size;
    ka_video_info info;
    ka_decode_stats decode;
    int64_t frames, n_black, n_blur, n_flash, n_transition;
    ka_rect content;
    double core_start, core_end;    /* seconds; core_end 0 = to the end */
    double analyse_s;
    int32_t n_shots, n_cands;
} seg_header;

/* A candidate's vision record without its arrays (those follow the candidates). */
typedef struct seg_vision {
    int32_t present;                /* vision ran on the candidate */
    int32_t n_faces, n_objects, detector;
    int32_t n_kind[KA_OBJ_COUNT];
    float person_frac, brisque, frame_sharpness;
    ka_vision_quality quality;      /* vision's parts of the quality score */
} seg_vision;

typedef struct seg_cand {
    ka_candidate c;                 /* pointers cleared */
    char image[KA_ARTWORK_NAME_MAX];
    seg_vision vis;
    int32_t has_look;
    ka_look look;                   /* the look stage's side data */
} seg_cand;

/* FNV-1a of the sizes and field offsets of every record the blob holds raw. */
static uint32_t seg_layout(void)
{
#define F(T, f) (uint32_t)offsetof(T, f)
    static const uint32_t v[] = {
        sizeof(seg_header), sizeof(seg_cand), sizeof(seg_vision), sizeof(ka_shot),
        sizeof(ka_candidate), sizeof(ka_video_info), sizeof(ka_decode_stats),
        sizeof(ka_signals), sizeof(ka_quality), sizeof(ka_rect), sizeof(ka_face),
        sizeof(ka_object), sizeof(ka_vision_quality), sizeof(ka_look), KA_FACE_EMBED_DIM, KA_OBJ_COUNT,
        KA_EXPR_COUNT, KA_DET_COUNT,
        F(seg_header, info), F(seg_header, content), F(seg_header, n_shots),
        F(seg_cand, image), F(seg_cand, vis), F(seg_cand, look), F(seg_vision, brisque), F(seg_vision, quality),
        F(ka_shot, start_frame), F(ka_shot, end_frame), F(ka_shot, start_s), F(ka_shot, end_s),
        F(ka_shot, transition_in), F(ka_shot, span_first), F(ka_shot, span_last),
        F(ka_candidate, frame), F(ka_candidate, time_s), F(ka_candidate, shot),
        F(ka_candidate, flags), F(ka_candidate, sig), F(ka_candidate, motion),
        F(ka_candidate, q), F(ka_candidate, quality_score), F(ka_candidate, phash),
        F(ka_candidate, salient), F(ka_candidate, content), F(ka_candidate, width), F(ka_candidate, height),
        F(ka_face, box), F(ka_face, score), F(ka_face, landmarks), F(ka_face, profile),
        F(ka_face, yaw), F(ka_face, eyes_open), F(ka_face, expression), F(ka_face, valence),
        F(ka_face, male), F(ka_face, sharpness), F(ka_face, focus), F(ka_face, prominence),
        F(ka_face, has_embedding), F(ka_face, embedding), F(ka_face, character),
        F(ka_object, box), F(ka_object, kind), F(ka_object, cls), F(ka_object, score),
    };
#undef F
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        for (int b = 0; b < 32; b += 8)
            h = (h ^ ((v[i] >> b) & 0xff)) * 16777619u;
    return h;
}

static size_t vision_bytes(const ka_vision_cand *vc)
{
    return vc ? (size_t)vc->n_faces * sizeof(ka_face) + (size_t)vc->n_objects * sizeof(ka_object)
              : 0;
}

/* The candidate's record into sc->vis, its faces and objects at *tail (advanced). */
static void pack_vision(const ka_candidate *c, seg_cand *sc, char **tail)
{
    const ka_vision_cand *vc = ka_vision_of(c);
    if (!vc)
        return;
    seg_vision *v = &sc->vis;
    v->present = 1;
    v->n_faces = vc->n_faces;
    v->n_objects = vc->n_objects;
    v->detector = (int32_t)vc->detector;
    memcpy(v->n_kind, vc->n_kind, sizeof v->n_kind);
    v->person_frac = vc->person_frac;
    v->brisque = vc->brisque;
    v->frame_sharpness = vc->frame_sharpness;
    v->quality = vc->quality;
    if (vc->n_faces)
        memcpy(*tail, vc->faces, (size_t)vc->n_faces * sizeof(ka_face));
    *tail += (size_t)vc->n_faces * sizeof(ka_face);
    if (vc->n_objects)
        memcpy(*tail, vc->objects, (size_t)vc->n_objects * sizeof(ka_object));
    *tail += (size_t)vc->n_objects * sizeof(ka_object);
}

static void pack_header(seg_header *h, const ka_title *t, const ka_job *j)
{
    snprintf(h->magic, sizeof h->magic, SEG_MAGIC "%02d", SEG_FORMAT);
    snprintf(h->version, sizeof h->version, "%s", ka_version());
    h->layout = seg_layout();
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
}

int ka_segment_pack(const ka_title *t, const ka_job *j, const char *art, void **blob,
                    size_t *size)
{
    size_t n = sizeof(seg_header) + (size_t)t->n_shots * sizeof(ka_shot) +
               (size_t)t->n_cands * sizeof(seg_cand);
    for (int i = 0; i < t->n_cands; i++)
        n += vision_bytes(ka_vision_of(&t->cands[i]));
    char *b = calloc(1, n);
    if (!b)
        return ka_error(KA_ENOMEM, "no memory for a segment's result");
    pack_header((seg_header *)b, t, j);
    if (t->n_shots)
        memcpy(b + sizeof(seg_header), t->shots, (size_t)t->n_shots * sizeof(ka_shot));
    seg_cand *sc = (seg_cand *)(b + sizeof(seg_header) + (size_t)t->n_shots * sizeof(ka_shot));
    char *tail = (char *)(sc + t->n_cands);
    int err = 0;
    for (int i = 0; !err && i < t->n_cands; i++) {
        sc[i].c = t->cands[i];
        sc[i].c.spool_path = NULL;
        memset(sc[i].c.side, 0, sizeof sc[i].c.side);  /* packed apart */
        pack_vision(&t->cands[i], &sc[i], &tail);
        const ka_look *l = ka_look_of(&t->cands[i]);
        sc[i].has_look = l != NULL;
        sc[i].look = l ? *l : (ka_look){ 0 };
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

/* The bytes the candidates' faces and objects take, or (size_t)-1 when a count is
 * out of range. */
static size_t tail_bytes(const seg_cand *sc, int n)
{
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        const seg_vision *v = &sc[i].vis;
        if (!v->present)
            continue;
        if (v->n_faces < 0 || v->n_faces > SEG_MAX_RECORDS || v->n_objects < 0 ||
            v->n_objects > SEG_MAX_RECORDS)
            return (size_t)-1;
        total += (size_t)v->n_faces * sizeof(ka_face) + (size_t)v->n_objects * sizeof(ka_object);
    }
    return total;
}

static int check_blob(const void *blob, size_t size, int k, const seg_header **out)
{
    const seg_header *h = blob;
    char want[8];
    snprintf(want, sizeof want, SEG_MAGIC "%02d", SEG_FORMAT);
    if (!blob || size < 8 || memcmp(h->magic, SEG_MAGIC, 5))
        return ka_error(KA_EFORMAT, "segment %d: its stored result is missing or not a "
                        "segment result", k);
    if (memcmp(h->magic, want, 8) || size < sizeof *h)
        return ka_error(KA_EFORMAT, "segment %d was stored in result format %.2s by another "
                        "keyart; this %s reads format %02d: run the same keyart on every worker "
                        "and enqueue the title again", k, h->magic + 5, ka_version(), SEG_FORMAT);
    if (h->layout != seg_layout() || h->header_size != sizeof *h)
        return ka_error(KA_EFORMAT, "segment %d was analysed by keyart %.24s, a build whose "
                        "records differ from this %s's: run the same keyart on every worker",
                        k, h->version, ka_version());
    size_t shots_end = sizeof *h + (size_t)h->n_shots * sizeof(ka_shot);
    size_t fixed = shots_end + (size_t)h->n_cands * sizeof(seg_cand);
    if (h->n_shots < 0 || h->n_cands < 0 || size < fixed)
        return ka_error(KA_EFORMAT, "segment %d: its stored result is truncated", k);
    size_t tail = tail_bytes((const seg_cand *)((const char *)blob + shots_end), h->n_cands);
    if (tail == (size_t)-1 || size != fixed + tail)
        return ka_error(KA_EFORMAT, "segment %d: its stored result is truncated or damaged", k);
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

/* The vision record of a candidate back from the blob: faces at tail, then objects. */
static int unpack_vision(const seg_vision *v, const char *tail, ka_vision_cand **out)
{
    *out = NULL;
    if (!v->present)
        return 0;
    ka_vision_cand *vc = ka_vision_cand_new(v->n_faces, v->n_objects);
    if (!vc)
        return ka_error(KA_ENOMEM, "no memory for a candidate's faces");
    if (v->n_faces)
        memcpy(vc->faces, tail, (size_t)v->n_faces * sizeof(ka_face));
    if (v->n_objects)
        memcpy(vc->objects, tail + (size_t)v->n_faces * sizeof(ka_face),
               (size_t)v->n_objects * sizeof(ka_object));
    memcpy(vc->n_kind, v->n_kind, sizeof vc->n_kind);
    vc->person_frac = v->person_frac;
    vc->brisque = v->brisque;
    vc->frame_sharpness = v->frame_sharpness;
    vc->quality = v->quality;
    vc->detector = v->detector >= 0 && v->detector < KA_DET_COUNT ? (ka_face_detector)v->detector
                                                                  : KA_DET_AUTO;
    *out = vc;
    return 0;
}

static int attach_look(ka_candidate *c, const ka_look *look)
{
    ka_look *l = malloc(sizeof *l);
    if (!l)
        return ka_error(KA_ENOMEM, "no memory for a candidate's look");
    *l = *look;
    return ka_candidate_side_set(c, &ka_look_side, l);
}

static int add_cand(merger *m, const seg_cand *sc, const char *tail, int64_t off,
                    const char *art)
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
    memset(c.side, 0, sizeof c.side);   /* what the blob holds there means nothing */
    ka_vision_cand *vc = NULL;
    int err = unpack_vision(&sc->vis, tail, &vc);
    if (!err && sc->image[0] && asprintf(&c.spool_path, "%s/%s", art, sc->image) < 0) {
        c.spool_path = NULL;
        err = ka_error(KA_ENOMEM, "no memory");
    }
    if (!err && vc)
        err = ka_vision_attach(&c, vc);
    else
        ka_vision_cand_free(vc);
    if (!err && sc->has_look)
        err = attach_look(&c, &sc->look);
    if (err) {
        free(c.spool_path);
        ka_candidate_side_free(&c);
        return err;
    }
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
    const char *tail = (const char *)(cands + h->n_cands);   /* checked by check_blob */
    for (int i = 0; !err && i < h->n_cands; i++) {
        int64_t g = cands[i].c.frame + off;
        if (g >= a && g < b)
            err = add_cand(m, &cands[i], tail, off, art);
        if (cands[i].vis.present)
            tail += (size_t)cands[i].vis.n_faces * sizeof(ka_face) +
                    (size_t)cands[i].vis.n_objects * sizeof(ka_object);
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
