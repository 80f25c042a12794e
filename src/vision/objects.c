/* objects.c: people and objects, as action and setting cues.
 *
 * NanoDet (object_detection_nanodet_2022nov.onnx, COCO-80) when present: the
 * picture letterboxed into 416x416 (top left, black padding), RGB normalised with
 * mean (103.53, 116.28, 123.675) and std (57.375, 57.12, 58.395); six outputs,
 * told apart by size: class scores (anchors x 80, already sigmoid) and box
 * distributions (anchors x 32: 4 sides x 8 bins) at strides 8, 16 and 32 (52x52,
 * 26x26, 13x13 anchors). A side's distance is the softmax expectation of its bins
 * times the stride, measured from the anchor point (col + 0.5) s - 0.5. Score
 * threshold 0.35, per-class NMS at IoU 0.6. Only the classes that are cues are
 * kept: people, vehicles, animals and weapon-like props (knife, scissors, bat).
 *
 * Without NanoDet, OpenCV's HOG people detector (default SVM) on a copy of at
 * most 400 px finds standing people. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vision/vision_priv.h"

#define KA_ND_SIZE 416
#define KA_ND_CLASSES 80
#define KA_ND_BINS 8
#define KA_ND_THRESHOLD 0.35f
#define KA_OBJ_MAX 128
#define KA_HOG_SIDE 400

static const char *const ka_kind_names[KA_OBJ_COUNT] = {
    "person", "vehicle", "animal", "weapon", "other",
};

const char *ka_object_kind_name(ka_object_kind k)
{
    return (unsigned)k < KA_OBJ_COUNT ? ka_kind_names[k] : "unknown";
}

ka_object_kind ka_vision_coco_kind(int cls)
{
    if (cls == 0)
        return KA_OBJ_PERSON;
    if (cls >= 1 && cls <= 8)           /* bicycle .. boat */
        return KA_OBJ_VEHICLE;
    if (cls >= 14 && cls <= 23)         /* bird .. giraffe */
        return KA_OBJ_ANIMAL;
    if (cls == 34 || cls == 43 || cls == 76)    /* baseball bat, knife, scissors */
        return KA_OBJ_WEAPON;
    return KA_OBJ_OTHER;
}

static int ka_obj_cmp(const void *a, const void *b)
{
    const ka_object *x = a, *y = b;
    return (x->score < y->score) - (x->score > y->score);
}

/* Per-class NMS in place; returns the count kept. */
static int ka_nms_objects(ka_object *o, int n, float iou)
{
    qsort(o, (size_t)n, sizeof(*o), ka_obj_cmp);
    int k = 0;
    for (int i = 0; i < n; i++) {
        int keep = 1;
        for (int j = 0; j < k && keep; j++)
            keep = o[j].cls != o[i].cls || ka_vision_iou(o[i].box, o[j].box) <= iou;
        if (keep)
            o[k++] = o[i];
    }
    return k;
}

static void ka_nd_level(const float *sc, const float *bx, int anchors, int stride, float s,
                        const ka_image *work, ka_object *out, int *n)
{
    int fw = (KA_ND_SIZE + stride - 1) / stride;
    for (int a = 0; a < anchors; a++) {
        const float *p = sc + (size_t)a * KA_ND_CLASSES;
        int best = 0;
        for (int c = 1; c < KA_ND_CLASSES; c++)
            best = p[c] > p[best] ? c : best;
        if (p[best] < KA_ND_THRESHOLD || ka_vision_coco_kind(best) == KA_OBJ_OTHER)
            continue;
        float d[4];
        for (int side = 0; side < 4; side++) {
            const float *b = bx + (size_t)a * 4 * KA_ND_BINS + side * KA_ND_BINS;
            float m = b[0], sum = 0, ex = 0;
            for (int k = 1; k < KA_ND_BINS; k++)
                m = b[k] > m ? b[k] : m;
            for (int k = 0; k < KA_ND_BINS; k++) {
                float e = expf(b[k] - m);
                sum += e;
                ex += e * (float)k;
            }
            d[side] = ex / sum * (float)stride;
        }
        float cx = (float)(a % fw) * stride + 0.5f * (float)(stride - 1);
        float cy = (float)(a / fw) * stride + 0.5f * (float)(stride - 1);
        float x0 = fmaxf(0, (cx - d[0]) / s), y0 = fmaxf(0, (cy - d[1]) / s);
        float x1 = fminf((float)work->width, (cx + d[2]) / s);
        float y1 = fminf((float)work->height, (cy + d[3]) / s);
        if (x1 - x0 < 2 || y1 - y0 < 2)
            continue;
        if (*n >= KA_OBJ_MAX)
            *n = ka_nms_objects(out, *n, 0.6f);
        if (*n >= KA_OBJ_MAX)
            return;
        out[(*n)++] = (ka_object){
            { (int)lroundf(x0), (int)lroundf(y0), (int)lroundf(x1 - x0), (int)lroundf(y1 - y0) },
            ka_vision_coco_kind(best), best, p[best] };
    }
}

static int ka_nanodet(ka_vision *v, const ka_image *work, ka_object *out, int *n)
{
    ka_cv_net *net = v->net[KA_M_NANODET];
    float s = fminf((float)KA_ND_SIZE / (float)work->width, (float)KA_ND_SIZE / (float)work->height);
    int w = (int)lroundf((float)work->width * s), h = (int)lroundf((float)work->height * s);
    ka_image small = { 0 };
    int err = ka_image_resize(work, w < 1 ? 1 : w, h < 1 ? 1 : h, &small);
    float *blob = err ? NULL : ka_vision_blob(v, 3 * KA_ND_SIZE * KA_ND_SIZE);
    if (!err && !blob)
        err = ka_error(KA_ENOMEM, "no memory for the object detector input");
    if (!err) {
        const ka_norm norm = { { 103.53f, 116.28f, 123.675f },
                               { 1 / 57.375f, 1 / 57.12f, 1 / 58.395f }, 0, 0, 0 };
        float A[6];
        ka_vision_rect_affine(0, 0, KA_ND_SIZE, KA_ND_SIZE, KA_ND_SIZE, KA_ND_SIZE, A);
        ka_vision_sample(&small, A, KA_ND_SIZE, KA_ND_SIZE, &norm, blob);
        err = ka_cv_net_forward(net, blob, 3, KA_ND_SIZE, KA_ND_SIZE);
    }
    ka_image_free(&small);
    if (err < 0)
        return err;
    /* the outputs, told apart by their sizes */
    static const int strides[3] = { 8, 16, 32 };
    for (int l = 0; l < 3; l++) {
        int fw = (KA_ND_SIZE + strides[l] - 1) / strides[l], anchors = fw * fw;
        const float *sc = NULL, *bx = NULL;
        size_t cnt;
        for (int i = 0; i < err; i++) {
            const float *o = ka_cv_net_output(net, i, &cnt);
            if (cnt == (size_t)anchors * KA_ND_CLASSES)
                sc = o;
            else if (cnt == (size_t)anchors * 4 * KA_ND_BINS)
                bx = o;
        }
        if (!sc || !bx)
            return ka_error(KA_EFORMAT, "NanoDet: no outputs for stride %d", strides[l]);
        ka_nd_level(sc, bx, anchors, strides[l], s, work, out, n);
    }
    *n = ka_nms_objects(out, *n, 0.6f);
    return 0;
}

static int ka_hog(ka_vision *v, const ka_image *work, ka_object *out, int *n)
{
    ka_image g = { 0 }, small = { 0 };
    int m = work->width > work->height ? work->width : work->height;
    float s = m > KA_HOG_SIDE ? (float)KA_HOG_SIDE / (float)m : 1.0f;
    int err = ka_vision_gray(work, &g);
    if (!err && s < 1.0f)
        err = ka_image_resize(&g, (int)lroundf((float)g.width * s), (int)lroundf((float)g.height * s),
                              &small);
    ka_rect r[KA_OBJ_MAX];
    float w[KA_OBJ_MAX];
    int k = err ? err : ka_cv_hog_detect(v->hog, s < 1.0f ? &small : &g, r, w, KA_OBJ_MAX);
    ka_image_free(&g);
    ka_image_free(&small);
    if (k < 0)
        return k;
    for (int i = 0; i < k; i++) {
        if (w[i] < 0.5f)
            continue;               /* weak HOG hits are mostly texture */
        out[(*n)++] = (ka_object){
            { (int)lroundf((float)r[i].x / s), (int)lroundf((float)r[i].y / s),
              (int)lroundf((float)r[i].w / s), (int)lroundf((float)r[i].h / s) },
            KA_OBJ_PERSON, -1, fminf(1.0f, 0.5f + 0.25f * w[i]) };
    }
    return 0;
}

int ka_vision_objects(ka_vision *v, const ka_image *work, ka_object **out, int *n)
{
    *out = NULL;
    *n = 0;
    if (!v->net[KA_M_NANODET] && !v->hog)
        return 0;
    ka_object *o = malloc(KA_OBJ_MAX * sizeof(*o));
    if (!o)
        return ka_error(KA_ENOMEM, "no memory for objects");
    int err = v->net[KA_M_NANODET] ? ka_nanodet(v, work, o, n) : ka_hog(v, work, o, n);
    if (err < 0 || *n == 0) {
        free(o);
        *n = 0;
        return err < 0 ? err : 0;
    }
    *out = o;
    return 0;
}
