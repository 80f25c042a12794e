/* state.c: a server's memory and how it follows the store. Titles and experiments are
 * reloaded when the store's differ; events are folded in id order; a server starts
 * from the last snapshot (snapshot.c) and folds the events after it, skipping in each
 * profile and policy what its version says it holds.
 *
 * Only the refresher writes the state, and it takes the write lock to do so; request
 * threads hold the read lock while they decide. Reading its own state needs no lock
 * in the refresher. The slow part of learning (Thompson's propensities take ~0.1 ms
 * per title) runs on copies of the policies, outside the lock (fold.c). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "serve_priv.h"

#define FOLD_BATCH 5000

/* The shared policies of the mask that the state lacks, new (with the base params:
 * their arms are any title's). */
static int shared_policies(ka_serve_state *st)
{
    int n;
    const ka_policy_type *const *list = ka_policy_list(&n);
    for (int k = 0; k < n && k < KA_SERVE_POLICIES; k++) {
        if (!(st->policy_mask & (1u << k)) || !list[k]->shared || st->shared[k])
            continue;
        int err = ka_policy_new(list[k]->name, &st->params, &st->shared[k]);
        if (!err)
            err = ka_policy_prepare(st->shared[k]);
        if (err)
            return err;
        st->shared_version[k] = 0;
    }
    return 0;
}

const ka_policy *ka_state_policy(const ka_serve_state *st, const ka_stitle *t, int k)
{
    if (k < 0 || k >= KA_SERVE_POLICIES)
        return NULL;
    return t && t->policy[k] ? t->policy[k] : st->shared[k];
}

int ka_state_init(ka_serve_state *st, const ka_serve_opts *o)
{
    memset(st, 0, sizeof *st);
    ka_profile_opts_default(&st->popts);
    ka_policy_params_default(&st->params);
    st->attribution_s = o->attribution_s;
    st->quiet = o->quiet;
    st->default_policy = ka_policy_index(o->policy);
    if (st->default_policy < 0)
        return ka_error(KA_EINVAL, "unknown policy '%s'", o->policy ? o->policy : "");
    st->policy_mask = 1u << st->default_policy;
    st->controls_stamp = -1;
    if (pthread_rwlock_init(&st->lock, NULL))
        return ka_error(KA_EINTERNAL, "cannot create a lock");
    if (pthread_mutex_init(&st->controls_lock, NULL)) {
        pthread_rwlock_destroy(&st->lock);
        return ka_error(KA_EINTERNAL, "cannot create a lock");
    }
    int err = shared_policies(st);
    if (err)
        ka_state_free(st);
    return err;
}

static void free_exps(ka_sexp *e, int n)
{
    for (int i = 0; i < n; i++)
        ka_sexp_clear(&e[i]);
    free(e);
}

void ka_state_free(ka_serve_state *st)
{
    ka_pending_clear(st);
    ka_catalog_free(st->cat);
    ka_strmap_free(&st->users, free);
    free_exps(st->exps, st->n_exps);
    free(st->exps_text);
    free(st->retired_text);
    free(st->learn);
    ka_strmap_free(&st->counts, free);
    json_decref(st->titles_list);
    for (int k = 0; k < KA_SERVE_POLICIES; k++)
        ka_policy_free(st->shared[k]);
    pthread_rwlock_destroy(&st->lock);
    pthread_mutex_destroy(&st->controls_lock);
    memset(st, 0, sizeof *st);
}

/* ---- titles ---- */

/* from[i]: the arm of old that showed t's arm i (the same variant id), or -1; returns
 * whether every arm of t maps to the arm of its own index in old, old having no more. */
static int arms_from(const ka_stitle *old, const ka_stitle *t, int *from)
{
    int same = old->n_variants == t->n_variants;
    for (int i = 0; i < t->n_variants; i++) {
        from[i] = ka_stitle_arm(old, t->vid[i]);
        same &= from[i] == i;
    }
    return same;
}

/* t's policies from old's: moved when the arms are the same, else what each variant
 * learned follows its id to its new arm (new variants start from their priors). */
static int take_policies(ka_serve_state *st, ka_stitle *old, ka_stitle *t)
{
    int from[KA_POLICY_MAX_ARMS];
    if (arms_from(old, t, from)) {
        memcpy(t->policy, old->policy, sizeof t->policy);
        memcpy(t->version, old->version, sizeof t->version);
        memset(old->policy, 0, sizeof old->policy);
        t->dirty = old->dirty;
        return 0;
    }
    ka_policy_params arms;
    ka_stitle_arm_params(t, &st->params, &arms);
    for (int k = 0; k < KA_SERVE_POLICIES; k++) {
        if (!old->policy[k])
            continue;
        int err = ka_policy_remap(old->policy[k], &arms, from, &t->policy[k]);
        if (err)
            return ka_error(err, "title %s: %s", t->id, ka_error_message());
        t->version[k] = old->version[k];
        t->dirty = 1;
    }
    return 0;
}

/* Gives next's titles the policies of prev's (by variant id), and every title the
 * policies in use. */
static int carry_policies(ka_serve_state *st, ka_catalog *prev, ka_catalog *next)
{
    for (int i = 0; i < next->n; i++) {
        ka_stitle *t = next->titles[i];
        ka_stitle *old = prev ? (ka_stitle *)ka_catalog_find(prev, t->id) : NULL;
        int err = old ? take_policies(st, old, t) : 0;
        if (!err)
            err = ka_stitle_policies(t, st->policy_mask, &st->params);
        if (err)
            return err;
    }
    return 0;
}

int ka_state_set_titles(ka_serve_state *st, const json_t *catalog, int64_t stamp_titles,
                        double stamp_latest)
{
    ka_catalog *next;
    int err = ka_catalog_build(catalog, &next);
    if (err)
        return err;
    next->stamp_titles = stamp_titles;
    next->stamp_latest = stamp_latest;
    pthread_rwlock_wrlock(&st->lock);
    err = carry_policies(st, st->cat, next);
    ka_catalog *old = st->cat;
    if (!err)
        st->cat = next;
    pthread_rwlock_unlock(&st->lock);
    ka_catalog_free(err ? next : old);
    return err;
}

static int reload_titles(ka_serve_state *st, ka_store *db)
{
    int64_t n;
    double latest;
    int err = ka_store_catalog_stamp(db, &n, &latest);
    if (err || (st->cat && st->cat->stamp_titles == n && st->cat->stamp_latest == latest))
        return err;
    json_t *a, *list;
    if ((err = ka_store_catalog_json(db, &a)))
        return err;
    if ((err = ka_store_titles_json(db, &list))) {
        json_decref(a);
        return err;
    }
    ka_page all = { NULL, INT_MAX };    /* in strcmp order, as pages are (the database's
                                         * collation may differ) */
    json_t *next;
    list = ka_page_of(list, "title_id", "", &all, &next);
    json_decref(next);
    err = ka_state_set_titles(st, a, n, latest);
    json_decref(a);
    pthread_rwlock_wrlock(&st->lock);
    json_t *old = st->titles_list;
    st->titles_list = err ? old : list;
    pthread_rwlock_unlock(&st->lock);
    json_decref(err ? list : old);
    return err;
}

/* ---- editor controls ---- */

/* Applies the store's controls when they changed (the caller holds controls_lock). */
static int reload_controls(ka_serve_state *st, ka_store *db)
{
    int64_t stamp;
    json_t *c;
    int err = ka_store_controls_stamp(db, &stamp);
    if (err || stamp == st->controls_stamp)
        return err;
    if ((err = ka_store_controls_json(db, &c)))
        return err;
    pthread_rwlock_wrlock(&st->lock);
    for (int i = 0; st->cat && i < st->cat->n; i++)
        ka_stitle_set_controls(st->cat->titles[i], json_object_get(c, st->cat->titles[i]->id));
    st->controls_stamp = stamp;
    pthread_rwlock_unlock(&st->lock);
    json_decref(c);
    return 0;
}

/* Titles, then controls, as one step against a server's own control changes: the
 * catalogue read carries the controls of its time, which a change made meanwhile
 * would otherwise lose until the next refresh. */
static int reload_titles_controls(ka_serve_state *st, ka_store *db)
{
    pthread_mutex_lock(&st->controls_lock);
    int64_t before = st->cat ? st->cat->stamp_titles : -1;
    double latest = st->cat ? st->cat->stamp_latest : -1;
    int err = reload_titles(st, db);
    if (!err && st->cat && (st->cat->stamp_titles != before || st->cat->stamp_latest != latest))
        st->controls_stamp = -1;    /* a new catalogue: apply the controls to it again */
    if (!err)
        err = reload_controls(st, db);
    pthread_mutex_unlock(&st->controls_lock);
    return err;
}

int ka_state_control(ka_serve_state *st, ka_store *db, const char *title_id,
                     const char *variant_id, ka_control_op op)
{
    pthread_mutex_lock(&st->controls_lock);
    int err = ka_store_control(db, title_id, variant_id, op);
    if (!err)
        err = reload_controls(st, db);
    pthread_mutex_unlock(&st->controls_lock);
    return err;
}

/* ---- experiments ---- */

/* The running and shipped experiments of the store's list. */
static int parse_exps(json_t *list, ka_sexp **out, int *n)
{
    size_t i, count = 0;
    json_t *x;
    ka_sexp *e = calloc(json_array_size(list) + 1, sizeof *e);
    if (!e)
        return ka_error(KA_ENOMEM, "no memory");
    json_array_foreach(list, i, x) {
        const char *status = json_string_value(json_object_get(x, "status"));
        char why[256];
        if (!status || (strcmp(status, "running") && strcmp(status, "shipped")))
            continue;
        if (ka_sexp_parse(&e[count], json_string_value(json_object_get(x, "name")), status,
                          json_object_get(x, "config"), why, sizeof why)) {
            ka_sexp_clear(&e[count]);   /* stored by an older build? skip it, say why */
            fprintf(stderr, "keyart serve: experiment skipped: %s\n", why);
            continue;
        }
        count++;
    }
    *out = e;
    *n = (int)count;
    return 0;
}

static unsigned mask_of(const ka_serve_state *st, const ka_sexp *e, int n)
{
    unsigned mask = 1u << st->default_policy;
    for (int i = 0; i < n; i++)
        for (int a = 0; a < e[i].exp.n_arms; a++)
            if (e[i].arm_policy[a] >= 0)
                mask |= 1u << e[i].arm_policy[a];
    return mask;
}

int ka_state_set_exps(ka_serve_state *st, json_t *list)
{
    char *text = json_dumps(list, JSON_COMPACT | JSON_SORT_KEYS);
    if (text && st->exps_text && !strcmp(text, st->exps_text)) {
        free(text);
        return 0;
    }
    ka_sexp *e;
    int n;
    int err = parse_exps(list, &e, &n);
    if (err) {
        free(text);
        return err;
    }
    pthread_rwlock_wrlock(&st->lock);
    st->policy_mask = mask_of(st, e, n);
    err = shared_policies(st);
    for (int i = 0; !err && st->cat && i < st->cat->n; i++)
        err = ka_stitle_policies(st->cat->titles[i], st->policy_mask, &st->params);
    ka_sexp *old = st->exps;
    int n_old = st->n_exps;
    st->exps = e;
    st->n_exps = n;
    free(st->exps_text);
    st->exps_text = text;
    pthread_rwlock_unlock(&st->lock);
    free_exps(old, n_old);
    return err;
}

static int reload_exps(ka_serve_state *st, ka_store *db)
{
    json_t *list;
    int err = ka_store_experiments_json(db, &list);
    if (!err)
        err = ka_state_set_exps(st, list);
    json_decref(list);
    return err;
}

/* Says once, when it changes, which arms of running experiments show a picture the
 * latest analysis of a title retired: their users fall through to the next rule. */
static void report_retired(ka_serve_state *st)
{
    json_t *all = json_array();
    for (int i = 0; all && i < st->n_exps; i++) {
        json_t *a = ka_exp_retired_arms(&st->exps[i], st->cat);
        size_t k;
        json_t *x;
        json_array_foreach(a, k, x)
            json_object_set_new(x, "experiment", json_string(st->exps[i].name));
        json_array_extend(all, a);
        json_decref(a);
    }
    char *text = all ? json_dumps(all, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (text && (!st->retired_text || strcmp(text, st->retired_text))) {
        size_t k;
        json_t *x;
        json_array_foreach(all, k, x)
            if (!st->quiet)
                fprintf(stderr, "keyart serve: experiment '%s': arm '%s' shows variant %s of "
                        "title '%s', which its latest analysis retired: the arm's users see "
                        "the server's policy until the arm is changed\n",
                        json_string_value(json_object_get(x, "experiment")),
                        json_string_value(json_object_get(x, "arm")),
                        json_string_value(json_object_get(x, "variant_id")),
                        json_string_value(json_object_get(x, "title_id")));
        free(st->retired_text);
        st->retired_text = text;
        text = NULL;
    }
    free(text);
    json_decref(all);
}

/* ---- events ---- */

/* The rows are read before the first callback: the write lock is taken only then, so
 * requests never wait for the database. */
typedef struct folding {
    ka_serve_state *st;
    int locked;
} folding;

static int fold_one(void *arg, const ka_store_event_row *row)
{
    folding *f = arg;
    if (!f->locked) {
        pthread_rwlock_wrlock(&f->st->lock);
        f->locked = 1;
    }
    int err = ka_fold_count(f->st, row);
    return err ? err : ka_fold_event(f->st, row);
}

static int fold_events(ka_serve_state *st, ka_store *db, double lag_s, int learn)
{
    for (;;) {
        folding f = { st, 0 };
        int n = ka_store_events_after(db, st->watermark, FOLD_BATCH, lag_s, fold_one, &f);
        if (f.locked)
            pthread_rwlock_unlock(&st->lock);
        int err = learn ? ka_fold_learn(st) : 0;
        if (n < 0 || err)
            return n < 0 ? n : err;
        if (n < FOLD_BATCH)
            return 0;
    }
}

int ka_state_refresh(ka_serve_state *st, ka_store *db, double lag_s)
{
    int err = reload_titles_controls(st, db);
    if (!err)
        err = reload_exps(st, db);
    if (!err)
        report_retired(st);
    if (!err)
        err = fold_events(st, db, lag_s, 1);
    return err;
}

int ka_state_fold(ka_serve_state *st, ka_store *db, double lag_s)
{
    return fold_events(st, db, lag_s, 0);
}

int ka_state_load(ka_serve_state *st, ka_store *db, double lag_s)
{
    int err = reload_titles_controls(st, db);
    if (!err)
        err = reload_exps(st, db);
    if (!err)
        report_retired(st);
    if (!err)
        err = ka_state_load_snapshot(st, db);
    if (!err)
        err = shared_policies(st);
    for (int i = 0; !err && st->cat && i < st->cat->n; i++)
        err = ka_stitle_policies(st->cat->titles[i], st->policy_mask, &st->params);
    if (!err)
        err = ka_fold_load_counts(st, db);
    if (!err)
        err = fold_events(st, db, lag_s, 1);
    return err;
}
