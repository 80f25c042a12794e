/* shots_final.c: turns the shot detector's candidates into final boundaries and
 * shots. Candidates closer than the minimum shot length are one cluster; a gradual
 * transition beats a cut inside it, otherwise the strongest wins. */
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "shots_priv.h"

static int64_t cand_last(const boundary *b)
{
    return b->span_last > b->frame ? b->span_last : b->frame;
}

/* Fades are the surest, then cuts, then dissolves (camera motion can pass for one). */
static int rank(const boundary *b)
{
    return b->type == KA_TRANSITION_FADE ? 3 : b->type == KA_TRANSITION_CUT ? 2 : 1;
}

static int better(const boundary *a, const boundary *b)
{
    if (rank(a) != rank(b))
        return rank(a) > rank(b);
    return a->strength > b->strength;
}

/* A cut inside a gradual transition of the same cluster is part of it. */
static int explained(const boundary *c, const boundary *all, int from, int to)
{
    if (c->type != KA_TRANSITION_CUT)
        return 0;
    for (int k = from; k <= to; k++)
        if (all[k].type != KA_TRANSITION_CUT && c->frame >= all[k].span_first - 1 &&
            c->frame <= all[k].span_last + 1)
            return 1;
    return 0;
}

static int accept(ka_shot_detector *d, const boundary *b)
{
    if (d->n_final > 0) {
        const boundary *last = &d->final[d->n_final - 1];
        if (b->frame - cand_last(last) < d->min_gap && b->frame - last->frame < d->min_gap)
            return 0;
        if (b->frame <= last->frame)
            return 0;
    }
    int err = ka_array_grow((void **)&d->final, &d->cap_final, d->n_final + 1, sizeof *d->final);
    if (err)
        return err;
    d->final[d->n_final++] = *b;
    /* Frames of an accepted gradual transition are never candidates. */
    for (int64_t f = b->span_first; b->span_first >= 0 && f <= b->span_last; f++)
        if (in_ring(d, f))
            ring_at(d, f)->flags |= KA_FRAME_TRANSITION;
    if (d->debug)
        fprintf(stderr, "accept %s at %lld (n %lld)\n", ka_transition_name(b->type), (long long)b->frame, (long long)d->n);
    return 0;
}

/* Do two boundaries come closer than the minimum shot length? */
static int conflict(const ka_shot_detector *d, const boundary *a, const boundary *b)
{
    return ka_boundary_first(a) <= cand_last(b) + d->min_gap &&
           ka_boundary_first(b) <= cand_last(a) + d->min_gap;
}

/* Takes the cluster's candidates best first, each unless it is a cut inside a
 * gradual transition or comes too close to one already taken; so two real cuts a
 * second apart both survive a doubtful dissolve between them. */
static int resolve_cluster(ka_shot_detector *d, int i, int j)
{
    enum { MAX_TAKEN = 64 };
    int taken[MAX_TAKEN], n_taken = 0;
    for (;;) {
        int best = -1;
        for (int k = i; k <= j; k++) {
            int ok = !explained(&d->cands[k], d->cands, i, j);
            for (int m = 0; m < n_taken && ok; m++)
                ok = taken[m] != k && !conflict(d, &d->cands[k], &d->cands[taken[m]]);
            if (ok && (best < 0 || better(&d->cands[k], &d->cands[best])))
                best = k;
        }
        if (best < 0 || n_taken == MAX_TAKEN)
            break;
        taken[n_taken++] = best;
    }
    /* Accept in frame order. */
    for (int a = 1; a < n_taken; a++)
        for (int b = a; b > 0 && d->cands[taken[b]].frame < d->cands[taken[b - 1]].frame; b--) {
            int t = taken[b];
            taken[b] = taken[b - 1];
            taken[b - 1] = t;
        }
    for (int m = 0; m < n_taken; m++) {
        int err = accept(d, &d->cands[taken[m]]);
        if (err)
            return err;
    }
    return 0;
}

int ka_shot_settle(ka_shot_detector *d, int64_t horizon)
{
    int64_t pending = ka_shot_fade_pending(d);
    /* A fade whose black hold outlasts the history cannot hold everything back. */
    if (pending < d->n - SHOT_RING + 2 * CUT_WINDOW_FRAMES)
        pending = d->n - SHOT_RING + 2 * CUT_WINDOW_FRAMES;
    if (horizon > pending)
        horizon = pending;
    int i = 0;
    while (i < d->n_cands) {
        int j = i;
        int64_t end = cand_last(&d->cands[i]);
        while (j + 1 < d->n_cands && ka_boundary_first(&d->cands[j + 1]) <= end + d->min_gap) {
            j++;
            if (cand_last(&d->cands[j]) > end)
                end = cand_last(&d->cands[j]);
        }
        if (end + d->min_gap >= horizon)
            break;
        int err = resolve_cluster(d, i, j);
        if (err)
            return err;
        i = j + 1;
    }
    if (i > 0) {
        memmove(d->cands, d->cands + i, (size_t)(d->n_cands - i) * sizeof *d->cands);
        d->n_cands -= i;
    }
    if (d->n_cands > 0 && ka_boundary_first(&d->cands[0]) < horizon)
        horizon = ka_boundary_first(&d->cands[0]);
    if (horizon > d->final_before)
        d->final_before = horizon < d->n ? horizon : d->n;
    return 0;
}

int64_t ka_shot_detector_final_before(const ka_shot_detector *d)
{
    return d->final_before;
}

int ka_shot_detector_frame_info(const ka_shot_detector *d, int64_t frame, int *shot,
                                uint32_t *flags)
{
    if (frame < 0 || frame >= d->final_before || !in_ring(d, frame))
        return -1;
    int lo = 0, hi = d->n_final;   /* count of final boundaries at or before frame */
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (d->final[mid].frame <= frame)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (shot)
        *shot = lo;
    if (flags) {
        const shot_frame *f = ring_at(d, frame);
        *flags = f->flags | f->sig.flags;
    }
    return 0;
}

double ka_shot_detector_shot_start(const ka_shot_detector *d, int shot)
{
    if (shot == 0)
        return 0;
    if (shot < 0 || shot > d->n_final)
        return -1;
    return d->final[shot - 1].time_s;
}

int ka_shot_detector_finish(ka_shot_detector *d)
{
    if (d->finished)
        return 0;
    int err = ka_shot_finish_pending(d);
    if (err)
        return err;
    d->finished = 1;
    d->fade_state = FADE_IDLE;
    return ka_shot_settle(d, INT64_MAX);
}

const ka_shot *ka_shot_detector_shots(const ka_shot_detector *d, int *count)
{
    ka_shot_detector *m = (ka_shot_detector *)d;   /* the shot list is a cache */
    int n = d->n_final + (d->finished && d->n > 0 ? 1 : 0);
    if (n > m->cap_shots) {
        ka_shot *p = realloc(m->shots, (size_t)n * sizeof *p);
        if (!p) {
            *count = 0;
            return NULL;
        }
        m->shots = p;
        m->cap_shots = n;
    }
    double frame_s = 1.0 / d->o.fps;
    for (int k = 0; k < n; k++) {
        ka_shot *s = &m->shots[k];
        const boundary *in = k > 0 ? &d->final[k - 1] : NULL;
        s->index = k;
        s->start_frame = in ? in->frame : 0;
        s->start_s = in ? in->time_s : 0;
        s->transition_in = in ? in->type : KA_TRANSITION_START;
        s->span_first = in && in->type != KA_TRANSITION_CUT ? in->span_first : -1;
        s->span_last = in && in->type != KA_TRANSITION_CUT ? in->span_last : -1;
        if (k < d->n_final) {
            s->end_frame = d->final[k].frame - 1;
            s->end_s = d->final[k].time_s;
        } else {
            s->end_frame = d->n - 1;
            s->end_s = d->last_time_s + frame_s;
        }
    }
    m->n_shots = n;
    *count = n;
    return m->shots;
}

void ka_shot_detector_free(ka_shot_detector **pd)
{
    ka_shot_detector *d = *pd;
    if (!d)
        return;
    free(d->ring);
    free(d->cands);
    free(d->final);
    free(d->shots);
    free(d);
    *pd = NULL;
}
