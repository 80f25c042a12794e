/* keyart/jobs.h: running the work queue's jobs (above store, which keeps their rows):
 * a worker takes a job (ka_store_job_take) and runs it here to its end, a whole
 * title, a segment of a long one, or the merge of its segments. */
#ifndef KEYART_JOBS_H
#define KEYART_JOBS_H

#include "keyart/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ka_worker_opts {
    const char *url;                /* for the heartbeat thread's own connection */
    const char *artwork_dir;
    const char *name;               /* worker name, NULL = host:pid */
    double lease_s;                 /* 0 = 60 */
    int threads;                    /* decoder threads, 0 = per core */
    int64_t max_pixels;             /* larger frames fail the job (0 = the default,
                                     * KA_MAX_PIXELS_DEFAULT): this machine's memory */
    int quiet;
} ka_worker_opts;

/* Runs one taken job to its end (a job with j->invalid fails at once): analyses (a
 * whole title, a segment or a merge) while a thread renews the lease, and stores the
 * result together with marking the job done. Returns 0 when done; 1 when the input is
 * unusable and the job is marked failed for good (the reason in ka_error_message);
 * KA_ELOST when the lease was lost (nothing stored); another error (database,
 * disk) leaves the job to be taken again after its lease. */
int ka_job_run(ka_store *s, const ka_job *j, const ka_worker_opts *o);

/* segment.c: a segment's partial analysis as a blob (its candidate pictures go into
 * artwork_dir), and the merge of all of them into the whole title (in segment order;
 * candidates' spool_path point into artwork_dir). */
int ka_segment_pack(const ka_title *t, const ka_job *j, const char *artwork_dir,
                    void **blob, size_t *size);
int ka_segment_merge(const char *title_id, const char *video, const void *const *blobs,
                     const size_t *sizes, int n, const char *artwork_dir, ka_title **out);

#ifdef __cplusplus
}
#endif
#endif
