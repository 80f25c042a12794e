/* snapshot.c: a server's state written to the store and read back. A snapshot holds
 * the policies and profiles that changed, each with the last event it took as its
 * version, and a marker row: the event a server starting later folds from (the oldest
 * impression still waiting for a click, else the watermark). Loading puts every row
 * back; the events after it are folded by state.c. */
#include <stdlib.h>
#include <string.h>

#include "serve_priv.h"

#define MARKER_POLICY "_server"
#define MARKER_SCOPE "snapshot"
#define PROFILE_POLICY "profile"
#define SHARED_SCOPE "*"            /* a shared policy's scope: every title */

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

static void snap_shared(const ka_serve_state *st, snap *s)
{
    for (int k = 0; st->shared_dirty && k < KA_SERVE_POLICIES; k++) {
        uint8_t *buf;
        size_t len;
        if (!st->shared[k] || st->shared_version[k] <= 0)
            continue;
        if (ka_policy_save(st->shared[k], &buf, &len))
            s->err = KA_ENOMEM;
        else
            snap_add(s, ka_policy_type_of(st->shared[k])->name, SHARED_SCOPE, buf, len,
                     st->shared_version[k]);
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
    snap_shared(st, &s);
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
    st->shared_dirty = 0;
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

/* A stored shared policy (unreadable: skipped, the events rebuild it). */
static void load_shared(ka_serve_state *st, const char *policy, const uint8_t *state,
                        size_t size, int64_t version)
{
    int k = ka_policy_index(policy);
    ka_policy *p;
    if (k < 0 || !ka_policy_find(policy)->shared || ka_policy_load(state, size, &p))
        return;
    ka_policy_free(st->shared[k]);
    st->shared[k] = p;
    st->shared_version[k] = version;
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
    } else if (!strcmp(scope, SHARED_SCOPE)) {
        load_shared(st, policy, state, size, version);
    } else {
        load_policy(st, policy, scope, state, size, version);
    }
    return 0;
}

int ka_state_load_snapshot(ka_serve_state *st, ka_store *db)
{
    return ka_store_policy_state_each(db, load_row, st);
}
