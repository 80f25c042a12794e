/* test_queue.c: the work queue on one backend (argv[1]: sqlite or pg): enqueue and
 * refusing a title already queued, leases (take, heartbeat, expiry, a late worker's
 * result refused and not stored), poison jobs failing after max attempts, segments
 * and their merge job, and four processes taking jobs at once: each exactly once. */
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
    ka_store *s = NULL;
    char art[300];
    snprintf(art, sizeof art, "%s/artwork", st_tmp);
    CHECK_EQ_INT(ka_store_open(st_fresh_url(), 0, &s), 0);
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
    CHECK_EQ_INT(ka_store_job_heartbeat(s, &a, 60), KA_ESTORE_LOST);
    static st_title f;
    st_make(&f, "film", 6, 4, 0);
    ka_store_save_opts sa = { .artwork_dir = art, .job_id = a.id, .job_attempt = a.attempt };
    CHECK_EQ_INT(ka_store_save_analysis(s, &f.t, &f.sel, "action", &sa), KA_ESTORE_LOST);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM titles"), 0);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM variants"), 0);
    ka_store_save_opts sb = { .artwork_dir = art, .job_id = b.id, .job_attempt = b.attempt };
    CHECK_EQ_INT(ka_store_save_analysis(s, &f.t, &f.sel, "action", &sb), 0);
    CHECK_EQ_INT(ka_store_save_analysis(s, &f.t, &f.sel, "action", &sb), KA_ESTORE_LOST);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM variants"), 4);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM jobs WHERE state = 'done'"), 1);
    CHECK_EQ_INT(ka_store_job_heartbeat(s, &b, 60), KA_ESTORE_LOST);   /* done: not running */
    /* Done: the title can be queued again. */
    CHECK_EQ_INT(ka_store_enqueue(s, clip, &eo, NULL), 1);
    ka_job_clear(&a);
    ka_job_clear(&b);
    ka_store_close(&s);
}

static void test_poison_and_failures(void)
{
    ka_store *s = NULL;
    CHECK_EQ_INT(ka_store_open(st_fresh_url(), 0, &s), 0);
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
    ka_store *s = NULL;
    CHECK_EQ_INT(ka_store_open(st_fresh_url(), 0, &s), 0);
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
    ka_store *s = NULL;
    CHECK_EQ_INT(ka_store_open(url, 0, &s), 0);
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

int main(int argc, char **argv)
{
    int rc = st_setup(argc, argv);
    if (rc)
        return rc;
    snprintf(clip, sizeof clip, "%s/media/faces_single_shot_3s.mp4", ka_test_shared());
    fprintf(stderr, "backend: %s\n", st_pg_base ? "postgresql" : "sqlite");
    RUN(test_lease);
    RUN(test_poison_and_failures);
    RUN(test_segments);
    RUN(test_concurrent_take);
    st_teardown();
    TEST_END();
}
