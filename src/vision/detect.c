/* detect.c: face detection, every model normalised into ka_face records.
 *
 *   cascade    Haar frontal (alt2) + LBP profile on the picture and its mirror,
 *              on a copy of at most 480 px; score from the cascade's level weight.
 *   faceplugin fr_detect and UltraFace RFB-320 share one decoder: input 1x3x240x320
 *              RGB (x - 127) / 128, outputs "scores" (N x 2: background, face) and
 *              "boxes" (N x 4 corners, 0..1 of the input). The picture is
 *              letterboxed into 4:3; a picture far from 4:3 (a portrait, a tall
 *              crop) is also cut into overlapping 4:3 tiles, so faces keep their
 *              size. Score threshold 0.7, NMS IoU 0.4.
 *   yunet      cv::FaceDetectorYN on a copy of at most 640 px: box, 5 landmarks.
 * Boxes come back in the pixels of the picture given (work). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vision/vision_priv.h"

#define KA_DET_MAX 256
#define KA_UF_W 320
#define KA_UF_H 240
#define KA_UF_THRESHOLD 0.7f
/* Tiling a very long picture: a pass per tile costs a network run, so a strip of
 * 2000x8 would take hundreds for one candidate; a short side under KA_UF_MIN_TILE
 * pixels holds no face, and KA_UF_MAX_TILES still covers pictures up to 10:1. */
#define KA_UF_MIN_TILE 24
#define KA_UF_MAX_TILES 8
#define KA_CASCADE_SIDE 480
#define KA_YUNET_SIDE 640

static const char *const ka_detector_names[KA_DET_COUNT] = {
    "auto", "cascade", "faceplugin", "yunet", "ultraface",
};

const char *ka_vision_detector_name(ka_face_detector d)
{
    return (unsigned)d < KA_DET_COUNT ? ka_detector_names[d] : "unknown";
}

int ka_vision_detector_parse(const char *name, ka_face_detector *out)
{
    for (int i = 0; name && i < KA_DET_COUNT; i++)
        if (!strcmp(name, ka_detector_names[i])) {
            *out = (ka_face_detector)i;
            return 0;
        }
    return ka_error(KA_EINVAL, "unknown face detector '%s' (auto, cascade, faceplugin, yunet, "
                    "ultraface)", name ? name : "");
}

float ka_vision_iou(ka_rect a, ka_rect b)
{
    ka_rect i = ka_rect_intersect(a, b);
    if (!i.w || !i.h)
        return 0.0f;
    double in = (double)i.w * i.h;
    double un = (double)a.w * a.h + (double)b.w * b.h - in;
    return un > 0 ? (float)(in / un) : 0.0f;
}

/* Share of the smaller box inside the larger. */
static float ka_containment(ka_rect a, ka_rect b)
{
    ka_rect i = ka_rect_intersect(a, b);
    if (!i.w || !i.h)
        return 0.0f;
    double in = (double)i.w * i.h;
    double mn = fmin((double)a.w * a.h, (double)b.w * b.h);
    return mn > 0 ? (float)(in / mn) : 0.0f;
}

static int ka_face_cmp(const void *a, const void *b)
{
    const ka_face *x = a, *y = b;
    return (x->score < y->score) - (x->score > y->score);
}

int ka_vision_nms_faces(ka_face *f, int n, float iou)
{
    if (n <= 1)
        return n;
    qsort(f, (size_t)n, sizeof(*f), ka_face_cmp);
    int k = 0;
    for (int i = 0; i < n; i++) {
        int keep = 1;
        for (int j = 0; j < k && keep; j++)
            keep = ka_vision_iou(f[i].box, f[j].box) <= iou &&
                   ka_containment(f[i].box, f[j].box) <= 0.7f;
        if (keep)
            f[k++] = f[i];
    }
    return k;
}

/* A copy of img no larger than side (a reference to img when it already is). */
static int ka_fit(const ka_image *img, int side, ka_image *out, float *scale)
{
    int m = img->width > img->height ? img->width : img->height;
    if (m <= side) {
        *out = *img;
        *scale = 1.0f;
        return 0;
    }
    *scale = (float)side / (float)m;
    int w = (int)lroundf((float)img->width * *scale), h = (int)lroundf((float)img->height * *scale);
    return ka_image_resize(img, w < 1 ? 1 : w, h < 1 ? 1 : h, out);
}

static void ka_add_face(ka_face *out, int *n, float x, float y, float w, float h, float score)
{
    if (!(w >= 4.0f && h >= 4.0f))
        return;
    if (*n >= KA_DET_MAX)           /* full of raw anchors: keep the best of each face */
        *n = ka_vision_nms_faces(out, *n, 0.4f);
    if (*n >= KA_DET_MAX)
        return;
    ka_face *f = &out[(*n)++];
    ka_vision_face_init(f);
    f->box = (ka_rect){ (int)lroundf(x), (int)lroundf(y), (int)lroundf(w), (int)lroundf(h) };
    f->score = score;
}

/* ---- cascades ---- */

static int ka_detect_cascade(ka_vision *v, const ka_image *gray, ka_face *out, int *n)
{
    ka_image g = { 0 }, flip = { 0 };
    float s;
    int err = ka_fit(gray, KA_CASCADE_SIDE, &g, &s);
    if (err)
        return err;
    ka_rect r[KA_DET_MAX];
    float w[KA_DET_MAX];
    int minsz = 20, maxsz = g.height;
    if (v->frontal) {
        int k = ka_cv_cascade_detect(v->frontal, &g, 1.15, 4, minsz, maxsz, r, w, KA_DET_MAX);
        for (int i = 0; i < k; i++)
            ka_add_face(out, n, (float)r[i].x / s, (float)r[i].y / s, (float)r[i].w / s,
                        (float)r[i].h / s, 1.0f / (1.0f + expf(-0.5f * w[i])));
    }
    if (v->profile && !(err = ka_vision_flip(&g, &flip))) {
        for (int pass = 0; pass < 2; pass++) {
            const ka_image *img = pass ? &flip : &g;
            int k = ka_cv_cascade_detect(v->profile, img, 1.2, 4, minsz, maxsz, r, w, KA_DET_MAX);
            for (int i = 0; i < k; i++) {
                float x = pass ? (float)(g.width - r[i].x - r[i].w) : (float)r[i].x;
                int before = *n;
                ka_add_face(out, n, x / s, (float)r[i].y / s, (float)r[i].w / s,
                            (float)r[i].h / s, 0.9f / (1.0f + expf(-0.5f * w[i])));
                if (*n > before)
                    out[*n - 1].profile = 1;
            }
        }
    }
    ka_image_free(&flip);
    if (g.data != gray->data)
        ka_image_free(&g);
    return err;
}

/* ---- fr_detect / UltraFace ---- */

/* One pass over region r of work, letterboxed into the 320 x 240 input. */
static int ka_detect_uf_pass(ka_vision *v, ka_cv_net *net, const ka_image *work, ka_rect r,
                             ka_face *out, int *n)
{
    float s = fminf((float)KA_UF_W / (float)r.w, (float)KA_UF_H / (float)r.h);
    int w = (int)lroundf((float)r.w * s), h = (int)lroundf((float)r.h * s);
    w = w < 1 ? 1 : w > KA_UF_W ? KA_UF_W : w;
    h = h < 1 ? 1 : h > KA_UF_H ? KA_UF_H : h;
    ka_image crop = { 0 }, small = { 0 };
    int err = ka_image_crop(work, r, &crop);
    if (!err)
        err = ka_image_resize(&crop, w, h, &small);
    ka_image_free(&crop);
    float *blob = err ? NULL : ka_vision_blob(v, 3 * KA_UF_W * KA_UF_H);
    if (!err && !blob)
        err = ka_error(KA_ENOMEM, "no memory for the face detector input");
    if (err) {
        ka_image_free(&small);
        return err;
    }
    /* the picture at the top left, zeros (gray 127) elsewhere */
    const ka_norm norm = { { 127, 127, 127 }, { 1 / 128.f, 1 / 128.f, 1 / 128.f }, 0, 127, 0 };
    float A[6];
    ka_vision_rect_affine(0, 0, KA_UF_W, KA_UF_H, KA_UF_W, KA_UF_H, A);
    ka_vision_sample(&small, A, KA_UF_W, KA_UF_H, &norm, blob);
    ka_image_free(&small);
    if ((err = ka_cv_net_forward(net, blob, 3, KA_UF_H, KA_UF_W)) < 0)
        return err;
    int is = ka_cv_net_output_index(net, "scores"), ib = ka_cv_net_output_index(net, "boxes");
    size_t ns = 0, nb = 0;
    const float *sc = ka_cv_net_output(net, is < 0 ? 1 : is, &ns);
    const float *bx = ka_cv_net_output(net, ib < 0 ? 0 : ib, &nb);
    if (!sc || !bx || ns / 2 != nb / 4 || ns == 0)
        return ka_error(KA_EFORMAT, "face detector: unexpected outputs (%zu scores, %zu boxes)",
                        ns, nb);
    for (size_t i = 0; i < ns / 2; i++) {
        if (sc[2 * i + 1] < KA_UF_THRESHOLD)
            continue;
        float x0 = bx[4 * i] * KA_UF_W / s, y0 = bx[4 * i + 1] * KA_UF_H / s;
        float x1 = bx[4 * i + 2] * KA_UF_W / s, y1 = bx[4 * i + 3] * KA_UF_H / s;
        x0 = fmaxf(x0, 0.0f);
        y0 = fmaxf(y0, 0.0f);
        x1 = fminf(x1, (float)r.w);
        y1 = fminf(y1, (float)r.h);
        ka_add_face(out, n, (float)r.x + x0, (float)r.y + y0, x1 - x0, y1 - y0, sc[2 * i + 1]);
    }
    return 0;
}

static int ka_detect_uf(ka_vision *v, ka_cv_net *net, const ka_image *work, ka_face *out, int *n)
{
    ka_rect all = { 0, 0, work->width, work->height };
    int err = ka_detect_uf_pass(v, net, work, all, out, n);
    /* far from 4:3: tiles of 4:3 along the long side, overlapping by a third */
    float aspect = (float)work->width / (float)work->height, want = 4.0f / 3.0f;
    float off = aspect > want ? aspect / want : want / aspect;
    if (err || off < 2.0f || (work->width < work->height ? work->width : work->height) <
        KA_UF_MIN_TILE)
        return err;
    int tw = aspect > want ? (int)lroundf((float)work->height * want) : work->width;
    int th = aspect > want ? work->height : (int)lroundf((float)work->width / want);
    int span = aspect > want ? work->width - tw : work->height - th;
    int step = (aspect > want ? tw : th) * 2 / 3;
    int tiles = step > 0 ? (span + step - 1) / step + 1 : 1;
    if (tiles > KA_UF_MAX_TILES)
        tiles = KA_UF_MAX_TILES;   /* spread evenly: they overlap less, then not at all */
    for (int i = 0; i < tiles && !err; i++) {
        int o = tiles > 1 ? (int)((long long)span * i / (tiles - 1)) : 0;
        ka_rect r = aspect > want ? (ka_rect){ o, 0, tw, th } : (ka_rect){ 0, o, tw, th };
        err = ka_detect_uf_pass(v, net, work, r, out, n);
    }
    return err;
}

/* ---- YuNet ---- */

static int ka_detect_yunet(ka_vision *v, const ka_image *work, ka_face *out, int *n)
{
    ka_image img = { 0 };
    float s;
    int err = ka_fit(work, KA_YUNET_SIDE, &img, &s);
    if (err)
        return err;
    float rows[64 * 15];
    int k = ka_cv_yunet_detect(v->yunet, &img, rows, 64);
    if (img.data != work->data)
        ka_image_free(&img);
    if (k < 0)
        return k;
    for (int i = 0; i < k; i++) {
        const float *r = rows + 15 * i;
        int before = *n;
        ka_add_face(out, n, r[0] / s, r[1] / s, r[2] / s, r[3] / s, r[14]);
        if (*n == before)
            continue;
        ka_face *f = &out[*n - 1];
        f->n_landmarks = 5;
        for (int j = 0; j < 5; j++) {
            f->landmarks[j][0] = r[4 + 2 * j] / s;
            f->landmarks[j][1] = r[5 + 2 * j] / s;
        }
    }
    return 0;
}

int ka_vision_detect(ka_vision *v, const ka_image *work, const ka_image *gray, ka_face **out,
                     int *n)
{
    *out = NULL;
    *n = 0;
    ka_face *f = malloc(KA_DET_MAX * sizeof(*f));
    if (!f)
        return ka_error(KA_ENOMEM, "no memory for faces");
    int err = 0;
    switch (v->detector) {
    case KA_DET_FACEPLUGIN:
        err = ka_detect_uf(v, v->net[KA_M_FR_DETECT], work, f, n);
        break;
    case KA_DET_ULTRAFACE:
        err = ka_detect_uf(v, v->net[KA_M_ULTRAFACE], work, f, n);
        break;
    case KA_DET_YUNET:
        err = ka_detect_yunet(v, work, f, n);
        break;
    default:
        err = ka_detect_cascade(v, gray, f, n);
        break;
    }
    if (err) {
        free(f);
        *n = 0;
        return err;
    }
    *n = ka_vision_nms_faces(f, *n, 0.4f);
    if (*n == 0) {
        free(f);
        return 0;
    }
    *out = f;
    return 0;
}
