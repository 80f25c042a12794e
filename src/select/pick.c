/* pick.c: one selection run at a given quality threshold. Slots are filled first,
 * in descending share, each with its quota of the best candidates whose scene the
 * slot takes (a slot's first scene beats its later ones, then relevance decides);
 * the places slots could not fill are filled by maximal marginal relevance:
 * argmax lambda x relevance - (1 - lambda) x max similarity to the chosen.
 *
 * Hard rules on every pick: never a defect frame, never a candidate under the
 * threshold, never one within dup_distance (phash) of a chosen one, and shots are
 * spread evenly: a candidate is eligible only when its shot has no more variants
 * than the least-used shot that still has an eligible candidate. With at least as
 * many usable shots as variants that is "one variant per shot"; with fewer, a shot
 * gets a second variant only once every shot has one.
 *
 * Each pick's crops (16:9, 2:3, 1:1) are placed shape by shape around its faces
 * (ka_vision_crop: the lead whole, no face cut when avoidable), else on its salient
 * region, always inside the title's content area. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "keyart/select.h"
#include "keyart/vision.h"
#include "select/select_priv.h"

int ka_pick_defective(const ka_candidate *c)
{
    return (c->sig.flags & (KA_FRAME_BLACK | KA_FRAME_BLANK | KA_FRAME_FLASH |
                            KA_FRAME_TRANSITION)) != 0;
}

int ka_pick_init(ka_pick *p, ka_title *t, const ka_select_opts *o, const ka_genre *g,
                 const ka_content *content)
{
    memset(p, 0, sizeof(*p));
    p->t = t;
    p->o = o;
    p->g = g;
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
    p->taken = calloc(nc, 1);
    p->shot_count = calloc((size_t)p->n_keys + 1, sizeof(int));
    p->v = calloc((size_t)o->n_variants, sizeof(ka_variant));
    if (!p->usable || !p->taken || !p->shot_count || !p->v) {
        ka_pick_free(p);
        return ka_error(KA_ENOMEM, "no memory to select among %d candidates", t->n_cands);
    }
    return 0;
}

void ka_pick_free(ka_pick *p)
{
    free(p->usable);
    free(p->taken);
    free(p->shot_count);
    free(p->v);
    p->usable = p->taken = NULL;
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
    for (int k = 0; k < p->n; k++) {
        const ka_candidate *c = &p->t->cands[p->v[k].cand];
        if (ka_phash_distance(c->phash, p->t->cands[i].phash) <= p->o->dup_distance &&
            ka_select_colour_distance(c, &p->t->cands[i]) < KA_SELECT_DUP_COLOUR)
            return 1;
    }
    return 0;
}

static int ka_pick_available(const ka_pick *p, int i)
{
    return p->usable[i] && !p->taken[i] && !ka_pick_is_dup(p, i);
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

static int ka_pick_eligible(const ka_pick *p, int i, int min_count)
{
    return p->shot_count[ka_pick_key(p, i)] == min_count && ka_pick_available(p, i);
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

static void ka_pick_take(ka_pick *p, int i, const char *slot, float relevance)
{
    const ka_candidate *c = &p->t->cands[i];
    ka_variant *v = &p->v[p->n];
    float lambda = p->o->mmr_lambda;
    v->number = p->n + 1;
    v->cand = i;
    v->slot = slot;
    v->content = p->content[i];
    v->relevance = relevance;
    v->diversity_penalty = ka_pick_max_sim(p, i);
    v->score = lambda * relevance - (1.0f - lambda) * v->diversity_penalty;
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
    p->taken[i] = 1;
    p->shot_count[ka_pick_key(p, i)]++;
    p->n++;
}

/* Best eligible candidate for slot s: lowest scene rank, then highest relevance. */
static int ka_pick_for_slot(const ka_pick *p, const ka_slot *s, float *rel_out)
{
    int best = -1, best_rank = 0, minc = ka_pick_min_count(p);
    float best_rel = 0.0f;
    for (int i = 0; i < p->t->n_cands; i++) {
        int rank = ka_select_scene_rank(s, p->content[i].scene);
        if (rank < 0 || !ka_pick_eligible(p, i, minc))
            continue;
        float rel = ka_select_relevance(&p->t->cands[i], &p->content[i], rank);
        if (best < 0 || rank < best_rank || (rank == best_rank && rel > best_rel)) {
            best = i;
            best_rank = rank;
            best_rel = rel;
        }
    }
    *rel_out = best_rel;
    return best;
}

static void ka_pick_fill_slots(ka_pick *p)
{
    int order[16], quota[16];
    int ns = p->g->n_slots < 16 ? p->g->n_slots : 16;
    ka_select_slot_order(p->g, order);
    ka_select_quotas(p->g, p->o->n_variants, quota);
    for (int k = 0; k < ns; k++) {
        const ka_slot *s = &p->g->slots[order[k]];
        for (int q = 0; q < quota[order[k]] && p->n < p->o->n_variants; q++) {
            float rel;
            int i = ka_pick_for_slot(p, s, &rel);
            if (i < 0)
                break;              /* the rest of this quota goes to diversity */
            ka_pick_take(p, i, s->name, rel);
        }
    }
}

/* One maximal-marginal-relevance pick; 0 when nothing is eligible. */
static int ka_pick_mmr_one(ka_pick *p)
{
    int best = -1, minc = ka_pick_min_count(p);
    float best_val = 0.0f, best_rel = 0.0f, lambda = p->o->mmr_lambda;
    for (int i = 0; i < p->t->n_cands; i++) {
        if (!ka_pick_eligible(p, i, minc))
            continue;
        int rank = ka_select_best_rank(p->g, p->content[i].scene);
        float rel = ka_select_relevance(&p->t->cands[i], &p->content[i], rank);
        float val = lambda * rel - (1.0f - lambda) * ka_pick_max_sim(p, i);
        if (best < 0 || val > best_val) {
            best = i;
            best_val = val;
            best_rel = rel;
        }
    }
    if (best < 0)
        return 0;
    ka_pick_take(p, best, "diversity", best_rel);
    return 1;
}

int ka_pick_run(ka_pick *p, float thr)
{
    int nc = p->t->n_cands;
    p->threshold = thr;
    p->n = 0;
    memset(p->taken, 0, nc > 0 ? (size_t)nc : 1);
    memset(p->shot_count, 0, ((size_t)p->n_keys + 1) * sizeof(int));
    memset(p->v, 0, (size_t)p->o->n_variants * sizeof(ka_variant));
    for (int i = 0; i < nc; i++)
        p->usable[i] = !ka_pick_defective(&p->t->cands[i]) && p->t->cands[i].q.score >= thr;
    ka_pick_fill_slots(p);
    while (p->n < p->o->n_variants && ka_pick_mmr_one(p))
        ;
    return p->n;
}

int ka_pick_count_dups(const ka_pick *p)
{
    int n = 0;
    for (int i = 0; i < p->t->n_cands; i++)
        n += p->usable[i] && !p->taken[i] && ka_pick_is_dup(p, i);
    return n;
}

int ka_pick_count_shots(const ka_pick *p)
{
    int n = 0;
    int *seen = calloc((size_t)p->n_keys + 1, sizeof(int));
    if (!seen)
        return 0;
    for (int i = 0; i < p->t->n_cands; i++)
        if (p->usable[i] && !seen[ka_pick_key(p, i)]) {
            seen[ka_pick_key(p, i)] = 1;
            n++;
        }
    free(seen);
    return n;
}
