/* ope_log.c: keyart's own events as a log for off-policy evaluation
 * (ka_ope_log_from_store). Every stored event is folded, in id order, by the server's
 * own code (fold.c), so an impression's reward is the one serving gave it and the
 * users' profiles and the policies are those of a server that read the same events.
 * The impressions in scope (a title; an experiment and arm) become the log's rows: the
 * action is the variant shown (event_action), the propensity the one the event
 * carries. A learned policy is asked for its probabilities at each impression before
 * the impression is folded: it knows what a server knew then, never what came after.
 * Impressions still waiting for a click at the end are judged at o->now as a server
 * folding one more event then would judge them; those still inside their window are
 * left out and counted. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve_priv.h"

enum { OPE_BATCH = 5000, OPE_LEARN_BATCH = 5000 };

typedef struct ope_build {
    ka_serve_state st;
    const ka_ope_store_opts *o;
    ka_ope_store_log *L;
    int st_ready;                   /* st initialised */
    int learned;                    /* policy index of o->learned, -1: none */
    int n, cap;                     /* rows: in event order, so by impression id */
    int64_t *imp;
    int *action, *slot;
    double *pscore, *reward;
    signed char *settled;
    double *pi;                     /* KA_POLICY_MAX_ARMS per row (learned only) */
    ka_strmap slot_of;              /* title id -> slot + 1 */
    const ka_stitle **slot_title;
    int n_slots;
    int done;                       /* st.learn entries already read */
    int64_t after;                  /* the last event read */
    double newest;                  /* its received_at */
} ope_build;

/* The action an event shows: the arm of its picture (by variant_id; by number for
 * events stored before there were ids) in the title now, as fold.c finds it; -1 when
 * the title no longer has that picture (retired). The one place that maps an event to
 * an action. */
static int event_action(const ka_stitle *t, const ka_store_event *e)
{
    return e->variant_id ? ka_stitle_arm(t, e->variant_id)
                         : ka_stitle_arm_number(t, e->variant_number);
}

static int same(const char *want, const char *have)
{
    return !want || (have && !strcmp(want, have));
}

/* The title of an impression in scope, or NULL. */
static const ka_stitle *in_scope(const ope_build *b, const ka_store_event *e)
{
    if (!e->type || strcmp(e->type, "impression") || !e->user || !e->title_id ||
        !same(b->o->title, e->title_id) || !same(b->o->experiment, e->experiment) ||
        !same(b->o->arm, e->arm))
        return NULL;
    return ka_catalog_find(b->st.cat, e->title_id);
}

static int grow(ope_build *b)
{
    if (b->n < b->cap)
        return 0;
    int cap = b->cap ? 2 * b->cap : 1024;
    size_t n = (size_t)cap;
    int64_t *imp = realloc(b->imp, n * sizeof *imp);
    if (imp)
        b->imp = imp;
    int *action = realloc(b->action, n * sizeof *action);
    if (action)
        b->action = action;
    int *slot = realloc(b->slot, n * sizeof *slot);
    if (slot)
        b->slot = slot;
    double *pscore = realloc(b->pscore, n * sizeof *pscore);
    if (pscore)
        b->pscore = pscore;
    double *reward = realloc(b->reward, n * sizeof *reward);
    if (reward)
        b->reward = reward;
    signed char *settled = realloc(b->settled, n * sizeof *settled);
    if (settled)
        b->settled = settled;
    double *pi = b->learned < 0 ? NULL
               : realloc(b->pi, n * KA_POLICY_MAX_ARMS * sizeof *pi);
    if (pi)
        b->pi = pi;
    if (!imp || !action || !slot || !pscore || !reward || !settled || (b->learned >= 0 && !pi))
        return ka_error(KA_ENOMEM, "no memory for %d impressions", cap);
    b->cap = cap;
    return 0;
}

/* The slot of title t (a new one on its first impression). */
static int slot_for(ope_build *b, const ka_stitle *t, int *slot)
{
    intptr_t s = (intptr_t)ka_strmap_get(&b->slot_of, t->id);
    if (s) {
        *slot = (int)s - 1;
        return 0;
    }
    const ka_stitle **st = realloc(b->slot_title, sizeof *st * (size_t)(b->n_slots + 1));
    if (!st)
        return ka_error(KA_ENOMEM, "no memory");
    b->slot_title = st;
    st[b->n_slots] = t;
    *slot = b->n_slots++;
    return ka_strmap_put(&b->slot_of, t->id, (void *)(intptr_t)(*slot + 1));
}

/* The learned policy's probabilities for user and title t now (row: KA_POLICY_MAX_ARMS,
 * zeros past the title's variants). */
static int learned_row(ope_build *b, const ka_stitle *t, const char *user, double *row)
{
    int err = b->st.n_learn ? ka_fold_learn(&b->st) : 0;
    b->done = b->st.n_learn;
    if (err)
        return err;
    const ka_suser *u = ka_strmap_get(&b->st.users, user);
    ka_policy_ctx c = { .variants = t->pv, .n_variants = t->n_variants,
                        .profile = u ? &u->p : NULL, .profile_opts = &b->st.popts };
    memset(row, 0, sizeof(double) * KA_POLICY_MAX_ARMS);
    return ka_policy_probs(ka_state_policy(&b->st, t, b->learned), &c, row);
}

/* A row for an impression in scope, before it is folded. */
static int add_row(ope_build *b, const ka_store_event_row *r, const ka_stitle *t)
{
    b->L->seen++;
    int a = event_action(t, &r->e), s = 0, err;
    if (a < 0) {
        b->L->unknown_variant++;
        return 0;
    }
    if (!(r->e.propensity > 0 && r->e.propensity <= 1)) {
        b->L->no_propensity++;
        return 0;
    }
    if ((err = grow(b)) || (err = slot_for(b, t, &s)))
        return err;
    if (b->learned >= 0 &&
        (err = learned_row(b, t, r->e.user, b->pi + (size_t)b->n * KA_POLICY_MAX_ARMS)))
        return err;
    b->imp[b->n] = r->id;
    b->action[b->n] = a;
    b->slot[b->n] = s;
    b->pscore[b->n] = r->e.propensity;
    b->reward[b->n] = 0;
    b->settled[b->n] = 0;
    b->n++;
    return 0;
}

static int by_id(const void *key, const void *elem)
{
    int64_t k = *(const int64_t *)key, e = *(const int64_t *)elem;
    return k < e ? -1 : k > e;
}

/* The reward r for the impression of event id, when it is one of the rows. */
static void settle(ope_build *b, int64_t id, double r)
{
    const int64_t *hit = b->n ? bsearch(&id, b->imp, (size_t)b->n, sizeof *b->imp, by_id) : NULL;
    if (hit && !b->settled[hit - b->imp]) {
        b->reward[hit - b->imp] = r;
        b->settled[hit - b->imp] = 1;
    }
}

/* The rewards the last fold settled; they stay for the policies only when learning. */
static int take_rewards(ope_build *b)
{
    for (int i = b->done; i < b->st.n_learn; i++)
        settle(b, b->st.learn[i].impression, b->st.learn[i].reward);
    b->done = b->st.n_learn;
    if (b->learned < 0) {
        b->st.n_learn = b->done = 0;
    } else if (b->st.n_learn >= OPE_LEARN_BATCH) {
        int err = ka_fold_learn(&b->st);   /* the order of learning is kept: memory stays small */
        b->done = b->st.n_learn;
        return err;
    }
    return 0;
}

static int one_event(void *arg, const ka_store_event_row *r)
{
    ope_build *b = arg;
    const ka_stitle *t = in_scope(b, &r->e);
    int err = t ? add_row(b, r, t) : 0;
    b->after = r->id;
    b->newest = r->received_at > b->newest ? r->received_at : b->newest;
    b->L->events++;
    if (!err)
        err = ka_fold_event(&b->st, r);
    if (!err)
        err = take_rewards(b);
    return err < 0 ? err : err ? KA_EINTERNAL : 0;
}

/* The impressions still waiting: a reward of 0 once their window has passed at now. */
static void settle_pending(ope_build *b, double now)
{
    for (const ka_pending *p = b->st.pend_head; p; p = p->next)
        if (p->received_at + b->st.attribution_s < now)
            settle(b, p->id, 0);
}

/* The settled rows into L: slots renumbered to the titles that keep a row. */
static int assemble(ope_build *b)
{
    ka_ope_store_log *L = b->L;
    ka_ope_log *g = &L->log;
    int *remap = malloc(sizeof(int) * (size_t)(b->n_slots + 1)), n = 0, k = 0;
    for (int i = 0; i < b->n; i++)
        n += b->settled[i];
    L->used = n;
    L->unsettled = b->n - n;
    g->action = malloc(sizeof(int) * (size_t)(n + 1));
    g->slot = malloc(sizeof(int) * (size_t)(n + 1));
    g->reward = malloc(sizeof(double) * (size_t)(n + 1));
    g->pscore = malloc(sizeof(double) * (size_t)(n + 1));
    L->titles = calloc((size_t)b->n_slots + 1, sizeof *L->titles);
    if (!remap || !g->action || !g->slot || !g->reward || !g->pscore || !L->titles) {
        free(remap);
        return ka_error(KA_ENOMEM, "no memory for %d impressions", n);
    }
    for (int s = 0; s < b->n_slots; s++)
        remap[s] = -1;
    for (int i = 0; i < b->n; i++) {
        if (!b->settled[i])
            continue;
        int s = b->slot[i];
        if (remap[s] < 0) {
            const ka_stitle *t = b->slot_title[s];
            ka_ope_title *ot = &L->titles[g->n_slots];
            if (!(ot->id = strdup(t->id))) {
                free(remap);
                return ka_error(KA_ENOMEM, "no memory");
            }
            ot->n_variants = t->n_variants;
            for (int a = 0; a < t->n_variants; a++)
                ot->number[a] = t->pv[a].number;
            g->n_actions = t->n_variants > g->n_actions ? t->n_variants : g->n_actions;
            remap[s] = g->n_slots++;
        }
        g->action[k] = b->action[i];
        g->slot[k] = remap[s];
        g->reward[k] = b->reward[i];
        g->pscore[k++] = b->pscore[i];
    }
    g->n = n;
    free(remap);
    return 0;
}

/* The learned policy's rows of the settled impressions, n_actions wide. */
static int assemble_pi(ope_build *b)
{
    size_t K = (size_t)b->L->log.n_actions;
    double *pi = malloc(sizeof(double) * ((size_t)b->L->log.n * K + 1));
    if (!pi)
        return ka_error(KA_ENOMEM, "no memory");
    for (int i = 0, k = 0; i < b->n; i++)
        if (b->settled[i])
            memcpy(pi + (size_t)k++ * K, b->pi + (size_t)i * KA_POLICY_MAX_ARMS,
                   sizeof(double) * K);
    b->L->pi = pi;
    return 0;
}

/* The experiment exists and has the arm asked for. */
static int check_experiment(ka_store *db, const ka_ope_store_opts *o)
{
    json_t *x = NULL, *arm;
    int err = ka_store_experiment_json(db, o->experiment, &x), found = !o->arm;
    size_t i;
    if (err)
        return err;
    json_array_foreach(json_object_get(json_object_get(x, "config"), "arms"), i, arm)
        found |= o->arm && same(o->arm, json_string_value(json_object_get(arm, "name")));
    json_decref(x);
    if (!found)
        return ka_error(KA_EINVAL, "experiment '%s' has no arm '%s'", o->experiment, o->arm);
    return 0;
}

/* The catalogue, and the learned policy for the titles in scope. */
static int start(ope_build *b, ka_store *db)
{
    const ka_ope_store_opts *o = b->o;
    ka_serve_opts so;
    ka_serve_opts_default(&so);
    so.policy = o->learned ? o->learned : "uniform";
    if (o->attribution_s > 0)
        so.attribution_s = o->attribution_s;
    b->L->attribution_s = so.attribution_s;
    json_t *a = NULL;
    if (o->learned && ka_policy_index(o->learned) < 0)
        return ka_error(KA_EINVAL, "unknown policy '%s'", o->learned);
    int err = ka_state_init(&b->st, &so);
    if (err)
        return err;
    b->st_ready = 1;
    b->learned = o->learned ? b->st.default_policy : -1;
    if ((err = ka_store_catalog_json(db, &a)) || (err = ka_catalog_build(a, &b->st.cat))) {
        json_decref(a);
        return err;
    }
    json_decref(a);
    if (o->title && !ka_catalog_find(b->st.cat, o->title))
        return ka_error(KA_ENOTFOUND, "no title '%s' in the catalogue", o->title);
    if (o->experiment && (err = check_experiment(db, o)))
        return err;
    if (o->arm && !o->experiment)
        return ka_error(KA_EINVAL, "an arm goes with an experiment");
    for (int i = 0; !err && b->learned >= 0 && i < b->st.cat->n; i++)
        if (same(o->title, b->st.cat->titles[i]->id))
            err = ka_stitle_policies(b->st.cat->titles[i], 1u << b->learned, &b->st.params);
    return err;
}

static void build_free(ope_build *b)
{
    free(b->imp);
    free(b->action);
    free(b->slot);
    free(b->pscore);
    free(b->reward);
    free(b->settled);
    free(b->pi);
    free(b->slot_title);
    ka_strmap_free(&b->slot_of, NULL);
    if (b->st_ready)
        ka_state_free(&b->st);
}

static double clock_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int ka_ope_log_from_store(ka_store *db, const ka_ope_store_opts *o, ka_ope_store_log *out)
{
    memset(out, 0, sizeof *out);
    ope_build b = { .o = o, .L = out, .learned = -1 };
    int err = start(&b, db), n = OPE_BATCH;
    while (!err && n == OPE_BATCH) {
        n = ka_store_events_after(db, b.after, OPE_BATCH, 0, one_event, &b);
        err = n < 0 ? n : 0;
    }
    if (!err) {
        double now = o->now > 0 ? o->now : fmax(clock_now(), b.newest);
        settle_pending(&b, now);
        out->settled_at = now;
        err = assemble(&b);
    }
    if (!err && b.learned >= 0)
        err = assemble_pi(&b);
    build_free(&b);
    if (err)
        ka_ope_store_log_free(out);
    return err;
}
