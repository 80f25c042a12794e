/* keyart/store.h: where analyses, cast, variants and (later) users, experiments and
 * events live: one interface, two backends with the same schema (SQLite, the embedded
 * default, and PostgreSQL to scale out), schema migrations applied on open, the
 * content-addressed artwork folder, and the rows of the work queue (jobs/ runs them). */
#ifndef KEYART_STORE_H
#define KEYART_STORE_H

#include "keyart/select.h"

#ifdef __cplusplus
extern "C" {
#endif

struct json_t;

/* The schema version this build writes; a database with a newer one is refused. */
#define KA_STORE_SCHEMA_VERSION 11

typedef struct ka_store ka_store;

enum {
    KA_STORE_NOCREATE = 1 << 0,     /* SQLite: fail when the file does not exist */
    KA_STORE_READ = 1 << 1,         /* only reads: a read-only SQLite file is fine (others
                                     * are refused at open, before any work is done) */
};

/* "sqlite:PATH" (also "sqlite://PATH" and a bare path), "postgres://..." or
 * "postgresql://..." (any libpq URI). NULL or "" = ka_store_default_url(). */
const char *ka_store_default_url(void);         /* $KEYART_DB, else sqlite:keyart.db */
const char *ka_store_default_artwork(void);     /* $KEYART_ARTWORK, else artwork */

/* Connects, then brings the schema up to KA_STORE_SCHEMA_VERSION in one transaction.
 * Errors (with a message naming the database): KA_EINVAL bad URL, KA_EIO cannot
 * connect / open / write, KA_EUNSUPPORTED the database's schema is newer than this
 * build's (the database is left untouched). */
int ka_store_open(const char *url, int flags, ka_store **out);
void ka_store_close(ka_store **s);
const char *ka_store_backend(const ka_store *s);    /* "sqlite" or "postgresql" */
const char *ka_store_name(const ka_store *s);       /* URL without the password */
/* Current schema version of the database (>= 0), or an error code. */
int ka_store_schema_version(ka_store *s);

/* ---- artwork: images under DIR/xx/<sha256>.jpg, named by their content ---- */

#define KA_ARTWORK_NAME_MAX 80
/* Lowercase hex SHA-256 of buf (65 bytes with the terminator). */
void ka_store_sha256_hex(const void *buf, size_t size, char hex[65]);
/* Writes buf (a JPEG) into dir unless that content is already there; name gets the
 * path relative to dir ("ab/ab12...ef.jpg"). Atomic: temp file, then rename. */
int ka_store_artwork_put(const char *dir, const void *buf, size_t size,
                         char name[KA_ARTWORK_NAME_MAX]);
/* The same with the bytes of the file at path. */
int ka_store_file_put(const char *dir, const char *path, char name[KA_ARTWORK_NAME_MAX]);

/* ---- analyses ---- */

typedef struct ka_store_save_opts {
    const char *artwork_dir;        /* NULL = ka_store_default_artwork() */
    int jpeg_quality;               /* 0 = 92 */
    const char *worker;             /* who analysed it, recorded with the title */
    int64_t job_id;                 /* > 0: mark this job done in the same transaction */
    int job_attempt;                /* the attempt the worker holds (its lease) */
} ka_store_save_opts;

/* Stores the analysis of t and its selection: the title, shots, candidates and
 * variants with their images (written to the artwork folder first), all in one
 * transaction that replaces the title's previous analysis. With a job, the job is
 * marked done in that same transaction, or nothing is written (KA_ELOST). */
int ka_store_save_analysis(ka_store *s, const ka_title *t, const ka_selection *sel,
                           const char *genre, const ka_store_save_opts *o);

/* [{"title_id", "genre", "source", "duration_s", "shots", "candidates", "variants",
 *   "analysed_at", "analysis_version"}, ...] sorted by title_id. */
int ka_store_titles_json(ka_store *s, struct json_t **out);
/* The variants of a title, by number: number, variant_id, slot, scene_type, composition,
 * timestamp, score, quality_score, images (artwork names). KA_EINVAL when the title
 * is not stored. */
int ka_store_variants_json(ka_store *s, const char *title_id, struct json_t **out);
/* The variants later analyses of the title no longer chose, oldest retirement first:
 * [{"variant_id", "variant_number" (its last), "scene_type", "composition", "time_s",
 *   "frame", "quality_score", "analysed_at" (of its analysis), "retired_at",
 *   "images"}]. Kept for reports; never served. */
int ka_store_retired_variants_json(ka_store *s, const char *title_id, struct json_t **out);
/* The title's metadata as metadata.json has it ({"title", "variants", "why_fewer"?}),
 * with image names relative to the artwork folder. */
int ka_store_export_json(ka_store *s, const char *title_id, struct json_t **out);
/* The stored shot list, as ka_shots_json gives it. */
int ka_store_shots_json(ka_store *s, const char *title_id, struct json_t **out);
/* The title's candidates, in their order: index, frame, timestamp, shot, image (its
 * artwork name; null when only the variants' images were kept), variant (the number of the variant made from it, or null), faces
 * (how many vision found) and quality {score, brightness, contrast, sharpness,
 * saturation, exposure_clipped, lightness, brisque, face}; brisque and face are null
 * where vision did not measure them. KA_EINVAL when the title is not stored. */
int ka_store_candidates_json(ka_store *s, const char *title_id, struct json_t **out);
/* The stored quality of the title's candidates, in their order: *q (malloc'd, *n of
 * them) gets the parts, the exposure and the score; BRISQUE and face quality (q->v)
 * with has_* 1 only where vision measured them. The raw measures (contrast_raw,
 * sharpness_raw, saturation_raw) are not stored and read as 0, so a re-score with
 * other weights (ka_quality_score) works from these alone. KA_EINVAL when the title
 * is not stored. */
int ka_store_candidates_quality(ka_store *s, const char *title_id, ka_cand_quality **q, int *n);

/* ---- cast: reference embeddings of a title's characters ---- */

/* Adds or replaces (title_id, name); creates a stub title row when needed. */
int ka_store_cast_put(ka_store *s, const char *title_id, const char *name, const char *role,
                      const float *embeddings, int n_embeddings, int dim);
/* [{"name", "role", "embeddings", "dim"}, ...] */
int ka_store_cast_json(ka_store *s, const char *title_id, struct json_t **out);
/* Appends reference embeddings to (title_id, name), creating the member (and a stub
 * title row) when new; role replaces the stored one. One transaction. */
int ka_store_cast_add(ka_store *s, const char *title_id, const char *name, const char *role,
                      const float *embeddings, int n_embeddings, int dim);
/* Adds the cast of title_id (every title when NULL) to c (vision.h), one entry per
 * reference embedding. */
struct ka_cast;
int ka_store_cast_load(ka_store *s, const char *title_id, struct ka_cast *c);
/* The title-level identity pass (ka_vision_identities) over t's faces with t's cast
 * from s, for an analysis made with no_title_passes (or a merge of segments). */
int ka_store_identities(ka_store *s, ka_title *t);

/* ---- events: idempotent by the client's id ---- */

typedef struct ka_store_event {
    const char *client_id;          /* required, unique */
    const char *type;               /* impression, click, play, complete, skip, dwell */
    const char *user;
    const char *title_id;
    int variant_number;             /* 0 = none */
    const char *variant_id;         /* the variant's stable id, NULL = none */
    const char *experiment, *arm, *policy;
    double propensity;              /* < 0 = unknown */
    double value;                   /* dwell seconds etc.; NAN = none */
    double ts;                      /* event time, Unix seconds; 0 = now */
    const char *data_json;          /* anything else, NULL = none */
    double received_at;             /* when the store got it, Unix seconds; 0 = now (what
                                     * a server stores: its clock runs the click windows);
                                     * a log imported or simulated in process gives its
                                     * own, so its windows run on its clock */
} ka_store_event;

/* 1 = stored, 0 = a duplicate of an event already stored (nothing changed). */
int ka_store_add_event(ka_store *s, const ka_store_event *e);

/* Stores n events in one transaction (and the users they name); added[i] = 1 when
 * event i was stored, 0 when it was a duplicate. All or nothing on a database error. */
int ka_store_add_events(ka_store *s, const ka_store_event *e, int n, int *added);

/* An event as stored: its row id (increasing in the order rows were written) and the
 * server time it was received. */
typedef struct ka_store_event_row {
    int64_t id;
    double received_at;
    ka_store_event e;
} ka_store_event_row;

/* Calls fn for the events with id > after, in id order, at most limit of them, and
 * only those received at least lag_s seconds ago (PostgreSQL may commit rows out of
 * id order; a lag lets late commits land first). fn returning non-zero stops the walk
 * with that value. Returns the number of events passed to fn, or an error.
 * KA_STORE_ANY_AGE as lag_s: every event, even one received "in the future" (a
 * client that says the time, keyart serve --clock request). */
#define KA_STORE_ANY_AGE (-1e15)
int ka_store_events_after(ka_store *s, int64_t after, int limit, double lag_s,
                          int (*fn)(void *arg, const ka_store_event_row *row), void *arg);

/* Per experiment arm, user and event type: events, and count, sum and sum of squares
 * of their values (dwell seconds) where they have one; in order of arm, then user, so
 * that a report can take each user as a unit (ka_exp_counts_add_user). */
int ka_store_experiment_counts(ka_store *s, const char *experiment,
                               int (*fn)(void *arg, const char *arm, const char *user,
                                         const char *type, double n, double n_value,
                                         double sum, double sumsq),
                               void *arg);

/* ---- serving: the catalogue, experiments, users and policy state ---- */

/* What the server needs to know of every analysed title, and a stamp that changes
 * whenever an analysis is stored (count of titles, latest analysed_at).
 * [{"title_id", "genre", "analysed_at", "variants": [{"variant_number", "variant_id",
 *   "scene_type", "composition", "quality_score", "appeal_grade", "characters":
 *   [{"name", "role"}], "images": {"full", "16x9", "2x3", "1x1"}}],
 *   "retired": [{"variant_id", "variant_number" (its last), "retired_at"}],
 *   "controls"?: {"pinned", "excluded"} as ka_store_controls_json gives them}] */
int ka_store_catalog_json(ka_store *s, struct json_t **out);
int ka_store_catalog_stamp(ka_store *s, int64_t *titles, double *latest);

/* Experiments: a name, a status (draft, running, stopped, shipped) and a JSON config
 * that ka_store does not read. KA_ECONFLICT when the name is taken. */
int ka_store_experiment_create(ka_store *s, const char *name, const char *config_json);
/* {"name", "status", "config" (parsed), "created_at", "started_at", "stopped_at"};
 * KA_ENOTFOUND. */
int ka_store_experiment_json(ka_store *s, const char *name, struct json_t **out);
/* All experiments, oldest first, as ka_store_experiment_json gives each. */
int ka_store_experiments_json(ka_store *s, struct json_t **out);
/* Moves an experiment to status `to` when its status is one of `from` (a
 * comma-separated list); config_json, when not NULL, replaces its config in the same
 * step. Stamps started_at (running) and stopped_at (stopped, shipped).
 * KA_ENOTFOUND, KA_ECONFLICT (then the message names the status). */
int ka_store_experiment_set_status(ka_store *s, const char *name, const char *from,
                                   const char *to, const char *config_json);

/* Users seen in events: [{"user", "first_seen"}] after `after` (by key), at most limit. */
int ka_store_users_json(ka_store *s, const char *after, int limit, struct json_t **out);

/* Policy state: opaque bytes per (policy, scope) with the version (the last event id
 * folded into it). Puts n rows in one transaction; each only replaces an older
 * version. */
typedef struct ka_store_state {
    const char *policy, *scope;
    const void *state;
    size_t size;
    int64_t version;
} ka_store_state;

int ka_store_policy_state_put(ka_store *s, const ka_store_state *rows, int n);
int ka_store_policy_state_each(ka_store *s,
                               int (*fn)(void *arg, const char *policy, const char *scope,
                                         const void *state, size_t size, int64_t version),
                               void *arg);

/* ---- the dashboard: editor controls, counts per title and per day, faces ---- */

typedef enum ka_control_op {
    KA_CONTROL_PIN, KA_CONTROL_UNPIN, KA_CONTROL_EXCLUDE, KA_CONTROL_INCLUDE
} ka_control_op;

/* An editor's control of one of a title's current variants, in one transaction: pin
 * (served to everyone; replaces the title's other pin and any exclusion of this one),
 * unpin, exclude (never served; replaces its pin) or include. Unpinning what is not
 * pinned, or including what is not excluded, changes nothing. KA_ENOTFOUND (no such
 * title, or no such current variant of it), KA_ECONFLICT (excluding the title's last
 * variant that is not excluded; nothing written). */
int ka_store_control(ka_store *s, const char *title_id, const char *variant_id,
                     ka_control_op op);
/* {"<title_id>": {"pinned": variant_id|null, "excluded": [variant_id, ...]}} for the
 * titles with a control (variant ids as stored: one may since have been retired). */
int ka_store_controls_json(ka_store *s, struct json_t **out);
/* A number that changes whenever a control does. */
int ka_store_controls_stamp(ka_store *s, int64_t *stamp);
/* Per title, its impression and click events with id <= upto. */
int ka_store_title_counts(ka_store *s, int64_t upto,
                          int (*fn)(void *arg, const char *title_id, int64_t impressions,
                                    int64_t clicks), void *arg);
/* An experiment's events per UTC day of their ts and arm: [{"day": "YYYY-MM-DD",
 * "arms": {"<arm>": {"impressions", "clicks", "users" (distinct users with an event
 * that day), "ctr" (null without impressions)}}}], by day. */
int ka_store_experiment_daily(ka_store *s, const char *experiment, struct json_t **out);
/* The title's characters and the faces vision gave each: [{"name", "role", "faces":
 * [{"candidate_index", "time_s", "box": {"x", "y", "w", "h"}, "image" (the
 * candidate's artwork name or null)}]}]: cast members first (faces or not), then the
 * other named identities. */
int ka_store_title_cast_faces(ka_store *s, const char *title_id, struct json_t **out);

/* ---- the work queue ---- */

typedef enum ka_job_kind { KA_JOB_TITLE = 0, KA_JOB_SEGMENT, KA_JOB_MERGE } ka_job_kind;

typedef struct ka_job {
    int64_t id;
    ka_job_kind kind;
    char *title_id, *video, *genre;
    int n_variants;
    int64_t parent;                 /* segments: their merge job */
    int seg_index;
    double seg_start, seg_end;      /* segments: the core range, seconds */
    double overlap_s;               /* segments: context decoded on both sides */
    int attempt;                    /* this take; the lease's token */
    /* The selection's options as enqueued (titles and merges select with them;
     * segments carry them for their merge); has_* 0 = ka_select_opts_default's. */
    int has_min_quality, has_weights;
    double min_quality;
    ka_quality_weights weights;
    /* How it is analysed and ranked, as enqueued: the stages' options
     * ("stage.option=value", ka_analysis_opts) and a ranker (JSON, as keyart
     * train-ranker writes it; NULL the built-in one). */
    char **stage_opts;
    int n_stage_opts;
    char *ranker_json;
    char *invalid;                  /* NULL, or why the row cannot be run (a malformed
                                     * option written by hand): ka_job_run then
                                     * fails the job with this reason */
} ka_job;

void ka_job_clear(ka_job *j);
const char *ka_job_kind_name(ka_job_kind k);

typedef struct ka_enqueue_opts {
    const char *title_id;           /* NULL = the file name without extension */
    const char *genre;              /* NULL = drama */
    int n_variants;                 /* 0 = 8 */
    double segment_s;               /* > 0: titles longer than 1.5x this are split */
    double overlap_s;               /* context around each segment (0 = 5 s) */
    /* How the title's variants are chosen, as `keyart analyze --min-quality
     * --quality-weights` would: a flag and a pointer, since 0 and all-zero are not
     * "unset" (0 is a valid minimum quality). */
    int has_min_quality;            /* 0 = the default (0.35, ka_select_opts_default) */
    double min_quality;             /* 0..1 */
    const ka_quality_weights *weights;  /* NULL = the defaults; else as
                                         * ka_quality_weights_parse accepts them */
    /* The analysis stages' options (faces.detector=yunet, faces.models=DIR, ...) and
     * the ranker (its JSON text, NULL = the built-in one): checked here, stored with
     * every job of the title, applied by the worker that takes it. */
    const char *const *stage_opts;
    int n_stage_opts;
    const char *ranker_json;
    /* The pixel limit the video is opened with to read its length (0 = the default,
     * KA_MAX_PIXELS_DEFAULT): a video no worker would take is refused here. Not stored:
     * each worker applies its own (ka_worker_opts.max_pixels). */
    int64_t max_pixels;
} ka_enqueue_opts;

/* Adds a title (one job, or its segments and a merge job, all with the options);
 * returns the number of jobs added. Replaces nothing: an unfinished job for the same
 * title is an error. KA_EINVAL (nothing added) for a minimum quality outside 0..1 or
 * invalid weights. */
int ka_store_enqueue(ka_store *s, const char *video, const ka_enqueue_opts *o,
                     int64_t *job_id);
/* Takes the oldest job that is queued or whose lease has expired (merges once all
 * their segments are done): 1 = taken (j filled, lease until now + lease_s), 0 = none.
 * A row whose options cannot be read is taken too, with j->invalid set. */
int ka_store_job_take(ka_store *s, const char *worker, double lease_s, ka_job *j);
/* Extends the lease; KA_ELOST when the job is no longer this attempt's. */
int ka_store_job_heartbeat(ka_store *s, const ka_job *j, double lease_s);
/* Marks the job failed with a reason (and its merge job, for a segment). */
int ka_store_job_fail(ka_store *s, const ka_job *j, const char *why);
/* Counts of jobs that are queued, running (leased) and failed. */
int ka_store_queue_counts(ka_store *s, int *queued, int *running, int *failed);
/* [{"id", "kind", "state", "title_id", "video", "segment"?, "attempts", "worker",
 *   "lease_left_s", "error", "min_quality"?, "quality_weights"? (as stored)}, ...] */
int ka_store_jobs_json(ka_store *s, struct json_t **out);

/* A segment job's result: its blob stored in its row together with marking it done,
 * only while it is still this attempt's (KA_ELOST otherwise, nothing written). */
int ka_store_job_done_segment(ka_store *s, const ka_job *j, const void *blob, size_t size);
/* The blobs of a merge job's done segments, in segment order, passed to fn (valid
 * during the call); returns fn's result or the database's error. */
int ka_store_segment_results(ka_store *s, const ka_job *merge,
                             int (*fn)(void *arg, const void *const *blobs,
                                       const size_t *sizes, int n),
                             void *arg);

#ifdef __cplusplus
}
#endif
#endif
