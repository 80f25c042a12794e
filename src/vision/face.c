/* face.c: what vision knows about each face, measured on the full-resolution
 * picture. Input sizes, normalisation and decoding follow the face pack's own
 * JavaScript (lib/fr_*.js of faceplugin-face-recognition-js 0.0.1):
 *
 *   fr_landmark   square crop of the box, gray 64x64, x / 256 -> 68 points (0..1 of
 *                 the crop); the 5 points: eye centres (mean of 4 lid points each),
 *                 nose tip (30), mouth corners (mean of 48/60 and 54/64)
 *   fr_eye        square crop around each eye (1.6 x its corner-to-corner width),
 *                 gray 24x24, x / 255 -> softmax of 2 (index KA_EYE_OPEN = open)
 *   fr_expression crop (x, y, 1.2 w, 1.2 h) of the square box, RGB 224x224, x / 255
 *                 -> softmax of 7 (FER-2013 order: angry, disgust, fear, happy, sad,
 *                 surprise, neutral)
 *   fr_gender     square box grown 1.4x about its centre, BGR 64x64, ImageNet mean/std ->
 *                 SSR-Net stages merged into 0 (female) .. 1 (male). The JavaScript
 *                 feeds RGB, but the model reads B, G, R: on the MEDS mug shots (46
 *                 men, 4 women, told apart by eye) its ranking of men above women has
 *                 an AUC of 0.45 on RGB (no signal) and 0.76 on BGR
 *   fr_feature    the 5 points aligned by a similarity transform onto the ArcFace
 *                 reference points of a 112x112 crop, RGB (x - 127) / 128 -> 512-d,
 *                 L2-normalised here
 * Without fr_eye / fr_expression the cascades answer instead: eyes found in the
 * upper half of the face (haarcascade_eye), a smile in the lower half
 * (haarcascade_smile). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vision/vision_priv.h"

#define KA_EYE_OPEN 1

static const float ka_arcface_ref[5][2] = {
    { 38.2946f, 51.6963f }, { 73.5318f, 51.5014f }, { 56.0252f, 71.7366f },
    { 41.5493f, 92.3655f }, { 70.7299f, 92.2041f },
};

/* FER-2013 class order of fr_expression, as ka_expression. */
static const ka_expression ka_fer_order[7] = {
    KA_EXPR_ANGER, KA_EXPR_DISGUST, KA_EXPR_FEAR, KA_EXPR_HAPPY, KA_EXPR_SAD,
    KA_EXPR_SURPRISE, KA_EXPR_NEUTRAL,
};

static const char *const ka_expr_names[KA_EXPR_COUNT] = {
    "unknown", "neutral", "happy", "sad", "surprise", "fear", "disgust", "anger",
};

const char *ka_expression_name(ka_expression e)
{
    return (unsigned)e < KA_EXPR_COUNT ? ka_expr_names[e] : "unknown";
}

void ka_vision_face_init(ka_face *f)
{
    memset(f, 0, sizeof(*f));
    f->eyes_open = -1.0f;
    f->eye_aspect = f->mouth_open = f->pitch = f->iris = -1.0f;
    f->male = -1.0f;
    f->character = -1;
}

static void ka_softmax(const float *x, int n, float *p)
{
    float m = x[0], s = 0.0f;
    for (int i = 1; i < n; i++)
        m = x[i] > m ? x[i] : m;
    for (int i = 0; i < n; i++)
        s += (p[i] = expf(x[i] - m));
    for (int i = 0; i < n; i++)
        p[i] /= s;
}

/* The square box the pack's models expect: side max(w, h) about the centre. */
static void ka_square(const ka_face *f, float *x, float *y, float *side)
{
    *side = (float)(f->box.w > f->box.h ? f->box.w : f->box.h);
    *x = (float)f->box.x + 0.5f * (float)f->box.w - 0.5f * *side;
    *y = (float)f->box.y + 0.5f * (float)f->box.h - 0.5f * *side;
}

/* Runs net on the (x, y, w, h) crop of rgb sampled to iw x ih; < 0 on error. */
static int ka_run_crop(ka_vision *v, ka_cv_net *net, const ka_image *rgb, float x, float y,
                       float w, float h, int iw, int ih, const ka_norm *n)
{
    int c = n->gray ? 1 : 3;
    float *blob = ka_vision_blob(v, (size_t)c * iw * ih);
    if (!blob)
        return ka_error(KA_ENOMEM, "no memory for a face model input");
    float A[6];
    ka_vision_rect_affine(x, y, w, h, iw, ih, A);
    ka_vision_sample(rgb, A, iw, ih, n, blob);
    return ka_cv_net_forward(net, blob, c, ih, iw);
}

static int ka_landmarks68(ka_vision *v, const ka_image *rgb, const ka_face *f, float pts[68][2])
{
    float x, y, s;
    ka_square(f, &x, &y, &s);
    const ka_norm n = { { 0, 0, 0 }, { 1 / 256.f, 1 / 256.f, 1 / 256.f }, 1, 0, 0 };
    int err = ka_run_crop(v, v->net[KA_M_FR_LANDMARK], rgb, x, y, s, s, 64, 64, &n);
    size_t cnt = 0;
    const float *o = err < 0 ? NULL : ka_cv_net_output(v->net[KA_M_FR_LANDMARK], 0, &cnt);
    if (!o || cnt < 136)
        return err < 0 ? err : ka_error(KA_EFORMAT, "fr_landmark: %zu outputs, not 136", cnt);
    for (int i = 0; i < 68; i++) {
        pts[i][0] = x + o[2 * i] * s;
        pts[i][1] = y + o[2 * i + 1] * s;
    }
    return 0;
}

static void ka_mean_pts(const float pts[68][2], const int *idx, int k, float out[2])
{
    out[0] = out[1] = 0.0f;
    for (int i = 0; i < k; i++) {
        out[0] += pts[idx[i]][0] / (float)k;
        out[1] += pts[idx[i]][1] / (float)k;
    }
}

static void ka_five_from_68(const float pts[68][2], float five[5][2])
{
    static const int le[4] = { 37, 38, 40, 41 }, re[4] = { 43, 44, 46, 47 };
    static const int lm[2] = { 48, 60 }, rm[2] = { 54, 64 };
    ka_mean_pts(pts, le, 4, five[0]);
    ka_mean_pts(pts, re, 4, five[1]);
    five[2][0] = pts[30][0];
    five[2][1] = pts[30][1];
    ka_mean_pts(pts, lm, 2, five[3]);
    ka_mean_pts(pts, rm, 2, five[4]);
}

static float ka_dist(const float a[2], const float b[2])
{
    return hypotf(a[0] - b[0], a[1] - b[1]);
}

/* Lid opening over width of the eye whose points start at first (36 or 42). */
static float ka_eye_aspect(const float pts[68][2], int first)
{
    const float *p = pts[first];
    float w = ka_dist(p, pts[first + 3]);
    if (!(w > 0.0f))
        return -1.0f;
    return (ka_dist(pts[first + 1], pts[first + 5]) + ka_dist(pts[first + 2], pts[first + 4])) /
           (2.0f * w);
}

/* 1 when (x, y) is inside the polygon p[0..n) (even-odd rule). */
static int ka_inside(const float (*p)[2], int n, float x, float y)
{
    int in = 0;
    for (int i = 0, j = n - 1; i < n; j = i++)
        if ((p[i][1] > y) != (p[j][1] > y) &&
            x < (p[j][0] - p[i][0]) * (y - p[i][1]) / (p[j][1] - p[i][1]) + p[i][0])
            in = !in;
    return in;
}

/* Share of the opening of the eye whose points start at first (36 or 42) that is
 * dark: pixels under 45% of the way from its darkest to its lightest gray; -1 when
 * the eye is under KA_EYE_MIN_WIDTH or its opening under 6 pixels. */
static float ka_eye_iris(const ka_image *rgb, const float pts[68][2], int first)
{
    const float (*p)[2] = &pts[first];
    float x0 = p[0][0], x1 = p[0][0], y0 = p[0][1], y1 = p[0][1];
    for (int i = 1; i < 6; i++) {
        x0 = fminf(x0, p[i][0]);
        x1 = fmaxf(x1, p[i][0]);
        y0 = fminf(y0, p[i][1]);
        y1 = fmaxf(y1, p[i][1]);
    }
    if (!(x1 - x0 >= KA_EYE_MIN_WIDTH))
        return -1.0f;
    int ax = (int)floorf(x0), ay = (int)floorf(y0), bx = (int)ceilf(x1), by = (int)ceilf(y1);
    uint8_t g[64 * 32];
    int n = 0, lo = 255, hi = 0;
    for (int y = ay; y <= by; y++)
        for (int x = ax; x <= bx && n < (int)sizeof g; x++) {
            if (x < 0 || y < 0 || x >= rgb->width || y >= rgb->height ||
                !ka_inside(p, 6, (float)x + 0.5f, (float)y + 0.5f))
                continue;
            const uint8_t *c = rgb->data + (size_t)y * rgb->stride + (size_t)x * 3;
            g[n] = (uint8_t)((77u * c[0] + 150u * c[1] + 29u * c[2] + 128u) >> 8);
            lo = g[n] < lo ? g[n] : lo;
            hi = g[n] > hi ? g[n] : hi;
            n++;
        }
    if (n < 6)
        return -1.0f;
    int dark = 0, cut = lo + (hi - lo) * 45 / 100;
    for (int i = 0; i < n; i++)
        dark += g[i] < cut;
    return hi - lo < 24 ? 1.0f : (float)dark / (float)n;   /* flat: all iris or shut */
}

/* The shape measures of a face from its 68 points: eyes, mouth, pitch. */
static void ka_face_shape(ka_face *f, const float pts[68][2])
{
    float l = ka_eye_aspect(pts, 36), r = ka_eye_aspect(pts, 42);
    f->eye_aspect = l > r ? l : r;
    float mw = ka_dist(pts[60], pts[64]);
    f->mouth_open = mw > 0.0f ? (ka_dist(pts[61], pts[67]) + ka_dist(pts[62], pts[66]) +
                                 ka_dist(pts[63], pts[65])) / (3.0f * mw)
                              : -1.0f;
    float eye_y = 0.5f * (pts[39][1] + pts[42][1]), mouth_y = 0.5f * (pts[48][1] + pts[54][1]);
    f->pitch = mouth_y - eye_y > 1e-3f ? (pts[30][1] - eye_y) / (mouth_y - eye_y) : -1.0f;
}

/* The iris share of both eyes (their mean, or the one that can be read). */
static void ka_face_iris(ka_face *f, const ka_image *rgb, const float pts[68][2])
{
    float l = ka_eye_iris(rgb, pts, 36), r = ka_eye_iris(rgb, pts, 42);
    f->iris = l >= 0 && r >= 0 ? 0.5f * (l + r) : l >= 0 ? l : r;
}

/* Probability that the eye whose lid points start at first (36 or 42) is open; -1
 * when it is too small to tell (KA_EYE_MIN_WIDTH). *width: its width in pixels. */
static float ka_eye_open(ka_vision *v, const ka_image *rgb, const float pts[68][2], int first,
                         float *width)
{
    static const int l[4] = { 37, 38, 40, 41 }, r[4] = { 43, 44, 46, 47 };
    float c[2];
    ka_mean_pts(pts, first == 36 ? l : r, 4, c);
    *width = pts[first + 3][0] - pts[first][0];
    float size = *width * 1.6f;
    if (!(*width >= KA_EYE_MIN_WIDTH))
        return -1.0f;
    const ka_norm n = { { 0, 0, 0 }, { 1 / 255.f, 1 / 255.f, 1 / 255.f }, 1, 0, 0 };
    if (ka_run_crop(v, v->net[KA_M_FR_EYE], rgb, c[0] - size / 2, c[1] - size / 2, size, size,
                    24, 24, &n) < 0)
        return -1.0f;
    size_t cnt = 0;
    const float *o = ka_cv_net_output(v->net[KA_M_FR_EYE], 0, &cnt);
    if (!o || cnt < 2)
        return -1.0f;
    float p[2];
    ka_softmax(o, 2, p);
    return p[KA_EYE_OPEN];
}

/* A gray copy of part (x0..x1, y0..y1 as shares of the box) of the face, about
 * 96 px wide, for the cascades. */
static int ka_face_part(const ka_image *rgb, const ka_face *f, float y0, float y1, ka_image *out)
{
    int w = 96, h = (int)lroundf(96.0f * (y1 - y0) * (float)f->box.h / (float)f->box.w);
    h = h < 8 ? 8 : h > 192 ? 192 : h;
    float *tmp = malloc((size_t)w * h * sizeof(float));
    int err = tmp ? ka_image_alloc(out, w, h, 1) : ka_error(KA_ENOMEM, "no memory");
    if (err) {
        free(tmp);
        return err;
    }
    const ka_norm n = { { 0, 0, 0 }, { 1, 1, 1 }, 1, 0, 0 };
    float A[6];
    ka_vision_rect_affine((float)f->box.x, (float)f->box.y + y0 * (float)f->box.h,
                          (float)f->box.w, (y1 - y0) * (float)f->box.h, w, h, A);
    ka_vision_sample(rgb, A, w, h, &n, tmp);
    for (int i = 0; i < w * h; i++)
        out->data[(i / w) * out->stride + i % w] = (uint8_t)fminf(255.0f, fmaxf(0.0f, tmp[i]));
    free(tmp);
    return 0;
}

static void ka_eyes_cascade(ka_vision *v, const ka_image *rgb, ka_face *f)
{
    ka_image g = { 0 };
    if (f->profile || ka_face_part(rgb, f, 0.15f, 0.6f, &g))
        return;
    ka_rect r[8];
    int k = ka_cv_cascade_detect(v->eye, &g, 1.1, 3, 12, 0, r, NULL, 8);
    if (k >= 0)
        f->eyes_open = k >= 2 ? 0.9f : k == 1 ? 0.6f : 0.3f;
    ka_image_free(&g);
}

static void ka_expression_net(ka_vision *v, const ka_image *rgb, ka_face *f)
{
    float x, y, s;
    ka_square(f, &x, &y, &s);
    const ka_norm n = { { 0, 0, 0 }, { 1 / 255.f, 1 / 255.f, 1 / 255.f }, 0, 0, 0 };
    if (ka_run_crop(v, v->net[KA_M_FR_EXPRESSION], rgb, x, y, 1.2f * s, 1.2f * s,
                    KA_FACE_EXPRESSION_SIDE, KA_FACE_EXPRESSION_SIDE, &n) < 0)
        return;
    size_t cnt = 0;
    const float *o = ka_cv_net_output(v->net[KA_M_FR_EXPRESSION], 0, &cnt);
    if (!o || cnt < 7)
        return;
    float p[7], pe[KA_EXPR_COUNT] = { 0 };
    ka_softmax(o, 7, p);
    int best = 0;
    for (int i = 0; i < 7; i++) {
        pe[ka_fer_order[i]] = p[i];
        best = p[i] > p[best] ? i : best;
    }
    f->expression = ka_fer_order[best];
    f->expression_conf = p[best];
    f->valence = pe[KA_EXPR_HAPPY] + 0.3f * pe[KA_EXPR_SURPRISE] - pe[KA_EXPR_SAD] -
                 pe[KA_EXPR_ANGER] - pe[KA_EXPR_DISGUST] - pe[KA_EXPR_FEAR];
}

static void ka_expression_cascade(ka_vision *v, const ka_image *rgb, ka_face *f)
{
    ka_image g = { 0 };
    if (ka_face_part(rgb, f, 0.55f, 1.0f, &g))
        return;
    ka_rect r[8];
    int k = ka_cv_cascade_detect(v->smile, &g, 1.1, 20, 16, 0, r, NULL, 8);
    if (k >= 0) {
        f->expression = k > 0 ? KA_EXPR_HAPPY : KA_EXPR_NEUTRAL;
        f->expression_conf = k > 0 ? 0.6f : 0.4f;
        f->valence = k > 0 ? 0.6f : 0.0f;
    }
    ka_image_free(&g);
}

static void ka_gender(ka_vision *v, const ka_image *rgb, ka_face *f)
{
    ka_cv_net *net = v->net[KA_M_FR_GENDER];
    float sx, sy, s;
    ka_square(f, &sx, &sy, &s);
    if (s < KA_GENDER_MIN_SIDE)
        return;
    float cx = sx + 0.5f * s, cy = sy + 0.5f * s, w = 1.4f * s, h = 1.4f * s;
    const ka_norm n = { { 0.485f * 255, 0.456f * 255, 0.406f * 255 },
                        { 1 / (0.229f * 255), 1 / (0.224f * 255), 1 / (0.225f * 255) }, 0, 0,
                        1 };
    if (ka_run_crop(v, net, rgb, cx - w / 2, cy - h / 2, w, h, 64, 64, &n) < 0)
        return;
    static const char *const names[9] = {
        "prob_stage_1", "prob_stage_2", "prob_stage_3", "stage1_delta_k", "stage2_delta_k",
        "stage3_delta_k", "index_offset_stage1", "index_offset_stage2", "index_offset_stage3",
    };
    float x[21];
    int k = 0;
    for (int i = 0; i < 9; i++) {
        size_t cnt = 0;
        const float *o = ka_cv_net_output(net, ka_cv_net_output_index(net, names[i]), &cnt);
        size_t want = i >= 3 && i < 6 ? 1 : 3;
        if (!o || cnt != want)
            return;
        for (size_t j = 0; j < cnt; j++)
            x[k++] = o[j];
    }
    /* SSR-Net's soft stagewise regression, three stages of three bins */
    float a = 0, b = 0, c = 0;
    for (int i = 0; i < 3; i++) {
        a += ((float)i + x[12 + i]) * x[i];
        b += ((float)i + x[15 + i]) * x[3 + i];
        c += ((float)i + x[18 + i]) * x[6 + i];
    }
    float d1 = 3 * (1 + x[9]), d2 = 3 * (1 + x[10]), d3 = 3 * (1 + x[11]);
    float g = a / d1 + b / (d1 * d2) + c / (d1 * d2 * d3);
    /* not a probability: its balanced accuracy peaks about KA_GENDER_SPLIT, mapped to 0.5 */
    g = g < KA_GENDER_SPLIT ? 0.5f * g / KA_GENDER_SPLIT
                            : 0.5f + 0.5f * (g - KA_GENDER_SPLIT) / (1.0f - KA_GENDER_SPLIT);
    f->male = fminf(1.0f, fmaxf(0.0f, g));
}

/* Landmarks guessed from the box when no model gives them. */
static void ka_guess_landmarks(const ka_face *f, float five[5][2])
{
    static const float rel[5][2] = {
        { 0.32f, 0.40f }, { 0.68f, 0.40f }, { 0.50f, 0.58f }, { 0.36f, 0.78f }, { 0.64f, 0.78f },
    };
    for (int i = 0; i < 5; i++) {
        five[i][0] = (float)f->box.x + rel[i][0] * (float)f->box.w;
        five[i][1] = (float)f->box.y + rel[i][1] * (float)f->box.h;
    }
}

static void ka_embedding(ka_vision *v, const ka_image *rgb, ka_face *f)
{
    float five[5][2], A[6];
    if (f->n_landmarks == 5)
        memcpy(five, f->landmarks, sizeof(five));
    else
        ka_guess_landmarks(f, five);
    /* A maps the crop's pixel (u, v) to the picture, as warpAffine's inverse map */
    ka_vision_similarity(ka_arcface_ref, (const float (*)[2])five, 5, A);
    float *blob = ka_vision_blob(v, 3 * 112 * 112);
    if (!blob)
        return;
    const ka_norm n = { { 127, 127, 127 }, { 1 / 128.f, 1 / 128.f, 1 / 128.f }, 0, 0, 0 };
    ka_vision_sample(rgb, A, 112, 112, &n, blob);
    if (ka_cv_net_forward(v->net[KA_M_FR_FEATURE], blob, 3, 112, 112) < 0)
        return;
    size_t cnt = 0;
    const float *o = ka_cv_net_output(v->net[KA_M_FR_FEATURE], 0, &cnt);
    if (!o || cnt != KA_FACE_EMBED_DIM)
        return;
    double norm = 0;
    for (int i = 0; i < KA_FACE_EMBED_DIM; i++)
        norm += (double)o[i] * o[i];
    if (!(norm > 0))
        return;
    float inv = (float)(1.0 / sqrt(norm));
    for (int i = 0; i < KA_FACE_EMBED_DIM; i++)
        f->embedding[i] = o[i] * inv;
    f->has_embedding = 1;
}

/* Landmarks and yaw; 1 when the 68 points are in pts. */
static int ka_face_landmarks(ka_vision *v, const ka_image *rgb, ka_face *f, float pts[68][2])
{
    double t0 = ka_vision_clock();
    int have68 = v->net[KA_M_FR_LANDMARK] && !f->profile && ka_landmarks68(v, rgb, f, pts) == 0;
    if (v->net[KA_M_FR_LANDMARK] && !f->profile)
        ka_vision_cost_add(v, KA_T_LANDMARK, t0);
    if (have68) {
        ka_face_shape(f, pts);
        ka_face_iris(f, rgb, pts);
    }
    if (have68 && f->n_landmarks == 0) {
        ka_five_from_68(pts, f->landmarks);
        f->n_landmarks = 5;
    }
    if (f->n_landmarks == 5) {
        /* yaw from where the nose sits between the eyes: 0 frontal, +-1 profile */
        float dx = f->landmarks[1][0] - f->landmarks[0][0];
        float r = fabsf(dx) > 1e-3f ? (f->landmarks[2][0] - f->landmarks[0][0]) / dx : 0.5f;
        f->yaw = fminf(1.0f, fmaxf(-1.0f, 2.0f * r - 1.0f));
    }
    return have68;
}

static void ka_face_eyes(ka_vision *v, const ka_image *rgb, ka_face *f, int have68,
                         const float pts[68][2])
{
    if (f->profile || fabsf(f->yaw) >= 0.6f)
        return;     /* eyes of a turned face are not measured: half hidden, they read as closed */
    double t0 = ka_vision_clock();
    if (have68 && v->net[KA_M_FR_EYE]) {
        float lw, rw;
        float l = ka_eye_open(v, rgb, pts, 36, &lw), r = ka_eye_open(v, rgb, pts, 42, &rw);
        float p = l >= 0 && r >= 0 ? 0.5f * (l + r) : l >= 0 ? l : r;
        float trust = (fmaxf(lw, rw) - KA_EYE_MIN_WIDTH) / (KA_EYE_FULL_WIDTH - KA_EYE_MIN_WIDTH);
        trust = fminf(1.0f, fmaxf(0.0f, trust));
        f->eyes_open = p < 0 ? -1.0f : KA_EYES_PRIOR + trust * (p - KA_EYES_PRIOR);
    } else if (v->eye) {
        ka_eyes_cascade(v, rgb, f);
    } else {
        return;
    }
    ka_vision_cost_add(v, KA_T_EYES, t0);
}

int ka_vision_face_attributes(ka_vision *v, const ka_image *rgb, ka_face *f, int what)
{
    float pts[68][2];
    /* landmarks for every face (cheap), so every record has its five points */
    int have68 = v->opts.attributes ? ka_face_landmarks(v, rgb, f, pts) : 0;
    what &= v->opts.attributes;
    if (what & KA_ATTR_EYES)
        ka_face_eyes(v, rgb, f, have68, (const float (*)[2])pts);
    /* the expression models read frontal faces: a turned one's is a guess */
    if (f->profile || fabsf(f->yaw) >= 0.6f)
        what &= ~KA_ATTR_EXPRESSION;
    double t0 = ka_vision_clock();
    if ((what & KA_ATTR_EXPRESSION) && v->net[KA_M_FR_EXPRESSION]) {
        ka_expression_net(v, rgb, f);
        ka_vision_cost_add(v, KA_T_EXPRESSION, t0);
    } else if ((what & KA_ATTR_EXPRESSION) && v->smile) {
        ka_expression_cascade(v, rgb, f);
        ka_vision_cost_add(v, KA_T_EXPRESSION, t0);
    }
    t0 = ka_vision_clock();
    if ((what & KA_ATTR_GENDER) && v->net[KA_M_FR_GENDER]) {
        ka_gender(v, rgb, f);
        ka_vision_cost_add(v, KA_T_GENDER, t0);
    }
    t0 = ka_vision_clock();
    if ((what & KA_ATTR_IDENTITY) && v->net[KA_M_FR_FEATURE] && f->box.h >= KA_FACE_MIN_IDENTITY) {
        ka_embedding(v, rgb, f);
        ka_vision_cost_add(v, KA_T_IDENTITY, t0);
    }
    return 0;
}

void ka_vision_face_focus(ka_face *f, int n, const ka_image *gray, float scale, double frame_var)
{
    for (int i = 0; i < n; i++) {
        ka_rect r = { (int)lroundf((float)f[i].box.x * scale), (int)lroundf((float)f[i].box.y * scale),
                      (int)lroundf((float)f[i].box.w * scale), (int)lroundf((float)f[i].box.h * scale) };
        /* the inner part: skin, eyes and mouth rather than hair and background */
        r = (ka_rect){ r.x + r.w / 6, r.y + r.h / 6, r.w * 2 / 3, r.h * 2 / 3 };
        f[i].sharpness = (float)ka_vision_laplacian_var(gray, r);
        double ratio = frame_var > 0 ? f[i].sharpness / frame_var : 1.0;
        /* a face as sharp as a third of the frame's detail counts as in focus */
        f[i].focus = (float)fmin(1.0, fmax(0.0, (ratio - 0.05) / (0.35 - 0.05)));
    }
}
