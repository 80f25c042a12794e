/* queue.c: the work queue in the database. A job is taken under a lease (a deadline
 * in the database's clock, renewed by heartbeats); a job whose lease ran out is taken
 * again, with attempts as the lease's token so a late worker cannot store a result
 * twice. Taking uses the database's own locking: FOR UPDATE SKIP LOCKED on
 * PostgreSQL, the write lock of BEGIN IMMEDIATE on SQLite. Long titles become time
 * segments plus a merge job that becomes takeable once all its segments are done.
 * Every job of a title keeps the options its variants are chosen with (genre,
 * variants, minimum quality, quality weights); NULL options are the defaults. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_priv.h"

static const char *const kind_names[] = { "title", "segment", "merge" };

const char *ka_job_kind_name(ka_job_kind k)
{
    return k >= KA_JOB_TITLE && k <= KA_JOB_MERGE ? kind_names[k] : "?";
}

void ka_job_clear(ka_job *j)
{
    free(j->title_id);
    free(j->video);
    free(j->genre);
    free(j->invalid);
    for (int i = 0; i < j->n_stage_opts; i++)
        free(j->stage_opts[i]);
    free(j->stage_opts);
    free(j->ranker_json);
    memset(j, 0, sizeof *j);
}

/* What every job of a title carries. */
typedef struct title_spec {
    const char *id, *video;
    const ka_enqueue_opts *o;
    char weights[KA_QUALITY_WEIGHTS_TEXT_MAX];  /* "" = the defaults (NULL in the row) */
    char *stage_opts;               /* JSON array, NULL = none */
} title_spec;

static int insert_job(ka_store *s, const title_spec *t, ka_job_kind kind, int64_t parent,
                      int seg, double a, double b, int64_t *job)
{
    const ka_enqueue_opts *o = t->o;
    ka_sql_res r;
    int err = KA_SQL(s, &r, "INSERT INTO jobs (kind, title_id, video, genre, n_variants,"
                     " parent, seg_index, seg_start, seg_end, overlap_s, min_quality,"
                     " quality_weights, stage_opts, ranker) VALUES ($1, $2, $3, $4, $5, $6, $7,"
                     " $8, $9, $10, $11, $12, $13, $14) RETURNING id", SQL_TEXT(kind_names[kind]),
                     SQL_TEXT(t->id), SQL_TEXT(t->video),
                     SQL_TEXT(o->genre ? o->genre : "drama"),
                     SQL_INT(o->n_variants > 0 ? o->n_variants : 8),
                     parent > 0 ? SQL_INT(parent) : SQL_NULL,
                     kind == KA_JOB_SEGMENT ? SQL_INT(seg) : SQL_NULL,
                     kind == KA_JOB_SEGMENT ? SQL_REAL(a) : SQL_NULL,
                     kind == KA_JOB_SEGMENT ? SQL_REAL(b) : SQL_NULL,
                     SQL_REAL(o->overlap_s > 0 ? o->overlap_s : 5.0),
                     o->has_min_quality ? SQL_REAL(o->min_quality) : SQL_NULL,
                     *t->weights ? SQL_TEXT(t->weights) : SQL_NULL, SQL_TEXT(t->stage_opts),
                     SQL_TEXT(o->ranker_json));
    if (!err) {
        *job = ka_sql_int(&r, 0, 0);
        ka_sql_res_free(&r);
    }
    return err;
}

/* Inside the write transaction: refuses a title that still has work queued. */
static int add_jobs(ka_store *s, const title_spec *t, double duration, int64_t *job_id)
{
    const ka_enqueue_opts *o = t->o;
    ka_sql_res r;
    int err = KA_SQL(s, &r, "SELECT count(*) FROM jobs WHERE title_id = $1 AND parent IS NULL"
                     " AND state IN ('queued', 'running')", SQL_TEXT(t->id));
    if (err)
        return err;
    int busy = (int)ka_sql_int(&r, 0, 0);
    ka_sql_res_free(&r);
    if (busy)
        return ka_error(KA_EINVAL, "title '%s' is already queued (see keyart jobs)", t->id);
    if (o->segment_s <= 0 || duration <= 1.5 * o->segment_s)
        return (err = insert_job(s, t, KA_JOB_TITLE, 0, 0, 0, 0, job_id)) ? err : 1;
    int n = (int)ceil(duration / o->segment_s);
    double len = duration / n;
    int64_t merge, seg;
    err = insert_job(s, t, KA_JOB_MERGE, 0, 0, 0, 0, &merge);
    for (int i = 0; !err && i < n; i++)
        err = insert_job(s, t, KA_JOB_SEGMENT, merge, i, i * len,
                         i == n - 1 ? 0 : (i + 1) * len, &seg);
    *job_id = merge;
    return err ? err : n + 1;
}

/* The stages' options and the ranker, checked as a worker will read them; the options
 * go into the row as a JSON array (t->stage_opts, malloc'd). */
static int check_run_opts(const ka_enqueue_opts *o, title_spec *t)
{
    if (o->n_stage_opts < 0 || (o->n_stage_opts > 0 && !o->stage_opts))
        return ka_error(KA_EINVAL, "cannot enqueue: %d stage options without a list",
                        o->n_stage_opts);
    if (ka_stage_opts_check(o->stage_opts, o->n_stage_opts))
        return ka_store_errctx(KA_EINVAL, "cannot enqueue");
    ka_ranker r;
    if (o->ranker_json && ka_ranker_parse(o->ranker_json, "enqueued", &r))
        return ka_store_errctx(KA_EINVAL, "cannot enqueue: the ranker");
    if (!o->n_stage_opts)
        return 0;
    json_t *a = json_array();
    for (int i = 0; a && i < o->n_stage_opts; i++)
        json_array_append_new(a, json_string(o->stage_opts[i]));
    t->stage_opts = a ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    return t->stage_opts ? 0 : ka_error(KA_ENOMEM, "no memory");
}

/* The selection's options, checked before anything is opened: the weights go into the
 * row as text, and that text is checked as job_take will read it. */
static int check_select_opts(const ka_enqueue_opts *o, title_spec *t)
{
    if (o->has_min_quality && !(o->min_quality >= 0 && o->min_quality <= 1))
        return ka_error(KA_EINVAL, "cannot enqueue: minimum quality must be 0..1, got %g",
                        o->min_quality);
    t->weights[0] = '\0';
    if (!o->weights)
        return 0;
    ka_quality_weights back;
    ka_quality_weights_format(o->weights, t->weights);
    if (!ka_quality_weights_parse(t->weights, &back))
        return 0;
    char why[256];      /* the message is about to be rewritten from itself */
    snprintf(why, sizeof why, "%s", ka_error_message());
    return ka_error(KA_EINVAL, "cannot enqueue: bad quality weights %s: %s", t->weights, why);
}

/* Adds the jobs of the title in video (t checked). */
static int enqueue_title(ka_store *s, const char *video, title_spec *t, int64_t *job_id)
{
    char abs[PATH_MAX];
    if (!realpath(video, abs))
        return ka_error(KA_EIO, "%s: cannot enqueue: %s", video, strerror(errno));
    ka_video *v = NULL;
    ka_video_opts vo = { .threads = 1, .small_width = 64, .max_pixels = t->o->max_pixels };
    int err = ka_video_open(abs, &vo, &v);
    if (err)
        return err;
    double duration = ka_video_get_info(v)->duration_s;
    ka_video_close(&v);
    if (t->o->title_id && ka_title_id_check(t->o->title_id))
        return ka_store_errctx(KA_EINVAL, "cannot enqueue %s", video);
    char *id = t->o->title_id ? strdup(t->o->title_id) : ka_title_id_from_path(video);
    if (!id)
        return ka_error(KA_ENOMEM, "no memory");
    t->id = id;
    t->video = abs;
    int64_t jid = 0;
    err = ka_store_begin(s, 1);
    int n = err ? err : add_jobs(s, t, duration, &jid);
    if (!err && n < 0)
        ka_store_rollback(s);
    else if (!err && (err = ka_store_commit(s)))
        n = err;
    free(id);
    if (job_id)
        *job_id = jid;
    return n;
}

int ka_store_enqueue(ka_store *s, const char *video, const ka_enqueue_opts *opts,
                     int64_t *job_id)
{
    ka_enqueue_opts o = opts ? *opts : (ka_enqueue_opts){ 0 };
    title_spec t = { .o = &o };
    int err = check_select_opts(&o, &t);
    if (!err)
        err = check_run_opts(&o, &t);
    int n = err ? err : enqueue_title(s, video, &t, job_id);
    free(t.stage_opts);
    return n;
}

/* Jobs whose lease ran out too often fail (a poison input that kills its workers);
 * a merge whose segment failed fails with it. */
static int expire(ka_store *s)
{
    int err = ka_sql(s, NULL, "UPDATE jobs SET state = 'failed', finished_at = {NOW},"
                     " error = 'its lease ran out ' || attempts || ' times: the workers died"
                     " or hung' WHERE state = 'running' AND lease_until < {NOW} AND attempts"
                     " >= max_attempts", NULL, 0);
    if (!err)
        err = ka_sql(s, NULL, "UPDATE jobs SET state = 'failed', finished_at = {NOW}, error ="
                     " 'a segment failed' WHERE kind = 'merge' AND state = 'queued' AND"
                     " EXISTS (SELECT 1 FROM jobs c WHERE c.parent = jobs.id AND c.state ="
                     " 'failed')", NULL, 0);
    return err;
}

/* Records why the job cannot run; -1 only when out of memory. */
static int set_invalid(ka_job *j, const char *why)
{
    if (!j->invalid && !(j->invalid = strdup(why)))
        return -1;
    return 0;
}

/* Columns 12 and 13: min_quality and quality_weights, NULL = the defaults. A value
 * that cannot be right (the row was edited by hand, or by a broken client) makes
 * the job invalid rather than silently defaulted. */
static int read_select_opts(const ka_sql_res *r, ka_job *j)
{
    char why[512];
    if (ka_sql_cell(r, 0, 12)->type != KA_SQL_NULL) {
        j->min_quality = ka_sql_real(r, 0, 12);
        j->has_min_quality = 1;
        if (!(j->min_quality >= 0 && j->min_quality <= 1)) {
            snprintf(why, sizeof why, "job %lld: its min_quality %g in the database is not"
                     " a number from 0 to 1", (long long)j->id, j->min_quality);
            if (set_invalid(j, why))
                return -1;
        }
    }
    if (ka_sql_cell(r, 0, 13)->type == KA_SQL_NULL)
        return 0;
    const char *text = ka_sql_text(r, 0, 13);
    if (text && !ka_quality_weights_parse(text, &j->weights)) {
        j->has_weights = 1;
        return 0;
    }
    snprintf(why, sizeof why, "job %lld: its quality_weights '%.64s' in the database cannot"
             " be read: %s", (long long)j->id, text ? text : "?",
             text ? ka_error_message() : "not text");
    return set_invalid(j, why);
}

/* Columns 14 and 15: the stages' options (a JSON array of strings) and the ranker's
 * JSON, NULL = the defaults; what a worker could not apply makes the job invalid. */
static int read_run_opts(const ka_sql_res *r, ka_job *j)
{
    char why[512];
    const char *opts = ka_sql_text(r, 0, 14), *ranker = ka_sql_text(r, 0, 15);
    json_t *a = opts ? json_loads(opts, 0, NULL) : NULL;
    size_t i, n = json_array_size(a);
    json_t *v;
    if (opts && !json_is_array(a)) {
        json_decref(a);
        snprintf(why, sizeof why, "job %lld: its stage_opts in the database are not a JSON"
                 " array of strings", (long long)j->id);
        return set_invalid(j, why);
    }
    if (n && !(j->stage_opts = calloc(n, sizeof *j->stage_opts))) {
        json_decref(a);
        return -1;
    }
    json_array_foreach(a, i, v) {
        const char *str = json_string_value(v);
        if (!(j->stage_opts[j->n_stage_opts] = strdup(str ? str : ""))) {
            json_decref(a);
            return -1;
        }
        j->n_stage_opts++;
    }
    json_decref(a);
    if (ka_stage_opts_check((const char *const *)j->stage_opts, j->n_stage_opts)) {
        snprintf(why, sizeof why, "job %lld: its stage options: %s", (long long)j->id,
                 ka_error_message());
        return set_invalid(j, why);
    }
    ka_ranker rk;
    if (ranker && !(j->ranker_json = strdup(ranker)))
        return -1;
    if (ranker && ka_ranker_parse(ranker, "the job", &rk)) {
        snprintf(why, sizeof why, "job %lld: its ranker: %s", (long long)j->id,
                 ka_error_message());
        return set_invalid(j, why);
    }
    return 0;
}

static int fill_job(const ka_sql_res *r, ka_job *j)
{
    memset(j, 0, sizeof *j);
    j->id = ka_sql_int(r, 0, 0);
    const char *kind = ka_sql_text(r, 0, 1);
    for (int k = 0; k < 3; k++)
        if (kind && !strcmp(kind, kind_names[k]))
            j->kind = (ka_job_kind)k;
    j->title_id = strdup(ka_sql_text(r, 0, 2) ? ka_sql_text(r, 0, 2) : "");
    j->video = strdup(ka_sql_text(r, 0, 3) ? ka_sql_text(r, 0, 3) : "");
    j->genre = strdup(ka_sql_text(r, 0, 4) ? ka_sql_text(r, 0, 4) : "drama");
    j->n_variants = (int)ka_sql_int(r, 0, 5);
    j->parent = ka_sql_int(r, 0, 6);
    j->seg_index = (int)ka_sql_int(r, 0, 7);
    j->seg_start = ka_sql_real(r, 0, 8);
    j->seg_end = ka_sql_real(r, 0, 9);
    j->overlap_s = ka_sql_real(r, 0, 10);
    j->attempt = (int)ka_sql_int(r, 0, 11);
    if (!j->title_id || !j->video || !j->genre || read_select_opts(r, j) ||
        read_run_opts(r, j)) {
        ka_job_clear(j);
        return ka_error(KA_ENOMEM, "no memory");
    }
    return 0;
}

int ka_store_job_take(ka_store *s, const char *worker, double lease_s, ka_job *j)
{
    memset(j, 0, sizeof *j);
    ka_sql_res r = { 0 };
    int err = ka_store_begin(s, 1);
    if (!err)
        err = expire(s);
    if (!err)
        err = KA_SQL(s, &r, "UPDATE jobs SET state = 'running', attempts = attempts + 1,"
            " worker = $1, lease_until = {NOW} + $2, heartbeat_at = {NOW}, started_at = {NOW},"
            " error = NULL WHERE id = (SELECT j.id FROM jobs j WHERE (j.state = 'queued' OR"
            " (j.state = 'running' AND j.lease_until < {NOW})) AND (j.kind <> 'merge' OR NOT"
            " EXISTS (SELECT 1 FROM jobs c WHERE c.parent = j.id AND c.state <> 'done'))"
            " ORDER BY j.id LIMIT 1 {SKIP_LOCKED}) RETURNING id, kind, title_id, video, genre,"
            " n_variants, parent, seg_index, seg_start, seg_end, overlap_s, attempts,"
            " min_quality, quality_weights, stage_opts, ranker",
            SQL_TEXT(worker), SQL_REAL(lease_s));
    if (!err)
        err = ka_store_commit(s);
    else
        ka_store_rollback(s);
    int taken = !err && r.nrows == 1;
    if (taken)
        err = fill_job(&r, j);
    ka_sql_res_free(&r);
    return err ? ka_store_errctx(err, "cannot take a job from %s", s->name) : taken;
}

int ka_store_job_heartbeat(ka_store *s, const ka_job *j, double lease_s)
{
    ka_sql_res r;
    int err = KA_SQL(s, &r, "UPDATE jobs SET lease_until = {NOW} + $3, heartbeat_at = {NOW}"
                     " WHERE id = $1 AND attempts = $2 AND state = 'running'", SQL_INT(j->id),
                     SQL_INT(j->attempt), SQL_REAL(lease_s));
    if (err)
        return err;
    int64_t n = r.changes;
    ka_sql_res_free(&r);
    return n == 1 ? 0 : ka_error(KA_ELOST, "job %lld: lease lost", (long long)j->id);
}

int ka_store_job_fail(ka_store *s, const ka_job *j, const char *why)
{
    char err_text[1024];
    snprintf(err_text, sizeof err_text, "%s", why ? why : "failed");
    int err = ka_store_begin(s, 1);
    if (!err)
        err = KA_SQL(s, NULL, "UPDATE jobs SET state = 'failed', finished_at = {NOW},"
                     " lease_until = NULL, error = $3 WHERE id = $1 AND attempts = $2 AND"
                     " state = 'running'", SQL_INT(j->id), SQL_INT(j->attempt),
                     SQL_TEXT(err_text));
    if (!err && j->parent > 0)
        err = KA_SQL(s, NULL, "UPDATE jobs SET state = 'failed', finished_at = {NOW}, error ="
                     " $2 WHERE id = $1 AND state = 'queued'", SQL_INT(j->parent),
                     SQL_TEXT("a segment failed"));
    if (err) {
        ka_store_rollback(s);
        return err;
    }
    return ka_store_commit(s);
}

int ka_store_queue_counts(ka_store *s, int *queued, int *running, int *failed)
{
    ka_sql_res r;
    int err = ka_sql(s, &r, "SELECT state, count(*) FROM jobs GROUP BY state", NULL, 0);
    if (err)
        return err;
    int q = 0, ru = 0, f = 0;
    for (int i = 0; i < r.nrows; i++) {
        const char *st = ka_sql_text(&r, i, 0);
        int n = (int)ka_sql_int(&r, i, 1);
        if (st && !strcmp(st, "queued"))
            q = n;
        else if (st && !strcmp(st, "running"))
            ru = n;
        else if (st && !strcmp(st, "failed"))
            f = n;
    }
    ka_sql_res_free(&r);
    if (queued)
        *queued = q;
    if (running)
        *running = ru;
    if (failed)
        *failed = f;
    return 0;
}

int ka_store_jobs_json(ka_store *s, json_t **out)
{
    *out = NULL;
    ka_sql_res r;
    int err = ka_sql(s, &r, "SELECT id, kind, state, title_id, video, parent, seg_index,"
                     " seg_start, seg_end, attempts, worker, lease_until - {NOW}, error,"
                     " min_quality, quality_weights FROM jobs ORDER BY id", NULL, 0);
    if (err)
        return err;
    json_t *a = json_array();
    for (int i = 0; a && i < r.nrows; i++) {
        const char *state = ka_sql_text(&r, i, 2), *worker = ka_sql_text(&r, i, 10);
        const char *error = ka_sql_text(&r, i, 12);
        json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:o, s:o}",
            "id", (json_int_t)ka_sql_int(&r, i, 0), "kind", ka_sql_text(&r, i, 1),
            "state", state, "title_id", ka_sql_text(&r, i, 3), "video", ka_sql_text(&r, i, 4),
            "attempts", (json_int_t)ka_sql_int(&r, i, 9),
            "worker", worker ? json_string(worker) : json_null(),
            "error", error ? json_string(error) : json_null());
        if (o && ka_sql_cell(&r, i, 5)->type != KA_SQL_NULL)
            json_object_set_new(o, "parent", json_integer(ka_sql_int(&r, i, 5)));
        if (o && ka_sql_cell(&r, i, 6)->type != KA_SQL_NULL)
            json_object_set_new(o, "segment", json_pack("{s:I, s:o, s:o}",
                "index", (json_int_t)ka_sql_int(&r, i, 6),
                "start_s", ka_json_time(ka_sql_real(&r, i, 7)),
                "end_s", ka_json_time(ka_sql_real(&r, i, 8))));
        if (o && ka_sql_cell(&r, i, 13)->type != KA_SQL_NULL)
            json_object_set_new(o, "min_quality", ka_json_real(ka_sql_real(&r, i, 13), 4));
        if (o && ka_sql_text(&r, i, 14))
            json_object_set_new(o, "quality_weights", json_string(ka_sql_text(&r, i, 14)));
        if (o && state && !strcmp(state, "running"))
            json_object_set_new(o, "lease_left_s", ka_json_time(ka_sql_real(&r, i, 11)));
        json_array_append_new(a, o);
    }
    ka_sql_res_free(&r);
    if (!a)
        return ka_error(KA_ENOMEM, "no memory");
    *out = a;
    return 0;
}

int ka_store_job_done_segment(ka_store *s, const ka_job *j, const void *blob, size_t size)
{
    ka_sql_res r = { 0 };
    int err = KA_SQL(s, &r, "UPDATE jobs SET state = 'done', finished_at = {NOW}, lease_until"
                     " = NULL, result = $3 WHERE id = $1 AND attempts = $2 AND state ="
                     " 'running'", SQL_INT(j->id), SQL_INT(j->attempt), SQL_BLOB(blob, size));
    if (!err && r.changes != 1)
        err = ka_error(KA_ELOST, "segment job %lld is no longer this worker's",
                       (long long)j->id);
    ka_sql_res_free(&r);
    return err;
}

int ka_store_segment_results(ka_store *s, const ka_job *merge,
                             int (*fn)(void *arg, const void *const *blobs,
                                       const size_t *sizes, int n),
                             void *arg)
{
    ka_sql_res r;
    int err = KA_SQL(s, &r, "SELECT result FROM jobs WHERE parent = $1 AND state = 'done'"
                     " ORDER BY seg_index", SQL_INT(merge->id));
    if (err)
        return err;
    const void **blobs = calloc((size_t)(r.nrows ? r.nrows : 1), sizeof *blobs);
    size_t *sizes = calloc((size_t)(r.nrows ? r.nrows : 1), sizeof *sizes);
    if (!blobs || !sizes)
        err = ka_error(KA_ENOMEM, "no memory");
    for (int i = 0; !err && i < r.nrows; i++) {
        blobs[i] = ka_sql_cell(&r, i, 0)->b;
        sizes[i] = ka_sql_cell(&r, i, 0)->n;
    }
    if (!err)
        err = fn(arg, (const void *const *)blobs, sizes, r.nrows);
    free(blobs);
    free(sizes);
    ka_sql_res_free(&r);
    return err;
}
