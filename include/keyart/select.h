/* keyart/select.h: classify candidates, score them, fill the genre's slots with
 * diverse high-quality variants, and place the artwork crops (the shapes and the
 * crop placement itself are imaging.h's, which this header includes). */
#ifndef KEYART_SELECT_H
#define KEYART_SELECT_H

#include "keyart/analysis.h"
#include "keyart/imaging.h"
#include "keyart/rank.h"
#include "keyart/vision.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ka_scene {
    KA_SCENE_HERO_CLOSEUP = 0,
    KA_SCENE_HEROINE_CLOSEUP,
    KA_SCENE_ENSEMBLE,
    KA_SCENE_ACTION,
    KA_SCENE_ROMANTIC,
    KA_SCENE_EMOTIONAL,
    KA_SCENE_CONFRONTATION,
    KA_SCENE_LANDSCAPE,
    KA_SCENE_GENERAL,               /* none of the above could be told */
    KA_SCENE_COUNT
} ka_scene;

typedef enum ka_composition {
    KA_COMP_CLOSEUP = 0,
    KA_COMP_MID,
    KA_COMP_WIDE,
    KA_COMP_EXTREME_WIDE,
    KA_COMP_COUNT
} ka_composition;

const char *ka_scene_name(ka_scene s);
const char *ka_composition_name(ka_composition c);

/* What a candidate shows, as selection sees it (the seed's content_analysis). */
typedef struct ka_content {
    ka_scene scene;
    ka_composition composition;
    float scene_confidence;         /* 0..1 */
    float emotional, action, dramatic;  /* 0..1 */
    float prominence;               /* 0..1, of the main character (0 without faces) */
    int n_characters;
    const char *characters[8];      /* names, borrowed from the ext data; may be empty */
} ka_content;

/* Fills c from what is known about cand (signals, motion, and later faces). */
void ka_classify(const ka_title *t, const ka_candidate *cand, ka_content *c);

typedef struct ka_quality_weights {
    float brightness, contrast, sharpness, saturation;  /* 0.25 0.25 0.30 0.20 */
    float brisque, face;                                /* 0.10 0.15 */
} ka_quality_weights;

/* A candidate's quality as its score weighs it: what analysis measured, what vision
 * measured (its parts unknown when vision did not run), and the score. Select is
 * the layer that knows both, so the score of the two is made here. */
typedef struct ka_cand_quality {
    ka_quality q;                   /* analysis's parts (cand->q) */
    ka_vision_quality v;            /* vision's parts (ka_vision_quality_of) */
    float score;                    /* ka_quality_score fills it */
} ka_cand_quality;

/* cand's parts, and the score select last gave it (cand->quality_score). */
ka_cand_quality ka_cand_quality_of(const ka_candidate *cand);

/* cq->score from its parts: the weighted mean of the parts that are known (BRISQUE
 * and face quality only when vision measured them), times the exposure penalty. */
void ka_quality_score(ka_cand_quality *cq, const ka_quality_weights *w);

/* The parts of the quality score, in this order. */
enum {
    KA_QPART_BRIGHTNESS = 0, KA_QPART_CONTRAST, KA_QPART_SHARPNESS, KA_QPART_SATURATION,
    KA_QPART_BRISQUE, KA_QPART_FACE, KA_QPART_COUNT
};

typedef struct ka_quality_part {
    const char *name;               /* "brightness", ..., "brisque", "face" */
    int known;                      /* measured (BRISQUE and face: vision ran, faces) */
    float value;                    /* 0..1 */
    float weight;                   /* as given; 0 when unknown */
    float contribution;             /* weight x value / sum of the known weights, times
                                     * the exposure factor: the parts sum to score */
} ka_quality_part;

/* 0.25 brightness, 0.25 contrast, 0.30 sharpness, 0.20 saturation, 0.10 BRISQUE,
 * 0.15 faces: ka_select_opts_default's, and what a NULL or invalid set stands for. */
extern const ka_quality_weights ka_quality_weights_default;
/* 1 when every weight is >= 0 and their sum is positive. */
int ka_quality_weights_valid(const ka_quality_weights *w);
/* The weights as text, as `keyart analyze --quality-weights` takes them and the work
 * queue stores them: the six numbers in the order of the parts, comma-separated.
 * Formatting writes "%.9g" each, so parsing gives back the very same floats. */
enum { KA_QUALITY_WEIGHTS_TEXT_MAX = 128 };
void ka_quality_weights_format(const ka_quality_weights *w,
                               char text[KA_QUALITY_WEIGHTS_TEXT_MAX]);
/* Six numbers from 0 to 1000, not all 0 (the cap keeps their sum finite in float).
 * 0 and *w set; else KA_EINVAL, *w untouched, and the message is the fault alone:
 * "too few numbers", "'x' is not a number from 0 to 1000", "all are 0", ... */
int ka_quality_weights_parse(const char *text, ka_quality_weights *w);
/* What makes up cq's score under w (NULL or invalid: the defaults): the parts, and
 * the factor clipped exposure multiplies the score by. Returns the score. */
float ka_quality_breakdown(const ka_cand_quality *cq, const ka_quality_weights *w,
                           ka_quality_part parts[KA_QPART_COUNT], float *exposure_factor);

/* A genre's slot: scene types it wants, in order of preference, and its share. */
typedef struct ka_slot {
    const char *name;               /* "hero_action", "couple", "landscape", ... */
    float share;                    /* of the variants, the table sums to 1 */
    ka_scene scenes[4];
    int n_scenes;
} ka_slot;

typedef struct ka_genre {
    const char *name;
    const ka_slot *slots;
    int n_slots;
} ka_genre;

/* NULL when unknown; ka_genre_list gives the known names. */
const ka_genre *ka_genre_find(const char *name);
const ka_genre *const *ka_genre_list(int *count);

typedef struct ka_select_opts {
    const char *genre;              /* default "drama" */
    int n_variants;                 /* 4..12, default 8 */
    float min_quality;              /* candidates below are not used (0.35) */
    ka_quality_weights weights;
    int dup_distance;               /* phash distance at or under which two are duplicates (10) */
    float mmr_lambda;               /* appeal vs diversity (0.7) */
    const ka_ranker *ranker;        /* what appeal is (NULL: ka_ranker_default) */
} ka_select_opts;

void ka_select_opts_default(ka_select_opts *o);

/* A variant's stable id: 16 lowercase hex digits (see ka_variant_id). */
enum { KA_VARIANT_ID_LEN = 16 };

typedef struct ka_variant {
    int number;                     /* 1-based: its place in this analysis */
    char id[KA_VARIANT_ID_LEN + 1]; /* what it is, across analyses (ka_variant_id) */
    int cand;                       /* index into title->cands */
    const char *slot;               /* slot it fills, or "diversity" */
    ka_content content;
    float score;                    /* the value it was picked by */
    float relevance;                /* appeal + slot fit, before diversity */
    float diversity_penalty;        /* max similarity to an earlier pick */
    int good;                       /* the ranker finds it at least acceptable */
    ka_rect crops[KA_SHAPE_COUNT];  /* in full-res display pixels, inside title->content */
} ka_variant;

typedef struct ka_selection {
    ka_variant *variants;
    int n_variants;
    char why_fewer[320];            /* set when fewer than asked were chosen, or when the
                                       quality threshold had to be relaxed to reach n */
    const char *reason;             /* why fewer, for machines: NULL (as many as asked),
                                     * "few_good_moments" or "no_candidates" */
    int good_moments;               /* good, distinct moments found (<= n_requested) */
    ka_ranker ranker;               /* the ranker appeal came from (a copy) */
    int n_requested;                /* opts->n_variants */
    float min_quality_used;         /* the threshold finally applied (<= opts->min_quality) */
    ka_quality_weights weights;     /* the quality weights the scores were made with */
} ka_selection;

/* The stable id of the variant made from frame (with perceptual hash phash) of title
 * title_id: the first 64 bits of SHA-256 over the three, as 16 hex digits. Analysing
 * the same video again, with any genre or count, chooses among the same candidate
 * frames, so a frame chosen again has the id it had: what serving learned of its
 * image follows it. Another cut or encode of the title gives its frames new ids. */
void ka_variant_id(const char *title_id, int64_t frame, uint64_t phash,
                   char out[KA_VARIANT_ID_LEN + 1]);
/* v's id (ka_select gives every variant one); for a selection made by hand without
 * ids, the one ka_variant_id gives its candidate's frame. */
void ka_variant_id_of(const ka_title *t, const ka_variant *v, char out[KA_VARIANT_ID_LEN + 1]);
/* Whether s is a variant id's form (16 lowercase hex digits). */
int ka_variant_id_ok(const char *s);

/* Chooses the variants, numbered by appeal with diversity (variant 1 the best);
 * fills q->score and appeal of every candidate. */
int ka_select(ka_title *t, const ka_select_opts *opts, ka_selection *out);
void ka_selection_free(ka_selection *s);

#ifdef __cplusplus
}
#endif
#endif
