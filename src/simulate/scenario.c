/* scenario.c: the parameters of a simulation: the documented defaults (four taste
 * segments that want different pictures), a JSON file that overrides any of them, and
 * the range of each. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim_priv.h"

typedef struct weight { const char *name; double w; } weight;

static int genre_index(const char *name)
{
    int n;
    const ka_genre *const *g = ka_genre_list(&n);
    for (int i = 0; i < n && i < KA_PROFILE_GENRES; i++)
        if (!strcmp(g[i]->name, name))
            return i;
    return -1;
}

static int scene_index(const char *name)
{
    for (int i = 0; i < KA_SCENE_COUNT; i++)
        if (!strcmp(ka_scene_name((ka_scene)i), name))
            return i;
    return -1;
}

static int comp_index(const char *name)
{
    for (int i = 0; i < KA_COMP_COUNT; i++)
        if (!strcmp(ka_composition_name((ka_composition)i), name))
            return i;
    return -1;
}

/* Every role, the clustering's "lead" and "background" too (ka_role_parse knows only
 * a cast's). */
int ka_sim_role_index(const char *name)
{
    for (int i = 0; name && i < KA_ROLE_COUNT; i++)
        if (!strcmp(ka_role_name((ka_role)i), name))
            return i;
    return -1;
}

/* A default segment: what it likes (named), everything else at `rest`. */
static void segment(ka_sim_segment *g, const char *name, double share, double base_ctr,
                    double warmth, const weight *genres, const weight *scenes,
                    const weight *comps, const weight *roles)
{
    memset(g, 0, sizeof *g);
    snprintf(g->name, sizeof g->name, "%s", name);
    g->share = share;
    g->base_ctr = base_ctr;
    g->warmth = warmth;
    for (int i = 0; i < KA_PROFILE_GENRES; i++)
        g->genre[i] = 0.2;
    for (int i = 0; i < KA_SCENE_COUNT; i++)
        g->scene[i] = 0.2;
    for (int i = 0; i < KA_COMP_COUNT; i++)
        g->composition[i] = 0.3;
    for (int i = 0; i < KA_ROLE_COUNT; i++)
        g->role[i] = 0.3;
    for (; genres->name; genres++)
        g->genre[genre_index(genres->name)] = genres->w;
    for (; scenes->name; scenes++)
        g->scene[scene_index(scenes->name)] = scenes->w;
    for (; comps->name; comps++)
        g->composition[comp_index(comps->name)] = comps->w;
    for (; roles->name; roles++)
        g->role[ka_sim_role_index(roles->name)] = roles->w;
}

void ka_sim_scenario_default(ka_sim_scenario *s)
{
    memset(s, 0, sizeof *s);
    s->users = 2000;
    s->days = 14;
    s->seed = 1;
    s->row_length = 8;
    s->rows_per_visit = 1;
    s->visit_rate = 0.5;
    s->taste_noise = 0.15;
    s->device_share[0] = 0.4;       /* tv */
    s->device_share[1] = 0.4;       /* phone */
    s->device_share[2] = 0.2;       /* desktop */
    s->click = (ka_sim_weights){ .genre = 1.0, .scene = 2.5, .composition = 1.0,
                                 .role = 0.8, .warmth = 0.6, .quality = 1.0,
                                 .phone_closeup = 0.4, .evening = 0.2 };
    s->play_rate = 0.6;
    s->complete_rate = 0.7;
    s->dwell_mean_s = 25;
    s->learn_every_s = 3600;
    s->attribution_s = 600;
    s->synthetic_titles = 40;
    s->synthetic_variants = 8;
    s->n_segments = 4;
    segment(&s->segments[0], "thrill", 0.30, 0.025, 0.3,
            (weight[]){ { "action", 1 }, { "thriller", 0.8 }, { "scifi", 0.7 },
                        { "adventure", 0.6 }, { NULL, 0 } },
            (weight[]){ { "action", 1 }, { "confrontation", 0.8 }, { "hero_closeup", 0.5 },
                        { NULL, 0 } },
            (weight[]){ { "wide", 0.8 }, { "mid", 0.6 }, { NULL, 0 } },
            (weight[]){ { "hero", 0.9 }, { "villain", 0.7 }, { NULL, 0 } });
    segment(&s->segments[1], "romance", 0.25, 0.025, 0.8,
            (weight[]){ { "romance", 1 }, { "drama", 0.8 }, { "comedy", 0.6 }, { NULL, 0 } },
            (weight[]){ { "romantic", 1 }, { "heroine_closeup", 0.9 }, { "emotional", 0.8 },
                        { "hero_closeup", 0.6 }, { NULL, 0 } },
            (weight[]){ { "closeup", 1 }, { "mid", 0.6 }, { NULL, 0 } },
            (weight[]){ { "heroine", 1 }, { "hero", 0.7 }, { NULL, 0 } });
    segment(&s->segments[2], "explorers", 0.20, 0.02, 0.6,
            (weight[]){ { "adventure", 1 }, { "documentary", 0.9 }, { "animation", 0.6 },
                        { "family", 0.6 }, { NULL, 0 } },
            (weight[]){ { "landscape", 1 }, { "ensemble", 0.5 }, { "general", 0.4 },
                        { NULL, 0 } },
            (weight[]){ { "extreme_wide", 1 }, { "wide", 0.9 }, { NULL, 0 } },
            (weight[]){ { "supporting", 0.5 }, { NULL, 0 } });
    segment(&s->segments[3], "faces", 0.25, 0.025, 0.5,
            (weight[]){ { "drama", 1 }, { "comedy", 0.8 }, { "family", 0.7 }, { NULL, 0 } },
            (weight[]){ { "hero_closeup", 0.9 }, { "heroine_closeup", 0.9 },
                        { "emotional", 0.9 }, { "ensemble", 0.7 }, { NULL, 0 } },
            (weight[]){ { "closeup", 0.9 }, { "mid", 0.8 }, { NULL, 0 } },
            (weight[]){ { "hero", 0.8 }, { "heroine", 0.8 }, { "lead", 0.7 }, { NULL, 0 } });
}

/* ---- the file ---- */

static int bad(const char *member, const char *why)
{
    return ka_error(KA_EINVAL, "scenario: %s: %s", member, why);
}

static int get_num(const json_t *o, const char *key, double lo, double hi, double *out)
{
    const json_t *v = json_object_get(o, key);
    if (!v)
        return 0;
    if (!json_is_number(v))
        return bad(key, "not a number");
    double d = json_number_value(v);
    if (!(d >= lo && d <= hi)) {
        char why[96];
        snprintf(why, sizeof why, "%g is out of range %g..%g", d, lo, hi);
        return bad(key, why);
    }
    *out = d;
    return 0;
}

static int get_int(const json_t *o, const char *key, int lo, int hi, int *out)
{
    double d = *out;
    int err = get_num(o, key, lo, hi, &d);
    if (!err && d != floor(d))
        return bad(key, "not a whole number");
    *out = (int)d;
    return err;
}

static int only(const json_t *o, const char *what, const char *const *allowed)
{
    const char *key;
    const json_t *v;
    if (!json_is_object(o))
        return bad(what, "not an object");
    json_object_foreach((json_t *)o, key, v) {
        int known = 0;
        for (const char *const *a = allowed; *a && !known; a++)
            known = !strcmp(*a, key);
        if (!known)
            return bad(key, "unknown member");
        (void)v;
    }
    return 0;
}

/* {"name": weight, ...} into w[] by index_of, each 0..1. */
static int get_map(const json_t *o, const char *key, int (*index_of)(const char *),
                   double *w, int n)
{
    const json_t *m = json_object_get(o, key);
    const char *name;
    const json_t *v;
    if (!m)
        return 0;
    if (!json_is_object(m))
        return bad(key, "not an object of names and weights");
    for (int i = 0; i < n; i++)
        w[i] = 0;
    json_object_foreach((json_t *)m, name, v) {
        int i = index_of(name);
        if (i < 0 || i >= n) {
            char why[96];
            snprintf(why, sizeof why, "'%s' is not a known name", name);
            return bad(key, why);
        }
        double d = json_number_value(v);
        if (!json_is_number(v) || !(d >= 0 && d <= 1))
            return bad(key, "weights are numbers 0..1");
        w[i] = d;
    }
    return 0;
}

static int load_segment(const json_t *o, ka_sim_segment *g)
{
    static const char *const allowed[] = { "name", "share", "base_ctr", "warmth", "genre",
                                           "scene", "composition", "role", NULL };
    int err = only(o, "segments[]", allowed);
    const char *name = json_string_value(json_object_get(o, "name"));
    if (!err && (!name || !*name || strlen(name) >= sizeof g->name))
        err = bad("segments[].name", "a name of 1..31 characters is needed");
    if (err)
        return err;
    snprintf(g->name, sizeof g->name, "%s", name);
    g->share = 1;
    g->base_ctr = 0.05;
    g->warmth = 0.5;
    if ((err = get_num(o, "share", 0, 1e6, &g->share)) ||
        (err = get_num(o, "base_ctr", 1e-4, 0.9, &g->base_ctr)) ||
        (err = get_num(o, "warmth", 0, 1, &g->warmth)) ||
        (err = get_map(o, "genre", genre_index, g->genre, KA_PROFILE_GENRES)) ||
        (err = get_map(o, "scene", scene_index, g->scene, KA_SCENE_COUNT)) ||
        (err = get_map(o, "composition", comp_index, g->composition, KA_COMP_COUNT)))
        return err;
    return get_map(o, "role", ka_sim_role_index, g->role, KA_ROLE_COUNT);
}

static int load_click(const json_t *o, ka_sim_weights *w)
{
    static const char *const allowed[] = { "genre", "scene", "composition", "role", "warmth",
                                           "quality", "phone_closeup", "evening", NULL };
    int err = only(o, "click", allowed);
    if (!err) err = get_num(o, "genre", -20, 20, &w->genre);
    if (!err) err = get_num(o, "scene", -20, 20, &w->scene);
    if (!err) err = get_num(o, "composition", -20, 20, &w->composition);
    if (!err) err = get_num(o, "role", -20, 20, &w->role);
    if (!err) err = get_num(o, "warmth", -20, 20, &w->warmth);
    if (!err) err = get_num(o, "quality", -20, 20, &w->quality);
    if (!err) err = get_num(o, "phone_closeup", -20, 20, &w->phone_closeup);
    if (!err) err = get_num(o, "evening", -20, 20, &w->evening);
    return err;
}

static int load_devices(const json_t *o, double *share)
{
    static const char *const allowed[] = { "tv", "phone", "desktop", NULL };
    int err = only(o, "device_share", allowed);
    if (!err) err = get_num(o, "tv", 0, 1, &share[0]);
    if (!err) err = get_num(o, "phone", 0, 1, &share[1]);
    if (!err) err = get_num(o, "desktop", 0, 1, &share[2]);
    return err;
}

static int load_members(const json_t *o, ka_sim_scenario *s)
{
    static const char *const allowed[] = {
        "users", "days", "seed", "row_length", "rows_per_visit", "visit_rate", "taste_noise",
        "device_share", "click", "play_rate", "complete_rate", "dwell_mean_s",
        "learn_every_s", "attribution_s", "synthetic_titles", "synthetic_variants",
        "segments", NULL };
    int err = only(o, "the scenario", allowed);
    double seed = (double)s->seed;
    if (!err) err = get_int(o, "users", 1, 10000000, &s->users);
    if (!err) err = get_int(o, "days", 1, KA_SIM_MAX_DAYS, &s->days);
    if (!err) err = get_num(o, "seed", 1, 9007199254740991.0, &seed);
    if (!err) err = get_int(o, "row_length", 1, 100, &s->row_length);
    if (!err) err = get_int(o, "rows_per_visit", 1, 20, &s->rows_per_visit);
    if (!err) err = get_num(o, "visit_rate", 0, 1, &s->visit_rate);
    if (!err) err = get_num(o, "taste_noise", 0, 1, &s->taste_noise);
    if (!err) err = get_num(o, "play_rate", 0, 1, &s->play_rate);
    if (!err) err = get_num(o, "complete_rate", 0, 1, &s->complete_rate);
    if (!err) err = get_num(o, "dwell_mean_s", 0, 3600, &s->dwell_mean_s);
    if (!err) err = get_num(o, "learn_every_s", 1, 86400, &s->learn_every_s);
    if (!err) err = get_num(o, "attribution_s", 0.001, 86400, &s->attribution_s);
    if (!err) err = get_int(o, "synthetic_titles", 1, 100000, &s->synthetic_titles);
    if (!err) err = get_int(o, "synthetic_variants", 1, KA_POLICY_MAX_ARMS, &s->synthetic_variants);
    if (!err && json_object_get(o, "click"))
        err = load_click(json_object_get(o, "click"), &s->click);
    if (!err && json_object_get(o, "device_share"))
        err = load_devices(json_object_get(o, "device_share"), s->device_share);
    s->seed = (uint64_t)seed;
    const json_t *segs = json_object_get(o, "segments");
    if (!err && segs) {
        size_t i;
        const json_t *g;
        if (!json_is_array(segs) || !json_array_size(segs) ||
            json_array_size(segs) > KA_SIM_MAX_SEGMENTS)
            return bad("segments", "an array of 1..8 segments is needed");
        s->n_segments = (int)json_array_size(segs);
        json_array_foreach((json_t *)segs, i, g)
            if (!err)
                err = load_segment(g, &s->segments[i]);
    }
    return err;
}

int ka_sim_scenario_load(const char *path, ka_sim_scenario *s)
{
    json_error_t je;
    json_t *o = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!o)
        return ka_error(je.line < 1 ? KA_EIO : KA_EINVAL, "scenario %s: %s (line %d)", path,
                        je.text, je.line);
    int err = load_members(o, s);
    json_decref(o);
    return err ? err : ka_sim_scenario_check(s);
}

int ka_sim_scenario_check(const ka_sim_scenario *s)
{
    double segs = 0, devices = 0;
    for (int i = 0; i < s->n_segments; i++)
        segs += s->segments[i].share;
    for (int i = 0; i < KA_SIM_DEVICES; i++)
        devices += s->device_share[i];
    if (s->users < 1 || s->days < 1 || s->days > KA_SIM_MAX_DAYS || s->row_length < 1 ||
        s->rows_per_visit < 1)
        return bad("users, days, row_length", "must be at least 1 (days at most 365)");
    if (s->n_segments < 1 || s->n_segments > KA_SIM_MAX_SEGMENTS || !(segs > 0))
        return bad("segments", "1..8 segments with shares summing above 0 are needed");
    if (!(devices > 0))
        return bad("device_share", "the shares must sum above 0");
    if (s->synthetic_variants < 1 || s->synthetic_variants > KA_POLICY_MAX_ARMS)
        return bad("synthetic_variants", "must be 1..16");
    return 0;
}
