/* ope_target.c: target policies of fixed probabilities for keyart's own log
 * (ka_ope_store_log): uniform over a title's variants, always variant N, or a file of
 * probabilities per title and variant, which is read strictly (every error names the
 * file and where); and their rows of pi for ka_ope_evaluate. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyart/experiment.h"

enum { FIXED_MAX_VARIANT = 9999 };

typedef enum fixed_kind { FIXED_UNIFORM = 0, FIXED_VARIANT, FIXED_FILE } fixed_kind;

/* A title of a policy file: its variants' numbers and probabilities. */
typedef struct fixed_title {
    char *id;
    int n;
    int number[KA_POLICY_MAX_ARMS];
    double p[KA_POLICY_MAX_ARMS];
} fixed_title;

struct ka_ope_fixed {
    fixed_kind kind;
    int variant;                    /* FIXED_VARIANT */
    char *name;
    fixed_title *titles;            /* FIXED_FILE */
    int n_titles;
};

void ka_ope_store_log_free(ka_ope_store_log *l)
{
    if (!l)
        return;
    for (int s = 0; l->titles && s < l->log.n_slots; s++)
        free(l->titles[s].id);
    ka_ope_log_free(&l->log);
    free(l->titles);
    free(l->pi);
    memset(l, 0, sizeof *l);
}

void ka_ope_fixed_free(ka_ope_fixed *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->n_titles; i++)
        free(p->titles[i].id);
    free(p->titles);
    free(p->name);
    free(p);
}

const char *ka_ope_fixed_name(const ka_ope_fixed *p)
{
    return p ? p->name : "";
}

static int fixed_new(fixed_kind kind, const char *name, ka_ope_fixed **out)
{
    ka_ope_fixed *p = calloc(1, sizeof *p);
    if (!p || !(p->name = strdup(name))) {
        free(p);
        return ka_error(KA_ENOMEM, "no memory");
    }
    p->kind = kind;
    *out = p;
    return 0;
}

/* A variant number: 1..FIXED_MAX_VARIANT in plain decimal; -1 otherwise. */
static int variant_number(const char *s)
{
    int n = 0;
    if (!s || *s < '1' || *s > '9' || strlen(s) > 4)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        n = n * 10 + (*s - '0');
    }
    return n <= FIXED_MAX_VARIANT ? n : -1;
}

int ka_ope_fixed_parse(const char *spec, ka_ope_fixed **out)
{
    *out = NULL;
    if (spec && !strcmp(spec, "uniform"))
        return fixed_new(FIXED_UNIFORM, spec, out);
    if (!spec || strncmp(spec, "variant:", 8))
        return 1;
    int n = variant_number(spec + 8);
    if (n < 0)
        return ka_error(KA_EINVAL, "'%s': variant:N wants a variant number N of 1..%d", spec,
                        FIXED_MAX_VARIANT);
    int err = fixed_new(FIXED_VARIANT, spec, out);
    if (!err)
        (*out)->variant = n;
    return err;
}

/* One title's member of a policy file into t; KA_EFORMAT with the reason. */
static int file_title(const char *path, const char *id, const json_t *v, fixed_title *t)
{
    const char *key;
    json_t *p;
    double sum = 0;
    if (!json_is_object(v) || json_object_size(v) == 0)
        return ka_error(KA_EFORMAT, "policy file %s: title '%s': want an object of variant "
                        "numbers to probabilities, e.g. {\"1\": 0.7, \"2\": 0.3}", path, id);
    if (json_object_size(v) > KA_POLICY_MAX_ARMS)
        return ka_error(KA_EFORMAT, "policy file %s: title '%s': %zu variants (a title has at "
                        "most %d)", path, id, json_object_size(v), KA_POLICY_MAX_ARMS);
    if (!(t->id = strdup(id)))
        return ka_error(KA_ENOMEM, "no memory");
    json_object_foreach((json_t *)v, key, p) {
        int n = variant_number(key);
        double x = json_number_value(p);
        if (n < 0)
            return ka_error(KA_EFORMAT, "policy file %s: title '%s': '%s' is not a variant "
                            "number (1..%d)", path, id, key, FIXED_MAX_VARIANT);
        if (!json_is_number(p) || !(x >= 0 && x <= 1))
            return ka_error(KA_EFORMAT, "policy file %s: title '%s', variant %s: the "
                            "probability must be a number in 0..1", path, id, key);
        t->number[t->n] = n;
        t->p[t->n++] = x;
        sum += x;
    }
    if (fabs(sum - 1) > 1e-6)
        return ka_error(KA_EFORMAT, "policy file %s: title '%s': the probabilities sum to "
                        "%.9g, not 1", path, id, sum);
    return 0;
}

/* The parsed file's root into p; KA_EFORMAT with the reason. */
static int file_root(const char *path, const json_t *root, ka_ope_fixed *p)
{
    const char *key;
    json_t *v;
    if (!json_is_object(root))
        return ka_error(KA_EFORMAT, "policy file %s: want an object {\"titles\": {\"TITLE\": "
                        "{\"1\": 0.7, \"2\": 0.3}, ...}}", path);
    json_object_foreach((json_t *)root, key, v) {
        if (!strcmp(key, "description") && json_is_string(v))
            continue;
        if (strcmp(key, "titles"))
            return ka_error(KA_EFORMAT, "policy file %s: unknown member '%s' (titles, "
                            "description)", path, key);
    }
    const json_t *titles = json_object_get(root, "titles");
    if (!json_is_object(titles) || json_object_size(titles) == 0)
        return ka_error(KA_EFORMAT, "policy file %s: \"titles\" must be a non-empty object "
                        "of title ids", path);
    if (json_object_get(root, "description") && !json_is_string(json_object_get(root, "description")))
        return ka_error(KA_EFORMAT, "policy file %s: \"description\" must be a string", path);
    if (!(p->titles = calloc(json_object_size(titles), sizeof *p->titles)))
        return ka_error(KA_ENOMEM, "no memory");
    json_object_foreach((json_t *)titles, key, v) {
        int err = file_title(path, key, v, &p->titles[p->n_titles++]);
        if (err)
            return err;
    }
    return 0;
}

int ka_ope_fixed_read(const char *path, ka_ope_fixed **out)
{
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (!f)
        return ka_error(KA_EIO, "cannot read policy file %s: %s", path, strerror(errno));
    json_error_t je;
    json_t *root = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
    fclose(f);
    if (!root)
        return ka_error(KA_EFORMAT, "policy file %s: not JSON: line %d: %s", path, je.line,
                        je.text);
    ka_ope_fixed *p;
    int err = fixed_new(FIXED_FILE, path, &p);
    if (!err)
        err = file_root(path, root, p);
    json_decref(root);
    if (err) {
        ka_ope_fixed_free(p);
        return err;
    }
    *out = p;
    return 0;
}

static const fixed_title *file_find(const ka_ope_fixed *p, const char *id)
{
    for (int i = 0; i < p->n_titles; i++)
        if (!strcmp(p->titles[i].id, id))
            return &p->titles[i];
    return NULL;
}

/* The action of variant number in t, or -1. */
static int action_of(const ka_ope_title *t, int number)
{
    for (int a = 0; a < t->n_variants; a++)
        if (t->number[a] == number)
            return a;
    return -1;
}

/* The policy's row for title t (row: n_actions zeros to fill). */
static int title_row(const ka_ope_fixed *p, const ka_ope_title *t, double *row)
{
    if (p->kind == FIXED_UNIFORM) {
        for (int a = 0; a < t->n_variants; a++)
            row[a] = 1.0 / t->n_variants;
        return 0;
    }
    if (p->kind == FIXED_VARIANT) {
        int a = action_of(t, p->variant);
        if (a < 0)
            return ka_error(KA_EINVAL, "policy %s: title '%s' has no variant %d", p->name, t->id,
                            p->variant);
        row[a] = 1;
        return 0;
    }
    const fixed_title *ft = file_find(p, t->id);
    if (!ft)
        return ka_error(KA_EINVAL, "policy file %s gives no probabilities for title '%s'",
                        p->name, t->id);
    for (int k = 0; k < ft->n; k++) {
        int a = action_of(t, ft->number[k]);
        if (a < 0)
            return ka_error(KA_EINVAL, "policy file %s: title '%s' has no variant %d", p->name,
                            t->id, ft->number[k]);
        row[a] = ft->p[k];
    }
    return 0;
}

int ka_ope_fixed_pi(const ka_ope_fixed *p, const ka_ope_store_log *l, double **pi)
{
    *pi = NULL;
    const ka_ope_log *L = &l->log;
    size_t K = (size_t)L->n_actions;
    double *rows = calloc((size_t)L->n_slots * K + 1, sizeof *rows);
    double *out = calloc((size_t)L->n * K + 1, sizeof *out);
    int err = rows && out ? 0 : ka_error(KA_ENOMEM, "no memory for %d rows", L->n);
    for (int s = 0; !err && s < L->n_slots; s++)
        err = title_row(p, &l->titles[s], rows + (size_t)s * K);
    for (int i = 0; !err && i < L->n; i++)
        memcpy(out + (size_t)i * K, rows + (size_t)L->slot[i] * K, sizeof(double) * K);
    free(rows);
    if (err) {
        free(out);
        return err;
    }
    *pi = out;
    return 0;
}
