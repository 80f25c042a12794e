/* pick.c: one selection run at a given quality threshold, in the order the variants
 * are numbered.
 *
 * Variant 1 is the candidate with the highest appeal (the ranker's score): the image
 * to show when nothing is known about the viewer. Each next variant is the eligible
 * candidate of highest
 *   lambda x (appeal + slot fit) - (1 - lambda) x similarity to the chosen
 * where slot fit is KA_SELECT_SLOT_BONUS x the match weight of the best genre slot
 * that still has room for its scene (the slot it then fills; else "diversity"), and
 * similarity is ka_select_similarity's. Eligible means:
 *   - good: the ranker puts it at least at "acceptable" (P(grade >= 2) >= 0.5) and
 *     does not find it clearly worse than variant 1 (the odds that an editor prefers
 *     it, logistic(appeal - appeal of variant 1), at least KA_SELECT_RIVAL: a title
 *     whose one strong moment stands out gets that moment, not the runners-up an
 *     editor would call poor), and usable: no defect frame, not under the quality
 *     threshold;
 *   - not a near-duplicate of a chosen one (ka_select_near_duplicate: the same picture,
 *     or the same people in the same place of the same shot and colours);
 *   - shots spread evenly: its shot has no more variants than the least-used shot
 *     that still has an eligible candidate (one per shot while there are shots
 *     enough, a second only once every shot has one).
 * A title with fewer good, distinct moments than asked gets fewer variants (at least
 * its best candidate, good or not); select.c says why.
 *
 * Each pick's crops (16:9, 2:3, 1:1) are placed shape by shape around its faces
 * (ka_vision_crop: the lead whole with its margins, no face cut when avoidable), else
 * on its salient region, always inside the title's content area. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "keyart/select.h"
#include "keyart/vision.h"
#include "select/select_priv.h"

int ka_pick_defective(const ka_candidate *c)
{
    return ka_frame_unusable(c->sig.flags);
}

int ka_pick_init(ka_pick *p, ka_title *t, const ka_select_opts *o, const ka_genre *g,
                 const ka_content *content, const ka_ranker *r)
{
    memset(p, 0, sizeof(*p));
    p->t = t;
    p->o = o;
    p->g = g;
    p->r = r;
    p->content = content;
    p->max_shot = -1;
    for (int i = 0; i < t->n_cands; i++)
        if (t->cands[i].shot > p->max_shot)
            p->max_shot = t->cands[i].shot;
    if (p->max_shot > (1 << 24))
        return ka_error(KA_EINVAL, "candidate shot index %d is out of range", p->max_shot);
    p->n_keys = p->max_shot + 1 + t->n_cands;
    size_t nc = t->n_cands > 0 ? (size_t)t->n_cands : 1;
    p->usable = calloc(nc, 1);
    p->good = calloc(nc, 1);
    p->taken = calloc(nc, 1);
    p->shot_count = calloc((size_t)p->n_keys + 1, sizeof(int));
    p->v = calloc((size_t)o->n_variants, sizeof(ka_variant));
    if (!p->usable || !p->good || !p->taken || !p->shot_count || !p->v) {
        ka_pick_free(p);
        return ka_error(KA_ENOMEM, "no memory to select among %d candidates", t->n_cands);
    }
    return 0;
}

void ka_pick_free(ka_pick *p)
{
    free(p->usable);
    free(p->good);
    free(p->taken);
    free(p->shot_count);
    free(p->v);
    p->usable = p->good = p->taken = NULL;
    p->shot_count = NULL;
    p->v = NULL;
}

/* Index into shot_count: the shot, or a key of its own for a candidate without one. */
static int ka_pick_key(const ka_pick *p, int i)
{
    int s = p->t->cands[i].shot;
    return s >= 0 ? s : p->max_shot + 1 + i;
}

static int ka_pick_is_dup(const ka_pick *p, int i)
{
    for (int k = 0; k < p->n; k++)
        if (ka_select_near_duplicate(p->t, &p->t->cands[p->v[k].cand], &p->t->cands[i],
                                     p->o->dup_distance))
            return 1;
    return 0;
}

static int ka_pick_available(const ka_pick *p, int i)
{
    return p->good[i] && !p->taken[i] && !ka_pick_is_dup(p, i);
}

/* Fewest variants of any shot that still has an available candidate. */
static int ka_pick_min_count(const ka_pick *p)
{
    int m = INT_MAX;
    for (int i = 0; i < p->t->n_cands; i++)
        if (p->shot_count[ka_pick_key(p, i)] < m && ka_pick_available(p, i))
            m = p->shot_count[ka_pick_key(p, i)];
    return m;
}

static float ka_pick_max_sim(const ka_pick *p, int i)
{
    float m = 0.0f;
    for (int k = 0; k < p->n; k++) {
        float s = ka_select_similarity(&p->t->cands[p->v[k].cand], &p->t->cands[i]);
        m = s > m ? s : m;
    }
    return m;
}

/* The open slot (quota left) that takes candidate i's scene best, -1 when none;
 * *fit gets its bonus. Slots are tried by descending share. */
static int ka_pick_slot(const ka_pick *p, int i, float *fit)
{
    int order[16], best = -1, best_rank = 0;
    int ns = p->g->n_slots < 16 ? p->g->n_slots : 16;
    ka_select_slot_order(p->g, order);
    for (int k = 0; k < ns; k++) {
        int s = order[k];
        int rank = ka_select_scene_rank(&p->g->slots[s], p->content[i].scene);
        if (rank < 0 || p->filled[s] >= p->quota[s])
            continue;
        if (best < 0 || rank < best_rank) {
            best = s;
            best_rank = rank;
        }
    }
    *fit = best >= 0 ? KA_SELECT_SLOT_BONUS * ka_select_match_weight(best_rank) : 0.0f;
    return best;
}

static void ka_pick_take(ka_pick *p, int i)
{
    const ka_candidate *c = &p->t->cands[i];
    ka_variant *v = &p->v[p->n];
    float lambda = p->o->mmr_lambda, fit;
    int slot = ka_pick_slot(p, i, &fit);
    v->number = p->n + 1;
    ka_variant_id(p->t->id, c->frame, c->phash, v->id);
    v->cand = i;
    v->slot = slot >= 0 ? p->g->slots[slot].name : "diversity";
    v->content = p->content[i];
    v->relevance = c->appeal + fit;
    v->diversity_penalty = ka_pick_max_sim(p, i);
    v->score = lambda * v->relevance - (1.0f - lambda) * v->diversity_penalty;
    v->good = p->good[i];
    ka_rect bounds = p->t->content;
    if (bounds.w <= 0 || bounds.h <= 0)
        bounds = (ka_rect){ 0, 0, c->width, c->height };
    for (int s = 0; s < KA_SHAPE_COUNT; s++) {
        int aw, ah;
        ka_shape_aspect(s, &aw, &ah);
        /* around the faces (never cutting one when avoidable), else the salient region */
        if (!ka_vision_crop(c, bounds, s, &v->crops[s]))
            v->crops[s] = ka_crop_place(bounds, c->salient, aw, ah);
    }
    if (slot >= 0)
        p->filled[slot]++;
    p->taken[i] = 1;
    p->shot_count[ka_pick_key(p, i)]++;
    p->n++;
}

/* The next variant; 0 when no candidate is eligible. */
static int ka_pick_next(ka_pick *p)
{
    int best = -1, minc = ka_pick_min_count(p);
    float best_val = 0.0f, lambda = p->o->mmr_lambda;
    for (int i = 0; i < p->t->n_cands; i++) {
        if (p->shot_count[ka_pick_key(p, i)] != minc || !ka_pick_available(p, i))
            continue;
        float fit;
        ka_pick_slot(p, i, &fit);
        float val = lambda * (p->t->cands[i].appeal + fit) -
                    (1.0f - lambda) * ka_pick_max_sim(p, i);
        if (best < 0 || val > best_val) {
            best = i;
            best_val = val;
        }
    }
    if (best < 0)
        return 0;
    ka_pick_take(p, best);
    return 1;
}

int ka_pick_run(ka_pick *p, float thr)
{
    int nc = p->t->n_cands, first = -1;
    float good_line = p->r->cut[1];
    p->threshold = thr;
    p->n = 0;
    memset(p->taken, 0, nc > 0 ? (size_t)nc : 1);
    memset(p->shot_count, 0, ((size_t)p->n_keys + 1) * sizeof(int));
    memset(p->v, 0, (size_t)p->o->n_variants * sizeof(ka_variant));
    memset(p->filled, 0, sizeof p->filled);
    ka_select_quotas(p->g, p->o->n_variants, p->quota);
    for (int i = 0; i < nc; i++) {
        const ka_candidate *c = &p->t->cands[i];
        p->usable[i] = !ka_pick_defective(c) && c->quality_score >= thr;
        if (p->usable[i] && (first < 0 || c->appeal > p->t->cands[first].appeal))
            first = i;
    }
    if (first < 0)
        return 0;
    /* good: acceptable on the grades' scale, and a fair rival of the best (the ranker's
     * pairwise odds of beating it at least KA_SELECT_RIVAL) */
    float best = p->t->cands[first].appeal;
    for (int i = 0; i < nc; i++) {
        float a = p->t->cands[i].appeal;
        p->good[i] = p->usable[i] && a >= good_line &&
                     1.0f / (1.0f + expf(best - a)) >= KA_SELECT_RIVAL;
    }
    ka_pick_take(p, first);         /* the best, good or not: a title needs artwork */
    while (p->n < p->o->n_variants && ka_pick_next(p))
        ;
    return p->n;
}

int ka_pick_count_dups(const ka_pick *p)
{
    int n = 0;
    for (int i = 0; i < p->t->n_cands; i++)
        n += p->good[i] && !p->taken[i] && ka_pick_is_dup(p, i);
    return n;
}

int ka_pick_count_shots(const ka_pick *p, const unsigned char *which)
{
    int n = 0;
    int *seen = calloc((size_t)p->n_keys + 1, sizeof(int));
    if (!seen)
        return 0;
    for (int i = 0; i < p->t->n_cands; i++)
        if (which[i] && !seen[ka_pick_key(p, i)]) {
            seen[ka_pick_key(p, i)] = 1;
            n++;
        }
    free(seen);
    return n;
}
