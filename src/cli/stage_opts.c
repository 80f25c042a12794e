/* stage_opts.c: the analysis stages' options as the commands that analyse take them
 * (analyze, enqueue, train-ranker): --stage-opt STAGE.OPTION=VALUE, and --detector and
 * --models as the faces stage's. They stay strings: the stages' own tables check and
 * read them (keyart/options.h), and enqueue stores them with the job for the worker. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int ka_cli_stage_opt_add(ka_cli_stage_opts *s, const char *prefix, const char *value)
{
    size_t n = (prefix ? strlen(prefix) : 0) + strlen(value) + 1;
    char *opt = malloc(n);
    if (!opt || ka_array_grow((void **)&s->v, &s->cap, s->n + 1, sizeof *s->v)) {
        free(opt);
        fprintf(stderr, "keyart: out of memory\n");
        return -1;
    }
    snprintf(opt, n, "%s%s", prefix ? prefix : "", value);
    s->v[s->n++] = opt;
    return 0;
}

int ka_cli_stage_option(int c, const char *arg, ka_cli_stage_opts *s)
{
    switch (c) {
    case KA_CLI_OPT_MODELS: return ka_cli_stage_opt_add(s, "faces.models=", arg);
    case KA_CLI_OPT_DETECTOR: return ka_cli_stage_opt_add(s, "faces.detector=", arg);
    case KA_CLI_OPT_STAGE: return ka_cli_stage_opt_add(s, NULL, arg);
    default: return 1;
    }
}

int ka_cli_stage_opts_check(const char *cmd, const ka_cli_stage_opts *s)
{
    if (!ka_stage_opts_check((const char *const *)s->v, s->n))
        return 0;
    fprintf(stderr, "keyart %s: %s\n", cmd, ka_error_message());
    return -1;
}

void ka_cli_stage_opts_free(ka_cli_stage_opts *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}
