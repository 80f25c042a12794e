/* stage_opts.c: the stages' options from "stage.option=value" strings: checked
 * against each stage's option table before an analysis starts (so that a typo is a
 * usage error, not a surprise an hour in), made into each stage's options struct when
 * it starts, and listed for --help. */
#include <stdlib.h>
#include <string.h>

#include "stage.h"

static const ka_candidate_stage *stage_named(const ka_candidate_stage *const *stages,
                                             const char *name, size_t len)
{
    for (int i = 0; stages && stages[i]; i++)
        if (strlen(stages[i]->name) == len && !strncmp(stages[i]->name, name, len))
            return stages[i];
    return NULL;
}

/* "stage.option=value" split: the stage, or NULL with the reason set. */
static const ka_candidate_stage *split(const ka_candidate_stage *const *stages, const char *s,
                                       const char **opt, size_t *opt_len, const char **value)
{
    const char *dot = s ? strchr(s, '.') : NULL, *eq = dot ? strchr(dot, '=') : NULL;
    if (!dot || !eq || dot == s || eq == dot + 1) {
        ka_error(KA_EINVAL, "'%s' is not stage.option=value", s ? s : "");
        return NULL;
    }
    const ka_candidate_stage *st = stage_named(stages, s, (size_t)(dot - s));
    if (!st) {
        char names[256] = "";
        for (int i = 0; stages && stages[i]; i++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
                     stages[i]->name);
        ka_error(KA_EINVAL, "'%s': no stage '%.*s' (the stages: %s)", s, (int)(dot - s), s,
                 names);
        return NULL;
    }
    *opt = dot + 1;
    *opt_len = (size_t)(eq - dot - 1);
    *value = eq + 1;
    return st;
}

int ka_stage_opts_make(const ka_candidate_stage *st, const char *const *opts, int n,
                       void **out)
{
    *out = NULL;
    void *o = st->opts_size ? calloc(1, st->opts_size) : NULL;
    if (st->opts_size && !o)
        return ka_error(KA_ENOMEM, "no memory for the options of stage %s", st->name);
    ka_options_defaults(st->options, o);
    for (int i = 0; i < n; i++) {
        const char *opt = NULL, *value = NULL;
        size_t len = 0;
        const ka_candidate_stage *one[] = { st, NULL };
        const char *dot = opts[i] ? strchr(opts[i], '.') : NULL;
        if (dot && ((size_t)(dot - opts[i]) != strlen(st->name) ||
                    strncmp(opts[i], st->name, strlen(st->name))))
            continue;               /* another stage's */
        const ka_candidate_stage *to = split(one, opts[i], &opt, &len, &value);
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)len, opt ? opt : "");
        if (!to || (!st->options && ka_error(KA_EINVAL, "stage %s has no options", st->name)) ||
            ka_option_set(st->options, o, name, value)) {
            char why[512];
            snprintf(why, sizeof why, "%s", ka_error_message());
            free(o);
            return ka_error(KA_EINVAL, "%s%s%s", to ? opts[i] : "", to ? ": " : "", why);
        }
    }
    *out = o;
    return 0;
}

int ka_stage_opts_check_in(const ka_candidate_stage *const *stages, const char *const *opts,
                           int n)
{
    for (int i = 0; i < n; i++) {
        const char *opt, *value;
        size_t len;
        if (!split(stages, opts[i], &opt, &len, &value))
            return KA_EINVAL;
    }
    for (int i = 0; stages && stages[i]; i++) {
        void *o;
        int err = ka_stage_opts_make(stages[i], opts, n, &o);
        free(o);
        if (err)
            return err;
    }
    return 0;
}

static const char *const type_names[] = { "BOOL", "INT", "NUMBER", "TEXT", "CHOICE" };

void ka_stage_opts_print_in(const ka_candidate_stage *const *stages, FILE *f)
{
    for (int i = 0; stages && stages[i]; i++) {
        const ka_candidate_stage *st = stages[i];
        for (const ka_option *o = st->options; o && o->name; o++) {
            char head[96];
            snprintf(head, sizeof head, "%s.%s=%s", st->name, o->name, type_names[o->type]);
            fprintf(f, "      %s\n          %s", head, o->help);
            if (o->type == KA_OPT_CHOICE) {
                fprintf(f, ":");
                for (int c = 0; o->choices[c]; c++)
                    fprintf(f, " %s", o->choices[c]);
            }
            if (o->def)
                fprintf(f, " (default %s)", o->def);
            fprintf(f, "\n");
        }
    }
}
