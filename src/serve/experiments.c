/* experiments.c: an experiment's config, checked and turned into the assignment
 * struct of experiment/ (GrowthBook's hashing, weights, coverage, namespace). A config:
 *   {"arms": [{"name": "control", "variant_number": 1}, {"name": "ts", "policy": "thompson",
 *              "weight": 0.5}, {"name": "her", "variant_id": "3f9a..."}, ...],
 *    "control": "control", "titles": ["tears_of_steel", ...], "coverage": 1,
 *    "hash_version": 2, "seed": "...", "namespace": {"id": "ns", "start": 0, "end": 0.5},
 *    "metric": "ctr",
 *    "shipped": "ts"}
 * Every field but arms is optional; unknown fields are refused, so a typo never
 * silently changes an experiment.
 *
 * An arm shows a picture or lets a policy choose. A picture is a variant_id (one
 * title's frame), a number, or variant_ids {"title": id, ...}: the server pins an arm
 * given by number to its titles' ids when the experiment lists them
 * (ka_exp_pin_variants), so the arm keeps showing the same pictures after the titles
 * are analysed again; over every title a number stays a place (variant N of each). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_priv.h"

int ka_serve_name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')
              || *s == '_' || *s == '-' || *s == '.' || *s == ':'))
            return 0;
    return 1;
}

static int fail(char *why, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, size, fmt, ap);
    va_end(ap);
    return KA_EINVAL;
}

const char *ka_json_unknown_field(const json_t *o, const char *const *allowed)
{
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)o, key, v) {
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = !strcmp(*a, key);
        if (!ok)
            return key;
    }
    return NULL;
}

/* 0 when vids is {"title": variant id, ...} with at least one title. */
static int parse_variant_ids(const json_t *vids)
{
    const char *title;
    const json_t *id;
    if (!json_is_object(vids) || json_object_size(vids) < 1)
        return -1;
    json_object_foreach((json_t *)vids, title, id)
        if (!*title || !ka_variant_id_ok(json_string_value(id)))
            return -1;
    return 0;
}

static int parse_arm(ka_sexp *e, int i, const json_t *a, char *why, size_t size)
{
    static const char *const fields[] = { "name", "variant_number", "variant_id",
        "variant_ids", "policy", "weight", NULL };
    if (!json_is_object(a))
        return fail(why, size, "arms[%d] is not an object", i);
    const char *bad = ka_json_unknown_field(a, fields);
    if (bad)
        return fail(why, size, "arms[%d]: unknown field '%s'", i, bad);
    ka_exp_arm *arm = &e->arms[i];
    arm->name = json_string_value(json_object_get(a, "name"));
    if (!ka_serve_name_ok(arm->name))
        return fail(why, size, "arms[%d] needs a name of 1-64 letters, digits, _ - . :", i);
    for (int k = 0; k < i; k++)
        if (!strcmp(e->arms[k].name, arm->name))
            return fail(why, size, "two arms are named '%s'", arm->name);
    const json_t *variant = json_object_get(a, "variant_number");
    const json_t *policy = json_object_get(a, "policy");
    const json_t *weight = json_object_get(a, "weight");
    const json_t *vid = json_object_get(a, "variant_id"), *vids = json_object_get(a, "variant_ids");
    if (!(variant || vid || vids) == !policy)
        return fail(why, size, "arm '%s' needs either a variant_number, a variant_id or a "
                    "policy", arm->name);
    e->arm_policy[i] = -1;
    if (!policy) {
        json_int_t v = json_is_integer(variant) ? json_integer_value(variant) : 0;
        if (variant && (v < 1 || v > KA_POLICY_MAX_ARMS))
            return fail(why, size, "arm '%s': variant_number must be an integer 1..%d", arm->name,
                        KA_POLICY_MAX_ARMS);
        if (vid && vids)
            return fail(why, size, "arm '%s': variant_id or variant_ids, not both", arm->name);
        if (vid && !ka_variant_id_ok(json_string_value(vid)))
            return fail(why, size, "arm '%s': variant_id must be 16 lowercase hex digits",
                        arm->name);
        if (vids && parse_variant_ids(vids))
            return fail(why, size, "arm '%s': variant_ids must map title ids to variant ids",
                        arm->name);
        arm->kind = KA_EXP_ARM_VARIANT;
        arm->variant = (int)v;
        e->arm_vid[i] = json_string_value(vid);
        e->arm_vids[i] = vids;
    } else {
        arm->kind = KA_EXP_ARM_POLICY;
        arm->policy = json_string_value(policy);
        if ((e->arm_policy[i] = ka_policy_index(arm->policy)) < 0)
            return fail(why, size, "arm '%s': unknown policy '%s'", arm->name,
                        arm->policy ? arm->policy : "(not a string)");
    }
    if (weight && (!json_is_number(weight) || !(json_number_value(weight) >= 0) ||
                   !isfinite(json_number_value(weight))))
        return fail(why, size, "arm '%s': weight must be a number >= 0", arm->name);
    arm->weight = weight ? json_number_value(weight) : 0;
    return 0;
}

static int parse_titles(ka_sexp *e, const json_t *titles, char *why, size_t size)
{
    if (!titles)
        return 0;
    if (!json_is_array(titles) || json_array_size(titles) < 1 || json_array_size(titles) > 10000)
        return fail(why, size, "titles must be a list of 1-10000 title ids");
    e->n_titles = (int)json_array_size(titles);
    if (!(e->titles = calloc((size_t)e->n_titles, sizeof *e->titles)))
        return fail(why, size, "no memory");
    for (int i = 0; i < e->n_titles; i++)
        if (!(e->titles[i] = json_string_value(json_array_get(titles, (size_t)i))) ||
            ka_title_id_check(e->titles[i]))
            return fail(why, size, "titles[%d] is not a title id", i);
    return 0;
}

static int parse_number(const json_t *v, const char *name, double lo, double hi, double *out,
                        char *why, size_t size)
{
    if (!v)
        return 0;
    if (!json_is_number(v) || !(json_number_value(v) >= lo && json_number_value(v) <= hi))
        return fail(why, size, "%s must be a number in [%g, %g]", name, lo, hi);
    *out = json_number_value(v);
    return 0;
}

static int parse_namespace(ka_sexp *e, const json_t *ns, char *why, size_t size)
{
    static const char *const fields[] = { "id", "start", "end", NULL };
    if (!ns)
        return 0;
    const char *bad = json_is_object(ns) ? ka_json_unknown_field(ns, fields) : "(not an object)";
    if (bad)
        return fail(why, size, "namespace: unknown field '%s'", bad);
    e->exp.ns_id = json_string_value(json_object_get(ns, "id"));
    if (!e->exp.ns_id || !*e->exp.ns_id)
        return fail(why, size, "namespace needs an id");
    int err = parse_number(json_object_get(ns, "start"), "namespace start", 0, 1,
                           &e->exp.ns_start, why, size);
    e->exp.ns_end = 1;
    if (!err)
        err = parse_number(json_object_get(ns, "end"), "namespace end", 0, 1, &e->exp.ns_end,
                           why, size);
    if (!err && e->exp.ns_end <= e->exp.ns_start)
        return fail(why, size, "namespace end must be above its start");
    return err;
}

/* The metric the experiment is decided on (the report leads with it): one of the
 * report's, "ctr" when absent. Only checked here; readers take it from the config. */
static int parse_metric(const json_t *m, char *why, size_t size)
{
    if (!m)
        return 0;
    for (int k = 0; json_is_string(m) && k < KA_METRIC_COUNT; k++)
        if (!strcmp(json_string_value(m), ka_exp_metric_name((ka_exp_metric)k)))
            return 0;
    char names[128] = "";
    for (int k = 0; k < KA_METRIC_COUNT; k++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", k ? ", " : "",
                 ka_exp_metric_name((ka_exp_metric)k));
    return fail(why, size, "metric must be one of %s", names);
}

/* The fields besides arms. */
static int parse_rest(ka_sexp *e, json_t *c, char *why, size_t size)
{
    const json_t *control = json_object_get(c, "control"), *hv = json_object_get(c, "hash_version");
    const json_t *seed = json_object_get(c, "seed"), *shipped = json_object_get(c, "shipped");
    e->exp.control = control ? ka_sexp_arm(e, json_string_value(control)) : 0;
    if (e->exp.control < 0)
        return fail(why, size, "control must name an arm");
    e->exp.hash_version = 2;
    if (hv && (!json_is_integer(hv) || (json_integer_value(hv) != 1 && json_integer_value(hv) != 2)))
        return fail(why, size, "hash_version must be 1 or 2");
    if (hv)
        e->exp.hash_version = (int)json_integer_value(hv);
    if (seed && (!json_is_string(seed) || !*json_string_value(seed)))
        return fail(why, size, "seed must be a non-empty string");
    e->exp.seed = seed ? json_string_value(seed) : e->name;
    e->exp.coverage = 1;
    int err = parse_number(json_object_get(c, "coverage"), "coverage", 0, 1, &e->exp.coverage,
                           why, size);
    if (!err)
        err = parse_namespace(e, json_object_get(c, "namespace"), why, size);
    if (!err)
        err = parse_titles(e, json_object_get(c, "titles"), why, size);
    e->shipped = -1;
    if (!err && shipped && (e->shipped = ka_sexp_arm(e, json_string_value(shipped))) < 0)
        return fail(why, size, "shipped must name an arm");
    if (!err)
        err = parse_metric(json_object_get(c, "metric"), why, size);
    return err;
}

int ka_sexp_parse(ka_sexp *e, const char *name, const char *status, json_t *config,
                  char *why, size_t size)
{
    static const char *const fields[] = { "arms", "control", "titles", "coverage",
        "hash_version", "seed", "namespace", "shipped", "metric", NULL };
    memset(e, 0, sizeof *e);
    e->name = strdup(name ? name : "");
    e->status = strdup(status ? status : "draft");
    e->config = json_incref(config);
    e->shipped = -1;
    if (!e->name || !e->status)
        return fail(why, size, "no memory");
    if (!json_is_object(config))
        return fail(why, size, "an experiment's config is a JSON object");
    const char *bad = ka_json_unknown_field(config, fields);
    if (bad)
        return fail(why, size, "unknown field '%s'", bad);
    const json_t *arms = json_object_get(config, "arms");
    if (!json_is_array(arms) || json_array_size(arms) < 2 ||
        json_array_size(arms) > KA_EXP_MAX_ARMS)
        return fail(why, size, "arms must be a list of 2-%d arms", KA_EXP_MAX_ARMS);
    e->exp.key = e->name;
    e->exp.arms = e->arms;
    e->exp.n_arms = (int)json_array_size(arms);
    for (int i = 0; i < e->exp.n_arms; i++) {
        int err = parse_arm(e, i, json_array_get(arms, (size_t)i), why, size);
        if (err)
            return err;
    }
    return parse_rest(e, config, why, size);
}

void ka_sexp_clear(ka_sexp *e)
{
    free(e->name);
    free(e->status);
    free(e->titles);
    json_decref(e->config);
    memset(e, 0, sizeof *e);
}

int ka_sexp_covers(const ka_sexp *e, const char *title)
{
    if (!e->titles)
        return 1;
    for (int i = 0; i < e->n_titles; i++)
        if (!strcmp(e->titles[i], title))
            return 1;
    return 0;
}

const char *ka_sexp_arm_variant_id(const ka_sexp *e, int i, const char *title)
{
    if (e->arm_vids[i])
        return json_string_value(json_object_get(e->arm_vids[i], title));
    return e->arm_vid[i];
}

int ka_sexp_arm_variant(const ka_sexp *e, int i, const ka_stitle *t)
{
    if (e->arm_policy[i] >= 0)
        return -1;
    if (e->arm_vids[i] || e->arm_vid[i])
        return ka_stitle_arm(t, ka_sexp_arm_variant_id(e, i, t->id));
    return ka_stitle_arm_number(t, e->arms[i].variant);
}

int ka_sexp_arm(const ka_sexp *e, const char *name)
{
    for (int i = 0; name && i < e->exp.n_arms; i++)
        if (!strcmp(e->arms[i].name, name))
            return i;
    return -1;
}
