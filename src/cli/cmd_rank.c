/* cmd_rank.c: `keyart train-ranker GRADES.json... -o FILE`: measures the graded
 * frames of every clip of the grade files as the analysis measures candidates,
 * trains the ranker on them (rank/train.c) and writes it; --loco also trains once
 * per clip without it and reports how well that ranker orders the clip it never saw
 * (Kendall's tau-b and NDCG at 3 against the grades). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct rank_args {
    const char *out, *media, *exclude, *features_in, *features_out;
    int loco, json, quiet;
    ka_train_opts train;
    ka_cli_stage_opts stages;       /* --stage-opt, --models, --detector */
    char **grades;
    int n_grades;
} rank_args;

/* "motion,skin": the features' bits; -1 (message printed) for an unknown name. */
static int rank_parse_ignore(const char *list, uint64_t *mask)
{
    char name[64];
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        snprintf(name, sizeof name, "%.*s", (int)(len < sizeof name ? len : sizeof name - 1), p);
        int k = ka_feature_find(name);
        if (k < 0) {
            fprintf(stderr, "keyart train-ranker: --ignore: no feature '%s'\n", name);
            return -1;
        }
        *mask |= 1ull << k;
        p += len + (p[len] == ',');
    }
    return 0;
}

enum { O_OUTPUT, O_MEDIA, O_EXCLUDE, O_LOCO, O_SAVE, O_FEATURES, O_L2, O_POINT, O_IGNORE };

static const ka_cli_opt rank_opts[] = {
    { "output", 'o', "FILE", "the ranker (JSON)", O_OUTPUT, NULL },
    { "media", 0, "DIR[:DIR...]", "folders the clips' videos are under (default: beside each "
      "grade file and the folder above it)", O_MEDIA, NULL },
    { "exclude", 0, "CLIP", "leave a clip out of the training", O_EXCLUDE, NULL },
    { "loco", 0, NULL, "leave-one-clip-out: per clip, train without it and report how well "
      "that ranker orders the clip's frames", O_LOCO, NULL },
    { "save-features", 0, "FILE", "also write the measured frames to FILE", O_SAVE, NULL },
    { "features", 0, "FILE", "train on frames measured before (no analysis)", O_FEATURES,
      NULL },
    { "l2", 0, "X", "weight penalty (default 0.1)", O_L2, NULL },
    { "pointwise", 0, "X", "weight of the grade-scale loss (default 1)", O_POINT, NULL },
    { "ignore", 0, "F,F...", "features the ranker must not use (weigh 0)", O_IGNORE, NULL },
    KA_CLI_ROW_JSON("print the report as JSON"),
    KA_CLI_ROW_QUIET("no progress lines"),
    KA_CLI_ROWS_STAGE,
    { 0 },
};

static int rank_option(void *ctx, int id, const char *arg)
{
    rank_args *a = ctx;
    switch (id) {
    case O_OUTPUT: a->out = arg; return 0;
    case O_MEDIA: a->media = arg; return 0;
    case O_EXCLUDE: a->exclude = arg; return 0;
    case O_LOCO: a->loco = 1; return 0;
    case O_SAVE: a->features_out = arg; return 0;
    case O_FEATURES: a->features_in = arg; return 0;
    case O_L2: return ka_parse_double(arg, 0, 100, &a->train.l2) ? KA_CLI_BADVAL : 0;
    case O_POINT: return ka_parse_double(arg, 0, 100, &a->train.pointwise) ? KA_CLI_BADVAL : 0;
    default: return rank_parse_ignore(arg, &a->train.ignore) ? KA_CLI_BAD : 0;
    }
}

static int rank_parse(const ka_cli_cmd *self, int argc, char **argv, rank_args *a)
{
    ka_cli_common com = { 0 };
    int first = ka_cli_parse(self, argc, argv, a, &com);
    if (first < 0)
        return first;
    a->stages = com.stages;
    a->json = com.json;
    a->quiet = com.quiet;
    a->grades = argv + first;
    a->n_grades = argc - first;
    if (!a->features_in && a->n_grades == 0) {
        fprintf(stderr, "keyart train-ranker: expected GRADES.json files (or --features)\n");
        return KA_CLI_BAD;
    }
    if (a->features_in && a->n_grades > 0) {
        fprintf(stderr, "keyart train-ranker: --features replaces the grade files\n");
        return KA_CLI_BAD;
    }
    if (!a->out && !a->loco && !a->features_out) {
        fprintf(stderr, "keyart train-ranker: nothing to do: give -o FILE (or --loco)\n");
        return KA_CLI_BAD;
    }
    return 0;
}

/* The graded frames: measured from the grade files, or read from a features file. */
typedef struct rank_data {
    char **names;               /* clip names */
    int n_clips;
    ka_graded *rows;
    int n, cap;
} rank_data;

static void rank_data_free(rank_data *d)
{
    for (int i = 0; i < d->n_clips; i++)
        free(d->names[i]);
    free(d->names);
    free(d->rows);
}

static int rank_measure(const rank_args *a, rank_data *d)
{
    ka_grade_set set = { 0 };
    int err = 0;
    for (int i = 0; i < a->n_grades && !err; i++)
        err = ka_grades_load(a->grades[i], a->media, &set);
    if (!err && !(d->names = calloc((size_t)set.n + 1, sizeof *d->names)))
        err = ka_error(KA_ENOMEM, "no memory");
    for (int i = 0; !err && i < set.n; i++) {
        if (!(d->names[i] = strdup(set.clips[i].name))) {
            err = ka_error(KA_ENOMEM, "no memory");
            break;
        }
        d->n_clips++;
        if (!a->quiet)
            fprintf(stderr, "keyart train-ranker: measuring %s (%d graded frames)\n",
                    set.clips[i].name, set.clips[i].n);
        ka_analysis_opts ao;
        ka_analysis_opts_default(&ao);
        ao.stage_opts = (const char *const *)a->stages.v;
        ao.n_stage_opts = a->stages.n;
        err = ka_grades_measure(&set, i, &ao, &d->rows, &d->n, &d->cap);
    }
    if (!err && a->features_out)
        err = ka_features_save(&set, d->rows, d->n, a->features_out);
    ka_grades_free(&set);
    return err;
}

static int rank_clip_index(const rank_data *d, const char *name)
{
    for (int i = 0; name && i < d->n_clips; i++)
        if (!strcmp(d->names[i], name))
            return i;
    return -1;
}

/* What the held-out ranker would pick among a clip's graded frames: the grade of its
 * best (*first) and the mean grade of its best three at least RANK_APART frames apart
 * (distinct moments, roughly). */
#define RANK_APART 24
static void rank_picks(const ka_ranker *r, const rank_data *d, int clip, double *first,
                       double *top3)
{
    int taken[3], n = 0;
    double sum = 0;
    *first = *top3 = 0;
    for (int k = 0; k < 3; k++) {
        int best = -1;
        float bs = 0;
        for (int i = 0; i < d->n; i++) {
            if (d->rows[i].clip != clip)
                continue;
            int near = 0;
            for (int j = 0; j < n; j++)
                near |= llabs(d->rows[taken[j]].frame - d->rows[i].frame) < RANK_APART;
            float s = ka_ranker_score(r, d->rows[i].x);
            if (!near && (best < 0 || s > bs)) {
                best = i;
                bs = s;
            }
        }
        if (best < 0)
            break;
        taken[n++] = best;
        sum += d->rows[best].grade;
        if (k == 0)
            *first = d->rows[best].grade;
    }
    *top3 = n ? sum / n : 0;
}

/* Per clip: rows used, and with --loco the held-out agreement. */
static json_t *rank_report(const rank_args *a, const rank_data *d, int *err)
{
    json_t *clips = json_array();
    double sum_tau = 0, sum_ndcg = 0, sum_first = 0, sum_top3 = 0;
    int counted = 0;
    for (int c = 0; c < d->n_clips && !*err; c++) {
        int rows = 0;
        for (int i = 0; i < d->n; i++)
            rows += d->rows[i].clip == c;
        json_t *j = json_pack("{s:s, s:i}", "clip", d->names[c], "frames", rows);
        if (a->loco && rows > 1) {
            ka_ranker r;
            double tau, ndcg;
            if ((*err = ka_rank_train(d->rows, d->n, c, &a->train, &r))) {
                json_decref(j);
                break;
            }
            double first, top3;
            ka_rank_agreement(&r, d->rows, d->n, c, &tau, &ndcg);
            rank_picks(&r, d, c, &first, &top3);
            json_object_set_new(j, "tau", json_real(tau));
            json_object_set_new(j, "ndcg3", json_real(ndcg));
            json_object_set_new(j, "first", json_real(first));
            json_object_set_new(j, "top3", json_real(top3));
            sum_tau += tau;
            sum_ndcg += ndcg;
            sum_first += first;
            sum_top3 += top3;
            counted++;
        }
        json_array_append_new(clips, j);
    }
    json_t *root = json_pack("{s:o}", "clips", clips);
    if (a->loco && counted)
        json_object_set_new(root, "loco", json_pack("{s:f, s:f, s:f, s:f}", "tau",
                            sum_tau / counted, "ndcg3", sum_ndcg / counted, "first",
                            sum_first / counted, "top3", sum_top3 / counted));
    return root;
}

static void rank_print(const json_t *report)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(report, "clips"), i, c) {
        printf("%-32s %4d frames", json_string_value(json_object_get(c, "clip")),
               (int)json_integer_value(json_object_get(c, "frames")));
        if (json_object_get(c, "tau"))
            printf("   held out: tau %6.3f  ndcg@3 %.3f  best frame %.0f  best three %.2f",
                   json_number_value(json_object_get(c, "tau")),
                   json_number_value(json_object_get(c, "ndcg3")),
                   json_number_value(json_object_get(c, "first")),
                   json_number_value(json_object_get(c, "top3")));
        putchar('\n');
    }
    json_t *l = json_object_get(report, "loco");
    if (l)
        printf("leave-one-clip-out mean: tau %.3f  ndcg@3 %.3f  best frame %.2f  best three %.2f\n",
               json_number_value(json_object_get(l, "tau")),
               json_number_value(json_object_get(l, "ndcg3")),
               json_number_value(json_object_get(l, "first")),
               json_number_value(json_object_get(l, "top3")));
}

static int rank_train_out(const rank_args *a, const rank_data *d)
{
    int ex = rank_clip_index(d, a->exclude);
    if (a->exclude && ex < 0)
        return ka_error(KA_EINVAL, "--exclude %s: no such clip", a->exclude);
    ka_ranker r;
    int err = ka_rank_train(d->rows, d->n, ex, &a->train, &r);
    if (err)
        return err;
    size_t len = 0;
    r.trained_on[0] = '\0';
    for (int c = 0; c < d->n_clips; c++)
        if (c != ex && len + strlen(d->names[c]) + 2 < sizeof r.trained_on)
            len += (size_t)snprintf(r.trained_on + len, sizeof r.trained_on - len, "%s%s",
                                    len ? " " : "", d->names[c]);
    return ka_ranker_save(&r, a->out);
}

static int rank_run(const ka_cli_cmd *self, int argc, char **argv)
{
    rank_args a = { 0 };
    ka_train_opts_default(&a.train);
    int p = rank_parse(self, argc, argv, &a);
    if (p) {
        ka_cli_stage_opts_free(&a.stages);
        return ka_cli_exit(p);
    }
    if (a.quiet)
        ka_log_set_level(KA_LOG_ERROR);
    rank_data d = { 0 };
    int rc = KA_EXIT_OK;
    int err = a.features_in ? ka_features_load(a.features_in, &d.names, &d.n_clips, &d.rows, &d.n)
                            : rank_measure(&a, &d);
    if (err)        /* a grade file, a clip or a features file that cannot be used */
        rc = err == KA_ENOMEM ? KA_EXIT_INTERNAL : KA_EXIT_INPUT;
    json_t *report = err ? NULL : rank_report(&a, &d, &err);
    if (!rc && err)
        rc = err == KA_ENOMEM ? KA_EXIT_INTERNAL : KA_EXIT_INPUT;
    if (!rc && a.out && (err = rank_train_out(&a, &d)))
        rc = err == KA_EINVAL ? KA_EXIT_USAGE : err == KA_ENOMEM ? KA_EXIT_INTERNAL
                                                                 : KA_EXIT_OUTPUT;
    if (rc)
        fprintf(stderr, "keyart train-ranker: %s\n", ka_error_message());
    else if (a.json)
        rc = ka_cli_print_json(json_incref(report));
    else
        rank_print(report);
    json_decref(report);
    rank_data_free(&d);
    ka_cli_stage_opts_free(&a.stages);
    return rc;
}

const ka_cli_cmd ka_cli_train_ranker = {
    .name = "train-ranker", .operands = "*",
    .synopsis = "GRADES.json... -o FILE [--media DIR] [--loco] [--exclude CLIP] [options]\n"
        "--features FEATURES.json [-o FILE] [options]",
    .summary = "train the ranker that orders candidates as artwork from editors' grades of "
        "frames",
    .description = "Trains the ranker that orders candidates by how well they work as "
        "artwork, from editors' grades (0 unusable .. 3 would use) of frames of clips; use "
        "it with keyart analyze --ranker FILE.",
    .opts = rank_opts, .opt = rank_option, .run = rank_run,
};
