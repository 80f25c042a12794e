/* keyart/rank.h: how well a candidate works as a thumbnail, its "appeal".
 *
 * The parts an artwork editor looks at are measured per candidate (ka_look_measure:
 * colour, noise, clutter, text and screens, subject isolation; the faces come
 * from vision, the shot and motion from analysis), gathered into one feature vector
 * (ka_rank_features), and a ranker learned from editors' grades weighs them into
 * one score (ka_ranker_score). The ranker also places the score on the grades'
 * scale (0 unusable .. 3 would use), so selection can tell a good moment from a
 * poor one. `keyart train-ranker` trains one from grade files (ka_rank_train); the
 * project ships a default, trained on editor grades (data/ranker/default.json).
 *
 * rank is the top of the measuring layers (analysis, vision, rank), so the whole
 * analysis is here too: ka_analyze runs analysis's stages, vision's faces and rank's
 * look on every candidate. */
#ifndef KEYART_RANK_H
#define KEYART_RANK_H

#include "keyart/analysis.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the whole analysis (stages.c) ---- */

/* One pass over the video: signals for every frame, shots, defects, candidates, and
 * every per-candidate stage on each candidate (quality, phash, saliency, faces,
 * look; none with opts->shots_only). opts NULL: ka_analysis_opts_default's. */
int ka_analyze(const char *path, const char *title_id, const ka_analysis_opts *opts,
               ka_title **out);
/* Checks "stage.option=value" strings against every stage's option table before any
 * work: 0, or KA_EINVAL saying which string is wrong and what is allowed. */
int ka_stage_opts_check(const char *const *opts, int n);
/* Every stage's options, for --help: "stage.option=TYPE", its help and default. */
void ka_stage_opts_print(FILE *f);

/* ---- the per-candidate measures (the "look" stage) ---- */

#define KA_LOOK_THUMB 16

/* What a candidate's picture looks like beyond the seed's quality: the measures an
 * artwork editor's eye reads (look.c measures them; the ranker weighs them). The
 * "look" stage keeps it as the candidate's side data. */
typedef struct ka_look {
    float colourfulness;            /* Hasler & Suesstrunk's M / 100, 0..~1.5 */
    float noise;                    /* sensor or compression noise: sigma in gray
                                     * levels (Immerkaer's estimate) */
    float edges;                    /* share of the picture on strong edges: clutter */
    float text;                     /* share of the picture in lines of text-like
                                     * strokes (captions, screens, interfaces) */
    float lines;                    /* long straight axis-aligned edges, 0..1:
                                     * screens, interface panels, graphics */
    float spread;                   /* share of the picture the detail spans (Ke et
                                     * al.): small for one subject, 1 for texture */
    float isolation;                /* the subject's detail against the rest's:
                                     * 0.5 alike, 1 a sharp subject on a soft ground */
    float blown;                    /* share of burnt-out highlights */
    float flat;                     /* share of the picture in flat blocks (no
                                     * detail: sky, walls, out-of-focus ground) */
    uint8_t thumb[KA_LOOK_THUMB * KA_LOOK_THUMB];  /* the content's gray in a grid of
                                     * block means: where two moments of one shot differ */
    int measured;                   /* 0: not measured (the parts read 0) */
} ka_look;

/* The kind of the look stage's side data; cand's look, or NULL when not measured. */
extern const ka_side_kind ka_look_side;
const ka_look *ka_look_of(const ka_candidate *cand);

/* Measures l on rgb inside content; subject is where the subject is (faces,
 * a person, or the salient region), w or h 0 when unknown. */
void ka_look_measure(const ka_image *rgb, ka_rect content, ka_rect subject, ka_look *l);

/* ---- features ---- */

enum {
    KA_F_FACE = 0,          /* a face that matters is in the picture */
    KA_F_FACE_SIZE,         /* sqrt of the lead face's height / the picture's */
    KA_F_FACES,             /* faces that matter, min(n, 3) / 3 */
    KA_F_FACE_FRONTAL,      /* 1 - |yaw| of the lead */
    KA_F_EYES_OPEN,         /* the eye model's reading (0.7 when not measured) */
    KA_F_EYES_SHAPE,        /* lid opening from the landmarks, 0..1 */
    KA_F_EYES_IRIS,         /* the dark of the iris in the lead's eyes: looking out */
    KA_F_EYES_OTHERS,       /* the worst eyes among the other faces that matter */
    KA_F_MOUTH_OPEN,        /* lips apart and not smiling: mid-word */
    KA_F_FACE_PITCH,        /* head tilted up or down, 0 level .. 1 */
    KA_F_FACE_FOCUS,        /* the lead face's sharpness against the frame's */
    KA_F_FACE_SHARPNESS,    /* log10(1 + the lead face's Laplacian variance) / 3 */
    KA_F_FACE_CUT,          /* share of the lead face (with its margin) outside */
    KA_F_FACE_SCORE,        /* the detector's confidence */
    KA_F_FACE_MAIN,         /* the lead is one of the title's main characters */
    KA_F_FACE_VALENCE,      /* positive expression, 0..1 */
    KA_F_HEADROOM,          /* room above the lead face, in face heights, 0..1 */
    KA_F_THIRDS,            /* subject's centre near a third of the picture, 0..1 */
    KA_F_PERSON_SIZE,       /* the tallest person / the picture's height */
    KA_F_PERSON_CUT,        /* the tallest person cut by the frame's edge */
    KA_F_ISOLATION,         /* the subject's detail against the background's */
    KA_F_CLUTTER,           /* share of strong edges */
    KA_F_FLAT,              /* share of flat blocks */
    KA_F_SPREAD,            /* share of the picture its detail spans */
    KA_F_BRIGHTNESS,        /* the quality parts, 0..1 */
    KA_F_CONTRAST,
    KA_F_SHARPNESS,         /* log10(1 + Laplacian variance) / 3 */
    KA_F_SATURATION,
    KA_F_COLOURFULNESS,
    KA_F_NOISE,             /* noise sigma / 8, 0..1 */
    KA_F_BRISQUE,           /* BRISQUE quality (0.5 when not measured) */
    KA_F_BLOWN,             /* share of burnt-out highlights */
    KA_F_TEXT,              /* share of the picture in text */
    KA_F_LINES,             /* screens, interface panels, graphics */
    KA_F_SHOT_START,        /* 0 at its shot's first frame .. 1 a second in */
    KA_F_SHOT_END,          /* 0 at its shot's last frame .. 1 a second before */
    KA_F_MOTION,            /* frame difference around it, 0..1 */
    KA_F_COUNT
};

typedef struct ka_feature_info {
    const char *name;       /* as in metadata.json and the ranker file */
    const char *what;       /* one line for people */
    int sign;               /* +1: more never makes a worse thumbnail, -1: never a
                             * better one, 0: either; training keeps weights so */
} ka_feature_info;

const ka_feature_info *ka_feature_list(void);   /* KA_F_COUNT entries */
/* Index of a feature by name, -1 when unknown. */
int ka_feature_find(const char *name);

/* The features of candidate c of title t (faces, identities and shots as they are
 * now: call after the title's identity pass). */
void ka_rank_features(const ka_title *t, const ka_candidate *c, float x[KA_F_COUNT]);

/* ---- the ranker ---- */

#define KA_GRADE_MAX 3      /* grades are 0 (unusable) .. 3 (would use) */

typedef struct ka_ranker {
    float mean[KA_F_COUNT], scale[KA_F_COUNT];  /* standardisation of each feature */
    float weight[KA_F_COUNT];                   /* on standardised features */
    float cut[KA_GRADE_MAX];    /* P(grade >= k) = logistic(score - cut[k - 1]) */
    char source[256];           /* where it came from: a path or "default" */
    char trained_on[512];       /* the clips it learned from, for people */
    int n_frames;               /* graded frames it learned from */
} ka_ranker;

/* A feature standardised as the ranker reads it: (x - mean) / scale, held within
 * +-KA_RANK_Z_MAX so that a picture unlike any graded one (a test card, a blank
 * screen) cannot ride one part far beyond what the grades taught. */
#define KA_RANK_Z_MAX 2.5f
float ka_ranker_z(const ka_ranker *r, int feature, float x);
/* The score of x (higher is better). */
float ka_ranker_score(const ka_ranker *r, const float x[KA_F_COUNT]);
/* What each feature adds to the score (sums to the score). */
void ka_ranker_contributions(const ka_ranker *r, const float x[KA_F_COUNT],
                             float contrib[KA_F_COUNT]);
/* The grade a score stands for: the expected grade, 0..3. */
float ka_ranker_grade(const ka_ranker *r, float score);
/* P(grade >= 2) of a score: how likely an editor finds it at least acceptable. */
float ka_ranker_good(const ka_ranker *r, float score);

/* The ranker built into keyart (trained on the shipped grades). */
const ka_ranker *ka_ranker_default(void);
/* Reads a ranker file (JSON written by ka_ranker_save); KA_EIO / KA_EFORMAT with the
 * reason. Features the file does not name weigh 0; a name this build does not know
 * is an error (a newer keyart's model). */
int ka_ranker_load(const char *path, ka_ranker *r);
int ka_ranker_parse(const char *json, const char *source, ka_ranker *r);
/* Writes r as JSON to path (a temporary name renamed into place). */
int ka_ranker_save(const ka_ranker *r, const char *path);

/* ---- training from graded frames ---- */

typedef struct ka_graded {
    int clip;               /* index of its clip */
    int64_t frame;
    int grade;              /* 0..3 */
    float x[KA_F_COUNT];
} ka_graded;

typedef struct ka_train_opts {
    double l2;              /* weight penalty (default 0.1) */
    double pointwise;       /* weight of the grade-scale (ordinal) loss beside the
                             * pairwise ranking loss (default 0.5) */
    int iterations;         /* (default 3000) */
    uint64_t ignore;        /* bit k set: feature k weighs 0 (1ull << KA_F_...) */
} ka_train_opts;

void ka_train_opts_default(ka_train_opts *o);
/* Fits r to rows (only rows whose clip is not `exclude`; -1 none): standardisation
 * from those rows, weights by pairwise logistic loss within each clip (each clip
 * weighs the same, a pair by its grade gap) plus the ordinal loss that places
 * the cut points, feature signs kept as ka_feature_info says. */
int ka_rank_train(const ka_graded *rows, int n, int exclude, const ka_train_opts *o,
                  ka_ranker *r);

/* ---- grade files ---- */

/* One graded clip: its video and its graded frames, ascending. */
typedef struct ka_grade_clip {
    char *name;             /* as in the grade file ("goldeneye-vfr-drop3.mp4") */
    char *video;            /* the video found for it */
    int64_t *frames;
    int *grades;
    int n;
} ka_grade_clip;

typedef struct ka_grade_set {
    ka_grade_clip *clips;
    int n, cap;
} ka_grade_set;

/* Adds the clips of a grade file to set, finding each video (its "path" under each of
 * the ':'-separated media folders, then beside the grade file and the folder above
 * it, then by name). KA_EIO / KA_EFORMAT with the reason; a clip graded twice across
 * files is an error. */
int ka_grades_load(const char *path, const char *media, ka_grade_set *set);
void ka_grades_free(ka_grade_set *set);
/* Index of the clip called name, -1 when none. */
int ka_grades_find(const ka_grade_set *set, const char *name);
/* Analyses clip with its graded frames as the only candidates and appends a row per
 * graded frame that is not a defect to *rows (ka_array_grow: *n rows, *cap room). */
int ka_grades_measure(const ka_grade_set *set, int clip, const ka_analysis_opts *base,
                      ka_graded **rows, int *n, int *cap);
/* Rows with the clips' names as a "keyart-features" JSON file, and back (names and
 * rows malloc'd; the caller frees each name, the list and the rows). */
int ka_features_save(const ka_grade_set *set, const ka_graded *rows, int n, const char *path);
int ka_features_load(const char *path, char ***names, int *n_clips, ka_graded **rows, int *n);

/* Agreement of the ranker with the grades of one clip's rows: Kendall's tau-b
 * and NDCG over the rows (grade as gain). */
void ka_rank_agreement(const ka_ranker *r, const ka_graded *rows, int n, int clip,
                       double *tau, double *ndcg);

#ifdef __cplusplus
}
#endif
#endif
