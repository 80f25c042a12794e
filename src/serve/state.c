/* state.c: a server's memory and how it follows the store. Titles and experiments are
 * reloaded when the store's differ; events are folded in id order; snapshots write
 * the policies and profiles that changed, each with the last event it took as its
 * version, and a marker row: the event a server starting later folds from (the oldest
 * impression still waiting for a click, else the watermark), skipping in each profile
 * and policy what its version says it holds.
 *
 * Only the refresher writes the state, and it takes the write lock to do so; request
 * threads hold the read lock while they decide. Reading its own state needs no lock
 * in the refresher. The slow part of learning (Thompson's propensities take ~0.1 ms
 * per title) runs on copies of the policies, outside the lock (fold.c). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "serve_priv.h"

#define MARKER_POLICY "_server"
#define MARKER_SCOPE "snapshot"
#define PROFILE_POLICY "profile"
#define FOLD_BATCH 5000

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
    return 0;
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

/* ---- snapshots ---- */

typedef struct snap {
    ka_store_state *rows;
    uint8_t **bufs;
    int n, cap, err;
} snap;

static void snap_add(snap *s, const char *policy, const char *scope, uint8_t *buf,
                     size_t size, int64_t version)
{
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 64;
        ka_store_state *rows = realloc(s->rows, sizeof *rows * (size_t)cap);
        uint8_t **bufs = rows ? realloc(s->bufs, sizeof *bufs * (size_t)cap) : NULL;
        if (rows)
            s->rows = rows;
        if (!rows || !bufs) {
            free(buf);
            s->err = KA_ENOMEM;
            return;
        }
        s->bufs = bufs;
        s->cap = cap;
    }
    s->bufs[s->n] = buf;
    s->rows[s->n++] = (ka_store_state){ policy, scope, buf, size, version };
}

static void snap_user(void *arg, const char *key, void *val)
{
    snap *s = arg;
    ka_suser *u = val;
    uint8_t *buf = u->dirty ? malloc(KA_PROFILE_BYTES) : NULL;
    if (!u->dirty || !buf)
        return;
    int n = ka_profile_save(&u->p, buf, KA_PROFILE_BYTES);
    snap_add(s, PROFILE_POLICY, key, buf, n > 0 ? (size_t)n : 0, u->version);
}

/* A title's policy is stored with the ids of its arms, in order, before the policy's
 * own bytes: "KAV1", the count (u32, little-endian), 16 characters per arm. A server
 * reading it after the title was analysed again gives each variant what it learned. */
#define ARMS_MAGIC "KAV1"
enum { ARMS_HEAD = 8 };

static uint8_t *with_arms(const ka_stitle *t, const uint8_t *buf, size_t len, size_t *out_len)
{
    size_t head = ARMS_HEAD + (size_t)t->n_variants * KA_VARIANT_ID_LEN;
    uint8_t *b = malloc(head + len);
    if (!b)
        return NULL;
    memcpy(b, ARMS_MAGIC, 4);
    for (int i = 0; i < 4; i++)
        b[4 + i] = (uint8_t)((uint32_t)t->n_variants >> (8 * i));
    for (int a = 0; a < t->n_variants; a++)
        memcpy(b + ARMS_HEAD + (size_t)a * KA_VARIANT_ID_LEN, t->vid[a], KA_VARIANT_ID_LEN);
    memcpy(b + head, buf, len);
    *out_len = head + len;
    return b;
}

static void snap_titles(const ka_serve_state *st, snap *s)
{
    for (int i = 0; st->cat && i < st->cat->n; i++) {
        const ka_stitle *t = st->cat->titles[i];
        for (int k = 0; t->dirty && k < KA_SERVE_POLICIES; k++) {
            uint8_t *buf, *wrapped;
            size_t len, wlen;
            if (!t->policy[k] || t->version[k] <= 0 || ka_policy_save(t->policy[k], &buf, &len))
                continue;
            wrapped = with_arms(t, buf, len, &wlen);
            free(buf);
            if (wrapped)
                snap_add(s, ka_policy_type_of(t->policy[k])->name, t->id, wrapped, wlen,
                         t->version[k]);
            else
                s->err = KA_ENOMEM;
        }
    }
}

static void clear_dirty(void *arg, const char *key, void *val)
{
    ((ka_suser *)val)->dirty = 0;
}

int ka_state_snapshot(ka_serve_state *st, ka_store *db)
{
    if (st->watermark <= st->snapshot_mark)
        return 0;
    snap s = { 0 };
    ka_strmap_each(&st->users, snap_user, &s);
    snap_titles(st, &s);
    /* The marker is where a server starting from this snapshot folds from: the oldest
     * impression still waiting for its click, so that clicks and expiries after the
     * snapshot still find it (profiles and policies skip the events they hold). */
    int64_t from = st->pend_head && st->pend_head->id <= st->watermark
                 ? st->pend_head->id - 1 : st->watermark;
    snap_add(&s, MARKER_POLICY, MARKER_SCOPE, NULL, 0, from);
    int err = s.err ? ka_error(s.err, "no memory for a snapshot")
                    : ka_store_policy_state_put(db, s.rows, s.n);
    for (int i = 0; i < s.n; i++)
        free(s.bufs[i]);
    free(s.rows);
    free(s.bufs);
    if (err)
        return err;
    pthread_rwlock_wrlock(&st->lock);   /* dirty flags are the refresher's, but tidy */
    ka_strmap_each(&st->users, clear_dirty, NULL);
    for (int i = 0; st->cat && i < st->cat->n; i++)
        st->cat->titles[i]->dirty = 0;
    st->snapshot_mark = st->watermark;
    pthread_rwlock_unlock(&st->lock);
    return 0;
}

/* A stored policy into title scope: its arms' ids (with_arms) map what each variant
 * learned to the variant's arm now; a policy stored without them (an older server)
 * is taken only when its arm count still fits. Anything unreadable is skipped: the
 * events rebuild what they can. */
static void load_policy(ka_serve_state *st, const char *policy, const char *scope,
                        const uint8_t *state, size_t size, int64_t version)
{
    ka_stitle *t = (ka_stitle *)ka_catalog_find(st->cat, scope);
    int k = ka_policy_index(policy), n = -1, from[KA_POLICY_MAX_ARMS];
    if (!t || k < 0)
        return;
    if (size >= ARMS_HEAD && !memcmp(state, ARMS_MAGIC, 4)) {
        n = (int)(state[4] | state[5] << 8 | state[6] << 16 | (uint32_t)state[7] << 24);
        size_t head = ARMS_HEAD + (size_t)n * KA_VARIANT_ID_LEN;
        if (n < 1 || n > KA_POLICY_MAX_ARMS || size < head)
            return;
        ka_stitle saved = { .n_variants = n, .vid = calloc((size_t)n, sizeof *saved.vid) };
        if (!saved.vid)
            return;
        for (int a = 0; a < n; a++)
            memcpy(saved.vid[a], state + ARMS_HEAD + (size_t)a * KA_VARIANT_ID_LEN,
                   KA_VARIANT_ID_LEN);
        for (int i = 0; i < t->n_variants; i++)
            from[i] = ka_stitle_arm(&saved, t->vid[i]);
        free(saved.vid);
        state += head;
        size -= head;
    }
    ka_policy *p, *mapped = NULL;
    if (ka_policy_load(state, size, &p))
        return;
    int arms = ka_policy_params_of(p)->n_arms;
    if (strcmp(ka_policy_type_of(p)->name, policy) || (n < 0 && arms != t->n_variants) ||
        (n >= 0 && arms != n)) {
        ka_policy_free(p);
        return;
    }
    if (n >= 0) {
        ka_policy_params ap;
        ka_stitle_arm_params(t, &st->params, &ap);
        int err = ka_policy_remap(p, &ap, from, &mapped);
        ka_policy_free(p);
        if (err)
            return;
        p = mapped;
    }
    ka_policy_free(t->policy[k]);
    t->policy[k] = p;
    t->version[k] = version;
}

/* One snapshot row into the state (before serving starts). */
static int load_row(void *arg, const char *policy, const char *scope, const void *state,
                    size_t size, int64_t version)
{
    ka_serve_state *st = arg;
    if (!strcmp(policy, MARKER_POLICY)) {
        st->watermark = version;
        st->snapshot_mark = version;
    } else if (!strcmp(policy, PROFILE_POLICY)) {
        ka_suser *u = calloc(1, sizeof *u);
        if (!u)
            return ka_error(KA_ENOMEM, "no memory");
        if (ka_profile_load(&u->p, state, size) || ka_strmap_put(&st->users, scope, u)) {
            free(u);                /* unreadable: the events will rebuild what they can */
            return 0;
        }
        u->version = version;
    } else {
        load_policy(st, policy, scope, state, size, version);
    }
    return 0;
}

int ka_state_load(ka_serve_state *st, ka_store *db, double lag_s)
{
    int err = reload_titles_controls(st, db);
    if (!err)
        err = reload_exps(st, db);
    if (!err)
        report_retired(st);
    if (!err)
        err = ka_store_policy_state_each(db, load_row, st);
    for (int i = 0; !err && st->cat && i < st->cat->n; i++)
        err = ka_stitle_policies(st->cat->titles[i], st->policy_mask, &st->params);
    if (!err)
        err = ka_fold_load_counts(st, db);
    if (!err)
        err = fold_events(st, db, lag_s, 1);
    return err;
}
