/* cmd_analyze.c: `keyart analyze VIDEO`: one pass over the video, selection of the
 * variants for the genre, and the output folder (images, crops, metadata.json,
 * shots.json/csv, contact sheet); --json prints the metadata on stdout too. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct analyze_args {
    const char *video, *out_dir, *title_id, *genre;
    int json, quiet;
    ka_analysis_opts analysis;
    ka_select_opts select;
    const char *db, *artwork;       /* --db URL ("none": do not store), --artwork DIR */
    ka_store *store;
    ka_vision_opts vision;          /* --models, --detector */
    ka_ranker ranker;               /* --ranker FILE */
} analyze_args;

static void analyze_usage(FILE *f)
{
    fprintf(f,
        "usage: keyart analyze VIDEO [-o DIR] [--title-id ID] [--genre G] [--variants N]\n"
        "                      [--json] [options]\n"
        "\n"
        "  -o, --output DIR       output folder (default keyart-out/TITLE_ID)\n"
        "  --title-id ID          title id (default: the file name without extension)\n"
        "  --genre G              action, romance, adventure, drama (default), comedy,\n"
        "                         horror, documentary, animation, thriller, scifi, family\n"
        "  --variants N           variants to choose at most, 4..12 (default 8); fewer\n"
        "                         when the title has fewer good, distinct moments\n"
        "  --json                 also print metadata.json on stdout\n"
        "  --min-quality Q        quality threshold 0..1 (default 0.35)\n"
        "  --quality-weights B,C,S,X,R,F\n"
        "                         weights of the quality score's parts: brightness,\n"
        "                         contrast, sharpness, saturation, BRISQUE, faces\n"
        "                         (default 0.25,0.25,0.30,0.20,0.10,0.15); six numbers\n"
        "                         0..1000, not all 0; only their ratios matter, and a\n"
        "                         part vision did not measure is left out\n"
        "  --interval S           uniform sampling interval in seconds (default 1)\n"
        "  --budget N             candidates per hour of content, 50..200 (default 120)\n"
        "  --min-shot S           minimum shot length in seconds (default 0.4)\n"
        "  --threads N            decoder threads (default: one per core)\n"
        "  --db URL               store the result in this database: sqlite:PATH or\n"
        "                         postgresql://... (default $KEYART_DB, else\n"
        "                         sqlite:keyart.db); the title's cast there names the\n"
        "                         faces (keyart cast add); none: no cast, nothing stored\n"
        "  --artwork DIR          where stored images go (default $KEYART_ARTWORK, else\n"
        "                         artwork)\n"
        "  --models DIR           face and object models, ':'-separated folders (default\n"
        "                         $KEYART_MODELS, else PREFIX/share/keyart/models, after\n"
        "                         the source tree's models/ when run from the build\n"
        "                         tree); without them OpenCV's cascades find the faces\n"
        "  --detector D           face detector: auto (default: the best available),\n"
        "                         faceplugin, yunet, ultraface, cascade\n"
        "  --ranker FILE          the ranker that orders candidates as artwork (keyart\n"
        "                         train-ranker; default: the one built in)\n"
        "  -q, --quiet            no progress bar and no warnings\n");
}

/* The file name without folder and extension, as a title id. */
static char *default_title_id(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char *id = strdup(*base ? base : "title");
    if (!id)
        return NULL;
    char *dot = strrchr(id, '.');
    if (dot && dot != id)
        *dot = '\0';
    for (char *p = id; *p; p++)
        if (*p == '/' || *p == ' ' || (unsigned char)*p < 32)
            *p = '_';
    return id;
}

static int parse_args(int argc, char **argv, analyze_args *a)
{
    enum { O_TITLE = 256, O_GENRE, O_VARIANTS, O_JSON, O_MINQ, O_INTERVAL, O_BUDGET,
           O_MINSHOT, O_THREADS, O_DB, O_ARTWORK, O_QWEIGHTS, O_RANKER };
    static const struct option longopts[] = {
        { "output", required_argument, NULL, 'o' },
        { "title-id", required_argument, NULL, O_TITLE },
        { "genre", required_argument, NULL, O_GENRE },
        { "variants", required_argument, NULL, O_VARIANTS },
        { "json", no_argument, NULL, O_JSON },
        { "min-quality", required_argument, NULL, O_MINQ },
        { "interval", required_argument, NULL, O_INTERVAL },
        { "budget", required_argument, NULL, O_BUDGET },
        { "min-shot", required_argument, NULL, O_MINSHOT },
        { "threads", required_argument, NULL, O_THREADS },
        { "db", required_argument, NULL, O_DB },
        { "artwork", required_argument, NULL, O_ARTWORK },
        { "quality-weights", required_argument, NULL, O_QWEIGHTS },
        { "ranker", required_argument, NULL, O_RANKER },
        { "models", required_argument, NULL, KA_CLI_OPT_MODELS },
        { "detector", required_argument, NULL, KA_CLI_OPT_DETECTOR },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    double d;
    int c, bad = 0;
    optind = 1;
    opterr = 0;
    while (!bad && (c = getopt_long(argc, argv, "o:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': a->out_dir = optarg; break;
        case O_TITLE: a->title_id = optarg; break;
        case O_GENRE: a->select.genre = optarg; break;
        case O_JSON: a->json = 1; break;
        case 'q': a->quiet = 1; break;
        case O_VARIANTS: bad = ka_parse_int(optarg, 4, 12, &a->select.n_variants); break;
        case O_MINQ:
            if (ka_cli_parse_min_quality("analyze", optarg, &d))
                return -1;
            a->select.min_quality = (float)d;
            break;
        case O_INTERVAL: bad = ka_parse_double(optarg, 0.01, 60, &a->analysis.sample_interval_s); break;
        case O_BUDGET: bad = ka_parse_int(optarg, 50, 200, &a->analysis.budget_per_hour); break;
        case O_MINSHOT: bad = ka_parse_double(optarg, 0, 10, &a->analysis.shot.min_shot_s); break;
        case O_THREADS: bad = ka_parse_int(optarg, 0, 64, &a->analysis.threads); break;
        case O_DB: a->db = optarg; break;
        case O_ARTWORK: a->artwork = optarg; break;
        case O_QWEIGHTS:
            if (ka_cli_parse_weights("analyze", optarg, &a->select.weights))
                return -1;
            break;
        case O_RANKER:
            if (ka_ranker_load(optarg, &a->ranker)) {
                fprintf(stderr, "keyart analyze: --ranker: %s\n", ka_error_message());
                return -1;
            }
            a->select.ranker = &a->ranker;
            break;
        case KA_CLI_OPT_MODELS:
        case KA_CLI_OPT_DETECTOR:
            if (ka_cli_face_option(c, optarg, &a->vision))
                return -1;
            break;
        case 'h': analyze_usage(stdout); exit(KA_EXIT_OK);
        default:
            fprintf(stderr, "keyart analyze: unknown option or missing value: %s\n",
                    argv[optind - 1]);
            analyze_usage(stderr);
            return -1;
        }
        if (bad)
            fprintf(stderr, "keyart analyze: bad value '%s' for --%s (see --help)\n", optarg,
                    longopts[c >= 256 ? c - 256 + 1 : 0].name);
    }
    if (bad)
        return -1;
    if (optind != argc - 1) {
        fprintf(stderr, "keyart analyze: expected one VIDEO\n");
        analyze_usage(stderr);
        return -1;
    }
    a->video = argv[optind];
    if (!ka_genre_find(a->select.genre)) {
        fprintf(stderr, "keyart analyze: unknown genre '%s'; known:", a->select.genre);
        int n;
        const ka_genre *const *g = ka_genre_list(&n);
        for (int i = 0; i < n; i++)
            fprintf(stderr, " %s", g[i]->name);
        fputc('\n', stderr);
        return -1;
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
    ka_output_opts oo = { .jpeg_quality = 92, .contact_sheet = 1 };
    if ((err = ka_output_write(dir, t, &sel, a->select.genre, &oo))) {
        ka_cli_error(dir);
        rc = err == KA_ENOMEM ? KA_EXIT_INTERNAL : KA_EXIT_OUTPUT;
    }
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
    if (!rc && !a->quiet)
        fprintf(stderr, "keyart: %s: %d shots, %d candidates, %d variants in %.1f s -> %s\n",
                t->id, t->n_shots, t->n_cands, sel.n_variants, t->analyse_s, dir);
    ka_selection_free(&sel);
    return rc;
}

int ka_cmd_analyze(int argc, char **argv)
{
    analyze_args a = {0};
    ka_analysis_opts_default(&a.analysis);
    ka_select_opts_default(&a.select);
    ka_vision_opts_default(&a.vision);
    if (parse_args(argc, argv, &a))
        return KA_EXIT_USAGE;
    if (ka_vision_configure(&a.vision))
        return KA_EXIT_INTERNAL;
    if (a.quiet)
        ka_log_set_level(KA_LOG_ERROR);
    int src = a.db && !strcmp(a.db, "none") ? 0 : ka_cli_store_open("analyze", a.db, 0, &a.store);
    if (src)
        return src;
    char *id = a.title_id ? strdup(a.title_id) : default_title_id(a.video);
    char *dir = NULL;
    if (!id || (!a.out_dir && asprintf(&dir, "keyart-out/%s", id) < 0)) {
        free(id);
        ka_store_close(&a.store);
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
    free(dir);
    free(id);
    return rc;
}
