/* cmd_store.c: what is stored: `keyart titles [--json]`, `keyart variants TITLE
 * [--json]`, `keyart export TITLE [--shots | --candidates]`, and the helpers every
 * command that uses the database shares (open it from --db / $KEYART_DB, store an
 * analysis). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

int ka_cli_store_exit(int err)
{
    return err == KA_EINVAL ? KA_EXIT_USAGE : err == KA_ENOMEM ? KA_EXIT_INTERNAL
                                                               : KA_EXIT_OUTPUT;
}

int ka_cli_store_open(const char *cmd, const char *url, int flags, ka_store **out)
{
    int err = ka_store_open(url, flags, out);
    if (!err)
        return KA_EXIT_OK;
    fprintf(stderr, "keyart %s: %s\n", cmd, ka_error_message());
    return ka_cli_store_exit(err);
}

int ka_cli_store_save(ka_store *s, const ka_title *t, const ka_selection *sel,
                      const char *genre, const char *artwork)
{
    ka_store_save_opts o = { .artwork_dir = artwork };
    int err = ka_store_save_analysis(s, t, sel, genre, &o);
    if (!err)
        return KA_EXIT_OK;
    fprintf(stderr, "keyart: %s\n", ka_error_message());
    return err == KA_ENOMEM ? KA_EXIT_INTERNAL : KA_EXIT_OUTPUT;
}

int ka_cli_print_json(json_t *j)
{
    int rc = KA_EXIT_OK;
    if (!j || json_dumpf(j, stdout, JSON_INDENT(2) | KA_JSON_REAL) ||
        fputc('\n', stdout) == EOF || fflush(stdout)) {
        ka_cli_stdout_error();
        rc = KA_EXIT_OUTPUT;
    }
    json_decref(j);
    return rc;
}

typedef struct store_args {
    const char *db, *title;
    int json, shots, candidates, rescore;
    ka_quality_weights weights;     /* export --candidates --quality-weights */
} store_args;

/* The options these commands share: --db URL, --json (when allowed), one TITLE when
 * wanted. Returns -1 after printing usage on a bad command line, 1 for --help. */
static int parse(int argc, char **argv, const char *usage, int want_title, int allow_json,
                 store_args *a)
{
    static const struct option longopts[] = {
        { "db", required_argument, NULL, 'd' },
        { "json", no_argument, NULL, 'j' },
        { "shots", no_argument, NULL, 's' },
        { "candidates", no_argument, NULL, 'c' },
        { "quality-weights", required_argument, NULL, 'w' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'd') {
            a->db = optarg;
        } else if (c == 'j' && allow_json) {
            a->json = 1;
        } else if (c == 's' && !allow_json) {
            a->shots = 1;           /* export only */
        } else if (c == 'c' && !allow_json) {
            a->candidates = 1;      /* export only */
        } else if (c == 'w' && !allow_json) {
            if (ka_cli_parse_weights(argv[0], optarg, &a->weights))
                return -1;
            a->rescore = 1;
        } else if (c == 'h') {
            printf("%s", usage);
            return 1;
        } else {
            fprintf(stderr, "keyart %s: unknown option or missing value: %s\n%s", argv[0],
                    argv[optind - 1], usage);
            return -1;
        }
    }
    if (a->shots && a->candidates) {
        fprintf(stderr, "keyart %s: --shots and --candidates exclude each other\n%s", argv[0],
                usage);
        return -1;
    }
    if (a->rescore && !a->candidates) {
        fprintf(stderr, "keyart %s: --quality-weights goes with --candidates\n%s", argv[0],
                usage);
        return -1;
    }
    if (argc - optind != want_title) {
        fprintf(stderr, "keyart %s: expected %s\n%s", argv[0], want_title ? "one TITLE"
                : "no argument", usage);
        return -1;
    }
    a->title = want_title ? argv[optind] : NULL;
    return 0;
}

/* Adds "quality_score_rescored" to each candidate in j (ka_store_candidates_json): its
 * quality score from the stored parts with other weights, to see what they would
 * change without analysing the title again. */
static int rescore(ka_store *s, const char *title, const ka_quality_weights *w, json_t *j)
{
    ka_cand_quality *q = NULL;
    int n = 0, err = ka_store_candidates_quality(s, title, &q, &n);
    if (!err && (size_t)n != json_array_size(j))
        err = ka_error(KA_EIO, "the candidates of '%s' changed while they were read", title);
    for (int i = 0; !err && i < n; i++) {
        ka_quality_score(&q[i], w);
        json_t *c = json_array_get(j, (size_t)i);
        if (!c || json_object_set_new(c, "quality_score_rescored",
                                      ka_json_real(q[i].score, 4)) < 0)
            err = ka_error(KA_ENOMEM, "no memory");
    }
    free(q);
    return err;
}

static const char *when(double t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (t <= 0 || !localtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm))
        snprintf(buf, size, "-");
    return buf;
}

static void print_titles(json_t *a)
{
    size_t i;
    json_t *t;
    if (json_array_size(a) == 0) {
        fprintf(stderr, "keyart: no title is stored yet\n");
        return;
    }
    printf("%-24s %-12s %9s %6s %8s  %s\n", "TITLE", "GENRE", "DURATION", "SHOTS", "VARIANTS",
           "ANALYSED");
    json_array_foreach(a, i, t) {
        char buf[32];
        printf("%-24s %-12s %8.1fs %6lld %8lld  %s\n",
               json_string_value(json_object_get(t, "title_id")),
               json_string_value(json_object_get(t, "genre")) ?: "-",
               json_number_value(json_object_get(t, "duration_s")),
               json_integer_value(json_object_get(t, "shots")),
               json_integer_value(json_object_get(t, "variants")),
               when(json_number_value(json_object_get(t, "analysed_at")), buf, sizeof buf));
    }
}

static void print_variants(json_t *a)
{
    size_t i;
    json_t *v;
    printf("%3s %-16s %-16s %-18s %-12s %8s %6s  %s\n", "N", "ID", "SLOT", "SCENE",
           "COMPOSITION", "TIME", "SCORE", "IMAGE");
    json_array_foreach(a, i, v) {
        json_t *img = json_object_get(v, "images");
        printf("%3lld %-16s %-16s %-18s %-12s %7.2fs %6.3f  %s\n",
               json_integer_value(json_object_get(v, "variant_number")),
               json_string_value(json_object_get(v, "variant_id")) ?: "-",
               json_string_value(json_object_get(v, "slot")) ?: "-",
               json_string_value(json_object_get(v, "scene_type")) ?: "-",
               json_string_value(json_object_get(v, "composition")) ?: "-",
               json_number_value(json_object_get(v, "time_s")),
               json_number_value(json_object_get(v, "score")),
               json_string_value(json_object_get(img, "full")) ?: "-");
    }
}

enum { LIST_TITLES, LIST_VARIANTS, EXPORT };

static int run(int argc, char **argv, int what, const char *usage)
{
    store_args a = { 0 };
    int p = parse(argc, argv, usage, what != LIST_TITLES, what != EXPORT, &a);
    if (p)
        return p > 0 ? KA_EXIT_OK : KA_EXIT_USAGE;
    ka_store *s = NULL;
    int rc = ka_cli_store_open(argv[0], a.db, KA_STORE_NOCREATE | KA_STORE_READ, &s);
    if (rc)
        return rc;
    json_t *j = NULL;
    int err = what == LIST_TITLES ? ka_store_titles_json(s, &j)
            : what == LIST_VARIANTS ? ka_store_variants_json(s, a.title, &j)
            : a.shots ? ka_store_shots_json(s, a.title, &j)
            : a.candidates ? ka_store_candidates_json(s, a.title, &j)
            : ka_store_export_json(s, a.title, &j);
    if (!err && a.rescore)
        err = rescore(s, a.title, &a.weights, j);
    if (err) {
        fprintf(stderr, "keyart %s: %s\n", argv[0], ka_error_message());
        rc = ka_cli_store_exit(err);
    } else if (a.json || what == EXPORT) {
        rc = ka_cli_print_json(j);
        j = NULL;
    } else {
        if (what == LIST_TITLES)
            print_titles(j);
        else
            print_variants(j);
        if (fflush(stdout)) {
            ka_cli_stdout_error();
            rc = KA_EXIT_OUTPUT;
        }
    }
    json_decref(j);
    ka_store_close(&s);
    return rc;
}

int ka_cmd_titles(int argc, char **argv)
{
    return run(argc, argv, LIST_TITLES,
        "usage: keyart titles [--json] [--db URL]\n"
        "\n"
        "Lists the titles stored in the database: id, genre, duration, shots, variants and\n"
        "when they were analysed.\n"
        "  --json       as a JSON array\n"
        "  --db URL     sqlite:PATH or postgresql://... (default $KEYART_DB, else\n"
        "               sqlite:keyart.db)\n");
}

int ka_cmd_variants(int argc, char **argv)
{
    return run(argc, argv, LIST_VARIANTS,
        "usage: keyart variants TITLE [--json] [--db URL]\n"
        "\n"
        "Lists the stored variants of TITLE: number, id (stable across analyses: the same\n"
        "frame chosen again keeps it), slot, scene, composition, time, score and the full\n"
        "image's name in the artwork folder.\n"
        "  --json       as a JSON array (with every image: full, 16x9, 2x3, 1x1)\n"
        "  --db URL     the database (default $KEYART_DB, else sqlite:keyart.db)\n");
}

int ka_cmd_export(int argc, char **argv)
{
    return run(argc, argv, EXPORT,
        "usage: keyart export TITLE [--shots | --candidates [--quality-weights W]]\n"
        "                    [--db URL]\n"
        "\n"
        "Prints the stored metadata of TITLE in metadata.json's shape: {\"title\": {...},\n"
        "\"variants\": [...]}; image names are relative to the artwork folder.\n"
        "  --shots      the stored shot list instead, as `keyart shots` prints it\n"
        "  --candidates the stored candidates instead: frame, time, shot, image (null\n"
        "               when only the variants' images were kept), the variant made from\n"
        "               it (or null), faces found, and every part of its quality score\n"
        "               (brisque and face null where vision did not measure them)\n"
        "  --quality-weights B,C,S,X,R,F\n"
        "               with --candidates: each candidate also gets\n"
        "               \"quality_score_rescored\", its quality score from the stored\n"
        "               parts with these weights (as analyze takes them)\n"
        "  --db URL     the database (default $KEYART_DB, else sqlite:keyart.db)\n");
}
