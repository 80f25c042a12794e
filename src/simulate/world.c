/* world.c: what the simulation knows and keyart does not: the catalogue's variants as
 * viewers see them (with a colour warmth keyart does not measure), the viewers'
 * hidden tastes and habits, and the response model (click, play, complete, dwell).
 * The synthetic catalogue is made here too. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_priv.h"

static double clamp01(double x)
{
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

static double logit(double p)
{
    return log(p / (1 - p));
}

/* A number in 0..1 fixed by a string: the warmth of a variant keyart did not say. */
static double unit_of(const char *s)
{
    uint32_t h = 2166136261u;
    for (; s && *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return (double)(h % 10007) / 10006.0;
}

/* ---- the catalogue ---- */

static int index_of(const char *name, const char *(*name_of)(int), int n)
{
    for (int i = 0; name && i < n; i++)
        if (!strcmp(name_of(i), name))
            return i;
    return -1;
}

static const char *scene_name(int i) { return ka_scene_name((ka_scene)i); }
static const char *comp_name(int i) { return ka_composition_name((ka_composition)i); }

static void variant_from(ka_sim_variant *v, const json_t *o, const char *title)
{
    v->number = (int)json_integer_value(json_object_get(o, "variant_number"));
    int s = index_of(json_string_value(json_object_get(o, "scene_type")), scene_name,
                     KA_SCENE_COUNT);
    int c = index_of(json_string_value(json_object_get(o, "composition")), comp_name,
                     KA_COMP_COUNT);
    v->scene = s < 0 ? KA_SCENE_GENERAL : s;
    v->composition = c < 0 ? KA_COMP_MID : c;
    const json_t *grade = json_object_get(o, "appeal_grade");
    v->quality = json_is_number(grade) ? json_number_value(grade) / KA_GRADE_MAX
                                       : json_number_value(json_object_get(o, "quality_score"));
    v->quality = clamp01(v->quality);
    const json_t *warm = json_object_get(o, "warmth");
    char key[96];
    snprintf(key, sizeof key, "%s/%d", title, v->number);
    v->warmth = json_is_number(warm) ? clamp01(json_number_value(warm)) : unit_of(key);
    size_t k;
    const json_t *ch;
    json_array_foreach(json_object_get(o, "characters"), k, ch) {
        int r = ka_sim_role_index(json_string_value(json_object_get(ch, "role")));
        if (v->n_roles < KA_PV_MAX_CHARS && r >= 0)
            v->roles[v->n_roles++] = r;
    }
}

int ka_sim_titles_from(const json_t *catalog, ka_sim_title **out, int *n)
{
    size_t count = json_array_size(catalog), i;
    ka_sim_title *t = calloc(count ? count : 1, sizeof *t);
    if (!t)
        return ka_error(KA_ENOMEM, "no memory for the catalogue");
    int k = 0;
    const json_t *o;
    json_array_foreach((json_t *)catalog, i, o) {
        const char *id = json_string_value(json_object_get(o, "title_id"));
        const json_t *vars = json_object_get(o, "variants");
        size_t nv = json_array_size(vars);
        if (!id || !nv)
            continue;
        snprintf(t[k].id, sizeof t[k].id, "%s", id);
        const char *genre = json_string_value(json_object_get(o, "genre"));
        t[k].genre = genre ? ka_profile_genre_index(genre) : -1;
        t[k].n_variants = nv > KA_POLICY_MAX_ARMS ? KA_POLICY_MAX_ARMS : (int)nv;
        for (int v = 0; v < t[k].n_variants; v++)
            variant_from(&t[k].variants[v], json_array_get(vars, (size_t)v), id);
        k++;
    }
    if (!k) {
        free(t);
        return ka_error(KA_EINVAL, "the catalogue has no title with variants");
    }
    *out = t;
    *n = k;
    return 0;
}

/* The characters a picture of scene type s shows, with their roles. */
static const char *const *cast_of(int s)
{
    static const char *const hero[] = { "hero", NULL }, *const heroine[] = { "heroine", NULL },
        *const pair[] = { "hero", "heroine", NULL }, *const fight[] = { "hero", "villain", NULL },
        *const group[] = { "lead", "supporting", "supporting", NULL }, *const none[] = { NULL };
    switch (s) {
    case KA_SCENE_HERO_CLOSEUP: case KA_SCENE_ACTION: return hero;
    case KA_SCENE_HEROINE_CLOSEUP: case KA_SCENE_EMOTIONAL: return heroine;
    case KA_SCENE_ROMANTIC: return pair;
    case KA_SCENE_CONFRONTATION: return fight;
    case KA_SCENE_ENSEMBLE: return group;
    default: return none;
    }
}

/* The composition a scene type is usually shot in. */
static int comp_for(int s, double u)
{
    switch (s) {
    case KA_SCENE_HERO_CLOSEUP: case KA_SCENE_HEROINE_CLOSEUP: case KA_SCENE_EMOTIONAL:
        return u < 0.8 ? KA_COMP_CLOSEUP : KA_COMP_MID;
    case KA_SCENE_LANDSCAPE:
        return u < 0.6 ? KA_COMP_EXTREME_WIDE : KA_COMP_WIDE;
    case KA_SCENE_ACTION: case KA_SCENE_ENSEMBLE:
        return u < 0.6 ? KA_COMP_WIDE : KA_COMP_MID;
    default:
        return u < 0.7 ? KA_COMP_MID : KA_COMP_WIDE;
    }
}

json_t *ka_sim_catalog(const ka_sim_scenario *s)
{
    int ng;
    const ka_genre *const *genres = ka_genre_list(&ng);
    ka_rng *rng = ka_rng_new(s->seed ^ 0x5ca1ab1eULL);
    json_t *a = json_array();
    for (int i = 0; rng && a && i < s->synthetic_titles; i++) {
        char id[32], name[48];
        snprintf(id, sizeof id, "sim-%04d", i + 1);
        const char *genre = genres[ka_rng_int(rng, (unsigned long)ng)]->name;
        json_t *vars = json_array();
        for (int v = 0; vars && v < s->synthetic_variants; v++) {
            int scene = (int)ka_rng_int(rng, KA_SCENE_COUNT);
            int comp = comp_for(scene, ka_rng_uniform(rng));
            json_t *chars = json_array();
            const char *const *cast = cast_of(scene);
            for (int c = 0; cast[c]; c++) {
                snprintf(name, sizeof name, "%s %s", id, cast[c]);
                json_array_append_new(chars, json_pack("{s:s, s:s}", "name", name,
                                                       "role", cast[c]));
            }
            char vid[17];
            snprintf(vid, sizeof vid, "%08x%08x", (unsigned)(i + 1), (unsigned)(v + 1));
            /* variant 1 the ranker's best: grades fall with the number, with noise */
            double grade = 3.0 - 2.0 * v / (s->synthetic_variants > 1 ? s->synthetic_variants - 1 : 1);
            grade = grade + ka_rng_gaussian(rng, 0.3);
            json_array_append_new(vars, json_pack(
                "{s:i, s:s, s:s, s:s, s:f, s:f, s:o}", "variant_number", v + 1, "variant_id", vid,
                "scene_type", ka_scene_name((ka_scene)scene), "composition",
                ka_composition_name((ka_composition)comp), "appeal_grade",
                grade < 0 ? 0 : grade > KA_GRADE_MAX ? KA_GRADE_MAX : grade, "warmth",
                ka_rng_uniform(rng), "characters", chars));
        }
        json_array_append_new(a, json_pack("{s:s, s:s, s:o}", "title_id", id, "genre", genre,
                                           "variants", vars));
    }
    ka_rng_free(rng);
    return a;
}

/* ---- the viewers ---- */

static double jitter(ka_rng *r, double centre, double sd)
{
    return clamp01(centre + ka_rng_gaussian(r, sd));
}

static int pick(ka_rng *r, const double *share, int n)
{
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += share[i];
    double u = ka_rng_uniform(r) * sum;
    for (int i = 0; i < n; i++)
        if ((u -= share[i]) < 0)
            return i;
    return n - 1;
}

int ka_sim_viewers_make(const ka_sim_scenario *s, ka_sim_viewer **out)
{
    ka_sim_viewer *v = calloc((size_t)s->users, sizeof *v);
    ka_rng *r = ka_rng_new(s->seed ^ 0x7e57ab1eULL);
    if (!v || !r) {
        free(v);
        ka_rng_free(r);
        return ka_error(KA_ENOMEM, "no memory for %d viewers", s->users);
    }
    double shares[KA_SIM_MAX_SEGMENTS];
    for (int g = 0; g < s->n_segments; g++)
        shares[g] = s->segments[g].share;
    double sd = s->taste_noise;
    for (int i = 0; i < s->users; i++) {
        ka_sim_viewer *w = &v[i];
        w->segment = pick(r, shares, s->n_segments);
        const ka_sim_segment *g = &s->segments[w->segment];
        for (int k = 0; k < KA_PROFILE_GENRES; k++)
            w->genre[k] = jitter(r, g->genre[k], sd);
        for (int k = 0; k < KA_SCENE_COUNT; k++)
            w->scene[k] = jitter(r, g->scene[k], sd);
        for (int k = 0; k < KA_COMP_COUNT; k++)
            w->composition[k] = jitter(r, g->composition[k], sd);
        for (int k = 0; k < KA_ROLE_COUNT; k++)
            w->role[k] = jitter(r, g->role[k], sd);
        w->warmth = jitter(r, g->warmth, sd);
        w->base_logit = logit(g->base_ctr) + ka_rng_gaussian(r, 0.3);
        w->device = pick(r, s->device_share, KA_SIM_DEVICES);
        w->hour = 17.0 + 5.0 * ka_rng_uniform(r) + ka_rng_gaussian(r, 2.0);   /* evenings */
        snprintf(w->id, sizeof w->id, "sim-u%06d", i + 1);
    }
    ka_rng_free(r);
    *out = v;
    return 0;
}

/* ---- responses ---- */

double ka_sim_click_p(const ka_sim_scenario *s, const ka_sim_viewer *w, const ka_sim_title *t,
                      const ka_sim_variant *v, double hour)
{
    const ka_sim_weights *k = &s->click;
    double role = 0.5;
    for (int i = 0; i < v->n_roles; i++)
        role = i == 0 || w->role[v->roles[i]] > role ? w->role[v->roles[i]] : role;
    double genre = t->genre >= 0 ? w->genre[t->genre] : 0.5;
    double x = w->base_logit + k->genre * (genre - 0.5) + k->scene * (w->scene[v->scene] - 0.5) +
               k->composition * (w->composition[v->composition] - 0.5) +
               k->role * (role - 0.5) + k->warmth * 4 * (w->warmth - 0.5) * (v->warmth - 0.5) +
               k->quality * (v->quality - 0.5);
    if (w->device == KA_SIM_PHONE && v->composition == KA_COMP_CLOSEUP)
        x += k->phone_closeup;
    if (hour >= 18 && hour < 23)
        x += k->evening;
    return 1 / (1 + exp(-x));
}

double ka_sim_genre_fit(const ka_sim_viewer *w, const ka_sim_title *t)
{
    return t->genre >= 0 ? w->genre[t->genre] : 0.5;
}
