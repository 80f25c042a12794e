/* fold.c: how a server learns from one stored event. The user's profile takes every
 * event about a known variant. The policies learn rewards: an impression waits (in a
 * queue, oldest first) for a click by the same user on the same title; a click makes
 * it a reward of 1 at once, and an impression still unclicked attribution_s after it
 * (by the store's receive times, so every server decides alike) a reward of 0. Each
 * profile and policy remembers the last event id it took, so snapshots and events
 * never count twice. Rewards are collected while the state is locked and learned
 * afterwards by copies of the policies, which are swapped in when prepared. A server
 * also counts each title's impressions and clicks (the dashboard's catalogue): the
 * store's sums up to the watermark it starts from, then every event it folds.
 *
 * A click dated (by its ts) before the impression waiting for it settles nothing; the
 * impression keeps waiting. An event names its variant by id (by number only when stored before there were
 * ids): a title analysed again between an impression and its click still credits the
 * picture that was shown, and an event about a retired variant teaches nothing. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_priv.h"

static ka_suser *user_get(ka_serve_state *st, const char *user)
{
    ka_suser *u = ka_strmap_get(&st->users, user);
    if (u)
        return u;
    if (!(u = calloc(1, sizeof *u)))
        return NULL;
    ka_profile_init(&u->p);
    if (ka_strmap_put(&st->users, user, u)) {
        free(u);
        return NULL;
    }
    return u;
}

static void pending_unlink(ka_serve_state *st, ka_pending *p)
{
    ka_strmap_del(&st->pending, p->key);
    if (p->prev)
        p->prev->next = p->next;
    else
        st->pend_head = p->next;
    if (p->next)
        p->next->prev = p->prev;
    else
        st->pend_tail = p->prev;
    free(p->key);
    free(p->title);
    free(p->user);
    free(p->shown_to);
    free(p);
}

/* Reward r for p's impression, to be learned by its title's policies. */
static void reward(ka_serve_state *st, ka_pending *p, double r, int64_t id)
{
    ka_stitle *t = (ka_stitle *)ka_catalog_find(st->cat, p->title);
    int arm = ka_stitle_arm(t, p->variant_id);
    if (arm >= 0 && st->n_learn == st->cap_learn) {
        int cap = st->cap_learn ? 2 * st->cap_learn : 256;
        ka_reward *l = realloc(st->learn, sizeof *l * (size_t)cap);
        if (l) {
            st->learn = l;
            st->cap_learn = cap;
        }
    }
    if (arm >= 0 && st->n_learn < st->cap_learn) {
        const ka_suser *u = ka_strmap_get(&st->users, p->user);
        ka_reward *w = &st->learn[st->n_learn];
        *w = (ka_reward){ .t = t, .arm = arm, .seq = st->n_learn, .reward = r, .id = id,
                          .impression = p->id, .has_profile = u != NULL };
        if (p->shown_to)
            w->profile = *p->shown_to;
        else if (u)
            w->profile = u->p;
        w->has_profile |= p->shown_to != NULL;
        st->n_learn++;
        st->rewards++;
    }
    pending_unlink(st, p);
}

/* Impressions older than the attribution window at time now got no click; so do the
 * oldest when too many wait (memory stays bounded under any traffic). */
enum { KA_PENDING_MAX = 1 << 20 };

static void expire(ka_serve_state *st, double now, int64_t id)
{
    while (st->pend_head && (st->pend_head->received_at + st->attribution_s < now ||
                             st->pending.n > KA_PENDING_MAX))
        reward(st, st->pend_head, 0, id);
}

static void pending_key(char *key, size_t size, const char *user, const char *title)
{
    snprintf(key, size, "%s\x1f%s", user, title);
}

/* A shared policy learns what pictures viewers click across titles: it must see the
 * profile a picture was shown to, not the one its click made (a viewer's later
 * clicks in the window would teach it their own pictures' features). It is the
 * profile when the impression is folded: with a row's events received together, the
 * row's earlier titles' events are in it, though the row was decided without them
 * (learning with the profile from before them did no better: docs/simulate.md).
 * Titles' policies take the profile when the reward is settled, as before. */
static int shared_in_use(const ka_serve_state *st)
{
    for (int k = 0; k < KA_SERVE_POLICIES; k++)
        if (st->shared[k])
            return 1;
    return 0;
}

static void impression(ka_serve_state *st, const ka_store_event_row *row, const char *vid)
{
    char key[600];
    pending_key(key, sizeof key, row->e.user, row->e.title_id);
    ka_pending *old = ka_strmap_get(&st->pending, key);
    if (old)                        /* shown again before a click: the first got none */
        reward(st, old, 0, row->id);
    ka_pending *p = calloc(1, sizeof *p);
    if (!p || !(p->key = strdup(key)) || !(p->title = strdup(row->e.title_id)) ||
        !(p->user = strdup(row->e.user)) || ka_strmap_put(&st->pending, key, p)) {
        if (p) {
            free(p->key);
            free(p->title);
            free(p->user);
        }
        free(p);
        return;                     /* out of memory: this impression teaches nothing */
    }
    snprintf(p->variant_id, sizeof p->variant_id, "%s", vid);
    p->ts = row->e.ts;
    p->received_at = row->received_at;
    p->id = row->id;
    const ka_suser *u = ka_strmap_get(&st->users, row->e.user);
    if (u && shared_in_use(st) && (p->shown_to = malloc(sizeof *p->shown_to)))
        *p->shown_to = u->p;
    p->prev = st->pend_tail;
    if (st->pend_tail)
        st->pend_tail->next = p;
    else
        st->pend_head = p;
    st->pend_tail = p;
}

static void click(ka_serve_state *st, const ka_store_event_row *row, const char *vid)
{
    char key[600];
    pending_key(key, sizeof key, row->e.user, row->e.title_id);
    ka_pending *p = ka_strmap_get(&st->pending, key);
    /* a click the client dates before the impression it would settle is not its click
     * (a clock gone wrong, or a replayed event): it teaches nothing */
    if (p && !strcmp(p->variant_id, vid) && !(row->e.ts < p->ts))
        reward(st, p, 1, row->id);
}

int ka_fold_event(ka_serve_state *st, const ka_store_event_row *row)
{
    const ka_store_event *e = &row->e;
    ka_event_type type;
    st->watermark = row->id > st->watermark ? row->id : st->watermark;
    st->folded++;
    expire(st, row->received_at, row->id);
    if (!e->type || ka_event_type_parse(e->type, &type) || !e->user || !e->title_id)
        return 0;
    const ka_stitle *t = ka_catalog_find(st->cat, e->title_id);
    int arm = e->variant_id ? ka_stitle_arm(t, e->variant_id)
                            : ka_stitle_arm_number(t, e->variant_number);
    if (arm < 0 || !t->vid[arm][0])
        return 0;                   /* nothing known to learn about */
    ka_suser *u = user_get(st, e->user);
    /* the reward a click settles is learned with the profile from before the click:
     * with the click in it, the context would hold the clicked picture's own scene
     * type and roles, and a contextual model would learn that viewers click what
     * they click */
    if (strlen(e->user) + strlen(e->title_id) <= 500) {
        if (type == KA_EVENT_IMPRESSION)
            impression(st, row, t->vid[arm]);
        else if (type == KA_EVENT_CLICK)
            click(st, row, t->vid[arm]);
    }
    if (u && u->version < row->id) {
        double value = type == KA_EVENT_DWELL && e->value == e->value ? e->value : 0;
        if (!ka_profile_update(&u->p, &t->pv[arm], type, value, e->ts, &st->popts)) {
            u->version = row->id;
            u->dirty = 1;
        }
    }
    return 0;
}

static int by_title(const void *a, const void *b)
{
    const ka_reward *x = a, *y = b;
    if (x->t != y->t)
        return (uintptr_t)x->t < (uintptr_t)y->t ? -1 : 1;
    return x->seq - y->seq;         /* in the order they were folded */
}

typedef struct swap {
    ka_stitle *t;
    int k;
    ka_policy *p;
    int64_t version;
} swap;

/* A copy of t's policy k that learned rewards w[0..n-1], prepared. */
static int learn_copy(ka_serve_state *st, const ka_reward *w, int n, int k, swap *out)
{
    ka_stitle *t = w[0].t;
    int err = ka_policy_clone(t->policy[k], &out->p);
    out->t = t;
    out->k = k;
    out->version = t->version[k];
    for (int i = 0; !err && i < n; i++) {
        if (w[i].id <= out->version)
            continue;               /* already in the state (from a snapshot) */
        ka_policy_ctx c = { .variants = t->pv, .n_variants = t->n_variants,
                            .profile = w[i].has_profile ? &w[i].profile : NULL,
                            .profile_opts = &st->popts };
        if (!(err = ka_policy_update(out->p, &c, w[i].arm, w[i].reward)))
            out->version = w[i].id;
    }
    if (!err)
        err = ka_policy_prepare(out->p);
    if (err) {
        ka_policy_free(out->p);
        out->p = NULL;
    }
    return err;
}

/* A copy of shared policy k that learned every reward (in the order they were
 * folded, whatever their titles), prepared, swapped in. */
static int learn_shared(ka_serve_state *st, int k)
{
    ka_policy *p;
    int64_t version = st->shared_version[k];
    int err = ka_policy_clone(st->shared[k], &p);
    for (int i = 0; !err && i < st->n_learn; i++) {
        const ka_reward *w = &st->learn[i];
        if (w->id <= version)
            continue;
        ka_policy_ctx c = { .variants = w->t->pv, .n_variants = w->t->n_variants,
                            .profile = w->has_profile ? &w->profile : NULL,
                            .profile_opts = &st->popts };
        if (!(err = ka_policy_update(p, &c, w->arm, w->reward)))
            version = w->id;
    }
    if (!err)
        err = ka_policy_prepare(p);
    if (err) {
        ka_policy_free(p);
        return err;
    }
    pthread_rwlock_wrlock(&st->lock);
    ka_policy *old = st->shared[k];
    st->shared[k] = p;
    st->shared_version[k] = version;
    st->shared_dirty = 1;
    pthread_rwlock_unlock(&st->lock);
    ka_policy_free(old);
    return 0;
}

int ka_fold_learn(ka_serve_state *st)
{
    int n = st->n_learn, n_swaps = 0, err = 0;
    if (!n)
        return 0;
    /* a copy that fails to learn (out of memory) is dropped, as a title's is below */
    for (int k = 0; k < KA_SERVE_POLICIES; k++)
        if (st->shared[k])
            (void)learn_shared(st, k);
    qsort(st->learn, (size_t)n, sizeof *st->learn, by_title);
    swap *sw = calloc((size_t)n * KA_SERVE_POLICIES, sizeof *sw);
    if (!sw)
        return ka_error(KA_ENOMEM, "no memory to learn %d rewards", n);
    for (int i = 0, j; i < n; i = j) {
        for (j = i; j < n && st->learn[j].t == st->learn[i].t; j++)
            ;
        for (int k = 0; k < KA_SERVE_POLICIES; k++)
            if (st->learn[i].t->policy[k] && !learn_copy(st, &st->learn[i], j - i, k, &sw[n_swaps]))
                n_swaps++;
    }
    pthread_rwlock_wrlock(&st->lock);
    for (int i = 0; i < n_swaps; i++) {
        ka_policy *old = sw[i].t->policy[sw[i].k];
        sw[i].t->policy[sw[i].k] = sw[i].p;
        sw[i].t->version[sw[i].k] = sw[i].version;
        sw[i].t->dirty = 1;
        sw[i].p = old;
    }
    pthread_rwlock_unlock(&st->lock);
    for (int i = 0; i < n_swaps; i++)
        ka_policy_free(sw[i].p);
    free(sw);
    st->n_learn = 0;
    return err;
}

void ka_pending_clear(ka_serve_state *st)
{
    while (st->pend_head)
        pending_unlink(st, st->pend_head);
    ka_strmap_free(&st->pending, NULL);
}

/* ---- the catalogue's live counts ---- */

/* Adds to a title's impressions or clicks (the catalogue's live counts). */
static int count_title(ka_serve_state *st, const char *title_id, int64_t impressions,
                       int64_t clicks)
{
    ka_tcount *c = ka_strmap_get(&st->counts, title_id);
    if (!c) {
        if (!(c = calloc(1, sizeof *c)) || ka_strmap_put(&st->counts, title_id, c)) {
            free(c);
            return ka_error(KA_ENOMEM, "no memory");
        }
    }
    c->impressions += impressions;
    c->clicks += clicks;
    return 0;
}

static int count_stored(void *arg, const char *title_id, int64_t impressions, int64_t clicks)
{
    return title_id ? count_title(arg, title_id, impressions, clicks) : 0;
}

int ka_fold_load_counts(ka_serve_state *st, ka_store *db)
{
    pthread_rwlock_wrlock(&st->lock);
    ka_strmap_free(&st->counts, free);
    int err = ka_store_title_counts(db, st->watermark, count_stored, st);
    pthread_rwlock_unlock(&st->lock);
    return err;
}

int ka_fold_count(ka_serve_state *st, const ka_store_event_row *row)
{
    const char *type = row->e.type ? row->e.type : "";
    int imp = !strcmp(type, "impression"), click = !strcmp(type, "click");
    return (imp || click) && row->e.title_id ? count_title(st, row->e.title_id, imp, click) : 0;
}
