/* cmd_analyze.c: `keyart analyze VIDEO`: one pass over the video, selection of the
 * variants for the genre, and the output folder (images, crops, metadata.json,
 * shots.json/csv, contact sheet, and with --report report.html, the title view that
 * opens offline); --json prints the metadata on stdout too. The
 * folder is written aside and swapped in only once the database has stored the title. */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct analyze_args {
    const char *video, *out_dir, *title_id;
    int json, quiet, report;
    ka_analysis_opts analysis;
    ka_select_opts select;
    const char *db, *artwork;       /* --db URL ("none": do not store), --artwork DIR */
    ka_store *store;
    ka_cli_stage_opts stages;       /* --stage-opt, --models, --detector */
    ka_ranker ranker;               /* --ranker FILE */
} analyze_args;

enum { O_OUTPUT, O_TITLE, O_GENRE, O_VARIANTS, O_MINQ, O_QWEIGHTS, O_INTERVAL, O_BUDGET,
       O_MINSHOT, O_THREADS, O_REPORT };

static const ka_cli_opt analyze_opts[] = {
    { "output", 'o', "DIR", "output folder (default keyart-out/TITLE_ID)", O_OUTPUT, NULL },
    { "title-id", 0, "ID", "title id (default: the file name without extension)", O_TITLE,
      NULL },
    { "genre", 0, "G", "action, romance, adventure, drama (default), comedy, horror, "
      "documentary, animation, thriller, scifi, family", O_GENRE, NULL },
    { "variants", 0, "N", "variants to choose at most, 4..12 (default 8); fewer when the "
      "title has fewer good, distinct moments", O_VARIANTS, NULL },
    KA_CLI_ROW_JSON("also print metadata.json on stdout"),
    { "report", 0, NULL, "also write report.html: the title's shots, candidates, variants and "
      "cast as one page that opens in a browser with no server (pictures inlined)", O_REPORT,
      NULL },
    { "min-quality", 0, "Q", "quality threshold 0..1 (default 0.35)", O_MINQ, NULL },
    { "quality-weights", 0, "B,C,S,X,R,F", "weights of the quality score's parts: "
      "brightness, contrast, sharpness, saturation, BRISQUE, faces (default "
      "0.25,0.25,0.30,0.20,0.10,0.15); six numbers 0..1000, not all 0; only their ratios "
      "matter, and a part vision did not measure is left out", O_QWEIGHTS, NULL },
    { "interval", 0, "S", "uniform sampling interval in seconds (default 1)", O_INTERVAL,
      NULL },
    { "budget", 0, "N", "candidates per hour of content, 50..200 (default 120)", O_BUDGET,
      NULL },
    { "min-shot", 0, "S", "minimum shot length in seconds (default 0.4)", O_MINSHOT, NULL },
    { "threads", 0, "N", "decoder threads (default: one per core)", O_THREADS, NULL },
    KA_CLI_ROW_MAX_PIXELS(""),
    KA_CLI_ROW_DB(": the result is stored there, and the title's cast there names the "
                  "faces (keyart cast add); none: no cast, nothing stored"),
    KA_CLI_ROW_ARTWORK(""),
    KA_CLI_ROW_RANKER(""),
    KA_CLI_ROW_QUIET("no progress bar and no warnings"),
    KA_CLI_ROWS_STAGE,
    { 0 },
};

static int analyze_option(void *ctx, int id, const char *arg)
{
    analyze_args *a = ctx;
    double d;
    switch (id) {
    case O_OUTPUT: a->out_dir = arg; return 0;
    case O_REPORT: a->report = 1; return 0;
    case O_TITLE:
        if (ka_title_id_check(arg)) {
            fprintf(stderr, "keyart analyze: --title-id: %s\n", ka_error_message());
            return KA_CLI_BAD;
        }
        a->title_id = arg;
        return 0;
    case O_GENRE: a->select.genre = arg; return 0;
    case O_VARIANTS: return ka_parse_int(arg, 4, 12, &a->select.n_variants) ? KA_CLI_BADVAL : 0;
    case O_MINQ:
        if (ka_cli_parse_min_quality("analyze", arg, &d))
            return KA_CLI_BAD;
        a->select.min_quality = (float)d;
        return 0;
    case O_QWEIGHTS:
        return ka_cli_parse_weights("analyze", arg, &a->select.weights) ? KA_CLI_BAD : 0;
    case O_INTERVAL:
        return ka_parse_double(arg, 0.01, 60, &a->analysis.sample_interval_s) ? KA_CLI_BADVAL : 0;
    case O_BUDGET:
        return ka_parse_int(arg, 50, 200, &a->analysis.budget_per_hour) ? KA_CLI_BADVAL : 0;
    case O_MINSHOT:
        return ka_parse_double(arg, 0, 10, &a->analysis.shot.min_shot_s) ? KA_CLI_BADVAL : 0;
    case O_THREADS: return ka_parse_int(arg, 0, 64, &a->analysis.threads) ? KA_CLI_BADVAL : 0;
    default:        /* --ranker */
        if (ka_ranker_load(arg, &a->ranker)) {
            fprintf(stderr, "keyart analyze: --ranker: %s\n", ka_error_message());
            return KA_CLI_BAD;
        }
        a->select.ranker = &a->ranker;
        return 0;
    }
}

static int parse_args(const ka_cli_cmd *self, int argc, char **argv, analyze_args *a)
{
    ka_cli_common com = { 0 };
    int first = ka_cli_parse(self, argc, argv, a, &com);
    if (first < 0)
        return first;
    a->stages = com.stages;
    a->db = com.db;
    a->artwork = com.artwork;
    a->json = com.json;
    a->quiet = com.quiet;
    a->analysis.max_pixels = com.max_pixels;
    a->video = argv[first];
    if (!ka_genre_find(a->select.genre)) {
        fprintf(stderr, "keyart analyze: unknown genre '%s'; known:", a->select.genre);
        int n;
        const ka_genre *const *g = ka_genre_list(&n);
        for (int i = 0; i < n; i++)
            fprintf(stderr, " %s", g[i]->name);
        fputc('\n', stderr);
        return KA_CLI_BAD;
    }
    return 0;
}

static int write_results(const analyze_args *a, ka_title *t, const char *dir)
{
    /* the title's cast is in the database: it names the faces before selection */
    int err = a->store ? ka_store_identities(a->store, t) : 0;
    if (err) {
        fprintf(stderr, "keyart: %s\n", ka_error_message());
        return ka_cli_store_exit(err);
    }
    ka_selection sel = {0};
    err = ka_select(t, &a->select, &sel);
    if (err) {
        ka_cli_error("selection failed");
        return ka_exit_for_input_error(err);
    }
    if (sel.why_fewer[0] && !a->quiet)
        fprintf(stderr, "keyart: warning: %s\n", sel.why_fewer);
    int rc = KA_EXIT_OK;
    ka_output_opts oo = { .jpeg_quality = 92, .contact_sheet = 1, .report = a->report };
    char stage[PATH_MAX];
    if ((err = ka_output_prepare(dir, t, &sel, a->select.genre, &oo, stage, sizeof stage))) {
        ka_cli_error(dir);
        rc = err == KA_ENOMEM ? KA_EXIT_INTERNAL : KA_EXIT_OUTPUT;
    }
    int staged = !rc;
    if (!rc && a->json) {
        json_t *j = ka_metadata_json(t, &sel, a->select.genre);
        if (!j || json_dumpf(j, stdout, JSON_INDENT(2) | KA_JSON_REAL) || fputc('\n', stdout) == EOF ||
            fflush(stdout)) {
            ka_cli_stdout_error();
            rc = KA_EXIT_OUTPUT;
        }
        json_decref(j);
    }
    if (!rc && a->store)
        rc = ka_cli_store_save(a->store, t, &sel, a->select.genre, a->artwork);
    /* the folder changes only once the database has the title: a failed save (a full
     * disk) leaves both as they were */
    if (staged && rc)
        ka_output_abort(stage);
    else if (staged && (err = ka_output_commit(stage, dir))) {
        ka_cli_error(dir);
        rc = KA_EXIT_OUTPUT;
    }
    if (!rc && !a->quiet)
        fprintf(stderr, "keyart: %s: %d shots, %d candidates, %d variants in %.1f s -> %s\n",
                t->id, t->n_shots, t->n_cands, sel.n_variants, t->analyse_s, dir);
    ka_selection_free(&sel);
    return rc;
}

static int analyze_run(const ka_cli_cmd *self, int argc, char **argv)
{
    analyze_args a = {0};
    ka_analysis_opts_default(&a.analysis);
    ka_select_opts_default(&a.select);
    int p = parse_args(self, argc, argv, &a);
    if (p) {
        ka_cli_stage_opts_free(&a.stages);
        return ka_cli_exit(p);
    }
    a.analysis.stage_opts = (const char *const *)a.stages.v;
    a.analysis.n_stage_opts = a.stages.n;
    if (a.quiet)
        ka_log_set_level(KA_LOG_ERROR);
    int src = a.db && !strcmp(a.db, "none") ? 0 : ka_cli_store_open("analyze", a.db, 0, &a.store);
    if (src) {
        ka_cli_stage_opts_free(&a.stages);
        return src;
    }
    char *id = a.title_id ? strdup(a.title_id) : ka_title_id_from_path(a.video);
    char *dir = NULL;
    if (!id || (!a.out_dir && asprintf(&dir, "keyart-out/%s", id) < 0)) {
        free(id);
        ka_store_close(&a.store);
        ka_cli_stage_opts_free(&a.stages);
        return KA_EXIT_INTERNAL;
    }
    ka_progress prog;
    ka_progress_init(&prog, "analyzing", a.quiet);
    a.analysis.no_title_passes = a.store != NULL;  /* named once, with the cast */
    a.analysis.progress = ka_progress_update;
    a.analysis.progress_ud = &prog;
    ka_title *t = NULL;
    int err = ka_analyze(a.video, id, &a.analysis, &t);
    ka_progress_end(&prog);
    int rc;
    if (err) {
        ka_cli_error(a.video);
        rc = ka_exit_for_input_error(err);
    } else {
        if (!a.quiet && (t->decode.corrupt_packets || t->decode.decode_errors || t->decode.truncated))
            fprintf(stderr, "keyart: warning: %s is damaged: %lld corrupt packets, %lld decode "
                    "errors%s; analysed the %lld frames that decoded\n", a.video,
                    (long long)t->decode.corrupt_packets, (long long)t->decode.decode_errors,
                    t->decode.truncated ? ", truncated" : "", (long long)t->frames);
        rc = write_results(&a, t, a.out_dir ? a.out_dir : dir);
    }
    ka_title_free(&t);
    ka_store_close(&a.store);
    ka_cli_stage_opts_free(&a.stages);
    free(dir);
    free(id);
    return rc;
}

const ka_cli_cmd ka_cli_analyze = {
    .name = "analyze", .alias = "analyse", .operands = "VIDEO",
    .synopsis = "VIDEO [-o DIR] [--title-id ID] [--genre G] [--variants N] [--ranker FILE] "
        "[--stage-opt STAGE.OPTION=VALUE]... [--json] [--report] [options]",
    .summary = "one pass over VIDEO: shots, candidates ranked as artwork, up to N good, "
        "distinct variants (variant 1 the best), their crops, metadata.json, shots.json/csv, "
        "a contact sheet (and with --report an offline HTML report)",
    .opts = analyze_opts, .opt = analyze_option, .run = analyze_run,
};
