/* catalog.c: the analysed titles as a server keeps them: per variant what policies
 * see (scene type, composition, characters and roles, quality, the title's genre) and
 * its image names; per title the policies in use. Built from the store's catalogue. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_priv.h"

int ka_policy_index(const char *name)
{
    int n;
    const ka_policy_type *const *list = ka_policy_list(&n);
    for (int i = 0; name && i < n && i < KA_SERVE_POLICIES; i++)
        if (!strcmp(list[i]->name, name))
            return i;
    return -1;
}

static int scene_of(const char *name)
{
    for (int s = 0; name && s < KA_SCENE_COUNT; s++)
        if (!strcmp(ka_scene_name((ka_scene)s), name))
            return s;
    return 0;
}

static int composition_of(const char *name)
{
    for (int c = 0; name && c < KA_COMP_COUNT; c++)
        if (!strcmp(ka_composition_name((ka_composition)c), name))
            return c;
    return 0;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* The members of an artwork answer that depend only on the variant, made once here
 * so that answering is a copy (requests are the hot path). */
static char *answer_members(const ka_stitle *t, int i, const char *const *keys)
{
    json_t *urls = json_object();
    for (int s = 0; urls && s < KA_SERVE_IMAGES; s++) {
        char url[160];
        if (!t->images[i][s])
            continue;
        ka_artwork_url(t->images[i][s], url, sizeof url);
        json_object_set_new(urls, keys[s], json_string(url));
    }
    json_t *o = json_pack("{s:s, s:i, s:s, s:s?, s:s?, s:o}", "title_id", t->id,
                          "variant_number", t->pv[i].number, "variant_id", t->vid[i],
                          "scene_type", t->scene[i], "composition", t->composition[i],
                          "images", urls ? urls : json_object());
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    size_t n = text ? strlen(text) : 0;
    if (n >= 2) {                   /* drop the braces: the members go inside another object */
        memmove(text, text + 1, n - 2);
        text[n - 2] = '\0';
    }
    return text;
}

static void variant_from_json(ka_stitle *t, int i, const json_t *v)
{
    ka_pvariant *pv = &t->pv[i];
    const char *scene = json_string_value(json_object_get(v, "scene_type"));
    const char *comp = json_string_value(json_object_get(v, "composition"));
    pv->number = (int)json_integer_value(json_object_get(v, "variant_number"));
    const char *id = json_string_value(json_object_get(v, "variant_id"));
    snprintf(t->vid[i], sizeof t->vid[i], "%s", ka_variant_id_ok(id) ? id : "");
    pv->genre = t->genre ? ka_profile_genre_index(t->genre) : -1;
    pv->scene = scene_of(scene);
    pv->composition = composition_of(comp);
    /* what a variant is worth before anyone has seen it: the grade the ranker gave it
     * (variant 1 the highest), so the seed scorer and LinUCB start from the variants'
     * order; the quality score for a variant stored before there was a ranker */
    json_t *grade = json_object_get(v, "appeal_grade");
    pv->quality = json_is_number(grade)
                      ? (float)(json_number_value(grade) / KA_GRADE_MAX)
                      : (float)json_number_value(json_object_get(v, "quality_score"));
    t->scene[i] = dup_or_null(scene);
    t->composition[i] = dup_or_null(comp);
    size_t k;
    json_t *ch;
    json_array_foreach(json_object_get(v, "characters"), k, ch) {
        const char *name = json_string_value(json_object_get(ch, "name"));
        const char *role = json_string_value(json_object_get(ch, "role"));
        ka_role r = KA_ROLE_NONE;
        if (!name || pv->n_chars >= KA_PV_MAX_CHARS)
            continue;
        if (role)
            ka_role_parse(role, &r);
        pv->chars[pv->n_chars] = ka_profile_char_id(name);
        pv->roles[pv->n_chars++] = (int)r;
    }
    const json_t *img = json_object_get(v, "images");
    const char *keys[KA_SERVE_IMAGES] = { "full", "16x9", "2x3", "1x1" };
    for (int s = 0; s < KA_SERVE_IMAGES; s++)
        t->images[i][s] = dup_or_null(json_string_value(json_object_get(img, keys[s])));
    t->answer[i] = answer_members(t, i, keys);
}

static void title_free(void *p)
{
    ka_stitle *t = p;
    if (!t)
        return;
    for (int i = 0; i < t->n_variants; i++) {
        for (int s = 0; t->images && s < KA_SERVE_IMAGES; s++)
            free(t->images[i][s]);
        if (t->scene)
            free(t->scene[i]);
        if (t->composition)
            free(t->composition[i]);
        if (t->answer)
            free(t->answer[i]);
    }
    for (int k = 0; k < KA_SERVE_POLICIES; k++)
        ka_policy_free(t->policy[k]);
    free(t->excluded);
    free(t->images);
    free(t->scene);
    free(t->composition);
    free(t->answer);
    free(t->vid);
    free(t->retired);
    free(t->pv);
    free(t->id);
    free(t->genre);
    free(t);
}

static int title_from_json(const json_t *o, ka_stitle **out)
{
    *out = NULL;
    const char *id = json_string_value(json_object_get(o, "title_id"));
    const json_t *vars = json_object_get(o, "variants"), *retired = json_object_get(o, "retired");
    int n = (int)json_array_size(vars);
    if (!id || n < 1)
        return 0;                   /* nothing to show: not served */
    if (n > KA_POLICY_MAX_ARMS)
        n = KA_POLICY_MAX_ARMS;
    ka_stitle *t = calloc(1, sizeof *t);
    if (t) {
        t->id = strdup(id);
        t->genre = dup_or_null(json_string_value(json_object_get(o, "genre")));
        t->analysed_at = json_number_value(json_object_get(o, "analysed_at"));
        t->n_variants = n;
        t->pv = calloc((size_t)n, sizeof *t->pv);
        t->images = calloc((size_t)n, sizeof *t->images);
        t->scene = calloc((size_t)n, sizeof *t->scene);
        t->composition = calloc((size_t)n, sizeof *t->composition);
        t->answer = calloc((size_t)n, sizeof *t->answer);
        t->vid = calloc((size_t)n, sizeof *t->vid);
        t->retired = calloc(json_array_size(retired) + 1, sizeof *t->retired);
        t->excluded = calloc((size_t)n, 1);
        t->pinned = -1;
    }
    if (!t || !t->id || !t->pv || !t->images || !t->scene || !t->composition || !t->answer ||
        !t->vid || !t->retired || !t->excluded) {
        title_free(t);
        return ka_error(KA_ENOMEM, "no memory for title %s", id);
    }
    for (int i = 0; i < n; i++) {
        variant_from_json(t, i, json_array_get(vars, (size_t)i));
        if (!t->answer[i]) {
            title_free(t);
            return ka_error(KA_ENOMEM, "no memory for title %s", id);
        }
    }
    size_t k;
    const json_t *x;
    json_array_foreach(retired, k, x) {
        const char *rid = json_string_value(json_object_get(x, "variant_id"));
        if (ka_variant_id_ok(rid))
            snprintf(t->retired[t->n_retired++], sizeof t->retired[0], "%s", rid);
    }
    ka_stitle_set_controls(t, json_object_get(o, "controls"));
    *out = t;
    return 0;
}

int ka_catalog_build(const json_t *a, ka_catalog **out)
{
    *out = NULL;
    ka_catalog *c = calloc(1, sizeof *c);
    size_t n = json_array_size(a);
    if (!c || !(c->titles = calloc(n ? n : 1, sizeof *c->titles))) {
        free(c);
        return ka_error(KA_ENOMEM, "no memory for the catalogue");
    }
    for (size_t i = 0; i < n; i++) {
        ka_stitle *t;
        int err = title_from_json(json_array_get(a, i), &t);
        if (!err && t && (err = ka_strmap_put(&c->by_id, t->id, t)))
            title_free(t);
        if (err) {
            ka_catalog_free(c);
            return err;
        }
        if (t)
            c->titles[c->n++] = t;
    }
    *out = c;
    return 0;
}

void ka_catalog_free(ka_catalog *c)
{
    if (!c)
        return;
    ka_strmap_free(&c->by_id, NULL);
    for (int i = 0; i < c->n; i++)
        title_free(c->titles[i]);
    free(c->titles);
    free(c);
}

const ka_stitle *ka_catalog_find(const ka_catalog *c, const char *id)
{
    return c ? ka_strmap_get(&c->by_id, id) : NULL;
}

int ka_stitle_arm(const ka_stitle *t, const char *variant_id)
{
    for (int i = 0; t && variant_id && *variant_id && i < t->n_variants; i++)
        if (!strcmp(t->vid[i], variant_id))
            return i;
    return -1;
}

int ka_stitle_arm_number(const ka_stitle *t, int number)
{
    for (int i = 0; t && i < t->n_variants; i++)
        if (t->pv[i].number == number)
            return i;
    return -1;
}

int ka_stitle_retired(const ka_stitle *t, const char *variant_id)
{
    for (int i = 0; t && variant_id && i < t->n_retired; i++)
        if (!strcmp(t->retired[i], variant_id))
            return 1;
    return 0;
}

void ka_stitle_arm_params(const ka_stitle *t, const ka_policy_params *base,
                          ka_policy_params *p)
{
    *p = *base;
    p->n_arms = t->n_variants;
    /* the Beta policies start from the variants' order: a pseudo-observation split by
     * each variant's prior worth (the ranker's grade / 3) */
    p->prior_strength = KA_SERVE_ORDER_PRIOR;
    for (int i = 0; i < t->n_variants && i < KA_POLICY_MAX_ARMS; i++)
        p->prior_worth[i] = t->pv[i].quality < 0 ? 0 : t->pv[i].quality > 1 ? 1 : t->pv[i].quality;
}

int ka_stitle_policies(ka_stitle *t, unsigned mask, const ka_policy_params *base)
{
    int n;
    const ka_policy_type *const *list = ka_policy_list(&n);
    ka_policy_params p;
    ka_stitle_arm_params(t, base, &p);
    for (int k = 0; k < n && k < KA_SERVE_POLICIES; k++) {
        if (!(mask & (1u << k)) || t->policy[k])
            continue;
        /* prepared now: a Thompson policy whose arms start from different priors
         * would otherwise compute its propensities on every choice until it learns */
        int err = ka_policy_new(list[k]->name, &p, &t->policy[k]);
        if (!err)
            err = ka_policy_prepare(t->policy[k]);
        if (err)
            return ka_error(err, "title %s: %s", t->id, ka_error_message());
        t->version[k] = 0;
    }
    return 0;
}

void ka_stitle_set_controls(ka_stitle *t, const json_t *controls)
{
    t->pinned = ka_stitle_arm(t, json_string_value(json_object_get(controls, "pinned")));
    memset(t->excluded, 0, (size_t)t->n_variants);
    t->n_excluded = 0;
    size_t i;
    const json_t *x;
    json_array_foreach(json_object_get(controls, "excluded"), i, x) {
        int a = ka_stitle_arm(t, json_string_value(x));
        if (a >= 0 && a != t->pinned && !t->excluded[a]) {
            t->excluded[a] = 1;
            t->n_excluded++;
        }
    }
    if (t->n_excluded >= t->n_variants) {  /* two servers racing: serve rather than fail */
        memset(t->excluded, 0, (size_t)t->n_variants);
        t->n_excluded = 0;
    }
}

json_t *ka_stitle_controls_json(const ka_stitle *t)
{
    json_t *ex = json_array();
    for (int a = 0; ex && a < t->n_variants; a++)
        if (t->excluded[a])
            json_array_append_new(ex, json_string(t->vid[a]));
    return json_pack("{s:o, s:o}", "pinned", t->pinned >= 0 ? json_string(t->vid[t->pinned])
                                                            : json_null(),
                     "excluded", ex ? ex : json_array());
}

void ka_stitle_controlled_probs(const ka_stitle *t, double *p)
{
    double sum = 0;
    int left = 0;
    for (int a = 0; a < t->n_variants; a++) {
        if (t->pinned >= 0 || t->excluded[a])
            p[a] = t->pinned == a;
        else {
            sum += p[a];
            left++;
        }
    }
    for (int a = 0; t->pinned < 0 && a < t->n_variants; a++)
        if (!t->excluded[a])
            p[a] = sum > 0 ? p[a] / sum : 1.0 / left;
}
