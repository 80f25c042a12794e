/* vision_priv.h (private to vision/ and its tests): the loaded models, the image
 * helpers that turn pictures into network inputs, and the pieces of detection,
 * face attributes, objects and identity that the files of vision/ share. */
#ifndef KA_VISION_PRIV_H
#define KA_VISION_PRIV_H

#include "keyart/vision.h"
#include "vision/cv_bridge.h"

/* ---- models.c ---- */

enum {
    KA_M_FR_DETECT = 0, KA_M_FR_LANDMARK, KA_M_FR_EYE, KA_M_FR_EXPRESSION, KA_M_FR_FEATURE,
    KA_M_FR_GENDER, KA_M_YUNET, KA_M_ULTRAFACE, KA_M_NANODET, KA_M_COUNT
};

/* The file name a model is looked for under. */
const char *ka_vision_model_file(int model);
/* Looks for file in each folder of search (':'-separated) and its subfolders;
 * 1 and the path in out when found, else 0. */
int ka_vision_find_model(const char *search, const char *file, char *out, size_t size);


/* What each part of vision cost on the thread that ran it (bench/bench_vision.sh
 * prints it per candidate): CPU seconds and calls (frames for the picture-wide
 * parts, faces for the per-face models). */
enum {
    KA_T_PREPARE = 0,               /* working copy, gray, frame sharpness, face focus */
    KA_T_DETECT, KA_T_LANDMARK, KA_T_EYES, KA_T_EXPRESSION, KA_T_GENDER, KA_T_IDENTITY,
    KA_T_OBJECTS, KA_T_BRISQUE, KA_T_COUNT
};

typedef struct ka_vision_costs {
    double cpu_s[KA_T_COUNT];
    long calls[KA_T_COUNT];
    long pictures;                  /* ka_vision_analyze / ka_vision_faces calls */
} ka_vision_costs;

const char *ka_vision_cost_name(int part);
/* CPU time of the calling thread, seconds. */
double ka_vision_clock(void);
/* Adds the CPU time since t0 (ka_vision_clock) to part. */
void ka_vision_cost_add(ka_vision *v, int part, double t0);

struct ka_vision {
    ka_vision_opts opts;
    ka_vision_costs costs;
    char *models;                   /* the search path in use (owned) */
    ka_face_detector detector;      /* in use after fallbacks */
    ka_cv_cascade *frontal, *profile, *eye, *smile;
    ka_cv_net *net[KA_M_COUNT];     /* NULL when missing (YuNet is not a ka_cv_net) */
    ka_cv_yunet *yunet;
    ka_cv_hog *hog;
    ka_cv_brisque *brisque;
    float *blob;                    /* scratch network input */
    size_t blob_cap;                /* floats */
};

/* Scratch for n floats (kept in v); NULL on out of memory. */
float *ka_vision_blob(ka_vision *v, size_t n);

/* ---- imgops.c: pictures to network inputs ---- */

int ka_vision_gray(const ka_image *src, ka_image *gray);
int ka_vision_flip(const ka_image *src, ka_image *dst);
/* Variance of the 4-neighbour Laplacian of gray inside r (clamped); 0 when empty. */
double ka_vision_laplacian_var(const ka_image *gray, ka_rect r);

/* How sample() normalises: out = (pixel - mean[c]) * scale[c]. */
typedef struct ka_norm {
    float mean[3], scale[3];
    int gray;                       /* one output channel: the luma */
    float border;                   /* pixel value outside the picture */
    int bgr;                        /* channels in B, G, R order (mean and scale too):
                                     * models trained on OpenCV's imread */
} ka_norm;

/* Fills out (NCHW: channels x h x w, RGB order unless n->bgr) by sampling src at
 * src = A * (u, v, 1) for each output pixel centre (u, v); bilinear, averaging
 * several taps when A shrinks by more than 1.5. */
void ka_vision_sample(const ka_image *src, const float A[6], int w, int h, const ka_norm *n,
                      float *out);
/* A that maps a w x h output onto the rectangle (x, y, rw, rh) of the source. */
void ka_vision_rect_affine(float x, float y, float rw, float rh, int w, int h, float A[6]);
/* Least-squares similarity transform (rotation, uniform scale, shift) taking
 * from[i] to to[i]: to = A * (from, 1). */
void ka_vision_similarity(const float from[][2], const float to[][2], int n, float A[6]);

/* ---- detect.c ---- */

float ka_vision_iou(ka_rect a, ka_rect b);
/* Sorts by score and drops faces overlapping a better one (IoU > iou, or more than
 * 0.7 of the smaller inside the larger). Returns the new count. */
int ka_vision_nms_faces(ka_face *f, int n, float iou);
/* Faces in work (a downscaled copy of the picture, RGB), boxes in work pixels. */
int ka_vision_detect(ka_vision *v, const ka_image *work, const ka_image *gray, ka_face **out,
                     int *n);

/* ---- face.c: attributes of each face, on the full-resolution picture ---- */

/* Expression (the costly model) only for the most prominent faces that matter, and
 * only when tall enough to read; identity only for faces tall enough to tell. */
#define KA_FACE_EXPRESSION_MAX 2
#define KA_FACE_MIN_EXPRESSION 40           /* px, and 12% of the picture's height */
#define KA_FACE_EXPRESSION_FRAC 0.12f
/* fr_expression's input side, as the pack runs it. Its global pooling takes smaller
 * inputs, but the model is not scale-robust: on the shared faces and clips its class
 * agrees with 224's for 81% of faces at 208, 52% at 128 (a 2% shift of the box at
 * 224 already gives 85%), so it keeps its size and runs on fewer faces instead. */
#define KA_FACE_EXPRESSION_SIDE 224
/* Objects are not looked for when the largest face is a close-up (this tall). */
#define KA_OBJECTS_SKIP_FRAC 0.30f
#define KA_FACE_MIN_IDENTITY 32
/* fr_eye reads small eyes as closed: on the shared stills and clips (mostly open
 * eyes), eyes under 6 px wide read open 1% of the time, 6-10 px 10%, 10-16 px 45%,
 * 24 px and wider 93%. Under KA_EYE_MIN_WIDTH (full-resolution px, corner to corner)
 * an eye is not measured; up to KA_EYE_FULL_WIDTH its reading is pulled towards
 * KA_EYES_PRIOR, the value an unmeasured face counts as. */
#define KA_EYE_MIN_WIDTH 8.0f
#define KA_EYE_FULL_WIDTH 16.0f
#define KA_EYES_PRIOR 0.7f
/* fr_gender's output where men and women are best told apart: on the MEDS mug shots
 * women average 0.67 and men 0.86; at 0.7 both are right about 72% of the time
 * (at 0.5, 94% of men but 19% of women). It is mapped to 0.5. */
#define KA_GENDER_SPLIT 0.7f
/* Nor is it asked about faces smaller than its 64x64 input: upsampled, they are
 * guesses (the young man of tears_of_steel, 49 px tall, reads 0.31-0.54: a woman,
 * and would become the heroine of a title without a cast). */
#define KA_GENDER_MIN_SIDE 64.0f

void ka_vision_face_init(ka_face *f);
/* Measures the attributes in what (KA_ATTR_*, those the loaded models give) of f
 * in rgb; first the landmarks (when any attribute is on, whatever what says). */
int ka_vision_face_attributes(ka_vision *v, const ka_image *rgb, ka_face *f, int what);
/* Sharpness and focus of every face, measured on gray (scale: gray px / face px). */
void ka_vision_face_focus(ka_face *f, int n, const ka_image *gray, float scale,
                          double frame_var);

/* ---- objects.c ---- */

/* People and objects in work (RGB); boxes in work pixels. */
int ka_vision_objects(ka_vision *v, const ka_image *work, ka_object **out, int *n);
ka_object_kind ka_vision_coco_kind(int cls);

/* ---- focus.c ---- */

/* The focus region for the crops of a picture with these faces (see focus.c);
 * 0 when no face matters (focus untouched). */
int ka_vision_focus(const ka_face *faces, int n, ka_rect content, ka_rect *focus);

/* ---- identity.c ---- */

/* Agglomerative average-linkage clustering of n L2-normalised embeddings (stride
 * KA_FACE_EMBED_DIM floats apart) at cosine distance max_dist: label[i] gets a
 * cluster index 0..k-1 (in order of first appearance). Returns k or < 0. */
int ka_vision_cluster(const float *const *emb, int n, float max_dist, int *label);
/* The same on a distance matrix d (n x n, changed in place); faces with the same
 * group (e.g. the same frame: one person is not in two places) never share a
 * cluster. group may be NULL. */
int ka_vision_cluster_matrix(float *d, int n, float max_dist, const int *group, int *label);

#endif
