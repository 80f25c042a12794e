/* select_priv.h (private to select/ and its tests): the classification context that
 * rules share, and the pieces of ka_select that tests exercise one by one. */
#ifndef KA_SELECT_PRIV_H
#define KA_SELECT_PRIV_H

#include "keyart/select.h"

/* ---- classify ---- */

/* Cues of one candidate that need no faces. */
typedef struct ka_cues {
    float motion, edge_change;  /* 0..1 */
    float lightness, contrast;  /* mean L*, std of L* */
    float frac, wfrac;          /* salient area / content area, salient width / content width */
} ka_cues;

/* What the classification rules read and write. Face rules (issue 3) read
 * the candidate's vision record and add evidence and prominence here. */
typedef struct ka_classify_ctx {
    const ka_title *t;
    const ka_candidate *cand;
    ka_cues cues;
    float stillness, lowkey, hicontrast;    /* shared derived cues */
    float evidence[KA_SCENE_COUNT];         /* 0..1 per scene, max over rules */
    ka_content *c;
} ka_classify_ctx;

float ka_classify_ramp(float v, float a, float b);
void ka_classify_evidence(ka_classify_ctx *x, ka_scene s, float v);
ka_composition ka_classify_composition_frac(float frac);

/* ---- scoring (score.c) ---- */

#define KA_SELECT_NO_MATCH_WEIGHT 0.6f

/* Position of scene in the slot's list, -1 when the slot does not take it. */
int ka_select_scene_rank(const ka_slot *s, ka_scene scene);
/* 1 - 0.1 rank for a match, KA_SELECT_NO_MATCH_WEIGHT for none (rank < 0). */
float ka_select_match_weight(int rank);
/* Best rank of scene over every slot of g (-1 when no slot takes it). */
int ka_select_best_rank(const ka_genre *g, ka_scene scene);
/* 0..1: max of phash similarity (1 - d / 32), same shot (0.7) and time proximity
 * (0.5 exp(-|dt| / 10 s)). */
float ka_select_similarity(const ka_candidate *a, const ka_candidate *b);
/* 0..1: how different two candidates' luma and colour histograms are. Two frames
 * are near-duplicates only when both their structure (phash) and colours agree. */
float ka_select_colour_distance(const ka_candidate *a, const ka_candidate *b);
#define KA_SELECT_DUP_COLOUR 0.3f
/* Variants per slot: round(share x n) by largest remainder, summing to n. */
void ka_select_quotas(const ka_genre *g, int n, int *quota);
/* Slot indices by descending share (table order among equals). */
void ka_select_slot_order(const ka_genre *g, int *order);

/* 1 when b shows the same picture as a, for a variant set: the same structure and
 * colours (phash within dup_distance), or, in the same shot and colours, the same
 * people in the same places (faces that matter matched one to one by identity when
 * known, position and size), or without faces, the same layout (phash within twice
 * dup_distance). */
int ka_select_near_duplicate(const ka_title *t, const ka_candidate *a, const ka_candidate *b,
                             int dup_distance);
/* A candidate is a variant only when the odds that an editor prefers it to variant 1
 * are at least this (pick.c). */
#define KA_SELECT_RIVAL 0.2f
/* Bonus for filling a genre slot, times the slot's match weight (pick.c). */
#define KA_SELECT_SLOT_BONUS 0.3f

/* ---- picking (pick.c) ---- */

typedef struct ka_pick {
    ka_title *t;
    const ka_select_opts *o;
    const ka_genre *g;
    const ka_ranker *r;
    const ka_content *content;  /* per candidate */
    float threshold;            /* quality threshold of this run */
    unsigned char *usable;      /* per candidate: passes defects and threshold */
    unsigned char *good;        /* usable, and the ranker finds it at least acceptable */
    unsigned char *taken;
    int *shot_count;            /* per shot key */
    int n_keys;
    int max_shot;
    int quota[16], filled[16];  /* per genre slot */
    ka_variant *v;              /* n_variants slots */
    int n;                      /* chosen so far */
} ka_pick;

int ka_pick_init(ka_pick *p, ka_title *t, const ka_select_opts *o, const ka_genre *g,
                 const ka_content *content, const ka_ranker *r);
/* One full selection at quality threshold thr. Returns the count. */
int ka_pick_run(ka_pick *p, float thr);
void ka_pick_free(ka_pick *p);
/* Candidate i is a defect frame (black, blank, flash, transition). */
int ka_pick_defective(const ka_candidate *c);
/* Good candidates not taken because they repeat a chosen one. */
int ka_pick_count_dups(const ka_pick *p);
/* Distinct shots among the candidates marked in which (p->usable, p->good). */
int ka_pick_count_shots(const ka_pick *p, const unsigned char *which);

#endif
