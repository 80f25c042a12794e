/* profile.c: user profiles learned online from events. Every affinity and count
 * decays with a half-life, so that a profile follows a user's changing taste; the
 * match of a variant to a profile is relative to the profile's strongest affinity, so
 * that it does not depend on how much the user has done. Also the feature vectors
 * LinUCB uses and the profile's byte format for the store. */
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <strings.h>

#include "personalize_priv.h"

#define KA_PROFILE_MAGIC 0x4650414Bu   /* "KAPF" */
#define KA_PROFILE_VERSION 2u
#define KA_PROFILE_V1_BYTES (KA_PROFILE_BYTES - 4 * KA_PROFILE_GENRES)


static const ka_profile_opts ka_profile_defaults = {
    .half_life_s = 30 * 86400.0,
    .weight = { [KA_EVENT_IMPRESSION] = 0, [KA_EVENT_CLICK] = 1, [KA_EVENT_PLAY] = 2,
                [KA_EVENT_COMPLETE] = 3, [KA_EVENT_SKIP] = -1, [KA_EVENT_DWELL] = 1 },
    .ctr_prior = 0.05f,
    .ctr_prior_n = 20,
};

static const ka_profile empty_profile;

/* ka_profile_genre_index("action"), looked up once */
static int action_genre = -1;
static pthread_once_t action_once = PTHREAD_ONCE_INIT;

static void find_action(void)
{
    action_genre = ka_profile_genre_index("action");
}

void ka_profile_opts_default(ka_profile_opts *o)
{
    *o = ka_profile_defaults;
}

void ka_profile_init(ka_profile *p)
{
    memset(p, 0, sizeof *p);
}

int ka_profile_genre_index(const char *genre)
{
    int n = 0;
    const ka_genre *const *list = ka_genre_list(&n);
    for (int i = 0; genre && i < n && i < KA_PROFILE_GENRES; i++)
        if (!strcasecmp(list[i]->name, genre))
            return i;
    return -1;
}

uint32_t ka_profile_char_id(const char *name)
{
    uint32_t h = 0x811c9dc5u;
    for (const unsigned char *s = (const unsigned char *)name; s && *s; s++) {
        h ^= (uint32_t)tolower(*s);
        h *= 0x01000193u;
    }
    return h ? h : 1;
}

static void scale(float *v, int n, float f)
{
    for (int i = 0; i < n; i++)
        v[i] *= f;
}

/* Decays everything to time ts (never forwards in time). */
static void decay_to(ka_profile *p, double ts, const ka_profile_opts *o)
{
    if (p->ts <= 0 || ts <= p->ts || !(o->half_life_s > 0)) {
        if (ts > p->ts)
            p->ts = ts;
        return;
    }
    float f = (float)exp2(-(ts - p->ts) / o->half_life_s);
    p->events *= f;
    scale(p->genre, KA_PROFILE_GENRES, f);
    scale(p->scene, KA_SCENE_COUNT, f);
    scale(p->composition, KA_COMP_COUNT, f);
    scale(p->role, KA_ROLE_COUNT, f);
    scale(p->char_w, KA_PROFILE_CHARS, f);
    scale(p->scene_imps, KA_SCENE_COUNT, f);
    scale(p->scene_clicks, KA_SCENE_COUNT, f);
    scale(p->genre_seen, KA_PROFILE_GENRES, f);
    p->ts = ts;
}

static void add_clamped(float *x, float d)
{
    *x += d;
    if (!(*x > 0))
        *x = 0;
}

/* The slot of character id (existing, else free, else the weakest when d > 0). */
static int char_slot(ka_profile *p, uint32_t id, float d)
{
    int free_slot = -1, weakest = 0;
    for (int i = 0; i < KA_PROFILE_CHARS; i++) {
        if (p->char_id[i] == id)
            return i;
        if (!p->char_id[i] && free_slot < 0)
            free_slot = i;
        if (p->char_w[i] < p->char_w[weakest])
            weakest = i;
    }
    if (d <= 0)
        return -1;
    int s = free_slot >= 0 ? free_slot : weakest;
    p->char_id[s] = id;
    p->char_w[s] = 0;
    return s;
}

int ka_profile_update(ka_profile *p, const ka_pvariant *v, ka_event_type type, double value,
                      double ts, const ka_profile_opts *o)
{
    if (!o)
        o = &ka_profile_defaults;
    if ((unsigned)type >= KA_EVENT_COUNT)
        return ka_error(KA_EINVAL, "profile update: bad event type %d", (int)type);
    if (!v)
        return ka_error(KA_EINVAL, "profile update: no variant");
    if (!isfinite(ts))
        return ka_error(KA_EINVAL, "profile update: event time %g", ts);
    decay_to(p, ts, o);
    p->events += 1;
    float d = o->weight[type];
    if (type == KA_EVENT_DWELL)
        d *= (float)fmin(fmax(value, 0) / 60.0, 1.0);
    int scene = (unsigned)v->scene < KA_SCENE_COUNT ? v->scene : -1;
    if (scene >= 0) {
        if (type == KA_EVENT_IMPRESSION)
            p->scene_imps[scene] += 1;
        else if (type == KA_EVENT_CLICK)
            p->scene_clicks[scene] += 1;
    }
    if (type == KA_EVENT_IMPRESSION && v->genre >= 0 && v->genre < KA_PROFILE_GENRES)
        p->genre_seen[v->genre] += 1;
    if (d == 0)
        return 0;
    if (v->genre >= 0 && v->genre < KA_PROFILE_GENRES)
        add_clamped(&p->genre[v->genre], d);
    if (scene >= 0)
        add_clamped(&p->scene[scene], d);
    if ((unsigned)v->composition < KA_COMP_COUNT)
        add_clamped(&p->composition[v->composition], d);
    int nc = v->n_chars < 0 ? 0 : v->n_chars > KA_PV_MAX_CHARS ? KA_PV_MAX_CHARS : v->n_chars;
    for (int i = 0; i < nc; i++) {
        if ((unsigned)v->roles[i] < KA_ROLE_COUNT && v->roles[i] != KA_ROLE_NONE)
            add_clamped(&p->role[v->roles[i]], d);
        if (!v->chars[i])
            continue;
        int s = char_slot(p, v->chars[i], d);
        if (s >= 0)
            add_clamped(&p->char_w[s], d);
    }
    return 0;
}

static float vmax(const float *v, int n)
{
    float m = 0;
    for (int i = 0; i < n; i++)
        if (v[i] > m)
            m = v[i];
    return m;
}

/* v[i] times the inverse of v's maximum (0 for an index out of range) */
static float share_of(const float *v, int n, int i, float inv)
{
    return i >= 0 && i < n ? v[i] * inv : 0;
}

static float inverse(float max)
{
    return max > 0 ? 1 / max : 0;
}

static float scene_ctr(const ka_profile *p, int scene, const ka_profile_opts *o)
{
    float imps = 0, clicks = 0;
    if ((unsigned)scene < KA_SCENE_COUNT) {
        imps = p->scene_imps[scene];
        clicks = p->scene_clicks[scene];
        if (imps > 0 && clicks > imps)  /* clicks logged without their impressions */
            clicks = imps;
    }
    float n0 = o->ctr_prior_n > 0 ? o->ctr_prior_n : 0;
    float den = imps + n0;
    if (!(den > 0))
        return o->ctr_prior;
    float r = (clicks + o->ctr_prior * n0) / den;
    return r < 1 ? r : 1;
}

void ka_profile_prep_init(ka_profile_prep *pp, const ka_profile *p, const ka_profile_opts *o)
{
    pp->p = p ? p : &empty_profile;
    pp->o = o ? o : &ka_profile_defaults;
    pp->genre_max = vmax(pp->p->genre, KA_PROFILE_GENRES);
    pp->char_max = vmax(pp->p->char_w, KA_PROFILE_CHARS);
    pp->role_max = vmax(pp->p->role, KA_ROLE_COUNT);
    pp->scene_max = vmax(pp->p->scene, KA_SCENE_COUNT);
    pp->comp_max = vmax(pp->p->composition, KA_COMP_COUNT);
    pp->genre_inv = inverse(pp->genre_max);
    pp->char_inv = inverse(pp->char_max);
    pp->role_inv = inverse(pp->role_max);
    pp->scene_inv = inverse(pp->scene_max);
    pp->comp_inv = inverse(pp->comp_max);
    pp->char_n = 0;
    for (int k = 0; k < KA_PROFILE_CHARS; k++)
        if (pp->p->char_id[k])
            pp->char_n = k + 1;
    pthread_once(&action_once, find_action);
    pp->action_genre = action_genre;
}

void ka_profile_match_prep(const ka_profile_prep *pp, const ka_pvariant *v, ka_profile_match *m)
{
    const ka_profile *p = pp->p;
    m->genre = share_of(p->genre, KA_PROFILE_GENRES, v->genre, pp->genre_inv);
    float best = 0;
    int nc = v->n_chars < 0 ? 0 : v->n_chars > KA_PV_MAX_CHARS ? KA_PV_MAX_CHARS : v->n_chars;
    for (int i = 0; i < nc; i++) {
        float c = 0;
        for (int k = 0; pp->char_max > 0 && v->chars[i] && k < pp->char_n; k++)
            if (p->char_id[k] == v->chars[i])
                c = p->char_w[k] * pp->char_inv;
        if (v->roles[i] != KA_ROLE_NONE) {
            float r = share_of(p->role, KA_ROLE_COUNT, v->roles[i], pp->role_inv);
            c = r > c ? r : c;
        }
        if (c > best)
            best = c;
    }
    m->character = best;
    m->scene = 0.8f * share_of(p->scene, KA_SCENE_COUNT, v->scene, pp->scene_inv) +
               0.2f * share_of(p->composition, KA_COMP_COUNT, v->composition, pp->comp_inv);
    m->ctr = scene_ctr(p, v->scene, pp->o);
    m->quality = v->quality > 1 ? 1 : v->quality > 0 ? v->quality : 0;    /* NaN: 0 */
}

void ka_profile_match_variant(const ka_profile *p, const ka_pvariant *v,
                              const ka_profile_opts *o, ka_profile_match *m)
{
    ka_profile_prep pp;
    ka_profile_prep_init(&pp, p, o);
    ka_profile_match_prep(&pp, v, m);
}

static int people_scene(int s)
{
    return s == KA_SCENE_HERO_CLOSEUP || s == KA_SCENE_HEROINE_CLOSEUP ||
           s == KA_SCENE_ENSEMBLE || s == KA_SCENE_ROMANTIC || s == KA_SCENE_EMOTIONAL ||
           s == KA_SCENE_CONFRONTATION;
}

static float sum(const float *v, int n)
{
    float s = 0;
    for (int i = 0; i < n; i++)
        s += v[i];
    return s;
}

int ka_profile_features_prep(const ka_profile_prep *pp, double *x, int dim)
{
    const ka_profile *p = pp->p;
    const ka_profile_opts *o = pp->o;
    double f[KA_PROFILE_FEATURES] = { 1, 0, 0, 0, 0, 0 };
    float ssum = sum(p->scene, KA_SCENE_COUNT), csum = sum(p->composition, KA_COMP_COUNT);
    float gsum = sum(p->genre, KA_PROFILE_GENRES);
    float people = 0;
    for (int s = 0; s < KA_SCENE_COUNT; s++)
        if (people_scene(s))
            people += p->scene[s];
    int action = pp->action_genre;
    f[1] = csum > 0 ? p->composition[KA_COMP_CLOSEUP] / csum : 0;
    f[2] = ssum > 0 ? people / ssum : 0;
    f[3] = ssum > 0 ? p->scene[KA_SCENE_LANDSCAPE] / ssum : 0;
    f[4] = gsum > 0 && action >= 0 ? p->genre[action] / gsum : 0;
    float imps = sum(p->scene_imps, KA_SCENE_COUNT), clicks = sum(p->scene_clicks, KA_SCENE_COUNT);
    float den = imps + o->ctr_prior_n;
    f[5] = den > 0 ? 10.0 * (clicks + o->ctr_prior * o->ctr_prior_n) / den : 10.0 * o->ctr_prior;
    int n = dim < KA_PROFILE_FEATURES ? dim : KA_PROFILE_FEATURES;
    for (int i = 0; i < dim; i++)
        x[i] = i < n ? f[i] : 0;
    return n < 0 ? 0 : n;
}

int ka_profile_features(const ka_profile *p, const ka_profile_opts *o, double *x, int dim)
{
    /* the features need none of the maxima ka_profile_prep_init finds (five scans of
     * the profile a LinUCB choice would pay for): only what features_prep reads is set */
    ka_profile_prep pp;
    pp.p = p ? p : &empty_profile;
    pp.o = o ? o : &ka_profile_defaults;
    pthread_once(&action_once, find_action);
    pp.action_genre = action_genre;
    return ka_profile_features_prep(&pp, x, dim);
}

/* Variant feature i (0 beyond the list). */
static double pvariant_feature(const ka_pvariant *v, int i)
{
    switch (i) {
    case 0: return 1;
    case 1: return v->quality;
    case 2: return v->composition == KA_COMP_CLOSEUP;
    case 3: return people_scene(v->scene);
    case 4: return v->scene == KA_SCENE_LANDSCAPE;
    case 5: return v->scene == KA_SCENE_ACTION;
    default: return 0;
    }
}

/* Written one by one into x: a LinUCB choice calls this per arm, and building the
 * list on the stack first cost a store-forwarding stall (a third of that choice). */
int ka_pvariant_features(const ka_pvariant *v, double *x, int dim)
{
    for (int i = 0; i < dim; i++)
        x[i] = pvariant_feature(v, i);
    int n = dim < KA_PVARIANT_FEATURES ? dim : KA_PVARIANT_FEATURES;
    return n < 0 ? 0 : n;
}

/* ---- bytes ---- */

static void put_fv(ka_bytes *b, const float *v, int n)
{
    for (int i = 0; i < n; i++)
        ka_put_f32(b, v[i]);
}

static void get_fv(ka_bytes *b, float *v, int n)
{
    for (int i = 0; i < n; i++)
        v[i] = ka_get_f32(b);
}

int ka_profile_save(const ka_profile *p, uint8_t *buf, size_t cap)
{
    if (!buf || cap < KA_PROFILE_BYTES)
        return ka_error(KA_EINVAL, "profile save: buffer of %zu bytes, need %d", cap,
                        (int)KA_PROFILE_BYTES);
    ka_bytes b = { .buf = buf, .cap = cap };
    ka_put_u32(&b, KA_PROFILE_MAGIC);
    ka_put_u32(&b, KA_PROFILE_VERSION);
    ka_put_f64(&b, p->ts);
    ka_put_f64(&b, p->events);
    put_fv(&b, p->genre, KA_PROFILE_GENRES);
    put_fv(&b, p->scene, KA_SCENE_COUNT);
    put_fv(&b, p->composition, KA_COMP_COUNT);
    put_fv(&b, p->role, KA_ROLE_COUNT);
    for (int i = 0; i < KA_PROFILE_CHARS; i++)
        ka_put_u32(&b, p->char_id[i]);
    put_fv(&b, p->char_w, KA_PROFILE_CHARS);
    put_fv(&b, p->scene_imps, KA_SCENE_COUNT);
    put_fv(&b, p->scene_clicks, KA_SCENE_COUNT);
    put_fv(&b, p->genre_seen, KA_PROFILE_GENRES);
    return (int)b.pos;
}

/* every value finite and >= 0 */
static int nonneg(const float *v, int n)
{
    for (int i = 0; i < n; i++)
        if (!(v[i] >= 0) || isinf(v[i]))
            return 0;
    return 1;
}

int ka_profile_load(ka_profile *p, const uint8_t *buf, size_t len)
{
    ka_bytes b = { .in = buf, .cap = buf ? len : 0 };
    uint32_t magic = ka_get_u32(&b), version = ka_get_u32(&b);
    if (magic != KA_PROFILE_MAGIC || !((version == 1 && len == KA_PROFILE_V1_BYTES) ||
                                       (version == 2 && len == KA_PROFILE_BYTES)))
        return ka_error(KA_EFORMAT, "profile load: not a saved profile (%zu bytes)", len);
    ka_profile q;
    memset(q.genre_seen, 0, sizeof q.genre_seen);
    q.ts = ka_get_f64(&b);
    q.events = ka_get_f64(&b);
    get_fv(&b, q.genre, KA_PROFILE_GENRES);
    get_fv(&b, q.scene, KA_SCENE_COUNT);
    get_fv(&b, q.composition, KA_COMP_COUNT);
    get_fv(&b, q.role, KA_ROLE_COUNT);
    for (int i = 0; i < KA_PROFILE_CHARS; i++)
        q.char_id[i] = ka_get_u32(&b);
    get_fv(&b, q.char_w, KA_PROFILE_CHARS);
    get_fv(&b, q.scene_imps, KA_SCENE_COUNT);
    get_fv(&b, q.scene_clicks, KA_SCENE_COUNT);
    if (version >= 2)
        get_fv(&b, q.genre_seen, KA_PROFILE_GENRES);
    if (b.err || b.pos != len)
        return ka_error(KA_EFORMAT, "profile load: truncated");
    if (!nonneg(q.genre, KA_PROFILE_GENRES) || !nonneg(q.scene, KA_SCENE_COUNT) ||
        !nonneg(q.composition, KA_COMP_COUNT) || !nonneg(q.role, KA_ROLE_COUNT) ||
        !nonneg(q.char_w, KA_PROFILE_CHARS) || !nonneg(q.scene_imps, KA_SCENE_COUNT) ||
        !nonneg(q.scene_clicks, KA_SCENE_COUNT) || !nonneg(q.genre_seen, KA_PROFILE_GENRES))
        return ka_error(KA_EFORMAT, "profile load: a negative or non-finite value");
    if (!isfinite(q.ts) || !isfinite(q.events))
        return ka_error(KA_EFORMAT, "profile load: bad time or count");
    *p = q;
    return 0;
}
