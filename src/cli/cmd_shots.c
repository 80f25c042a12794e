/* cmd_shots.c: `keyart shots VIDEO [--format json|csv] [--min-shot S]`: the shot
 * boundaries of a video, as JSON (default) or CSV on stdout. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void shots_usage(FILE *f)
{
    fprintf(f,
        "usage: keyart shots VIDEO [--format json|csv] [--min-shot SECONDS] [--quiet]\n"
        "\n"
        "Prints the shots of VIDEO: index, start_frame, end_frame (inclusive, 0-based\n"
        "decoded frames in presentation order), start_s, end_s, transition_in\n"
        "(start|cut|fade|dissolve) and, for fades and dissolves, transition_span.\n"
        "  --format F      json (default) or csv\n"
        "  --min-shot S    boundaries closer than S seconds are merged (default 0.4)\n"
        "  -q, --quiet     no progress bar\n");
}

int ka_cmd_shots(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "format", required_argument, NULL, 'f' },
        { "min-shot", required_argument, NULL, 'm' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    ka_analysis_opts o;
    ka_analysis_opts_default(&o);
    o.shots_only = 1;
    int csv = 0, quiet = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "f:m:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "json") && strcmp(optarg, "csv")) {
                fprintf(stderr, "keyart shots: --format must be json or csv, not '%s'\n", optarg);
                return KA_EXIT_USAGE;
            }
            csv = !strcmp(optarg, "csv");
            break;
        case 'm':
            if (ka_parse_double(optarg, 0, 10, &o.shot.min_shot_s)) {
                fprintf(stderr, "keyart shots: --min-shot must be 0..10 seconds\n");
                return KA_EXIT_USAGE;
            }
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            shots_usage(stdout);
            return KA_EXIT_OK;
        default:
            fprintf(stderr, "keyart shots: unknown option or missing value: %s\n",
                    argv[optind - 1]);
            shots_usage(stderr);
            return KA_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        shots_usage(stderr);
        return KA_EXIT_USAGE;
    }
    const char *path = argv[optind];
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
