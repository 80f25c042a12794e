/* keyart/vision.h: who and what is in a picture. Faces (box, score, 5 landmarks,
 * eyes open, expression, sharpness, prominence, 512-d identity embedding), people
 * and objects, BRISQUE; the per-candidate record kept as the candidate's side data;
 * the title-level identity pass (cast matching, clustering, "lead 1", ...); and the
 * cast in memory (ka_cast_*), which the store fills from the database.
 *
 * Detections from every model are normalised into the same ka_face / ka_object
 * records, so nothing outside vision/ knows which model ran. Models are found in
 * a models path (--models, KEYART_MODELS); what is missing or broken is reported
 * once (ka_log warning) and replaced by the embedded default: OpenCV's cascades. */
#ifndef KEYART_VISION_H
#define KEYART_VISION_H

#include "keyart/analysis.h"
#include "keyart/imaging.h"   /* KA_SHAPE_*, for ka_vision_crop */

#ifdef __cplusplus
extern "C" {
#endif

#define KA_FACE_EMBED_DIM 512
#define KA_NAME_MAX 64

typedef enum ka_face_detector {
    KA_DET_AUTO = 0,                /* the best available */
    KA_DET_CASCADE,                 /* Haar/LBP cascades of opencv-data (embedded default) */
    KA_DET_FACEPLUGIN,              /* faceplugin fr_detect (+ fr_landmark) */
    KA_DET_YUNET,                   /* YuNet 2022mar, cv::FaceDetectorYN */
    KA_DET_ULTRAFACE,               /* UltraFace RFB-320 */
    KA_DET_COUNT
} ka_face_detector;

const char *ka_vision_detector_name(ka_face_detector d);   /* "cascade", "yunet", ... */
/* 0 and *out set, or KA_EINVAL for an unknown name ("auto" is AUTO). */
int ka_vision_detector_parse(const char *name, ka_face_detector *out);

typedef enum ka_expression {
    KA_EXPR_UNKNOWN = 0,
    KA_EXPR_NEUTRAL, KA_EXPR_HAPPY, KA_EXPR_SAD, KA_EXPR_SURPRISE, KA_EXPR_FEAR,
    KA_EXPR_DISGUST, KA_EXPR_ANGER,
    KA_EXPR_COUNT
} ka_expression;

const char *ka_expression_name(ka_expression e);

typedef enum ka_role {
    KA_ROLE_NONE = 0,
    KA_ROLE_HERO, KA_ROLE_HEROINE, KA_ROLE_VILLAIN, KA_ROLE_SUPPORTING,
    KA_ROLE_LEAD,                   /* a main character found by clustering, no cast role */
    KA_ROLE_BACKGROUND,
    KA_ROLE_COUNT
} ka_role;

const char *ka_role_name(ka_role r);
/* Cast roles only: hero, heroine, villain, supporting. */
int ka_role_parse(const char *name, ka_role *out);

/* One face, whatever model found it. Coordinates are the picture's pixels. */
typedef struct ka_face {
    ka_rect box;
    float score;                    /* detector confidence, 0..1 */
    int n_landmarks;                /* 0 or 5 */
    float landmarks[5][2];          /* image-left eye, image-right eye, nose tip,
                                     * image-left and image-right mouth corner */
    int profile;                    /* found by the profile cascade */
    float yaw;                      /* -1..1 from the landmarks: 0 frontal, +-1 profile */
    /* from the 68 landmarks (fr_landmark); < 0 when they were not found */
    float eye_aspect;               /* lid opening / eye width, the larger eye's: open
                                     * eyes about 0.25..0.35, lowered lids or a blink
                                     * under 0.18 */
    float mouth_open;               /* inner lips' gap / mouth width: closed about 0,
                                     * speaking 0.15..0.5 */
    float pitch;                    /* where the nose tip sits between the eyes' line
                                     * (0) and the mouth's (1): about 0.5 level */
    float iris;                     /* share of the eyes' opening that is dark (iris,
                                     * pupil): about 0.3..0.6 looking out, little when
                                     * rolled up, white or glaring; < 0 eyes too small */
    float eyes_open;                /* 0..1 (1 = both open); < 0 unknown (turned away,
                                     * eyes under 8 px); eyes under 16 px read
                                     * towards 0.7, the unknown value */
    ka_expression expression;
    float expression_conf;          /* 0..1 */
    float valence;                  /* -1 (negative) .. 1 (positive) */
    float male;                     /* 0..1, >= 0.5 a man (calibrated); < 0 unknown,
                                     * as for faces under 64 px */
    float sharpness;                /* variance of the Laplacian of the face region */
    float focus;                    /* 0..1: face sharpness against the frame's */
    float prominence;               /* 0..1, see ka_face_prominence */
    int has_embedding;
    float embedding[KA_FACE_EMBED_DIM];   /* L2-normalised */
    /* filled by the title-level identity pass */
    int character;                  /* index of the title's character, -1 none */
    int rank;                       /* character's rank by screen time, 1-based; 0 none */
    int main_character;             /* one of the title's main characters */
    ka_role role;
    float match;                    /* similarity to the cast member or cluster */
    char name[KA_NAME_MAX];         /* cast name or "lead N"; "" none */
} ka_face;

typedef enum ka_object_kind {
    KA_OBJ_PERSON = 0, KA_OBJ_VEHICLE, KA_OBJ_ANIMAL, KA_OBJ_WEAPON, KA_OBJ_OTHER,
    KA_OBJ_COUNT
} ka_object_kind;

const char *ka_object_kind_name(ka_object_kind k);

typedef struct ka_object {
    ka_rect box;
    ka_object_kind kind;
    int cls;                        /* COCO class (NanoDet) or -1 (HOG person) */
    float score;
} ka_object;

/* Vision's parts of a candidate's quality score; analysis's parts are ka_quality
 * (cand->q) and select weighs both (ka_quality_score). has_* 0: not measured, the
 * part is left out of the score. */
typedef struct ka_vision_quality {
    float brisque;                  /* BRISQUE quality, 0..1: 1 at a score of 15 or better,
                                     * 0 at 70 or worse (compression, blur, noise) */
    float face;                     /* quality of the faces that matter, 0..1
                                     * (ka_vision_face_quality) */
    int has_brisque, has_face;
} ka_vision_quality;

/* Everything vision knows about one candidate: the "faces" stage's side data. */
typedef struct ka_vision_cand {
    ka_face *faces;
    int n_faces;
    ka_object *objects;
    int n_objects;
    int n_kind[KA_OBJ_COUNT];       /* objects per kind */
    float person_frac;              /* largest person box height / content height */
    float brisque;                  /* BRISQUE score (0 best .. 100); < 0 unknown */
    float frame_sharpness;          /* Laplacian variance of the frame (analysis scale) */
    ka_face_detector detector;      /* which detector ran */
    ka_vision_quality quality;      /* the parts of the quality score, as the "faces"
                                     * stage measured them on the candidate's content */
} ka_vision_cand;

/* The kind of vision's side data on a candidate (ka_candidate_side). */
extern const ka_side_kind ka_vision_side;
/* cand's vision record, or NULL when vision did not run on it; ka_vision_edit gives
 * it to change (the title-level identity pass names the faces). */
const ka_vision_cand *ka_vision_of(const ka_candidate *cand);
ka_vision_cand *ka_vision_edit(ka_candidate *cand);
/* Attaches vc to cand as its vision record (replacing and freeing any before); on
 * failure vc is freed. */
int ka_vision_attach(ka_candidate *cand, ka_vision_cand *vc);
/* Vision's quality parts of cand (both unknown when vision did not run on it). */
ka_vision_quality ka_vision_quality_of(const ka_candidate *cand);
/* A record with n_faces blank faces (ka_face fields at their "unknown" values) and
 * n_objects zeroed objects, ready for ka_vision_attach; NULL on out of memory. */
ka_vision_cand *ka_vision_cand_new(int n_faces, int n_objects);
void ka_vision_cand_free(ka_vision_cand *vc);

/* Face attributes, for ka_vision_opts.attributes. */
enum {
    KA_ATTR_EYES = 1, KA_ATTR_EXPRESSION = 2, KA_ATTR_GENDER = 4, KA_ATTR_IDENTITY = 8,
    KA_ATTR_ALL = 15,
};

typedef struct ka_vision_opts {
    const char *models;             /* ':'-separated folders searched (and their
                                     * subfolders) for model files; NULL = KEYART_MODELS,
                                     * else the default folder */
    ka_face_detector detector;      /* AUTO */
    int attributes;                 /* KA_ATTR_* to measure (KA_ATTR_ALL) */
    int objects;                    /* people and objects (1) */
    int brisque;                    /* 1 */
    int max_side;                   /* larger pictures are downscaled first (960) */
    int threads;                    /* OpenCV threads, process-wide: 0 its default; the
                                     * analysis stage uses 1 (decoding has the cores) */
    int enabled;                    /* unused by ka_vision_open (the analysis' "faces"
                                     * stage has its own option, faces.enabled) */
} ka_vision_opts;

void ka_vision_opts_default(ka_vision_opts *o);
/* The default models path (':'-separated folders) when neither --models nor
 * $KEYART_MODELS gives one: PREFIX/share/keyart/models, and before it models/ of the
 * source tree (scripts/setup.sh unpacks the face pack there) when the program runs
 * from the build tree keyart was built in. */
const char *ka_vision_default_models(void);

typedef struct ka_vision ka_vision;

/* Loads the models; a missing or broken model is a warning and a fallback, never
 * an error. Errors only for bad options or no memory. One per thread. */
int ka_vision_open(const ka_vision_opts *o, ka_vision **out);
void ka_vision_close(ka_vision **v);
/* The detector in use after fallbacks. */
ka_face_detector ka_vision_detector(const ka_vision *v);
/* 1 when identity embeddings can be computed (fr_feature loaded). */
int ka_vision_has_identity(const ka_vision *v);

/* Faces in rgb (3 channels) inside area (whole picture when w or h is 0), with the
 * attributes the loaded models give: eyes, gender and identity for every face, the
 * expression as in ka_vision_analyze. *faces is malloc'd (NULL when none). */
int ka_vision_faces(ka_vision *v, const ka_image *rgb, ka_rect area, ka_face **faces, int *n);
/* The whole candidate record: faces, prominence, people/objects, BRISQUE. Only
 * the faces that matter get their eyes and identity measured, and only the two most
 * prominent of them gender and (when readable) the expression; the others keep
 * their box, landmarks and focus (see analyze.c). */
int ka_vision_analyze(ka_vision *v, const ka_image *rgb, ka_rect content, ka_vision_cand **out);

/* 0.4 area + 0.3 position (central higher) + 0.2 focus + 0.1 scene importance,
 * each 0..1: area = face area / content area scaled so a face of 1/8 of the frame
 * counts fully; position = 1 - distance of the face centre from the content centre
 * (normalised to the half-diagonal). */
float ka_face_prominence(ka_rect face, ka_rect content, float focus, float importance);

/* A face that matters for the picture: at least 4% of the content's height and 40%
 * of the largest face's (largest_h). */
int ka_face_matters(const ka_face *f, ka_rect content, float largest_h);
/* The faces of vc that matter (vc may be NULL), at most max of them into out, in
 * vc's order; returns how many matter (may exceed max). *lead (may be NULL) gets the
 * most prominent of them, NULL when none. */
int ka_vision_faces_matter(const ka_vision_cand *vc, ka_rect content, const ka_face **out,
                           int max, const ka_face **lead);
/* How good the faces that matter look, 0..1 (the "face" part of the quality score):
 * per face 0.40 sharpness (its focus) + 0.35 eyes open (0.7 when not measured: a
 * turned face, eyes too small) + 0.25 readable expression (ramp of the expression's confidence from
 * 0.3 to 0.7; 0.5 when not measured), averaged with the faces' areas as weights.
 * < 0 when vc has no face that matters. */
float ka_vision_face_quality(const ka_vision_cand *vc, ka_rect content);
/* BRISQUE quality 0..1 of a BRISQUE score: 1 at 15 or better, 0 at 70 or worse
 * (the range natural frames and damaged ones span); < 0 for an unknown score. */
float ka_vision_brisque_quality(float brisque);
/* The crop of one shape (KA_SHAPE_*) of cand inside content around its faces
 * (ka_crop_faces: the lead whole, the other faces that matter when they fit, no face
 * cut when any placement allows it); 0 when vision found no face in cand (crop
 * untouched: crop on the salient region). */
int ka_vision_crop(const ka_candidate *cand, ka_rect content, int shape, ka_rect *crop);
/* The character types in a candidate: "hero", "heroine", "villain", "ensemble" (3 or
 * more main characters), "supporting", "background"; returns the count (<= max). */
int ka_vision_character_types(const ka_vision_cand *vc, ka_rect content, const char **types,
                              int max);

/* Cosine similarity of two embeddings (-1..1). */
float ka_face_similarity(const float *a, const float *b);
/* Similarities at or above this are the same person. Calibrated on MEDS-II
 * (tests/vision/test_identity.c): 0.1% of impostor pairs reach it (99.9th
 * percentile 0.41), 89% of genuine pairs do (the rest pair frontal and profile). */
#define KA_FACE_MATCH_THRESHOLD 0.40f
/* Clusters closer than this (average of 1 - similarity) are merged by the title
 * clustering; pairs of small faces add up to 0.12 to their distance. */
#define KA_FACE_CLUSTER_DISTANCE 0.60f

/* ---- the cast: reference faces of a title's characters ---- */

/* One reference face of a cast member. */
typedef struct ka_cast_entry {
    const char *title;
    const char *name;
    ka_role role;
    const char *source;             /* the photo it came from, NULL when unknown */
    const float *embedding;         /* KA_FACE_EMBED_DIM floats */
} ka_cast_entry;

/* A cast in memory. It is stored in the database: ka_store_cast_load (store.h)
 * fills one; vision itself reads no file and knows no database. */
typedef struct ka_cast ka_cast;

int ka_cast_new(ka_cast **out);
/* Adds a copy of one reference. */
int ka_cast_add(ka_cast *c, const ka_cast_entry *e);
/* Entries of title (every title when NULL); *entries stays valid until the next
 * call on c. Returns the count or < 0. */
int ka_cast_list(ka_cast *c, const char *title, const ka_cast_entry **entries);
void ka_cast_free(ka_cast **c);

/* Best cast match of an embedding among entries: index or -1 below the threshold;
 * *sim gets the best similarity. */
int ka_cast_match(const ka_cast_entry *entries, int n, const float *embedding, float *sim);

/* The title-level identity pass over every candidate's faces: cast matching, then
 * agglomerative clustering of the rest, characters ranked by screen time, roles
 * (hero, heroine, lead, supporting, background). entries may be NULL. The
 * analysis' "faces" stage runs it without a cast, unless the caller runs it once
 * itself with the title's cast from the database (ka_store_identities, after an
 * analysis with no_title_passes). It starts afresh each time. */
int ka_vision_identities(ka_title *t, const ka_cast_entry *entries, int n_entries);

#ifdef __cplusplus
}
#endif
#endif
