/* cmd_queue.c: the work queue from the command line: `keyart enqueue VIDEO...` adds
 * titles, `keyart worker` takes and runs jobs (any number of workers, on any number
 * of machines sharing the database and the artwork folder), `keyart jobs` shows the
 * queue. SIGINT / SIGTERM make a worker stop after its current job. */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* ---- enqueue ---- */

typedef struct enqueue_args {
    ka_enqueue_opts o;
    ka_quality_weights weights;
    char *ranker;                   /* --ranker FILE's text */
} enqueue_args;

enum { O_GENRE, O_VARIANTS, O_TITLE, O_SEGMENT, O_OVERLAP, O_MINQ, O_QWEIGHTS,
       O_ONCE, O_DRAIN, O_LEASE, O_POLL, O_NAME, O_THREADS };

static const ka_cli_opt enqueue_opts[] = {
    { "genre", 0, "G", "the genre's slots (default drama; see keyart analyze --help)",
      O_GENRE, NULL },
    { "variants", 0, "N", "variants to choose, 4..12 (default 8)", O_VARIANTS, NULL },
    { "min-quality", 0, "Q", "quality threshold 0..1 (default 0.35)", O_MINQ, NULL },
    { "quality-weights", 0, "B,C,S,X,R,F", "weights of the quality score's parts: "
      "brightness, contrast, sharpness, saturation, BRISQUE, faces (default "
      "0.25,0.25,0.30,0.20,0.10,0.15); six numbers 0..1000, not all 0", O_QWEIGHTS, NULL },
    KA_CLI_ROW_RANKER("; its content is stored with the jobs"),
    { "title-id", 0, "ID", "the title's id (one VIDEO only; default: the file name)",
      O_TITLE, NULL },
    { "segment", 0, "S", "split titles longer than 1.5 x S seconds into segments of about S "
      "seconds that workers analyse in parallel, then merge (default: no splitting)",
      O_SEGMENT, NULL },
    { "overlap", 0, "S", "context decoded around each segment (default 5)", O_OVERLAP, NULL },
    KA_CLI_ROW_MAX_PIXELS(": checked here, and by each worker with its own"),
    KA_CLI_ROW_DB(""),
    KA_CLI_ROWS_STAGE,
    { 0 },
};

static int enqueue_option(void *ctx, int id, const char *arg)
{
    enqueue_args *a = ctx;
    ka_enqueue_opts *o = &a->o;
    switch (id) {
    case O_GENRE: o->genre = arg; return ka_genre_find(arg) ? 0 : KA_CLI_BADVAL;
    case O_VARIANTS: return ka_parse_int(arg, 4, 12, &o->n_variants) ? KA_CLI_BADVAL : 0;
    case O_TITLE: o->title_id = arg; return 0;
    case O_SEGMENT: return ka_parse_double(arg, 1, 1e6, &o->segment_s) ? KA_CLI_BADVAL : 0;
    case O_OVERLAP: return ka_parse_double(arg, 0, 600, &o->overlap_s) ? KA_CLI_BADVAL : 0;
    case O_MINQ:    /* these say what is wrong themselves, as analyze does */
        o->has_min_quality = 1;
        return ka_cli_parse_min_quality("enqueue", arg, &o->min_quality) ? KA_CLI_BAD : 0;
    case O_QWEIGHTS:
        o->weights = &a->weights;
        return ka_cli_parse_weights("enqueue", arg, &a->weights) ? KA_CLI_BAD : 0;
    default:        /* --ranker */
        o->ranker_json = NULL;
        free(a->ranker);
        if (ka_cli_read_text("enqueue", arg, &a->ranker))
            return KA_CLI_BAD;
        o->ranker_json = a->ranker;
        return 0;
    }
}

static int enqueue_all(enqueue_args *a, const char *db, int first, int argc, char **argv)
{
    ka_store *s = NULL;
    int rc = ka_cli_store_open("enqueue", db, 0, &s);
    for (int i = first; !rc && i < argc; i++) {
        int64_t job = 0;
        int n = ka_store_enqueue(s, argv[i], &a->o, &job);
        if (n < 0) {
            ka_cli_error(argv[i]);
            rc = n == KA_EINVAL ? KA_EXIT_USAGE : n == KA_ENOMEM ? KA_EXIT_INTERNAL
               : n == KA_EIO && strstr(ka_error_message(), ka_store_name(s)) ? KA_EXIT_OUTPUT
               : KA_EXIT_INPUT;
        } else if (n == 1) {
            printf("queued %s as job %lld\n", argv[i], (long long)job);
        } else {
            printf("queued %s as %d segments merged by job %lld\n", argv[i], n - 1,
                   (long long)job);
        }
    }
    ka_store_close(&s);
    if (fflush(stdout) && !rc) {
        ka_cli_stdout_error();
        rc = KA_EXIT_OUTPUT;
    }
    return rc;
}

static int enqueue_run(const ka_cli_cmd *self, int argc, char **argv)
{
    enqueue_args a = { .o = { .genre = "drama" } };
    ka_cli_common com = { 0 };
    int first = ka_cli_parse(self, argc, argv, &a, &com), rc;
    if (first < 0) {
        rc = ka_cli_exit(first);
    } else if (first >= argc || (a.o.title_id && argc - first > 1)) {
        fprintf(stderr, "keyart enqueue: expected VIDEO... (--title-id with one VIDEO)\n");
        rc = KA_EXIT_USAGE;
    } else {
        a.o.stage_opts = (const char *const *)com.stages.v;
        a.o.n_stage_opts = com.stages.n;
        a.o.max_pixels = com.max_pixels;
        rc = enqueue_all(&a, com.db, first, argc, argv);
    }
    ka_cli_stage_opts_free(&com.stages);
    free(a.ranker);
    return rc;
}

const ka_cli_cmd ka_cli_enqueue = {
    .name = "enqueue", .operands = "*",
    .synopsis = "VIDEO... [--genre G] [--variants N] [--title-id ID] [--min-quality Q] "
        "[--quality-weights B,C,S,X,R,F] [--ranker FILE] [--stage-opt STAGE.OPTION=VALUE]... "
        "[--segment S] [--overlap S] [--max-pixels N] [--db URL]",
    .summary = "add titles to the work queue",
    .description = "Adds each VIDEO to the work queue as a title for `keyart worker`, whose "
        "variants are chosen as `keyart analyze` with the same options would choose them: "
        "the options are stored with the jobs, and the worker that takes one applies them.",
    .opts = enqueue_opts, .opt = enqueue_option, .run = enqueue_run,
};

/* ---- worker ---- */

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

typedef struct worker_args {
    int once, drain, quiet;
    double poll_s;
    ka_worker_opts w;
} worker_args;

static const ka_cli_opt worker_opts[] = {
    { "once", 0, NULL, "run at most one job, then exit", O_ONCE, NULL },
    { "drain", 0, NULL, "exit when nothing is queued or running any more", O_DRAIN, NULL },
    { "lease", 0, "S", "lease length in seconds (default 60; heartbeats every S/3)", O_LEASE,
      NULL },
    { "poll", 0, "S", "wait between looks at an empty queue (default 2)", O_POLL, NULL },
    KA_CLI_ROW_ARTWORK(", shared by every worker"),
    { "name", 0, "NAME", "this worker's name in `keyart jobs` (default host:pid)", O_NAME,
      NULL },
    { "threads", 0, "N", "decoder threads (default: one per core)", O_THREADS, NULL },
    KA_CLI_ROW_MAX_PIXELS(": a job whose video has larger ones fails"),
    KA_CLI_ROW_DB(""),
    KA_CLI_ROW_QUIET("print only errors"),
    { 0 },
};

static int worker_option(void *ctx, int id, const char *arg)
{
    worker_args *a = ctx;
    switch (id) {
    case O_ONCE: a->once = 1; return 0;
    case O_DRAIN: a->drain = 1; return 0;
    case O_LEASE: return ka_parse_double(arg, 1, 86400, &a->w.lease_s) ? KA_CLI_BADVAL : 0;
    case O_POLL: return ka_parse_double(arg, 0.05, 3600, &a->poll_s) ? KA_CLI_BADVAL : 0;
    case O_NAME: a->w.name = arg; return 0;
    default: return ka_parse_int(arg, 0, 64, &a->w.threads) ? KA_CLI_BADVAL : 0;
    }
}

/* Runs one job; prints what became of it. Returns an exit code for --once. */
static int work_one(ka_store *s, const ka_job *j, const worker_args *a)
{
    double t0 = ka_now();
    char seg[64] = "";
    if (j->kind == KA_JOB_SEGMENT)
        snprintf(seg, sizeof seg, " segment %d (%.1f-%.1f s)", j->seg_index, j->seg_start,
                 j->seg_end);
    if (!a->quiet)
        fprintf(stderr, "keyart worker: job %lld %s %s%s: started (attempt %d)\n",
                (long long)j->id, ka_job_kind_name(j->kind), j->title_id, seg, j->attempt);
    int err = ka_job_run(s, j, &a->w);
    if (err == 0 && !a->quiet)
        fprintf(stderr, "keyart worker: job %lld %s %s%s: done in %.1f s\n", (long long)j->id,
                ka_job_kind_name(j->kind), j->title_id, seg, ka_now() - t0);
    if (err == 1)
        fprintf(stderr, "keyart worker: job %lld %s: failed: %s\n", (long long)j->id,
                j->title_id, ka_error_message());
    if (err < 0)
        fprintf(stderr, "keyart worker: job %lld %s: %s\n", (long long)j->id, j->title_id,
                ka_error_message());
    return err == 0 ? KA_EXIT_OK : err == 1 ? KA_EXIT_INPUT : ka_cli_store_exit(err);
}

static int worker_run(const ka_cli_cmd *self, int argc, char **argv)
{
    worker_args a = { .poll_s = 2 };
    ka_cli_common com = { 0 };
    int first = ka_cli_parse(self, argc, argv, &a, &com);
    if (first < 0)
        return ka_cli_exit(first);
    a.quiet = com.quiet;
    a.w.artwork_dir = com.artwork;
    a.w.max_pixels = com.max_pixels;
    char name[256], host[200] = "host";
    gethostname(host, sizeof host - 1);
    snprintf(name, sizeof name, "%s:%ld", host, (long)getpid());
    if (!a.w.name)
        a.w.name = name;
    a.w.url = com.db ? com.db : ka_store_default_url();
    a.w.quiet = a.quiet;
    if (!a.w.lease_s)
        a.w.lease_s = 60;
    ka_store *s = NULL;
    int rc = ka_cli_store_open("worker", com.db, 0, &s);
    if (rc)
        return rc;
    struct sigaction sa = { .sa_handler = on_stop };
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    while (!stop_requested) {
        ka_job j;
        int got = ka_store_job_take(s, a.w.name, a.w.lease_s, &j);
        if (got < 0) {
            fprintf(stderr, "keyart worker: %s\n", ka_error_message());
            rc = ka_cli_store_exit(got);
            break;
        }
        if (got) {
            int jrc = work_one(s, &j, &a);
            ka_job_clear(&j);
            if (a.once) {
                rc = jrc;
                break;
            }
            continue;
        }
        int queued = 0, running = 0;
        if (a.once || (a.drain && !ka_store_queue_counts(s, &queued, &running, NULL) &&
                       queued + running == 0))
            break;
        usleep((useconds_t)(a.poll_s * (0.75 + 0.5 * (rand() / (double)RAND_MAX)) * 1e6));
    }
    ka_store_close(&s);
    return rc;
}

/* ---- jobs ---- */

static int jobs_run(const ka_cli_cmd *self, int argc, char **argv)
{
    ka_cli_common com = { 0 };
    int first = ka_cli_parse(self, argc, argv, NULL, &com);
    if (first < 0)
        return ka_cli_exit(first);
    const char *db = com.db;
    int json = com.json;
    ka_store *s = NULL;
    int rc = ka_cli_store_open("jobs", db, KA_STORE_NOCREATE | KA_STORE_READ, &s);
    json_t *a = NULL;
    int err = rc ? 0 : ka_store_jobs_json(s, &a);
    if (err) {
        fprintf(stderr, "keyart jobs: %s\n", ka_error_message());
        rc = ka_cli_store_exit(err);
    } else if (!rc && json) {
        rc = ka_cli_print_json(a);
        a = NULL;
    } else if (!rc) {
        size_t i;
        json_t *o;
        printf("%6s %-8s %-8s %-24s %8s %3s %-24s %s\n", "ID", "KIND", "STATE", "TITLE",
               "SEGMENT", "TRY", "WORKER", "LEASE/ERROR");
        json_array_foreach(a, i, o) {
            json_t *seg = json_object_get(o, "segment");
            json_t *left = json_object_get(o, "lease_left_s");
            char segs[16] = "-", tail[96] = "";
            if (seg)
                snprintf(segs, sizeof segs, "%lld",
                         json_integer_value(json_object_get(seg, "index")));
            if (left)
                snprintf(tail, sizeof tail, "%.1f s left", json_real_value(left));
            else if (json_string_value(json_object_get(o, "error")))
                snprintf(tail, sizeof tail, "%.90s",
                         json_string_value(json_object_get(o, "error")));
            const char *w = json_string_value(json_object_get(o, "worker"));
            printf("%6lld %-8s %-8s %-24s %8s %3lld %-24s %s\n",
                   json_integer_value(json_object_get(o, "id")),
                   json_string_value(json_object_get(o, "kind")),
                   json_string_value(json_object_get(o, "state")),
                   json_string_value(json_object_get(o, "title_id")), segs,
                   json_integer_value(json_object_get(o, "attempts")), w ? w : "-", tail);
        }
        if (fflush(stdout)) {
            ka_cli_stdout_error();
            rc = KA_EXIT_OUTPUT;
        }
    }
    json_decref(a);
    ka_store_close(&s);
    return rc;
}

const ka_cli_cmd ka_cli_worker = {
    .name = "worker",
    .synopsis = "[--once | --drain] [--lease S] [--poll S] [--db URL] [--artwork DIR] "
        "[--name NAME] [--threads N] [--max-pixels N] [-q]",
    .summary = "take jobs from the queue and analyse them",
    .description = "Takes jobs from the queue and analyses them until stopped (SIGINT / "
        "SIGTERM stop it after the current job). A job is held under a lease renewed by "
        "heartbeats; when a worker dies its job is taken again once the lease has run out.",
    .opts = worker_opts, .opt = worker_option, .run = worker_run,
};

static const ka_cli_opt jobs_opts[] = {
    KA_CLI_ROW_JSON("as a JSON array"), KA_CLI_ROW_DB(""), { 0 },
};

const ka_cli_cmd ka_cli_jobs = {
    .name = "jobs", .synopsis = "[--json] [--db URL]",
    .summary = "the work queue",
    .description = "Shows the work queue: id, kind (title, segment, merge), state (queued, "
        "running, done, failed), title, attempts, the worker holding it and its lease, "
        "errors.",
    .opts = jobs_opts, .run = jobs_run,
};
