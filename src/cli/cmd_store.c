/* cmd_store.c: what is stored: `keyart titles [--json]`, `keyart variants TITLE
 * [--json]`, `keyart export TITLE [--shots | --candidates]`, and the helpers every
 * command that uses the database shares (open it from --db / $KEYART_DB, store an
 * analysis). */
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
    const char *title;
    int shots, candidates, rescore;
    ka_quality_weights weights;     /* export --candidates --quality-weights */
} store_args;

enum { O_SHOTS, O_CANDIDATES, O_QWEIGHTS };

/* export's own options. */
static int export_option(void *ctx, int id, const char *arg)
{
    store_args *a = ctx;
    switch (id) {
    case O_SHOTS: a->shots = 1; return 0;
    case O_CANDIDATES: a->candidates = 1; return 0;
    default:
        a->rescore = 1;
        return ka_cli_parse_weights("export", arg, &a->weights) ? KA_CLI_BAD : 0;
    }
}

/* The command line: options, then one TITLE when wanted; -1 when done (*rc set). */
static int parse(const ka_cli_cmd *c, int argc, char **argv, int want_title, store_args *a,
                 ka_cli_common *com, int *rc)
{
    int first = ka_cli_parse(c, argc, argv, a, com);
    const char *why = first < 0 ? NULL
                    : a->shots && a->candidates ? "--shots and --candidates exclude each other"
                    : a->rescore && !a->candidates ? "--quality-weights goes with --candidates"
                    : NULL;
    if (why)
        fprintf(stderr, "keyart %s: %s\n", c->name, why);
    if (first < 0 || why) {
        *rc = first < 0 ? ka_cli_exit(first) : KA_EXIT_USAGE;
        return -1;
    }
    a->title = want_title ? argv[first] : NULL;
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

static int run(const ka_cli_cmd *self, int argc, char **argv, int what)
{
    store_args a = { 0 };
    ka_cli_common com = { 0 };
    int rc;
    if (parse(self, argc, argv, what != LIST_TITLES, &a, &com, &rc))
        return rc;
    ka_store *s = NULL;
    rc = ka_cli_store_open(self->name, com.db, KA_STORE_NOCREATE | KA_STORE_READ, &s);
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
        fprintf(stderr, "keyart %s: %s\n", self->name, ka_error_message());
        rc = ka_cli_store_exit(err);
    } else if (com.json || what == EXPORT) {
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

static int titles_run(const ka_cli_cmd *self, int argc, char **argv)
{
    return run(self, argc, argv, LIST_TITLES);
}

static int variants_run(const ka_cli_cmd *self, int argc, char **argv)
{
    return run(self, argc, argv, LIST_VARIANTS);
}

static int export_run(const ka_cli_cmd *self, int argc, char **argv)
{
    return run(self, argc, argv, EXPORT);
}

static const ka_cli_opt titles_opts[] = {
    KA_CLI_ROW_JSON("as a JSON array"), KA_CLI_ROW_DB(""), { 0 },
};

const ka_cli_cmd ka_cli_titles = {
    .name = "titles", .synopsis = "[--json] [--db URL]",
    .summary = "the titles stored in the database (every command that uses it takes --db "
        "URL: sqlite:PATH or postgresql://..., default $KEYART_DB, else sqlite:keyart.db)",
    .description = "Lists the titles stored in the database: id, genre, duration, shots, "
        "variants and when they were analysed.",
    .opts = titles_opts, .run = titles_run,
};

static const ka_cli_opt variants_opts[] = {
    KA_CLI_ROW_JSON("as a JSON array (with every image: full, 16x9, 2x3, 1x1)"),
    KA_CLI_ROW_DB(""), { 0 },
};

const ka_cli_cmd ka_cli_variants = {
    .name = "variants", .operands = "TITLE", .synopsis = "TITLE [--json] [--db URL]",
    .summary = "the stored variants of TITLE",
    .description = "Lists the stored variants of TITLE: number, id (stable across analyses: "
        "the same frame chosen again keeps it), slot, scene, composition, time, score and "
        "the full image's name in the artwork folder.",
    .opts = variants_opts, .run = variants_run,
};

static const ka_cli_opt export_opts[] = {
    { "shots", 0, NULL, "the stored shot list instead, as `keyart shots` prints it",
      O_SHOTS, NULL },
    { "candidates", 0, NULL, "the stored candidates instead: frame, time, shot, image (null "
      "when only the variants' images were kept), the variant made from it (or null), faces "
      "found, and every part of its quality score (brisque and face null where vision did "
      "not measure them)", O_CANDIDATES, NULL },
    { "quality-weights", 0, "B,C,S,X,R,F", "with --candidates: each candidate also gets "
      "\"quality_score_rescored\", its quality score from the stored parts with these "
      "weights (as analyze takes them)", O_QWEIGHTS, NULL },
    KA_CLI_ROW_DB(""), { 0 },
};

const ka_cli_cmd ka_cli_export = {
    .name = "export", .operands = "TITLE",
    .synopsis = "TITLE [--shots | --candidates [--quality-weights B,C,S,X,R,F]] [--db URL]",
    .summary = "the stored metadata of TITLE, in metadata.json's shape",
    .description = "Prints the stored metadata of TITLE in metadata.json's shape: "
        "{\"title\": {...}, \"variants\": [...]}; image names are relative to the artwork "
        "folder.",
    .opts = export_opts, .opt = export_option, .run = export_run,
};
