/* test_queue.c: the work queue on one backend (argv[1]: sqlite or pg): enqueue and
 * refusing a title already queued, leases (take, heartbeat, expiry, a late worker's
 * result refused and not stored), poison jobs failing after max attempts, segments
 * and their merge job, four processes taking jobs at once: each exactly once; and
 * the selection's options a job carries (minimum quality, quality weights): stored,
 * taken back, used by the run, refused when invalid, a job failed when its row holds
 * a malformed value, and a job queued by a version 4 database run with the defaults. */
#include <fcntl.h>
#include <sys/wait.h>

#include "store_test.h"

static char clip[512];

static void expire_lease(ka_store *s, int64_t id)
{
    CHECK_EQ_INT(KA_SQL(s, NULL, "UPDATE jobs SET lease_until = {NOW} - 1 WHERE id = $1",
                        SQL_INT(id)), 0);
}

static void test_lease(void)
{
    char art[300];
    ka_store *s = st_open_fresh(NULL, art);
    if (!s)
        return;
    ka_enqueue_opts eo = { .title_id = "film", .genre = "action" };
    int64_t id = 0;
    CHECK_EQ_INT(ka_store_enqueue(s, clip, &eo, &id), 1);
    CHECK(id > 0);
    CHECK_EQ_INT(ka_store_enqueue(s, clip, &eo, NULL), KA_EINVAL);   /* already queued */
    CHECK(strstr(ka_error_message(), "already queued"));
    CHECK(ka_store_enqueue(s, "/nonexistent/video.mp4", NULL, NULL) < 0);
    ka_job a, b;
    CHECK_EQ_INT(ka_store_job_take(s, "A", 60, &a), 1);
    CHECK_EQ_INT(a.id, id);
    CHECK_EQ_INT(a.attempt, 1);
    CHECK(a.kind == KA_JOB_TITLE && !strcmp(a.genre, "action") && !strcmp(a.title_id, "film"));
    CHECK_EQ_INT(ka_store_job_take(s, "B", 60, &b), 0);      /* leased: not takeable */
    CHECK_EQ_INT(ka_store_job_heartbeat(s, &a, 60), 0);
    int q = -1, r = -1;
    CHECK_EQ_INT(ka_store_queue_counts(s, &q, &r, NULL), 0);
    CHECK(q == 0 && r == 1);
    /* A's lease runs out; B takes the job again; A's heartbeat and result are refused. */
    expire_lease(s, a.id);
    CHECK_EQ_INT(ka_store_job_take(s, "B", 60, &b), 1);
    CHECK_EQ_INT(b.id, a.id);
    CHECK_EQ_INT(b.attempt, 2);
    CHECK_EQ_INT(ka_store_job_heartbeat(s, &a, 60), KA_ELOST);
    static st_title f;
    st_make(&f, "film", 6, 4, 0);
    ka_store_save_opts sa = { .artwork_dir = art, .job_id = a.id, .job_attempt = a.attempt };
    CHECK_EQ_INT(ka_store_save_analysis(s, &f.t, &f.sel, "action", &sa), KA_ELOST);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM titles"), 0);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM variants"), 0);
    ka_store_save_opts sb = { .artwork_dir = art, .job_id = b.id, .job_attempt = b.attempt };
    CHECK_EQ_INT(ka_store_save_analysis(s, &f.t, &f.sel, "action", &sb), 0);
    CHECK_EQ_INT(ka_store_save_analysis(s, &f.t, &f.sel, "action", &sb), KA_ELOST);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM variants"), 4);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM jobs WHERE state = 'done'"), 1);
    CHECK_EQ_INT(ka_store_job_heartbeat(s, &b, 60), KA_ELOST);   /* done: not running */
    /* Done: the title can be queued again. */
    CHECK_EQ_INT(ka_store_enqueue(s, clip, &eo, NULL), 1);
    ka_job_clear(&a);
    ka_job_clear(&b);
    ka_store_close(&s);
}

static void test_poison_and_failures(void)
{
    ka_store *s = st_open_fresh(NULL, NULL);
    if (!s)
        return;
    ka_enqueue_opts eo = { .title_id = "poison" };
    CHECK_EQ_INT(ka_store_enqueue(s, clip, &eo, NULL), 1);
    ka_job j;
    for (int i = 1; i <= 5; i++) {            /* five workers die on it in turn */
        CHECK_EQ_INT(ka_store_job_take(s, "W", 60, &j), 1);
        CHECK_EQ_INT(j.attempt, i);
        expire_lease(s, j.id);
        ka_job_clear(&j);
    }
    CHECK_EQ_INT(ka_store_job_take(s, "W", 60, &j), 0);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM jobs WHERE state = 'failed' AND error LIKE"
                          " '%lease ran out 5 times%'"), 1);
    /* A failed input: the job fails for good with its reason. */
    eo.title_id = "bad";
    CHECK_EQ_INT(ka_store_enqueue(s, clip, &eo, NULL), 1);
    CHECK_EQ_INT(ka_store_job_take(s, "W", 60, &j), 1);
    CHECK_EQ_INT(ka_store_job_fail(s, &j, "not a video"), 0);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM jobs WHERE state = 'failed' AND error ="
                          " 'not a video'"), 1);
    ka_job_clear(&j);
    int failed = 0;
    CHECK_EQ_INT(ka_store_queue_counts(s, NULL, NULL, &failed), 0);
    CHECK_EQ_INT(failed, 2);
    ka_store_close(&s);
}

static void test_segments(void)
{
    ka_store *s = st_open_fresh(NULL, NULL);
    if (!s)
        return;
    char longer[600];           /* 17 s: four segments of about 5 s */
    snprintf(longer, sizeof longer, "%s/media/people_single_shot_17s.mp4", ka_test_shared());
    ka_enqueue_opts eo = { .segment_s = 5 };
    int64_t merge = 0;
    CHECK_EQ_INT(ka_store_enqueue(s, longer, &eo, &merge), 5);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM jobs WHERE kind = 'segment'"), 4);
    ka_job seg[4], j;
    for (int i = 0; i < 4; i++) {
        CHECK_EQ_INT(ka_store_job_take(s, "W", 60, &seg[i]), 1);
        CHECK(seg[i].kind == KA_JOB_SEGMENT && seg[i].parent == merge);
        CHECK_EQ_INT(seg[i].seg_index, i);
    }
    CHECK_NEAR(seg[1].seg_start, seg[0].seg_end, 1e-9);
    CHECK(seg[3].seg_end == 0 && seg[0].seg_start == 0);
    CHECK_EQ_INT(ka_store_job_take(s, "W", 60, &j), 0);     /* merge waits for segments */
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(KA_SQL(s, NULL, "UPDATE jobs SET state = 'done' WHERE id = $1",
                            SQL_INT(seg[i].id)), 0);
    CHECK_EQ_INT(ka_store_job_take(s, "W", 60, &j), 0);
    CHECK_EQ_INT(KA_SQL(s, NULL, "UPDATE jobs SET state = 'done' WHERE id = $1",
                        SQL_INT(seg[3].id)), 0);
    CHECK_EQ_INT(ka_store_job_take(s, "W", 60, &j), 1);
    CHECK(j.kind == KA_JOB_MERGE && j.id == merge);
    ka_job_clear(&j);
    for (int i = 0; i < 4; i++)
        ka_job_clear(&seg[i]);
    /* A failed segment fails its merge. */
    eo.title_id = "other";
    CHECK_EQ_INT(ka_store_enqueue(s, longer, &eo, &merge), 5);
    CHECK_EQ_INT(ka_store_job_take(s, "W", 60, &j), 1);
    CHECK_EQ_INT(ka_store_job_fail(s, &j, "broken"), 0);
    ka_job_clear(&j);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM jobs WHERE kind = 'merge' AND state ="
                          " 'failed' AND title_id = 'other'"), 1);
    ka_store_close(&s);
}

/* Four processes take jobs as fast as they can; each job must go to exactly one. */
static void test_concurrent_take(void)
{
    enum { JOBS = 24, PROCS = 4 };
    const char *url = st_fresh_url();
    ka_store *s = st_open_fresh(url, NULL);
    if (!s)
        return;
    for (int i = 0; i < JOBS; i++) {
        char id[32];
        snprintf(id, sizeof id, "t%02d", i);
        ka_enqueue_opts eo = { .title_id = id };
        CHECK_EQ_INT(ka_store_enqueue(s, clip, &eo, NULL), 1);
    }
    ka_store_close(&s);
    char log[400];
    snprintf(log, sizeof log, "%s/taken.log", st_tmp);
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    pid_t kids[PROCS];
    for (int p = 0; p < PROCS; p++) {
        if ((kids[p] = fork()) == 0) {
            ka_store *c = NULL;
            int bad = ka_store_open(url, 0, &c);
            ka_job j;
            while (!bad && ka_store_job_take(c, "proc", 60, &j) == 1) {
                char line[64];
                int n = snprintf(line, sizeof line, "%lld\n", (long long)j.id);
                bad |= write(fd, line, (size_t)n) != n;
                bad |= KA_SQL(c, NULL, "UPDATE jobs SET state = 'done' WHERE id = $1 AND"
                              " attempts = $2", SQL_INT(j.id), SQL_INT(j.attempt)) != 0;
                ka_job_clear(&j);
            }
            if (bad)
                fprintf(stderr, "child: %s\n", ka_error_message());
            ka_store_close(&c);
            _exit(bad);
        }
    }
    close(fd);
    for (int p = 0; p < PROCS; p++) {
        int st = 0;
        waitpid(kids[p], &st, 0);
        CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %d: status %d", p, st);
    }
    int seen[JOBS + 1] = { 0 }, lines = 0;
    FILE *f = fopen(log, "r");
    long long v;
    while (f && fscanf(f, "%lld", &v) == 1) {
        lines++;
        if (v >= 1 && v <= JOBS)
            seen[v]++;
    }
    if (f)
        fclose(f);
    CHECK_EQ_INT(lines, JOBS);
    for (int i = 1; i <= JOBS; i++)
        CHECK_MSG(seen[i] == 1, "job %d taken %d times", i, seen[i]);
    CHECK_EQ_INT(ka_store_open(url, 0, &s), 0);
    if (s)
        CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM jobs WHERE state = 'done' AND attempts"
                              " = 1"), JOBS);
    ka_store_close(&s);
}

/* ---- the selection's options a job carries ---- */

static const ka_quality_weights only_sharpness = { 0, 0, 1, 0, 0, 0 };

static int same_weights(const ka_quality_weights *a, const ka_quality_weights *b)
{
    return a->brightness == b->brightness && a->contrast == b->contrast &&
           a->sharpness == b->sharpness && a->saturation == b->saturation &&
           a->brisque == b->brisque && a->face == b->face;
}

static void test_select_opts_round_trip(void)
{
    ka_store *s = st_open_fresh(NULL, NULL);
    if (!s)
        return;
    ka_enqueue_opts tuned = { .title_id = "tuned", .has_min_quality = 1, .min_quality = 0.5,
                              .weights = &only_sharpness };
    ka_enqueue_opts plain = { .title_id = "plain" };
    /* weights that need all nine digits, and 0, a valid minimum, not "unset" */
    ka_quality_weights odd = { 0.1f, 1.0f / 3, 999.999f, 1e-3f, 0, 0.7f };
    ka_enqueue_opts fine = { .title_id = "fine", .has_min_quality = 1, .min_quality = 0,
                             .weights = &odd };
    CHECK_EQ_INT(ka_store_enqueue(s, clip, &tuned, NULL), 1);
    CHECK_EQ_INT(ka_store_enqueue(s, clip, &plain, NULL), 1);
    CHECK_EQ_INT(ka_store_enqueue(s, clip, &fine, NULL), 1);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM jobs WHERE title_id = 'tuned' AND"
                          " min_quality = 0.5 AND quality_weights = '0,0,1,0,0,0'"), 1);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM jobs WHERE title_id = 'plain' AND"
                          " min_quality IS NULL AND quality_weights IS NULL"), 1);
    ka_job j;
    CHECK_EQ_INT(ka_store_job_take(s, "W", 60, &j), 1);
    CHECK(!strcmp(j.title_id, "tuned") && !j.invalid);
    CHECK(j.has_min_quality && j.has_weights);
    CHECK_NEAR(j.min_quality, 0.5, 1e-12);
    CHECK(same_weights(&j.weights, &only_sharpness));
    ka_job_clear(&j);
    CHECK_EQ_INT(ka_store_job_take(s, "W", 60, &j), 1);
    CHECK(!strcmp(j.title_id, "plain") && !j.invalid);
    CHECK(!j.has_min_quality && !j.has_weights);        /* the defaults */
    ka_job_clear(&j);
    CHECK_EQ_INT(ka_store_job_take(s, "W", 60, &j), 1);
    CHECK(!strcmp(j.title_id, "fine") && !j.invalid);
    CHECK(j.has_min_quality && j.min_quality == 0);
    CHECK_MSG(j.has_weights && same_weights(&j.weights, &odd), "%.9g %.9g %.9g",
              (double)j.weights.brightness, (double)j.weights.contrast,
              (double)j.weights.sharpness);
    ka_job_clear(&j);
    json_t *a = NULL;
    CHECK_EQ_INT(ka_store_jobs_json(s, &a), 0);
    const char *w = json_string_value(json_object_get(json_array_get(a, 0), "quality_weights"));
    CHECK_MSG(w && !strcmp(w, "0,0,1,0,0,0"), "keyart jobs shows %s", w ? w : "nothing");
    CHECK_NEAR(json_number_value(json_object_get(json_array_get(a, 0), "min_quality")), 0.5, 1e-12);
    CHECK(!json_object_get(json_array_get(a, 1), "quality_weights"));
    CHECK(!json_object_get(json_array_get(a, 1), "min_quality"));
    json_decref(a);
    ka_store_close(&s);
}

/* Every job of a segmented title carries the options; the merge selects with them. */
static void test_select_opts_segments(void)
{
    ka_store *s = st_open_fresh(NULL, NULL);
    if (!s)
        return;
    char longer[600];
    snprintf(longer, sizeof longer, "%s/media/people_single_shot_17s.mp4", ka_test_shared());
    ka_enqueue_opts eo = { .segment_s = 5, .has_min_quality = 1, .min_quality = 0.5,
                           .weights = &only_sharpness };
    int64_t merge = 0;
    CHECK_EQ_INT(ka_store_enqueue(s, longer, &eo, &merge), 5);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM jobs WHERE min_quality = 0.5 AND"
                          " quality_weights = '0,0,1,0,0,0'"), 5);
    ka_job j;
    for (int i = 0; i < 4; i++) {
        CHECK_EQ_INT(ka_store_job_take(s, "W", 60, &j), 1);
        CHECK(j.kind == KA_JOB_SEGMENT && !j.invalid && j.has_min_quality && j.has_weights);
        CHECK(same_weights(&j.weights, &only_sharpness));
        CHECK_EQ_INT(KA_SQL(s, NULL, "UPDATE jobs SET state = 'done' WHERE id = $1",
                            SQL_INT(j.id)), 0);
        ka_job_clear(&j);
    }
    CHECK_EQ_INT(ka_store_job_take(s, "W", 60, &j), 1);
    CHECK(j.kind == KA_JOB_MERGE && j.id == merge && !j.invalid);
    CHECK(j.has_min_quality && j.min_quality == 0.5);
    CHECK(j.has_weights && same_weights(&j.weights, &only_sharpness));
    ka_job_clear(&j);
    ka_store_close(&s);
}

/* Out-of-range values are refused before anything is added. */
static void test_select_opts_refused(void)
{
    ka_store *s = st_open_fresh(NULL, NULL);
    if (!s)
        return;
    static const struct {
        int has_q;
        double q;
        int has_w;
        ka_quality_weights w;
        const char *why;
    } bad[] = {
        { 1, 1.5, 0, { 0, 0, 0, 0, 0, 0 }, "minimum quality must be 0..1" },
        { 1, -0.1, 0, { 0, 0, 0, 0, 0, 0 }, "minimum quality must be 0..1" },
        { 1, NAN, 0, { 0, 0, 0, 0, 0, 0 }, "minimum quality must be 0..1" },
        { 0, 0, 1, { 0, 0, 0, 0, 0, 0 }, "all are 0" },
        { 0, 0, 1, { 1, 1, -1, 1, 1, 1 }, "'-1' is not a number from 0 to 1000" },
        { 0, 0, 1, { 1, 1, 2000, 1, 1, 1 }, "'2000' is not a number from 0 to 1000" },
        { 0, 0, 1, { 1, NAN, 1, 1, 1, 1 }, "is not a number from 0 to 1000" },
        { 0, 0, 1, { 1, 1, 1, 1, 1, INFINITY }, "is not a number from 0 to 1000" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ka_enqueue_opts eo = { .title_id = "bad", .has_min_quality = bad[i].has_q,
                               .min_quality = bad[i].q,
                               .weights = bad[i].has_w ? &bad[i].w : NULL };
        CHECK_EQ_INT(ka_store_enqueue(s, clip, &eo, NULL), KA_EINVAL);
        CHECK_MSG(strstr(ka_error_message(), bad[i].why), "case %zu: %s", i,
                  ka_error_message());
    }
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM jobs"), 0);
    ka_store_close(&s);
}

/* A row whose options were damaged by hand fails its job, saying which and why. */
static void test_select_opts_corrupt_row(void)
{
    const char *url = st_fresh_url();
    ka_store *s = st_open_fresh(url, NULL);
    if (!s)
        return;
    ka_enqueue_opts ew = { .title_id = "bad_weights", .weights = &only_sharpness };
    ka_enqueue_opts eq = { .title_id = "bad_min", .has_min_quality = 1, .min_quality = 0.5 };
    int64_t idw = 0, idq = 0;
    CHECK_EQ_INT(ka_store_enqueue(s, clip, &ew, &idw), 1);
    CHECK_EQ_INT(ka_store_enqueue(s, clip, &eq, &idq), 1);
    CHECK_EQ_INT(KA_SQL(s, NULL, "UPDATE jobs SET quality_weights = $2 WHERE id = $1",
                        SQL_INT(idw), SQL_TEXT("0,0,one,0,0,0")), 0);
    CHECK_EQ_INT(KA_SQL(s, NULL, "UPDATE jobs SET min_quality = 7 WHERE id = $1",
                        SQL_INT(idq)), 0);
    ka_worker_opts wo = { .url = url, .name = "W", .lease_s = 60, .quiet = 1 };
    ka_job j;
    CHECK_EQ_INT(ka_store_job_take(s, "W", 60, &j), 1);
    CHECK_EQ_INT(j.id, idw);
    CHECK_MSG(j.invalid && strstr(j.invalid, "quality_weights '0,0,one,0,0,0'") &&
              strstr(j.invalid, "'one' is not a number"), "%s", j.invalid ? j.invalid : "-");
    CHECK(!j.has_weights);
    CHECK_EQ_INT(ka_job_run(s, &j, &wo), 1);
    CHECK_MSG(strstr(ka_error_message(), "quality_weights"), "%s", ka_error_message());
    ka_job_clear(&j);
    CHECK_EQ_INT(ka_store_job_take(s, "W", 60, &j), 1);
    CHECK_EQ_INT(j.id, idq);
    CHECK_MSG(j.invalid && strstr(j.invalid, "min_quality 7"), "%s", j.invalid ? j.invalid : "-");
    CHECK_EQ_INT(ka_job_run(s, &j, &wo), 1);
    ka_job_clear(&j);
    CHECK_EQ_INT(ka_store_job_take(s, "W", 60, &j), 0);      /* failed for good */
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM jobs WHERE state = 'failed' AND error LIKE"
                          " '%quality_weights ''0,0,one,0,0,0''%cannot be read%'"), 1);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM jobs WHERE state = 'failed' AND error LIKE"
                          " '%min_quality 7 %'"), 1);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM titles"), 0);
    ka_store_close(&s);
}

/* Runs the next job as a worker would; returns what ka_job_run returned. */
static int run_next(ka_store *s, const char *url, const char *title)
{
    char art[300];
    snprintf(art, sizeof art, "%s/artwork", st_tmp);
    ka_worker_opts wo = { .url = url, .artwork_dir = art, .name = "W", .lease_s = 60,
                          .quiet = 1 };
    ka_job j;
    int rc = ka_store_job_take(s, "W", 60, &j);
    CHECK_EQ_INT(rc, 1);
    if (rc != 1)
        return -1;
    CHECK(!strcmp(j.title_id, title) && !j.invalid);
    rc = ka_job_run(s, &j, &wo);
    CHECK_MSG(rc == 0, "%s: %d %s", title, rc, ka_error_message());
    ka_job_clear(&j);
    return rc;
}

/* A title queued with options comes out chosen with them. */
static void test_select_opts_run(void)
{
    const char *url = st_fresh_url();
    ka_store *s = st_open_fresh(url, NULL);
    if (!s)
        return;
    ka_enqueue_opts eo = { .title_id = "sharp", .n_variants = 4, .has_min_quality = 1,
                           .min_quality = 0.5, .weights = &only_sharpness };
    CHECK_EQ_INT(ka_store_enqueue(s, clip, &eo, NULL), 1);
    if (run_next(s, url, "sharp") == 0)
        st_check_selection(s, "sharp", 1, 0, 0.5);
    ka_store_close(&s);
}

/* A job queued by the previous release (schema 4, no option columns) migrates and
 * runs with the defaults. */
static void test_upgrade_from_v4(void)
{
    const char *url = st_fresh_url();
    ka_store *s = st_open_old(url, 4);
    if (!s)
        return;
    CHECK_EQ_INT(KA_SQL(s, NULL, "INSERT INTO jobs (kind, title_id, video, genre, n_variants,"
                        " overlap_s) VALUES ('title', $1, $2, 'drama', 4, 5)",
                        SQL_TEXT("v4film"), SQL_TEXT(clip)), 0);
    ka_store_close(&s);
    CHECK_EQ_INT(ka_store_open(url, 0, &s), 0);
    if (!s)
        return;
    CHECK_EQ_INT(ka_store_schema_version(s), KA_STORE_SCHEMA_VERSION);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM jobs WHERE state = 'queued' AND"
                          " min_quality IS NULL AND quality_weights IS NULL"), 1);
    if (run_next(s, url, "v4film") == 0)
        st_check_selection(s, "v4film", 0.3, 0.25, 0.35);
    ka_store_close(&s);
}

int main(int argc, char **argv)
{
    int rc = st_setup(argc, argv);
    if (rc)
        return rc;
    snprintf(clip, sizeof clip, "%s/media/faces_single_shot_3s.mp4", ka_test_shared());
    RUN(test_lease);
    RUN(test_poison_and_failures);
    RUN(test_segments);
    RUN(test_concurrent_take);
    RUN(test_select_opts_round_trip);
    RUN(test_select_opts_segments);
    RUN(test_select_opts_refused);
    RUN(test_select_opts_corrupt_row);
    RUN(test_select_opts_run);
    RUN(test_upgrade_from_v4);
    st_teardown();
    TEST_END();
}
