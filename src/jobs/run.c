/* run.c: running one job a worker took. A heartbeat thread with its own connection
 * renews the lease every third of it; the analysis runs; the result is stored in the
 * same transaction that marks the job done, and only if the job is still this
 * attempt's. A whole title is analysed, its faces named with its cast from the
 * database, selected and saved; a segment leaves its partial analysis (with its
 * faces) in its job row; a merge stitches the segments, clusters and names the
 * faces of all of them together, and selects and saves the title. The analysis and
 * the selection use the options the title was enqueued with (the stages' options,
 * genre, variants, minimum quality, quality weights, ranker), as `keyart analyze`
 * with them would.
 * An unusable input, or options in the row that cannot be read, fails the job for
 * good; a database or disk error leaves it to be taken again once its lease runs out. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keyart/jobs.h"
#include "keyart/rank.h"
#include "keyart/select.h"

typedef struct heartbeat {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stop, lost, started;
    ka_store *conn;
    const ka_job *job;
    double lease_s;
} heartbeat;

static void *beat_main(void *arg)
{
    heartbeat *h = arg;
    pthread_mutex_lock(&h->lock);
    while (!h->stop && !h->lost) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        double wait = h->lease_s / 3;
        ts.tv_sec += (time_t)wait;
        ts.tv_nsec += (long)((wait - (time_t)wait) * 1e9);
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        while (!h->stop && pthread_cond_timedwait(&h->wake, &h->lock, &ts) != ETIMEDOUT)
            ;
        if (h->stop)
            break;
        pthread_mutex_unlock(&h->lock);
        int err = ka_store_job_heartbeat(h->conn, h->job, h->lease_s);
        if (err && err != KA_ELOST)
            ka_log(KA_LOG_WARN, "job %lld: heartbeat failed: %s", (long long)h->job->id,
                   ka_error_message());
        pthread_mutex_lock(&h->lock);
        if (err == KA_ELOST)
            h->lost = 1;
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

static int beat_start(heartbeat *h, const ka_worker_opts *o, const ka_job *j)
{
    memset(h, 0, sizeof *h);
    h->job = j;
    h->lease_s = o->lease_s > 0 ? o->lease_s : 60;
    int err = ka_store_open(o->url, KA_STORE_NOCREATE, &h->conn);
    if (err) {
        char why[512];
        snprintf(why, sizeof why, "%s", ka_error_message());
        return ka_error(err, "heartbeat connection: %s", why);
    }
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->wake, NULL);
    if (pthread_create(&h->thread, NULL, beat_main, h) != 0) {
        ka_store_close(&h->conn);
        return ka_error(KA_EINTERNAL, "cannot start the heartbeat thread");
    }
    h->started = 1;
    return 0;
}

/* Stops the thread; 1 when it found the lease lost. */
static int beat_stop(heartbeat *h)
{
    if (!h->started)
        return 0;
    pthread_mutex_lock(&h->lock);
    h->stop = 1;
    pthread_cond_signal(&h->wake);
    pthread_mutex_unlock(&h->lock);
    pthread_join(h->thread, NULL);
    pthread_mutex_destroy(&h->lock);
    pthread_cond_destroy(&h->wake);
    ka_store_close(&h->conn);
    h->started = 0;
    return h->lost;
}

static int is_input_error(int err)
{
    return err == KA_EIO || err == KA_EFORMAT || err == KA_ENOVIDEO || err == KA_EDECODE ||
           err == KA_EEMPTY || err == KA_EUNSUPPORTED || err == KA_EINVAL;
}

static int select_and_save(ka_store *s, const ka_job *j, ka_title *t, const ka_worker_opts *o)
{
    ka_select_opts so;
    ka_select_opts_default(&so);
    so.genre = j->genre;
    if (j->n_variants >= 4 && j->n_variants <= 12)
        so.n_variants = j->n_variants;
    if (j->has_min_quality)
        so.min_quality = (float)j->min_quality;
    if (j->has_weights)
        so.weights = j->weights;
    ka_ranker ranker;
    int err = j->ranker_json ? ka_ranker_parse(j->ranker_json, "the job", &ranker) : 0;
    if (j->ranker_json && !err)
        so.ranker = &ranker;
    ka_selection sel = { 0 };
    if (!err)
        err = ka_select(t, &so, &sel);
    if (!err) {
        ka_store_save_opts sv = { .artwork_dir = o->artwork_dir, .worker = o->name,
                                  .job_id = j->id, .job_attempt = j->attempt };
        err = ka_store_save_analysis(s, t, &sel, j->genre, &sv);
    }
    ka_selection_free(&sel);
    return err;
}

/* A segment's result goes into its own row, with the job marked done. */
static int save_segment(ka_store *s, const ka_job *j, const ka_title *t, const ka_worker_opts *o)
{
    void *blob = NULL;
    size_t size = 0;
    const char *art = o->artwork_dir ? o->artwork_dir : ka_store_default_artwork();
    int err = ka_segment_pack(t, j, art, &blob, &size);
    if (!err)
        err = ka_store_job_done_segment(s, j, blob, size);
    free(blob);
    return err;
}

typedef struct merging {
    const ka_job *j;
    const char *art;
    ka_title **t;
} merging;

static int merge_blobs(void *arg, const void *const *blobs, const size_t *sizes, int n)
{
    merging *m = arg;
    return ka_segment_merge(m->j->title_id, m->j->video, blobs, sizes, n, m->art, m->t);
}

static int merge(ka_store *s, const ka_job *j, const ka_worker_opts *o, ka_title **t)
{
    merging m = { j, o->artwork_dir ? o->artwork_dir : ka_store_default_artwork(), t };
    return ka_store_segment_results(s, j, merge_blobs, &m);
}

static int analyse(const ka_job *j, const ka_worker_opts *o, ka_title **t)
{
    ka_analysis_opts ao;
    ka_analysis_opts_default(&ao);
    ao.threads = o->threads;
    ao.max_pixels = o->max_pixels;
    ao.no_title_passes = 1;         /* once, with the cast (or at the merge) */
    ao.stage_opts = (const char *const *)j->stage_opts;
    ao.n_stage_opts = j->n_stage_opts;
    if (j->kind == KA_JOB_SEGMENT) {
        ao.start_s = j->seg_start > j->overlap_s ? j->seg_start - j->overlap_s : 0;
        ao.end_s = j->seg_end > 0 ? j->seg_end + j->overlap_s : 0;
    }
    return ka_analyze(j->video, j->title_id, &ao, t);
}

/* The job cannot succeed: marks it failed with why; 1, or the database's error. */
static int fail_for_good(ka_store *s, const ka_job *j, const char *why)
{
    char keep[1024];
    snprintf(keep, sizeof keep, "%s", why);     /* why may be ka_error_message() */
    int ferr = ka_store_job_fail(s, j, keep);
    if (ferr)
        return ferr;
    ka_error(KA_EINVAL, "%s", keep);
    return 1;
}

int ka_job_run(ka_store *s, const ka_job *j, const ka_worker_opts *o)
{
    if (j->invalid)
        return fail_for_good(s, j, j->invalid);
    heartbeat hb;
    int err = beat_start(&hb, o, j);
    if (err)
        return err;
    ka_title *t = NULL;
    int failed_input = 0;
    if (j->kind == KA_JOB_MERGE)
        err = merge(s, j, o, &t);
    else
        err = analyse(j, o, &t);
    if (err)
        failed_input = j->kind == KA_JOB_MERGE ? err == KA_EFORMAT || err == KA_EDECODE
                                               : is_input_error(err);
    else if (j->kind == KA_JOB_SEGMENT)
        err = save_segment(s, j, t, o);     /* the merge names the faces, title-wide */
    else if (!(err = ka_store_identities(s, t)))
        err = select_and_save(s, j, t, o);
    ka_title_free(&t);
    beat_stop(&hb);
    if (failed_input)
        return fail_for_good(s, j, ka_error_message());
    /* A heartbeat that found the job no longer running raced with our own commit, or
     * the lease was lost and the save itself was refused: the save decides. */
    return err;
}
