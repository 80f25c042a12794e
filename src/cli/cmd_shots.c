/* cmd_shots.c: `keyart shots VIDEO [--format json|csv] [--min-shot S]`: the shot
 * boundaries of a video, as JSON (default) or CSV on stdout. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct shots_args {
    ka_analysis_opts o;
    int csv;
} shots_args;

enum { O_FORMAT, O_MINSHOT };

static const ka_cli_opt shots_opts[] = {
    { "format", 'f', "F", "json (default) or csv", O_FORMAT, NULL },
    { "min-shot", 'm', "S", "boundaries closer than S seconds are merged (default 0.4)",
      O_MINSHOT, NULL },
    KA_CLI_ROW_MAX_PIXELS(""),
    KA_CLI_ROW_QUIET("no progress bar"),
    { 0 },
};

static int shots_option(void *ctx, int id, const char *arg)
{
    shots_args *a = ctx;
    if (id == O_FORMAT) {
        if (strcmp(arg, "json") && strcmp(arg, "csv")) {
            fprintf(stderr, "keyart shots: --format must be json or csv, not '%s'\n", arg);
            return KA_CLI_BAD;
        }
        a->csv = !strcmp(arg, "csv");
    } else if (ka_parse_double(arg, 0, 10, &a->o.shot.min_shot_s)) {
        fprintf(stderr, "keyart shots: --min-shot must be 0..10 seconds\n");
        return KA_CLI_BAD;
    }
    return 0;
}

static int shots_run(const ka_cli_cmd *self, int argc, char **argv)
{
    shots_args a = { 0 };
    ka_cli_common com = { 0 };
    ka_analysis_opts_default(&a.o);
    a.o.shots_only = 1;
    int first = ka_cli_parse(self, argc, argv, &a, &com);
    if (first < 0)
        return ka_cli_exit(first);
    ka_analysis_opts o = a.o;
    o.max_pixels = com.max_pixels;
    int csv = a.csv, quiet = com.quiet;
    const char *path = argv[first];
    ka_progress prog;
    ka_progress_init(&prog, "shots", quiet);
    o.progress = ka_progress_update;
    o.progress_ud = &prog;
    ka_title *t = NULL;
    int err = ka_analyze(path, "", &o, &t);
    ka_progress_end(&prog);
    if (err) {
        ka_cli_error(path);
        return ka_exit_for_input_error(err);
    }
    int rc = KA_EXIT_OK;
    if (csv) {
        if (ka_shots_write_csv(t, stdout))
            rc = KA_EXIT_OUTPUT;
    } else {
        json_t *j = ka_shots_json(t);
        if (!j || json_dumpf(j, stdout, JSON_INDENT(2) | KA_JSON_REAL) || fputc('\n', stdout) == EOF)
            rc = KA_EXIT_OUTPUT;
        json_decref(j);
    }
    if (fflush(stdout))
        rc = KA_EXIT_OUTPUT;
    if (rc)
        ka_cli_stdout_error();
    ka_title_free(&t);
    return rc;
}

const ka_cli_cmd ka_cli_shots = {
    .name = "shots", .operands = "VIDEO",
    .synopsis = "VIDEO [--format json|csv] [--min-shot SECONDS] [--max-pixels N] [--quiet]",
    .summary = "shot boundaries (cuts, fades, dissolves) of VIDEO",
    .description = "Prints the shots of VIDEO: index, start_frame, end_frame (inclusive, "
        "0-based decoded frames in presentation order), start_s, end_s, transition_in "
        "(start|cut|fade|dissolve) and, for fades and dissolves, transition_span.",
    .opts = shots_opts, .opt = shots_option, .run = shots_run,
};
