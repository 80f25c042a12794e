/* schema.c: the schema, as numbered forward migrations applied on open in one
 * transaction (serialised between processes: the write lock on SQLite, an advisory
 * lock on PostgreSQL) and recorded in schema_version. The same tables in both
 * backends; {ID}, {BLOB} and {NOW} are each backend's words. A database whose
 * version is newer than this build's is refused and left untouched. A migration is
 * never edited once released: a change to the schema is a new one at the end. */
#include <string.h>

#include "store_priv.h"

typedef struct migration {
    int version;
    const char *name;
    const char *sql;
    int (*fill)(ka_store *s);       /* what SQL alone cannot write (NULL: nothing) */
} migration;

static int fill_variant_ids(ka_store *s);

#define REAL "DOUBLE PRECISION"
#define CREATED "created_at " REAL " NOT NULL DEFAULT ({NOW})"

static const migration migrations[] = {
    { 1, "analysis: titles, cast, shots, candidates, faces, variants",
      "CREATE TABLE titles ("
      " id {ID}, title_id TEXT NOT NULL UNIQUE, source TEXT, genre TEXT,"
      " duration_s " REAL ", fps " REAL ", width INTEGER, height INTEGER, frames BIGINT,"
      " n_shots INTEGER, n_candidates INTEGER, n_variants INTEGER,"
      " content_x INTEGER, content_y INTEGER, content_w INTEGER, content_h INTEGER,"
      " codec TEXT, container TEXT, metadata TEXT, why_fewer TEXT,"
      " analysis_version INTEGER NOT NULL DEFAULT 0, analysed_at " REAL ","
      " analyse_s " REAL ", worker TEXT, " CREATED ");"
      "CREATE TABLE cast_members ("
      " id {ID}, title BIGINT NOT NULL REFERENCES titles(id) ON DELETE CASCADE,"
      " name TEXT NOT NULL, role TEXT, embeddings {BLOB}, n_embeddings INTEGER NOT NULL"
      " DEFAULT 0, dim INTEGER NOT NULL DEFAULT 0, " CREATED ", UNIQUE (title, name));"
      "CREATE TABLE shots ("
      " title BIGINT NOT NULL REFERENCES titles(id) ON DELETE CASCADE, idx INTEGER NOT NULL,"
      " start_frame BIGINT NOT NULL, end_frame BIGINT NOT NULL, start_s " REAL ","
      " end_s " REAL ", transition_in TEXT NOT NULL, span_first BIGINT, span_last BIGINT,"
      " PRIMARY KEY (title, idx));"
      "CREATE TABLE candidates ("
      " id {ID}, title BIGINT NOT NULL REFERENCES titles(id) ON DELETE CASCADE,"
      " idx INTEGER NOT NULL, frame BIGINT NOT NULL, time_s " REAL ", shot INTEGER,"
      " flags INTEGER, frame_flags INTEGER, motion " REAL ", phash BIGINT,"
      " luma_mean " REAL ", luma_std " REAL ", chroma_mean " REAL ", small_sharpness " REAL ","
      " lightness " REAL ", brightness " REAL ", contrast " REAL ", sharpness " REAL ","
      " saturation " REAL ", exposure_clipped " REAL ", quality_score " REAL ","
      " salient_x INTEGER, salient_y INTEGER, salient_w INTEGER, salient_h INTEGER,"
      " width INTEGER, height INTEGER, image TEXT, UNIQUE (title, idx));"
      "CREATE TABLE identities ("
      " id {ID}, title BIGINT NOT NULL REFERENCES titles(id) ON DELETE CASCADE,"
      " label TEXT, cast_member BIGINT REFERENCES cast_members(id) ON DELETE SET NULL,"
      " centroid {BLOB}, n_faces INTEGER NOT NULL DEFAULT 0);"
      "CREATE TABLE faces ("
      " id {ID}, candidate BIGINT NOT NULL REFERENCES candidates(id) ON DELETE CASCADE,"
      " x INTEGER, y INTEGER, w INTEGER, h INTEGER, score " REAL ", landmarks TEXT,"
      " embedding {BLOB}, identity BIGINT REFERENCES identities(id) ON DELETE SET NULL,"
      " attributes TEXT, model TEXT);"
      "CREATE INDEX faces_candidate ON faces (candidate);"
      "CREATE TABLE variants ("
      " id {ID}, title BIGINT NOT NULL REFERENCES titles(id) ON DELETE CASCADE,"
      " number INTEGER NOT NULL, candidate BIGINT REFERENCES candidates(id) ON DELETE SET NULL,"
      " slot TEXT, scene TEXT, composition TEXT, time_s " REAL ", frame BIGINT, shot INTEGER,"
      " quality_score " REAL ", relevance " REAL ", diversity_penalty " REAL ", score " REAL ","
      " emotional " REAL ", action " REAL ", dramatic " REAL ", prominence " REAL ","
      " crops TEXT, image_full TEXT, image_16x9 TEXT, image_2x3 TEXT, image_1x1 TEXT,"
      " metadata TEXT, UNIQUE (title, number));", NULL },

    { 2, "serving: users, experiments, assignments, events, policy state",
      "CREATE TABLE users ("
      " id {ID}, user_key TEXT NOT NULL UNIQUE, attributes TEXT, " CREATED ");"
      "CREATE TABLE experiments ("
      " id {ID}, name TEXT NOT NULL UNIQUE, status TEXT NOT NULL DEFAULT 'draft',"
      " config TEXT, started_at " REAL ", stopped_at " REAL ", " CREATED ");"
      "CREATE TABLE assignments ("
      " experiment BIGINT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,"
      " user_key TEXT NOT NULL, arm TEXT NOT NULL, assigned_at " REAL " NOT NULL DEFAULT ({NOW}),"
      " PRIMARY KEY (experiment, user_key));"
      "CREATE TABLE events ("
      " id {ID}, client_id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, user_key TEXT,"
      " title_id TEXT, variant_number INTEGER, experiment TEXT, arm TEXT, policy TEXT,"
      " propensity " REAL ", value " REAL ", ts " REAL " NOT NULL, data TEXT,"
      " received_at " REAL " NOT NULL DEFAULT ({NOW}));"
      "CREATE INDEX events_title_ts ON events (title_id, ts);"
      "CREATE INDEX events_user_ts ON events (user_key, ts);"
      "CREATE TABLE policy_state ("
      " policy TEXT NOT NULL, scope TEXT NOT NULL DEFAULT '', state {BLOB},"
      " version INTEGER NOT NULL DEFAULT 0, updated_at " REAL " NOT NULL DEFAULT ({NOW}),"
      " PRIMARY KEY (policy, scope));", NULL },

    { 3, "work queue: jobs with leases",
      "CREATE TABLE jobs ("
      " id {ID}, kind TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'queued',"
      " title_id TEXT NOT NULL, video TEXT NOT NULL, genre TEXT, n_variants INTEGER,"
      " parent BIGINT REFERENCES jobs(id) ON DELETE CASCADE, seg_index INTEGER,"
      " seg_start " REAL ", seg_end " REAL ", overlap_s " REAL ","
      " attempts INTEGER NOT NULL DEFAULT 0, max_attempts INTEGER NOT NULL DEFAULT 5,"
      " worker TEXT, lease_until " REAL ", heartbeat_at " REAL ", started_at " REAL ","
      " finished_at " REAL ", error TEXT, result {BLOB}, " CREATED ");"
      "CREATE INDEX jobs_state ON jobs (state, id);"
      "CREATE INDEX jobs_parent ON jobs (parent);"
      "CREATE INDEX jobs_title ON jobs (title_id);", NULL },

    /* NULL = vision did not measure the part (it is then left out of the score) */
    { 4, "candidates: BRISQUE and face quality",
      "ALTER TABLE candidates ADD COLUMN brisque_quality " REAL ";"
      "ALTER TABLE candidates ADD COLUMN face_quality " REAL ";", NULL },

    /* What the title's variants are chosen with (keyart enqueue --min-quality,
     * --quality-weights). NULL = the defaults, so rows queued before keep working;
     * the weights are "B,C,S,X,R,F" as ka_quality_weights_format writes them. */
    { 5, "jobs: the selection's minimum quality and quality weights",
      "ALTER TABLE jobs ADD COLUMN min_quality " REAL ";"
      "ALTER TABLE jobs ADD COLUMN quality_weights TEXT;", NULL },

    /* The ranker's score of every candidate and the grade it stands for (0..3);
     * NULL for candidates stored before there was a ranker. */
    { 6, "candidates: appeal and its grade",
      "ALTER TABLE candidates ADD COLUMN appeal " REAL ";"
      "ALTER TABLE candidates ADD COLUMN appeal_grade " REAL ";", NULL },

    /* Every interval an experiment ran, as JSON: [[start, stop], ...] (stop null while
     * it runs); started_at is its first start, stopped_at its last stop. */
    { 7, "experiments: run intervals",
      "ALTER TABLE experiments ADD COLUMN runs TEXT;", NULL },

    /* A variant's stable id (ka_variant_id) beside its number; events name the
     * picture they were about by it. A variant a later analysis no longer chooses is
     * retired: its row moves to retired_variants, kept for reports, never served.
     * fill_variant_ids gives the rows stored before their ids. */
    { 8, "variants: stable ids, retired variants",
      "ALTER TABLE variants ADD COLUMN variant_id TEXT;"
      "ALTER TABLE events ADD COLUMN variant_id TEXT;"
      "CREATE TABLE retired_variants ("
      " title BIGINT NOT NULL REFERENCES titles(id) ON DELETE CASCADE,"
      " variant_id TEXT NOT NULL, number INTEGER, scene TEXT, composition TEXT,"
      " time_s " REAL ", frame BIGINT, quality_score " REAL ", image_full TEXT,"
      " image_16x9 TEXT, image_2x3 TEXT, image_1x1 TEXT, metadata TEXT,"
      " analysed_at " REAL ", retired_at " REAL " NOT NULL DEFAULT ({NOW}),"
      " PRIMARY KEY (title, variant_id));",
      fill_variant_ids },

    /* The JSON stored before docs/json.md's names: experiment arms' variant_number,
     * the variants' metadata time_s and friends (vocabulary.c). No table changes. */
    { 9, "vocabulary: stored JSON in docs/json.md's names",
      "SELECT 1;", ka_store_migrate_vocabulary },

    /* How a job is analysed and ranked, as enqueued: the analysis stages' options (a
     * JSON array of "stage.option=value") and a ranker's JSON; NULL = the defaults. */
    { 10, "jobs: stage options and ranker",
      "ALTER TABLE jobs ADD COLUMN stage_opts TEXT;"
      "ALTER TABLE jobs ADD COLUMN ranker TEXT;", NULL },

    /* An editor's say over what a title shows, by variant id (it follows the picture
     * through later analyses; a control on a retired variant is kept and ignored):
     * 'pinned' (one per title: served to everyone), 'excluded' (never served), NULL
     * (cleared: the row stays and its version grows, so servers see every change). */
    { 11, "variant controls: pinned and excluded variants",
      "CREATE TABLE variant_controls ("
      " title_id TEXT NOT NULL, variant_id TEXT NOT NULL,"
      " control TEXT CHECK (control IN ('pinned', 'excluded')),"
      " version INTEGER NOT NULL DEFAULT 1, updated_at " REAL " NOT NULL DEFAULT ({NOW}),"
      " PRIMARY KEY (title_id, variant_id));", NULL },
};

/* Ids for the variants stored before there were ids (from their title, frame and the
 * frame's perceptual hash, as an analysis would give them now); then the events'
 * variant ids from their numbers, read as the title's current variants (the numbers
 * they were sent with: no analysis since can be told apart now). */
static int fill_variant_ids(ka_store *s)
{
    ka_sql_res r;
    int err = ka_sql(s, &r, "SELECT v.id, t.title_id, v.frame, c.phash FROM variants v"
                     " JOIN titles t ON t.id = v.title LEFT JOIN candidates c ON"
                     " c.id = v.candidate WHERE v.variant_id IS NULL", NULL, 0);
    if (err)
        return err;
    for (int i = 0; !err && i < r.nrows; i++) {
        char id[KA_VARIANT_ID_LEN + 1];
        ka_variant_id(ka_sql_text(&r, i, 1), ka_sql_int(&r, i, 2),
                      (uint64_t)ka_sql_int(&r, i, 3), id);
        err = KA_SQL(s, NULL, "UPDATE variants SET variant_id = $1 WHERE id = $2",
                     SQL_TEXT(id), SQL_INT(ka_sql_int(&r, i, 0)));
    }
    ka_sql_res_free(&r);
    if (!err)
        err = ka_sql_script(s, "UPDATE events SET variant_id = (SELECT v.variant_id FROM"
                            " variants v JOIN titles t ON t.id = v.title WHERE"
                            " t.title_id = events.title_id AND v.number = events.variant_number)"
                            " WHERE variant_id IS NULL AND variant_number IS NOT NULL");
    return err;
}

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))
/* Versions run 1..N: a new migration without the header's version bump (or the
 * reverse) would leave databases one step behind or refuse them. */
_Static_assert(N_MIGRATIONS == KA_STORE_SCHEMA_VERSION,
               "KA_STORE_SCHEMA_VERSION must be the last migration's version");

/* Highest recorded version; 0 for a database without schema_version. */
static int read_version(ka_store *s)
{
    int exists = s->ops->table_exists(s, "schema_version");
    if (exists <= 0)
        return exists;
    ka_sql_res r;
    int err = ka_sql(s, &r, "SELECT max(version) FROM schema_version", NULL, 0);
    if (err)
        return err;
    int v = (int)ka_sql_int(&r, 0, 0);
    ka_sql_res_free(&r);
    return v;
}

int ka_store_schema_version(ka_store *s)
{
    return read_version(s);
}

static int refuse_newer(ka_store *s, int v)
{
    return ka_error(KA_EUNSUPPORTED, "%s has schema version %d, newer than the %d this keyart "
                    "%s knows: use a newer keyart (the database was not changed)",
                    s->name, v, KA_STORE_SCHEMA_VERSION, ka_version());
}

static int apply(ka_store *s, int from, int target)
{
    int err = ka_sql_script(s, "CREATE TABLE IF NOT EXISTS schema_version ("
                            " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                            " applied_at " REAL " NOT NULL DEFAULT ({NOW}))");
    for (int i = 0; !err && i < N_MIGRATIONS; i++) {
        const migration *m = &migrations[i];
        if (m->version <= from || m->version > target)
            continue;
        err = ka_sql_script(s, m->sql);
        if (!err && m->fill)
            err = m->fill(s);
        if (!err)
            err = KA_SQL(s, NULL, "INSERT INTO schema_version (version, name) VALUES ($1, $2)",
                         SQL_INT(m->version), SQL_TEXT(m->name));
        if (err)
            ka_store_errctx(err, "migration %d (%s) failed", m->version, m->name);
    }
    return err;
}

int ka_store_migrate(ka_store *s, int target)
{
    if (target <= 0)
        return 0;               /* a raw connection: no check, no migration */
    int v = read_version(s);
    if (v < 0)
        return v;
    if (v > KA_STORE_SCHEMA_VERSION)
        return refuse_newer(s, v);
    if (v >= target)
        return 0;               /* up to date: nothing to write */
    if (s->read_only)
        return ka_error(KA_EUNSUPPORTED, "%s has schema version %d and this keyart reads "
                        "version %d, but the database is read-only: open it once with write "
                        "access to upgrade it (or read it with the keyart that wrote it)",
                        s->name, v, KA_STORE_SCHEMA_VERSION);
    int err = ka_store_begin(s, 1);
    if (err)
        return err;
    if (!strcmp(s->ops->name, "postgresql"))   /* one migrator at a time */
        err = ka_sql_script(s, "SELECT pg_advisory_xact_lock(7013451806029)");
    if (!err) {
        v = read_version(s);    /* another process may have migrated meanwhile */
        if (v < 0)
            err = v;
        else if (v > KA_STORE_SCHEMA_VERSION)
            err = refuse_newer(s, v);
    }
    if (!err && v < target)
        err = apply(s, v, target);
    if (err) {
        ka_store_rollback(s);
        return err;
    }
    return ka_store_commit(s);
}
