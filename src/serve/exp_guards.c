/* exp_guards.c: what an experiment must agree with before it is made or run, so that
 * no arm and no experiment silently gets no traffic:
 *   - every arm that names a variant names one that every title the experiment covers
 *     has now, not one a later analysis retired (a title it lists must be in the
 *     catalogue at all);
 *   - no other running experiment covers one of its titles, unless the two share a
 *     namespace with ranges that do not overlap (GrowthBook's namespaces: a user
 *     falls in one range of a namespace, so the two never meet).
 * The catalogue and the experiments are the store's JSON (ka_store_catalog_json,
 * ka_store_experiments_json); the reason goes to why. Here too: pinning an arm given
 * by number to its titles' variant ids, and the arms of a running experiment whose
 * pictures were retired since it started (reported, as their users fall through to
 * the next rule). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "serve_priv.h"

static int why_set(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int why_set(char *why, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, size, fmt, ap);
    va_end(ap);
    return -1;
}

/* The catalogue's entry of title id, or NULL. */
static const json_t *catalog_title(const json_t *catalog, const char *id)
{
    size_t i;
    const json_t *t;
    json_array_foreach(catalog, i, t) {
        const char *tid = json_string_value(json_object_get(t, "title_id"));
        if (tid && !strcmp(tid, id))
            return t;
    }
    return NULL;
}

static int has_variant(const json_t *title, int number)
{
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(title, "variants"), i, v)
        if (json_integer_value(json_object_get(v, "variant_number")) == number)
            return 1;
    return 0;
}

/* The entry of variant id in title's list (variants or retired), or NULL. */
static const json_t *by_id(const json_t *title, const char *list, const char *id)
{
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(title, list), i, v) {
        const char *vid = json_string_value(json_object_get(v, "variant_id"));
        if (id && vid && !strcmp(vid, id))
            return v;
    }
    return NULL;
}

/* Arm a's variant by id in title; -1 and why when the title has it not. */
static int check_id(const ka_sexp *e, int a, const json_t *title, char *why, size_t size)
{
    const char *tid = json_string_value(json_object_get(title, "title_id"));
    const char *id = ka_sexp_arm_variant_id(e, a, tid);
    const char *arm = e->arms[a].name;
    if (!id)
        return why_set(why, size, "arm '%s' names no variant of title '%s'", arm, tid);
    if (by_id(title, "variants", id))
        return 0;
    if (by_id(title, "retired", id))
        return why_set(why, size, "arm '%s' shows variant %s of title '%s', which the title's "
                       "latest analysis no longer chose (retired)", arm, id, tid);
    return why_set(why, size, "arm '%s' shows variant %s, which title '%s' does not have", arm,
                   id, tid);
}

/* The arms' variants against one title; -1 and why when one is missing. */
static int check_title(const ka_sexp *e, const json_t *title, char *why, size_t size)
{
    for (int a = 0; a < e->exp.n_arms; a++) {
        const ka_exp_arm *arm = &e->arms[a];
        if (arm->kind == KA_EXP_ARM_VARIANT && (e->arm_vid[a] || e->arm_vids[a])) {
            if (check_id(e, a, title, why, size))
                return -1;
        } else if (arm->kind == KA_EXP_ARM_VARIANT && !has_variant(title, arm->variant))
            return why_set(why, size, "arm '%s' shows variant_number %d, which title '%s' "
                           "does not have (it has %zu variants)", arm->name, arm->variant,
                           json_string_value(json_object_get(title, "title_id")),
                           json_array_size(json_object_get(title, "variants")));
    }
    return 0;
}

int ka_exp_check_variants(const ka_sexp *e, const json_t *catalog, char *why, size_t size)
{
    if (e->titles) {
        for (int i = 0; i < e->n_titles; i++) {
            const json_t *t = catalog_title(catalog, e->titles[i]);
            if (!t)
                return why_set(why, size, "title '%s' is not in the catalogue", e->titles[i]);
            if (check_title(e, t, why, size))
                return -1;
        }
        return 0;
    }
    size_t i;
    const json_t *t;
    json_array_foreach(catalog, i, t)
        if (check_title(e, t, why, size))
            return -1;
    return 0;
}

/* The variant id of number in title, or NULL. */
static const char *id_of(const json_t *title, json_int_t number)
{
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(title, "variants"), i, v)
        if (json_integer_value(json_object_get(v, "variant_number")) == number)
            return json_string_value(json_object_get(v, "variant_id"));
    return NULL;
}

int ka_exp_pin_variants(json_t *config, const json_t *catalog)
{
    const json_t *titles = json_object_get(config, "titles");
    size_t i, k;
    json_t *arm;
    const json_t *tid;
    if (!json_is_array(titles))
        return 0;                   /* over every title, a number is a place */
    json_array_foreach(json_object_get(config, "arms"), i, arm) {
        json_t *number = json_object_get(arm, "variant_number");
        if (!json_is_integer(number) || json_object_get(arm, "variant_id") ||
            json_object_get(arm, "variant_ids"))
            continue;
        json_t *ids = json_object();
        json_array_foreach(titles, k, tid) {
            const char *title = json_string_value(tid);
            const json_t *t = title ? catalog_title(catalog, title) : NULL;
            const char *id = t ? id_of(t, json_integer_value(number)) : NULL;
            if (!id) {              /* the guard says which is missing */
                json_decref(ids);
                ids = NULL;
                break;
            }
            json_object_set_new(ids, title, json_string(id));
        }
        if (ids && json_object_set_new(arm, "variant_ids", ids))
            return -1;
    }
    return 0;
}

json_t *ka_exp_retired_arms(const ka_sexp *e, const ka_catalog *cat)
{
    json_t *out = json_array();
    for (int a = 0; out && a < e->exp.n_arms; a++) {
        if (e->arm_policy[a] >= 0 || (!e->arm_vid[a] && !e->arm_vids[a]))
            continue;
        for (int i = 0; cat && i < cat->n; i++) {
            const ka_stitle *t = cat->titles[i];
            const char *id = ka_sexp_arm_variant_id(e, a, t->id);
            if (ka_sexp_covers(e, t->id) && id && ka_stitle_retired(t, id))
                json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "arm",
                                      e->arms[a].name, "title_id", t->id, "variant_id", id));
        }
    }
    return out;
}

/* A title both cover (written to out), or 0 when they share none. */
static int shared_title(const ka_sexp *a, const ka_sexp *b, char *out, size_t size)
{
    if (!a->titles || !b->titles) {
        const ka_sexp *some = a->titles ? a : b;
        snprintf(out, size, "%s", some->titles ? some->titles[0] : "every title");
        return !some->titles || some->n_titles > 0;
    }
    for (int i = 0; i < a->n_titles; i++)
        if (ka_sexp_covers(b, a->titles[i])) {
            snprintf(out, size, "%s", a->titles[i]);
            return 1;
        }
    return 0;
}

/* The two keep their users apart: one namespace, ranges that do not overlap. */
static int kept_apart(const ka_experiment *a, const ka_experiment *b)
{
    return a->ns_id && b->ns_id && !strcmp(a->ns_id, b->ns_id) &&
           (a->ns_end <= b->ns_start || b->ns_end <= a->ns_start);
}

int ka_exp_check_overlap(const ka_sexp *e, const json_t *experiments, char *why, size_t size)
{
    size_t i;
    const json_t *o;
    json_array_foreach(experiments, i, o) {
        const char *name = json_string_value(json_object_get(o, "name"));
        const char *status = json_string_value(json_object_get(o, "status"));
        if (!name || !status || strcmp(status, "running") || !strcmp(name, e->name))
            continue;
        ka_sexp other = { 0 };
        char ignored[64], title[128];
        if (ka_sexp_parse(&other, name, status, json_object_get(o, "config"), ignored,
                          sizeof ignored)) {
            ka_sexp_clear(&other);
            continue;               /* not readable: it serves nobody either */
        }
        int clash = shared_title(e, &other, title, sizeof title) &&
                    !kept_apart(&e->exp, &other.exp);
        ka_sexp_clear(&other);
        if (clash)
            return why_set(why, size, "experiment '%s' already runs on %s%s%s: stop it, or give "
                           "both one namespace with ranges that do not overlap", name,
                           strcmp(title, "every title") ? "title '" : "", title,
                           strcmp(title, "every title") ? "'" : "");
    }
    return 0;
}
