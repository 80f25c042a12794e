/* score.c: the numbers selection ranks by: the quality score, how well a candidate
 * fits a slot (relevance), how alike two candidates are (similarity), and how many
 * variants each slot of a genre gets (quotas).
 *
 * Quality score: the weighted mean of the parts that are known,
 *   s = sum(w_i part_i) / sum(w_i)   over brightness, contrast, sharpness (Laplacian),
 *       saturation, and, when vision measured them, BRISQUE quality and face quality,
 * so it stays 0..1 for any non-negative weights (defaults 0.25/0.25/0.30/0.20 and
 * 0.10 BRISQUE, 0.15 faces: without vision the first four sum to 1 and the score is
 * the seed system's), then s *= 1 - min(0.5, exposure_clipped): a frame with half or
 * more of its pixels clipped loses half its score. BRISQUE is its own part, no
 * longer folded into sharpness, so a compressed or noisy frame and a blurred one are
 * told apart, and each weight does what it says. The weights also read and write
 * as text ("B,C,S,X,R,F"), for the command line and the work queue's rows.
 *
 * Appeal (the ranker's score, rank/) is what variants are ranked by; a genre slot
 * adds a bonus by its match weight (1.0 for a slot's first scene, 0.9, 0.8, 0.7 for
 * later ones, 0.6 for a scene no slot of the genre takes).
 *
 * Near-duplicates: two candidates show the same picture when their colours agree
 * (histogram distance under KA_SELECT_DUP_COLOUR) and either their structure does
 * (phash within dup_distance) or, inside one shot, the same people stand in the
 * same places in the same pose: the faces that matter pair up one to one (the same
 * character when identities are known), each pair's centres within KA_SELECT_DUP_MOVE
 * of the picture's diagonal, heights within a factor KA_SELECT_DUP_SCALE, the head
 * turned by at most KA_SELECT_DUP_TURN and the same expression where both are read;
 * without faces, the structure within twice dup_distance. Before any of that, a change
 * in one part of the picture while the rest stayed makes a new picture: a cell of a
 * 16 x 16 grid of its gray (ka_look.thumb, light changes taken out) changed by
 * KA_SELECT_DUP_CHANGE levels or more (KA_SELECT_DUP_CHANGE_FACES with faces) while
 * fewer than KA_SELECT_DUP_LOCAL% of the cells changed at all (a llama turning its head
 * before a still landscape; a crowd running past changes everywhere and stays one
 * picture). A turn of the head, another expression, a new face, a subject that moved
 * or a camera move makes a new picture; a blink or a word does not. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyart/select.h"
#include "keyart/vision.h"
#include "select/select_priv.h"

const ka_quality_weights ka_quality_weights_default = { 0.25f, 0.25f, 0.30f, 0.20f, 0.10f,
                                                      0.15f };

static void ka_quality_weight_list(const ka_quality_weights *w, float v[KA_QPART_COUNT])
{
    v[KA_QPART_BRIGHTNESS] = w->brightness;
    v[KA_QPART_CONTRAST] = w->contrast;
    v[KA_QPART_SHARPNESS] = w->sharpness;
    v[KA_QPART_SATURATION] = w->saturation;
    v[KA_QPART_BRISQUE] = w->brisque;
    v[KA_QPART_FACE] = w->face;
}

int ka_quality_weights_valid(const ka_quality_weights *w)
{
    float v[KA_QPART_COUNT], sum = 0.0f;
    ka_quality_weight_list(w, v);
    for (int i = 0; i < KA_QPART_COUNT; i++) {
        if (!(v[i] >= 0.0f))
            return 0;
        sum += v[i];
    }
    return sum > 0.0f;
}

void ka_quality_weights_format(const ka_quality_weights *w,
                               char text[KA_QUALITY_WEIGHTS_TEXT_MAX])
{
    float v[KA_QPART_COUNT];
    ka_quality_weight_list(w, v);
    size_t len = 0;
    for (int i = 0; i < KA_QPART_COUNT; i++)
        len += (size_t)snprintf(text + len, KA_QUALITY_WEIGHTS_TEXT_MAX - len, "%s%.9g",
                                i ? "," : "", (double)v[i]);
}

/* The number that starts at *p (up to the next comma) into *out; *p moves past it. */
static int ka_quality_weight_read(const char **p, float *out)
{
    size_t len = strcspn(*p, ",");
    char item[64];
    double d;
    if (len >= sizeof item)
        return ka_error(KA_EINVAL, "a number is too long");
    memcpy(item, *p, len);
    item[len] = '\0';
    if (!*item)
        return ka_error(KA_EINVAL, "a number is missing");
    if (ka_parse_double(item, 0, 1000, &d))
        return ka_error(KA_EINVAL, "'%s' is not a number from 0 to 1000", item);
    *out = (float)d;
    *p += len + ((*p)[len] == ',');
    return 0;
}

int ka_quality_weights_parse(const char *text, ka_quality_weights *w)
{
    if (!text)
        text = "";
    int n = 1;
    for (const char *p = text; *p; p++)
        n += *p == ',';
    if (n != KA_QPART_COUNT)
        return ka_error(KA_EINVAL, "%s", n < KA_QPART_COUNT ? "too few numbers" : "too many numbers");
    ka_quality_weights v;
    float *dst[KA_QPART_COUNT] = { &v.brightness, &v.contrast, &v.sharpness, &v.saturation,
                                   &v.brisque, &v.face };
    const char *p = text;
    for (int i = 0; i < KA_QPART_COUNT; i++)
        if (ka_quality_weight_read(&p, dst[i]))
            return KA_EINVAL;
    if (!ka_quality_weights_valid(&v))
        return ka_error(KA_EINVAL, "all are 0");
    *w = v;
    return 0;
}

ka_cand_quality ka_cand_quality_of(const ka_candidate *cand)
{
    return (ka_cand_quality){ cand->q, ka_vision_quality_of(cand), cand->quality_score };
}

float ka_quality_breakdown(const ka_cand_quality *cq, const ka_quality_weights *w,
                           ka_quality_part parts[KA_QPART_COUNT], float *exposure_factor)
{
    const ka_quality *q = &cq->q;
    const ka_vision_quality *v = &cq->v;
    static const char *const names[KA_QPART_COUNT] = {
        "brightness", "contrast", "sharpness", "saturation", "brisque", "face",
    };
    if (!w || !ka_quality_weights_valid(w))
        w = &ka_quality_weights_default;
    const float value[KA_QPART_COUNT] = { q->brightness, q->contrast, q->sharpness,
                                          q->saturation, v->brisque, v->face };
    const int known[KA_QPART_COUNT] = { 1, 1, 1, 1, v->has_brisque != 0, v->has_face != 0 };
    float wv[KA_QPART_COUNT], sum = 0.0f;
    ka_quality_weight_list(w, wv);
    for (int i = 0; i < KA_QPART_COUNT; i++) {
        parts[i] = (ka_quality_part){ names[i], known[i], value[i], known[i] ? wv[i] : 0.0f, 0 };
        sum += parts[i].weight;
    }
    if (sum <= 0.0f)            /* only unknown parts weigh: fall back to the defaults */
        return ka_quality_breakdown(cq, &ka_quality_weights_default, parts, exposure_factor);
    float clip = q->exposure_clipped;
    clip = clip < 0.0f ? 0.0f : clip > 0.5f ? 0.5f : clip;
    *exposure_factor = 1.0f - clip;
    float s = 0.0f;
    for (int i = 0; i < KA_QPART_COUNT; i++) {
        parts[i].contribution = parts[i].weight * parts[i].value / sum * *exposure_factor;
        s += parts[i].contribution;
    }
    return s < 0 ? 0 : s > 1 ? 1 : s;
}

void ka_quality_score(ka_cand_quality *cq, const ka_quality_weights *w)
{
    ka_quality_part parts[KA_QPART_COUNT];
    float exposure;
    cq->score = ka_quality_breakdown(cq, w, parts, &exposure);
}

int ka_select_scene_rank(const ka_slot *s, ka_scene scene)
{
    for (int i = 0; i < s->n_scenes && i < 4; i++)
        if (s->scenes[i] == scene)
            return i;
    return -1;
}

float ka_select_match_weight(int rank)
{
    return rank < 0 ? KA_SELECT_NO_MATCH_WEIGHT : 1.0f - 0.1f * (float)rank;
}

int ka_select_best_rank(const ka_genre *g, ka_scene scene)
{
    int best = -1;
    for (int i = 0; i < g->n_slots; i++) {
        int r = ka_select_scene_rank(&g->slots[i], scene);
        if (r >= 0 && (best < 0 || r < best))
            best = r;
    }
    return best;
}

float ka_select_colour_distance(const ka_candidate *a, const ka_candidate *b)
{
    enum { NL = KA_HIST_LUMA_BINS, NC = KA_HIST_CHROMA_BINS * KA_HIST_CHROMA_BINS };
    double la = 0, lb = 0, ca = 0, cb = 0, dl = 0, dc = 0;
    for (int i = 0; i < NL; i++) {
        la += a->sig.hist_luma[i];
        lb += b->sig.hist_luma[i];
    }
    for (int i = 0; i < NC; i++) {
        ca += a->sig.hist_chroma[i];
        cb += b->sig.hist_chroma[i];
    }
    if (la <= 0 || lb <= 0 || ca <= 0 || cb <= 0)
        return 0;
    for (int i = 0; i < NL; i++)
        dl += fabs(a->sig.hist_luma[i] / la - b->sig.hist_luma[i] / lb);
    for (int i = 0; i < NC; i++)
        dc += fabs(a->sig.hist_chroma[i] / ca - b->sig.hist_chroma[i] / cb);
    return (float)(0.25 * (dl + dc));
}

#define KA_SELECT_DUP_MOVE 0.08f
#define KA_SELECT_DUP_SCALE 1.3f
#define KA_SELECT_DUP_TURN 0.3f         /* yaw, -1..1 */
#define KA_SELECT_DUP_CHANGE 24         /* gray levels of a grid cell, without faces */
#define KA_SELECT_DUP_CHANGE_FACES 48   /* with faces (their own moves are judged above) */
#define KA_SELECT_DUP_CELL 12           /* a cell that changed at all */
#define KA_SELECT_DUP_LOCAL 15          /* % of the cells: more is change everywhere */
#define KA_SELECT_DUP_FACES 8

static int ka_select_same_face(const ka_face *f, const ka_face *g, float diag)
{
    if (f->character >= 0 && g->character >= 0 && f->character != g->character)
        return 0;
    float dx = (float)(f->box.x + f->box.w / 2 - g->box.x - g->box.w / 2);
    float dy = (float)(f->box.y + f->box.h / 2 - g->box.y - g->box.h / 2);
    float ratio = (float)f->box.h / (float)(g->box.h > 0 ? g->box.h : 1);
    /* a turn of the head or another expression is a new pose, a new moment */
    int turned = fabsf(f->yaw - g->yaw) > KA_SELECT_DUP_TURN;
    int other_look = f->expression != KA_EXPR_UNKNOWN && g->expression != KA_EXPR_UNKNOWN &&
                     f->expression != g->expression;
    return sqrtf(dx * dx + dy * dy) <= KA_SELECT_DUP_MOVE * diag &&
           ratio <= KA_SELECT_DUP_SCALE && ratio >= 1.0f / KA_SELECT_DUP_SCALE && !turned &&
           !other_look;
}

/* How the two candidates' gray grids differ once the change of their mean (light) is
 * taken out: the largest change of a cell (the return; -1 when either was not
 * measured) and the share of cells, in percent, that changed by KA_SELECT_DUP_CELL. */
static int ka_select_thumb_change(const ka_candidate *a, const ka_candidate *b, int *share)
{
    enum { N = KA_LOOK_THUMB * KA_LOOK_THUMB };
    const ka_look *la = ka_look_of(a), *lb = ka_look_of(b);
    if (!la || !lb || !la->measured || !lb->measured)
        return -1;
    int sa = 0, sb = 0, most = 0, changed = 0;
    for (int i = 0; i < N; i++) {
        sa += la->thumb[i];
        sb += lb->thumb[i];
    }
    int shift = (sa - sb) / N;
    for (int i = 0; i < N; i++) {
        int d = abs((int)la->thumb[i] - (int)lb->thumb[i] - shift);
        most = d > most ? d : most;
        changed += d >= KA_SELECT_DUP_CELL;
    }
    *share = changed * 100 / N;
    return most;
}

/* The same people in the same places (every face of a paired with one of b). */
static int ka_select_same_people(const ka_title *t, const ka_candidate *a, const ka_candidate *b,
                                 int dup_distance)
{
    ka_rect content = t && t->content.w > 0 ? t->content : (ka_rect){ 0, 0, a->width, a->height };
    const ka_face *fa[KA_SELECT_DUP_FACES], *fb[KA_SELECT_DUP_FACES];
    int na = ka_vision_faces_matter(ka_vision_of(a), content, fa, KA_SELECT_DUP_FACES, NULL);
    int nb = ka_vision_faces_matter(ka_vision_of(b), content, fb, KA_SELECT_DUP_FACES, NULL);
    if (na != nb)
        return 0;
    na = nb = na < KA_SELECT_DUP_FACES ? na : KA_SELECT_DUP_FACES;
    if (na == 0)
        return ka_phash_distance(a->phash, b->phash) <= 2 * dup_distance;
    float diag = sqrtf((float)content.w * (float)content.w + (float)content.h * (float)content.h);
    unsigned used = 0;
    for (int i = 0; i < na; i++) {
        int match = -1;
        for (int j = 0; j < nb && match < 0; j++)
            if (!(used & (1u << j)) && ka_select_same_face(fa[i], fb[j], diag))
                match = j;
        if (match < 0)
            return 0;
        used |= 1u << match;
    }
    return 1;
}

/* 1 when a part of the picture changed much from a to b while the rest stayed: a
 * subject moved, someone came in (more is allowed with faces: their own moves are
 * judged by the pose rules). Change everywhere (a crowd, a pan) is left to the
 * structure's comparison. */
static int ka_select_changed(const ka_title *t, const ka_candidate *a, const ka_candidate *b)
{
    int share, change = ka_select_thumb_change(a, b, &share);
    if (change < KA_SELECT_DUP_CHANGE || share >= KA_SELECT_DUP_LOCAL)
        return 0;
    ka_rect content = t && t->content.w > 0 ? t->content : (ka_rect){ 0, 0, a->width, a->height };
    int faces = ka_vision_faces_matter(ka_vision_of(a), content, NULL, 0, NULL) +
                ka_vision_faces_matter(ka_vision_of(b), content, NULL, 0, NULL);
    return change >= (faces ? KA_SELECT_DUP_CHANGE_FACES : KA_SELECT_DUP_CHANGE);
}

int ka_select_near_duplicate(const ka_title *t, const ka_candidate *a, const ka_candidate *b,
                             int dup_distance)
{
    if (ka_select_colour_distance(a, b) >= KA_SELECT_DUP_COLOUR || ka_select_changed(t, a, b))
        return 0;
    if (ka_phash_distance(a->phash, b->phash) <= dup_distance)
        return 1;
    return a->shot >= 0 && a->shot == b->shot && ka_select_same_people(t, a, b, dup_distance);
}

float ka_select_similarity(const ka_candidate *a, const ka_candidate *b)
{
    float sim = 1.0f - (float)ka_phash_distance(a->phash, b->phash) / 32.0f;
    sim = sim < 0.0f ? 0.0f : sim;
    sim *= 1.0f - ka_select_colour_distance(a, b);
    if (a->shot >= 0 && a->shot == b->shot && sim < 0.7f)
        sim = 0.7f;
    float tm = 0.5f * expf(-(float)fabs(a->time_s - b->time_s) / 10.0f);
    return tm > sim ? tm : sim;
}

void ka_select_slot_order(const ka_genre *g, int *order)
{
    for (int i = 0; i < g->n_slots; i++)
        order[i] = i;
    for (int i = 1; i < g->n_slots; i++)    /* stable insertion sort, descending share */
        for (int j = i; j > 0 && g->slots[order[j]].share > g->slots[order[j - 1]].share; j--) {
            int tmp = order[j];
            order[j] = order[j - 1];
            order[j - 1] = tmp;
        }
}

void ka_select_quotas(const ka_genre *g, int n, int *quota)
{
    float rem[16];
    int total = 0, k = g->n_slots < 16 ? g->n_slots : 16;
    for (int i = 0; i < k; i++) {
        float want = g->slots[i].share * (float)n;
        quota[i] = (int)floorf(want + 1e-4f);
        rem[i] = want - (float)quota[i];
        total += quota[i];
    }
    while (total < n && k > 0) {        /* largest remainder first, then larger share */
        int best = 0;
        for (int i = 1; i < k; i++)
            if (rem[i] > rem[best] + 1e-5f ||
                (fabsf(rem[i] - rem[best]) <= 1e-5f && g->slots[i].share > g->slots[best].share))
                best = i;
        quota[best]++;
        rem[best] = -1.0f;
        total++;
    }
    while (total > n) {                 /* only when shares sum above 1 */
        int best = -1;
        for (int i = 0; i < k; i++)
            if (quota[i] > 0 && (best < 0 || g->slots[i].share < g->slots[best].share))
                best = i;
        quota[best]--;
        total--;
    }
}
