/* cmd_queue.c: the work queue from the command line: `keyart enqueue VIDEO...` adds
 * titles, `keyart worker` takes and runs jobs (any number of workers, on any number
 * of machines sharing the database and the artwork folder), `keyart jobs` shows the
 * queue. SIGINT / SIGTERM make a worker stop after its current job. */
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* ---- enqueue ---- */

static void enqueue_usage(FILE *f)
{
    fprintf(f,
    "usage: keyart enqueue VIDEO... [--genre G] [--variants N] [--title-id ID]\n"
    "                      [--min-quality Q] [--quality-weights B,C,S,X,R,F]\n"
    "                      [--ranker FILE] [--stage-opt STAGE.OPTION=VALUE]...\n"
    "                      [--segment S] [--overlap S] [--db URL]\n"
    "\n"
    "Adds each VIDEO to the work queue as a title for `keyart worker`, whose variants\n"
    "are chosen as `keyart analyze` with the same options would choose them: the\n"
    "options are stored with the jobs, and the worker that takes one applies them.\n"
    "  --genre G        the genre's slots (default drama; see keyart analyze --help)\n"
    "  --variants N     variants to choose, 4..12 (default 8)\n"
    "  --min-quality Q  quality threshold 0..1 (default 0.35)\n"
    "  --quality-weights B,C,S,X,R,F\n"
    "                   weights of the quality score's parts: brightness, contrast,\n"
    "                   sharpness, saturation, BRISQUE, faces (default\n"
    "                   0.25,0.25,0.30,0.20,0.10,0.15); six numbers 0..1000, not all 0\n"
    "  --ranker FILE    the ranker (keyart train-ranker; default: the one built in);\n"
    "                   its content is stored with the jobs\n"
    "  --title-id ID    the title's id (one VIDEO only; default: the file name)\n"
    "  --segment S      split titles longer than 1.5 x S seconds into segments of about\n"
    "                   S seconds that workers analyse in parallel, then merge (default:\n"
    "                   no splitting)\n"
    "  --overlap S      context decoded around each segment (default 5)\n"
    "  --db URL         the database (default $KEYART_DB, else sqlite:keyart.db)\n");
    ka_cli_stage_opts_usage(f);
}

typedef struct enqueue_args {
    ka_enqueue_opts o;
    ka_quality_weights weights;
    ka_cli_stage_opts stages;
    char *ranker;                   /* --ranker FILE's text */
    const char *db;
} enqueue_args;

/* 0, 1 after --help, -1 on a bad command line (said). */
static int enqueue_parse(int argc, char **argv, enqueue_args *a)
{
    enum { O_GENRE = 256, O_VARIANTS, O_TITLE, O_SEGMENT, O_OVERLAP, O_DB, O_MINQ,
           O_QWEIGHTS, O_RANKER };
    static const struct option longopts[] = {
        { "genre", required_argument, NULL, O_GENRE },
        { "variants", required_argument, NULL, O_VARIANTS },
        { "min-quality", required_argument, NULL, O_MINQ },
        { "quality-weights", required_argument, NULL, O_QWEIGHTS },
        { "title-id", required_argument, NULL, O_TITLE },
        { "segment", required_argument, NULL, O_SEGMENT },
        { "overlap", required_argument, NULL, O_OVERLAP },
        { "db", required_argument, NULL, O_DB },
        { "ranker", required_argument, NULL, O_RANKER },
        { "stage-opt", required_argument, NULL, KA_CLI_OPT_STAGE },
        { "detector", required_argument, NULL, KA_CLI_OPT_DETECTOR },
        { "models", required_argument, NULL, KA_CLI_OPT_MODELS },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    ka_enqueue_opts *o = &a->o;
    int c, bad = 0;
    optind = 1;
    opterr = 0;
    while (!bad && (c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case O_GENRE: o->genre = optarg; bad = !ka_genre_find(optarg); break;
        case O_VARIANTS: bad = ka_parse_int(optarg, 4, 12, &o->n_variants); break;
        case O_TITLE: o->title_id = optarg; break;
        case O_SEGMENT: bad = ka_parse_double(optarg, 1, 1e6, &o->segment_s); break;
        case O_OVERLAP: bad = ka_parse_double(optarg, 0, 600, &o->overlap_s); break;
        case O_DB: a->db = optarg; break;
        case O_MINQ:    /* these say what is wrong themselves, as analyze does */
            if (ka_cli_parse_min_quality("enqueue", optarg, &o->min_quality))
                return -1;
            o->has_min_quality = 1;
            break;
        case O_QWEIGHTS:
            if (ka_cli_parse_weights("enqueue", optarg, &a->weights))
                return -1;
            o->weights = &a->weights;
            break;
        case O_RANKER:
            if (ka_cli_read_text("enqueue", optarg, &a->ranker))
                return -1;
            o->ranker_json = a->ranker;
            break;
        case KA_CLI_OPT_STAGE:
        case KA_CLI_OPT_DETECTOR:
        case KA_CLI_OPT_MODELS:
            if (ka_cli_stage_option(c, optarg, &a->stages))
                return -1;
            break;
        case 'h': enqueue_usage(stdout); return 1;
        default: bad = 1; break;
        }
        if (bad)
            fprintf(stderr, "keyart enqueue: bad option or value: %s\n", argv[optind - 1]);
    }
    if (!bad && (optind >= argc || (o->title_id && argc - optind > 1))) {
        fprintf(stderr, "keyart enqueue: expected VIDEO... (--title-id with one VIDEO)\n");
        bad = 1;
    }
    if (bad)
        enqueue_usage(stderr);
    if (bad || ka_cli_stage_opts_check("enqueue", &a->stages))
        return -1;
    o->stage_opts = (const char *const *)a->stages.v;
    o->n_stage_opts = a->stages.n;
    return 0;
}

static int enqueue_all(enqueue_args *a, int first, int argc, char **argv)
{
    ka_store *s = NULL;
    int rc = ka_cli_store_open("enqueue", a->db, 0, &s);
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

int ka_cmd_enqueue(int argc, char **argv)
{
    enqueue_args a = { .o = { .genre = "drama" } };
    int p = enqueue_parse(argc, argv, &a);
    int rc = p < 0 ? KA_EXIT_USAGE : p > 0 ? KA_EXIT_OK : enqueue_all(&a, optind, argc, argv);
    ka_cli_stage_opts_free(&a.stages);
    free(a.ranker);
    return rc;
}


/* ---- worker ---- */

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static const char worker_usage[] =
    "usage: keyart worker [--once | --drain] [--lease S] [--poll S] [--db URL]\n"
    "                     [--artwork DIR] [--name NAME] [--threads N] [-q]\n"
    "\n"
    "Takes jobs from the queue and analyses them until stopped (SIGINT / SIGTERM stop it\n"
    "after the current job). A job is held under a lease renewed by heartbeats; when a\n"
    "worker dies its job is taken again once the lease has run out.\n"
    "  --once           run at most one job, then exit\n"
    "  --drain          exit when nothing is queued or running any more\n"
    "  --lease S        lease length in seconds (default 60; heartbeats every S/3)\n"
    "  --poll S         wait between looks at an empty queue (default 2)\n"
    "  --artwork DIR    the shared artwork folder (default $KEYART_ARTWORK, else artwork)\n"
    "  --name NAME      this worker's name in `keyart jobs` (default host:pid)\n"
    "  --threads N      decoder threads (default: one per core)\n"
    "  --db URL         the database (default $KEYART_DB, else sqlite:keyart.db)\n"
    "  -q, --quiet      print only errors\n";

typedef struct worker_args {
    const char *db;
    int once, drain, quiet;
    double poll_s;
    ka_worker_opts w;
} worker_args;

static int worker_parse(int argc, char **argv, worker_args *a)
{
    enum { O_ONCE = 256, O_DRAIN, O_LEASE, O_POLL, O_DB, O_ART, O_NAME, O_THREADS };
    static const struct option longopts[] = {
        { "once", no_argument, NULL, O_ONCE }, { "drain", no_argument, NULL, O_DRAIN },
        { "lease", required_argument, NULL, O_LEASE },
        { "poll", required_argument, NULL, O_POLL }, { "db", required_argument, NULL, O_DB },
        { "artwork", required_argument, NULL, O_ART },
        { "name", required_argument, NULL, O_NAME },
        { "threads", required_argument, NULL, O_THREADS },
        { "quiet", no_argument, NULL, 'q' }, { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c, bad = 0;
    optind = 1;
    opterr = 0;
    while (!bad && (c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
        switch (c) {
        case O_ONCE: a->once = 1; break;
        case O_DRAIN: a->drain = 1; break;
        case O_LEASE: bad = ka_parse_double(optarg, 1, 86400, &a->w.lease_s); break;
        case O_POLL: bad = ka_parse_double(optarg, 0.05, 3600, &a->poll_s); break;
        case O_DB: a->db = optarg; break;
        case O_ART: a->w.artwork_dir = optarg; break;
        case O_NAME: a->w.name = optarg; break;
        case O_THREADS: bad = ka_parse_int(optarg, 0, 64, &a->w.threads); break;
        case 'q': a->quiet = 1; break;
        case 'h': printf("%s", worker_usage); return 1;
        default: bad = 1; break;
        }
        if (bad)
            fprintf(stderr, "keyart worker: bad option or value: %s\n", argv[optind - 1]);
    }
    if (!bad && optind != argc) {
        fprintf(stderr, "keyart worker: unexpected argument %s\n", argv[optind]);
        bad = 1;
    }
    if (bad)
        fprintf(stderr, "%s", worker_usage);
    return bad ? -1 : 0;
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

int ka_cmd_worker(int argc, char **argv)
{
    worker_args a = { .poll_s = 2 };
    int p = worker_parse(argc, argv, &a);
    if (p)
        return p > 0 ? KA_EXIT_OK : KA_EXIT_USAGE;
    char name[256], host[200] = "host";
    gethostname(host, sizeof host - 1);
    snprintf(name, sizeof name, "%s:%ld", host, (long)getpid());
    if (!a.w.name)
        a.w.name = name;
    a.w.url = a.db ? a.db : ka_store_default_url();
    a.w.quiet = a.quiet;
    if (!a.w.lease_s)
        a.w.lease_s = 60;
    ka_store *s = NULL;
    int rc = ka_cli_store_open("worker", a.db, 0, &s);
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

int ka_cmd_jobs(int argc, char **argv)
{
    static const char usage[] =
        "usage: keyart jobs [--json] [--db URL]\n"
        "\n"
        "Shows the work queue: id, kind (title, segment, merge), state (queued, running,\n"
        "done, failed), title, attempts, the worker holding it and its lease, errors.\n";
    static const struct option longopts[] = {
        { "json", no_argument, NULL, 'j' }, { "db", required_argument, NULL, 'd' },
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
    };
    const char *db = NULL;
    int c, json = 0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else if (c == 'd')
            db = optarg;
        else if (c == 'h') {
            printf("%s", usage);
            return KA_EXIT_OK;
        } else {
            fprintf(stderr, "keyart jobs: bad option: %s\n%s", argv[optind - 1], usage);
            return KA_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "keyart jobs: unexpected argument %s\n%s", argv[optind], usage);
        return KA_EXIT_USAGE;
    }
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
