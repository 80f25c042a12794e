/* test_store.c: the store suite, run once per backend (argv[1]: sqlite or pg):
 * migrations from empty and from an older version, idempotent reopen, refusal of a
 * newer schema (data untouched), a version 3 database (before the candidates' BRISQUE
 * and face quality columns) upgraded in place, bad and unreachable URLs, saving an
 * analysis with its artwork, replacing it on re-analysis, atomicity of a failed
 * replace, the quality parts of candidates read back as saved, event idempotency,
 * cast, the artwork folder's names, and a version 7 database's JSON rewritten into
 * docs/json.md's names. The queue has test_queue.c. */
#include <jansson.h>
#include <math.h>
#include <sys/stat.h>

#include "store_test.h"

static const char *const tables[] = {
    "titles", "cast_members", "shots", "candidates", "identities", "faces", "variants",
    "users", "experiments", "assignments", "events", "policy_state", "jobs",
};

static void test_migrate_from_empty(void)
{
    ka_store *s = st_open_fresh(NULL, NULL);
    if (!s)
        return;
    CHECK_EQ_INT(ka_store_schema_version(s), KA_STORE_SCHEMA_VERSION);
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++)
        CHECK_MSG(s->ops->table_exists(s, tables[i]) == 1, "table %s", tables[i]);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM schema_version"), KA_STORE_SCHEMA_VERSION);
    ka_store_close(&s);
}

static void test_reopen_and_upgrade(void)
{
    const char *url = st_fresh_url();
    /* An old database: only migration 1, with a title in it. */
    ka_store *s = st_open_old(url, 1);
    if (!s)
        return;
    CHECK_EQ_INT(s->ops->table_exists(s, "jobs"), 0);
    CHECK_EQ_INT(KA_SQL(s, NULL, "INSERT INTO titles (title_id) VALUES ($1)", SQL_TEXT("old")), 0);
    ka_store_close(&s);
    /* Opening it upgrades it, keeping the data; opening again changes nothing. */
    for (int round = 0; round < 2; round++) {
        CHECK_EQ_INT(ka_store_open(url, 0, &s), 0);
        if (!s)
            return;
        CHECK_EQ_INT(ka_store_schema_version(s), KA_STORE_SCHEMA_VERSION);
        CHECK_EQ_INT(s->ops->table_exists(s, "jobs"), 1);
        CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM schema_version"), KA_STORE_SCHEMA_VERSION);
        CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM titles WHERE title_id = 'old'"), 1);
        ka_store_close(&s);
    }
}

/* 1 when `SELECT col FROM candidates` runs, 0 when the column is missing. */
static int has_candidate_column(ka_store *s, const char *col)
{
    char sql[128];
    ka_sql_res r;
    snprintf(sql, sizeof sql, "SELECT %s FROM candidates", col);
    if (ka_sql(s, &r, sql, NULL, 0))
        return 0;
    ka_sql_res_free(&r);
    return 1;
}

static void test_upgrade_from_v3(void)
{
    const char *url = st_fresh_url();
    /* A database of the previous release: migrations 1 to 3, an analysed title with a
     * candidate, written with the columns that release had. */
    ka_store *s = st_open_old(url, 3);
    if (!s)
        return;
    CHECK_EQ_INT(has_candidate_column(s, "brisque_quality"), 0);
    CHECK_EQ_INT(has_candidate_column(s, "face_quality"), 0);
    CHECK_EQ_INT(KA_SQL(s, NULL, "INSERT INTO titles (title_id, analysed_at) VALUES ($1, $2)",
                        SQL_TEXT("v3film"), SQL_REAL(1.7e9)), 0);
    CHECK_EQ_INT(KA_SQL(s, NULL, "INSERT INTO candidates (title, idx, frame, brightness,"
                        " sharpness, quality_score) VALUES ((SELECT id FROM titles WHERE"
                        " title_id = $1), 0, 42, 0.5, 0.75, 0.625)", SQL_TEXT("v3film")), 0);
    ka_store_close(&s);
    /* Opening it with this build adds the columns in place and keeps the row. */
    CHECK_EQ_INT(ka_store_open(url, 0, &s), 0);
    if (!s)
        return;
    CHECK_EQ_INT(ka_store_schema_version(s), KA_STORE_SCHEMA_VERSION);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM schema_version"), KA_STORE_SCHEMA_VERSION);
    CHECK_EQ_INT(has_candidate_column(s, "brisque_quality"), 1);
    CHECK_EQ_INT(has_candidate_column(s, "face_quality"), 1);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM candidates WHERE frame = 42 AND"
                          " brisque_quality IS NULL AND face_quality IS NULL"), 1);
    ka_cand_quality *q = NULL;
    int n = 0;
    CHECK_EQ_INT(ka_store_candidates_quality(s, "v3film", &q, &n), 0);
    CHECK_EQ_INT(n, 1);
    if (q && n == 1) {
        CHECK_NEAR(q[0].q.sharpness, 0.75, 1e-6);
        CHECK_NEAR(q[0].score, 0.625, 1e-6);
        CHECK(!q[0].v.has_brisque && !q[0].v.has_face);     /* not measured back then */
    }
    free(q);
    ka_store_close(&s);
}

/* Member `name` of o (a JSON object) as a number; NAN when missing. */
static double member_number(const json_t *o, const char *name)
{
    const json_t *v = json_object_get(o, name);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* Version 7 stored JSON in the old names: migration 9 renames them in place. */
static void test_upgrade_vocabulary_from_v7(void)
{
    const char *url = st_fresh_url();
    ka_store *s = st_open_old(url, 7);
    if (!s)
        return;
    CHECK_EQ_INT(KA_SQL(s, NULL, "INSERT INTO experiments (name, config) VALUES ('old', $1)",
                        SQL_TEXT("{\"arms\":[{\"name\":\"a\",\"variant\":2},"
                                 "{\"name\":\"b\",\"policy\":\"thompson\"}]}")), 0);
    CHECK_EQ_INT(KA_SQL(s, NULL, "INSERT INTO titles (title_id, analysed_at, metadata) VALUES"
                        " ('v7film', 1.7e9, '{}')"), 0);
    CHECK_EQ_INT(KA_SQL(s, NULL, "INSERT INTO variants (title, number, metadata) SELECT id, 1,"
                        " $1 FROM titles WHERE title_id = 'v7film'",
                        SQL_TEXT("{\"variant_number\":1,\"timestamp\":9.54166666666667,"
                                 "\"reason\":{\"quality\":0.5},"
                                 "\"vision\":{\"brisque\":31.5,\"faces\":[{\"score\":0.9,"
                                 "\"sharpness\":120.5,\"eyes_open\":-1}]}}")), 0);
    ka_store_close(&s);
    CHECK_EQ_INT(ka_store_open(url, 0, &s), 0);
    if (!s)
        return;
    json_t *e = NULL, *x = NULL;
    CHECK_EQ_INT(ka_store_experiment_json(s, "old", &x), 0);
    json_t *arm = json_array_get(json_object_get(json_object_get(x, "config"), "arms"), 0);
    CHECK(member_number(arm, "variant_number") == 2 && !json_object_get(arm, "variant"));
    CHECK_EQ_INT(ka_store_export_json(s, "v7film", &e), 0);
    json_t *v = json_array_get(json_object_get(e, "variants"), 0);
    CHECK(v && !json_object_get(v, "timestamp"));
    CHECK(member_number(v, "time_s") == 9.542);     /* and to the millisecond */
    CHECK(member_number(json_object_get(v, "reason"), "quality_score") == 0.5);
    json_t *face = json_array_get(json_object_get(json_object_get(v, "vision"), "faces"), 0);
    CHECK(member_number(face, "detector_score") == 0.9 && !json_object_get(face, "score"));
    CHECK(member_number(face, "sharpness_raw") == 120.5);
    CHECK(json_is_null(json_object_get(face, "eyes_open")));
    CHECK(member_number(json_object_get(v, "vision"), "brisque_raw") == 31.5);
    json_decref(e);
    json_decref(x);
    ka_store_close(&s);
}

/* A database of schema 7 (before variant ids): opening it gives each variant the id
 * an analysis would give it now, and each event the id of its number's variant. */
static void test_upgrade_from_v7(void)
{
    const char *url = st_fresh_url();
    ka_store *s = st_open_old(url, 7);
    if (!s)
        return;
    CHECK_EQ_INT(KA_SQL(s, NULL, "INSERT INTO titles (title_id, analysed_at) VALUES ($1, $2)",
                        SQL_TEXT("v7film"), SQL_REAL(1.7e9)), 0);
    CHECK_EQ_INT(ka_sql_script(s, "INSERT INTO candidates (title, idx, frame, phash) VALUES"
                               " ((SELECT id FROM titles), 0, 42, -81985529216486896)"), 0);
    CHECK_EQ_INT(ka_sql_script(s, "INSERT INTO variants (title, number, candidate, frame)"
                               " VALUES ((SELECT id FROM titles), 1, (SELECT id FROM"
                               " candidates), 42)"), 0);
    CHECK_EQ_INT(ka_sql_script(s, "INSERT INTO events (client_id, type, title_id,"
                               " variant_number, ts) VALUES ('e1', 'click', 'v7film', 1, 1.7e9),"
                               " ('e2', 'click', 'v7film', 2, 1.7e9), ('e3', 'play', 'other', 1,"
                               " 1.7e9)"), 0);
    ka_store_close(&s);
    CHECK_EQ_INT(ka_store_open(url, 0, &s), 0);
    if (!s)
        return;
    CHECK_EQ_INT(ka_store_schema_version(s), KA_STORE_SCHEMA_VERSION);
    char want[KA_VARIANT_ID_LEN + 1];
    ka_variant_id("v7film", 42, (uint64_t)-81985529216486896LL, want);
    ka_sql_res r;
    CHECK_EQ_INT(ka_sql(s, &r, "SELECT v.variant_id, (SELECT variant_id FROM events WHERE"
                        " client_id = 'e1'), (SELECT count(*) FROM events WHERE variant_id IS"
                        " NULL) FROM variants v", NULL, 0), 0);
    CHECK_MSG(r.nrows == 1 && ka_sql_text(&r, 0, 0) && !strcmp(ka_sql_text(&r, 0, 0), want),
              "variant id %s, want %s", r.nrows ? ka_sql_text(&r, 0, 0) : "(none)", want);
    CHECK(r.nrows == 1 && ka_sql_text(&r, 0, 1) && !strcmp(ka_sql_text(&r, 0, 1), want));
    CHECK(r.nrows == 1 && ka_sql_int(&r, 0, 2) == 2);  /* no such variant, no such title */
    ka_sql_res_free(&r);
    ka_store_close(&s);
}

static void test_newer_schema_refused(void)
{
    const char *url = st_fresh_url();
    ka_store *s = st_open_fresh(url, NULL);
    if (!s)
        return;
    CHECK_EQ_INT(KA_SQL(s, NULL, "INSERT INTO schema_version (version, name) VALUES ($1, $2)",
                        SQL_INT(99), SQL_TEXT("from the future")), 0);
    CHECK_EQ_INT(KA_SQL(s, NULL, "INSERT INTO titles (title_id) VALUES ($1)", SQL_TEXT("kept")), 0);
    ka_store_close(&s);
    int err = ka_store_open(url, 0, &s);
    CHECK_EQ_INT(err, KA_EUNSUPPORTED);
    CHECK(s == NULL);
    const char *m = ka_error_message();
    CHECK_MSG(strstr(m, "99") && strstr(m, "newer") && strstr(m, "not changed"), "%s", m);
    /* Untouched: read it without migrating. */
    CHECK_EQ_INT(ka_store_open_at(url, 0, 0, &s), 0);
    if (!s)
        return;
    CHECK_EQ_INT(st_count(s, "SELECT max(version) FROM schema_version"), 99);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM schema_version"), KA_STORE_SCHEMA_VERSION + 1);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM titles WHERE title_id = 'kept'"), 1);
    ka_store_close(&s);
}

static void expect_open_error(const char *url, int want, const char *needle)
{
    ka_store *s = NULL;
    int err = ka_store_open(url, 0, &s);
    CHECK_MSG(err == want, "%s: got %d, want %d (%s)", url, err, want, ka_error_message());
    CHECK(s == NULL);
    CHECK_MSG(strstr(ka_error_message(), needle), "%s: message '%s' lacks '%s'", url,
              ka_error_message(), needle);
    ka_store_close(&s);
}

static void test_bad_urls(void)
{
    char path[512], url[600];
    expect_open_error("mysql://localhost/x", KA_EINVAL, "unsupported database URL");
    expect_open_error("sqlite:", KA_EINVAL, "names no file");
    expect_open_error("sqlite:/nonexistent-keyart-dir/x.db", KA_EIO, "/nonexistent-keyart-dir");
    expect_open_error("postgresql://127.0.0.1:1/keyart", KA_EIO, "cannot connect");
    expect_open_error("postgres://nobody:secret@127.0.0.1:1/keyart", KA_EIO, "***");
    CHECK_MSG(!strstr(ka_error_message(), "secret"), "password shown: %s", ka_error_message());
    /* A file that is not a database, and a folder. */
    snprintf(path, sizeof path, "%s/notes.txt", st_tmp);
    FILE *f = fopen(path, "w");
    if (f) {
        for (int i = 0; i < 200; i++)
            fputs("this is not a database at all\n", f);
        fclose(f);
    }
    snprintf(url, sizeof url, "sqlite:%s", path);
    expect_open_error(url, KA_EIO, "not an SQLite database");
    snprintf(url, sizeof url, "sqlite:%s", st_tmp);
    expect_open_error(url, KA_EIO, "is a folder");
    if (st_pg_base) {           /* a database that does not exist on a live server */
        st_pg_url(st_pg_base, "keyart_no_such_db", url, sizeof url);
        expect_open_error(url, KA_EIO, "keyart_no_such_db");
    }
    ka_store *s = NULL;
    snprintf(url, sizeof url, "sqlite:%s/missing.db", st_tmp);
    CHECK_EQ_INT(ka_store_open(url, KA_STORE_NOCREATE, &s), KA_EIO);
    CHECK(strstr(ka_error_message(), "no database"));
}

static void test_artwork_names(void)
{
    char hex[65], name[KA_ARTWORK_NAME_MAX], dir[300], path[700];
    ka_store_sha256_hex("abc", 3, hex);
    CHECK_MSG(!strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
              "%s", hex);
    snprintf(dir, sizeof dir, "%s/art", st_tmp);
    CHECK_EQ_INT(ka_store_artwork_put(dir, "abc", 3, name), 0);
    CHECK(!strcmp(name, "ba/ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad.jpg"));
    CHECK_EQ_INT(ka_store_artwork_put(dir, "abc", 3, name), 0);   /* again: no change */
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_size == 3);
    CHECK_EQ_INT(ka_store_artwork_put("/proc/keyart-cannot", "x", 1, name), KA_EIO);
}

static int64_t q_title(ka_store *s, const char *what, const char *id)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT %s FROM titles WHERE title_id = '%s'", what, id);
    return st_count(s, sql);
}

static void test_save_and_replace(void)
{
    char art[300];
    ka_store *s = st_open_fresh(NULL, art);
    if (!s)
        return;
    static st_title a, b;
    st_make(&a, "film", 10, 6, 0);
    ka_store_save_opts o = { .artwork_dir = art, .worker = "test" };
    CHECK_EQ_INT(ka_store_save_analysis(s, &a.t, &a.sel, "action", &o), 0);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM shots"), 3);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM candidates"), 10);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM variants"), 6);
    CHECK_EQ_INT(q_title(s, "analysis_version", "film"), 1);
    /* Every image is in the artwork folder under its name. */
    json_t *v = NULL;
    CHECK_EQ_INT(ka_store_variants_json(s, "film", &v), 0);
    CHECK_EQ_INT(json_array_size(v), 6);
    size_t i;
    json_t *one;
    json_array_foreach(v, i, one) {
        const char *k;
        json_t *name;
        json_object_foreach(json_object_get(one, "images"), k, name) {
            char p[700];
            snprintf(p, sizeof p, "%s/%s", art, json_string_value(name));
            CHECK_MSG(access(p, R_OK) == 0, "missing %s", p);
        }
    }
    json_decref(v);
    /* Re-analysis replaces: fewer candidates and variants, nothing left of the old. */
    st_make(&b, "film", 7, 4, 50);
    CHECK_EQ_INT(ka_store_save_analysis(s, &b.t, &b.sel, "drama", &o), 0);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM candidates"), 7);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM variants"), 4);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM shots"), 3);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM titles"), 1);
    CHECK_EQ_INT(q_title(s, "analysis_version", "film"), 2);
    /* A failure just before the commit leaves the second analysis whole. */
    setenv("KEYART_TEST_SAVE_FAIL", "1", 1);
    CHECK_EQ_INT(ka_store_save_analysis(s, &a.t, &a.sel, "action", &o), KA_EIO);
    unsetenv("KEYART_TEST_SAVE_FAIL");
    CHECK(strstr(ka_error_message(), "cannot store film"));
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM candidates"), 7);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM variants"), 4);
    CHECK_EQ_INT(q_title(s, "analysis_version", "film"), 2);
    /* Export gives metadata.json's shape with the stored values. */
    json_t *e = NULL;
    CHECK_EQ_INT(ka_store_export_json(s, "film", &e), 0);
    CHECK(!strcmp(json_string_value(json_object_get(json_object_get(e, "title"), "genre")),
                  "drama"));
    CHECK_EQ_INT(json_array_size(json_object_get(e, "variants")), 4);
    json_t *v1 = json_array_get(json_object_get(e, "variants"), 0);
    CHECK_EQ_INT(json_integer_value(json_object_get(v1, "variant_number")), 1);
    CHECK(json_object_get(v1, "visual_quality") && json_object_get(v1, "reason"));
    json_decref(e);
    CHECK_EQ_INT(ka_store_export_json(s, "no-such-title", &e), KA_EINVAL);
    /* Titles list: stub rows (cast before analysis) are not titles yet. */
    CHECK_EQ_INT(ka_store_cast_put(s, "later", "Ann", "hero", NULL, 0, 0), 0);
    json_t *t = NULL;
    CHECK_EQ_INT(ka_store_titles_json(s, &t), 0);
    CHECK_EQ_INT(json_array_size(t), 1);
    json_decref(t);
    ka_store_close(&s);
}

/* BRISQUE and face quality: stored where vision measured them (its record on the
 * candidate), NULL where not, and read back into ka_cand_quality with has_* from
 * that. */
static void test_quality_parts_round_trip(void)
{
    char art[300];
    ka_store *s = st_open_fresh(NULL, art);
    if (!s)
        return;
    static st_title a;
    st_make(&a, "parts", 4, 4, 7);
    ka_vision_cand *vcs[4];
    for (int i = 0; i < 4; i++) {
        ka_quality *q = &a.cands[i].q;
        q->brightness = 0.1f * (float)(i + 1);
        q->sharpness = 0.2f + 0.05f * (float)i;
        CHECK((vcs[i] = ka_vision_cand_new(0, 0)) != NULL);
        ka_vision_attach(&a.cands[i], vcs[i]);
        ka_vision_quality *v = &vcs[i]->quality;
        v->has_brisque = i == 0 || i == 1;
        v->brisque = v->has_brisque ? 0.3f + 0.1f * (float)i : 0.9f;    /* 0.9: ignored */
        v->has_face = i == 0 || i == 2;
        v->face = v->has_face ? 0.55f + 0.2f * (float)i : 0.9f;
    }
    vcs[1]->quality.brisque = 0.0f;     /* measured 0 (the worst) is not unknown */
    ka_store_save_opts o = { .artwork_dir = art };
    CHECK_EQ_INT(ka_store_save_analysis(s, &a.t, &a.sel, "drama", &o), 0);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM candidates WHERE brisque_quality IS NULL"), 2);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM candidates WHERE face_quality IS NULL"), 2);
    ka_cand_quality *q = NULL;
    int n = 0;
    CHECK_EQ_INT(ka_store_candidates_quality(s, "parts", &q, &n), 0);
    CHECK_EQ_INT(n, 4);
    for (int i = 0; q && i < n && i < 4; i++) {
        const ka_cand_quality w = ka_cand_quality_of(&a.cands[i]);
        CHECK_EQ_INT(q[i].v.has_brisque, w.v.has_brisque);
        CHECK_EQ_INT(q[i].v.has_face, w.v.has_face);
        if (w.v.has_brisque)
            CHECK_NEAR(q[i].v.brisque, w.v.brisque, 1e-6);
        if (w.v.has_face)
            CHECK_NEAR(q[i].v.face, w.v.face, 1e-6);
        CHECK_NEAR(q[i].q.brightness, w.q.brightness, 1e-6);
        CHECK_NEAR(q[i].q.sharpness, w.q.sharpness, 1e-6);
        CHECK_NEAR(q[i].score, w.score, 1e-6);
    }
    free(q);
    q = NULL;
    CHECK_EQ_INT(ka_store_candidates_quality(s, "no-such-title", &q, &n), KA_EINVAL);
    CHECK(q == NULL && n == 0);
    for (int i = 0; i < 4; i++)
        ka_candidate_side_free(&a.cands[i]);
    ka_store_close(&s);
}

static void test_events_idempotent(void)
{
    ka_store *s = st_open_fresh(NULL, NULL);
    if (!s)
        return;
    ka_store_event e = { .client_id = "c-1", .type = "impression", .user = "u1",
                         .title_id = "film", .variant_number = 2, .propensity = 0.25 };
    CHECK_EQ_INT(ka_store_add_event(s, &e), 1);
    CHECK_EQ_INT(ka_store_add_event(s, &e), 0);
    e.type = "click";           /* same id, other content: still the first one */
    CHECK_EQ_INT(ka_store_add_event(s, &e), 0);
    e.client_id = "c-2";
    CHECK_EQ_INT(ka_store_add_event(s, &e), 1);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM events"), 2);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM events WHERE client_id = 'c-1' AND type ="
                          " 'impression'"), 1);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM events WHERE ts > 1500000000"), 2);
    e.client_id = NULL;
    CHECK_EQ_INT(ka_store_add_event(s, &e), KA_EINVAL);
    ka_store_close(&s);
}

static void test_cast(void)
{
    ka_store *s = st_open_fresh(NULL, NULL);
    if (!s)
        return;
    float emb[2][4] = { { 1, 2, 3, 4 }, { -1, 0.5f, 0, 8 } };
    CHECK_EQ_INT(ka_store_cast_put(s, "film", "Ann", "hero", &emb[0][0], 2, 4), 0);
    CHECK_EQ_INT(ka_store_cast_put(s, "film", "Ann", "villain", &emb[0][0], 1, 4), 0);
    CHECK_EQ_INT(ka_store_cast_put(s, "film", "Bob", NULL, &emb[1][0], 1, 4), 0);
    json_t *c = NULL;
    CHECK_EQ_INT(ka_store_cast_json(s, "film", &c), 0);
    CHECK_EQ_INT(json_array_size(c), 2);
    json_t *ann = json_array_get(c, 0);
    CHECK(!strcmp(json_string_value(json_object_get(ann, "role")), "villain"));
    CHECK_EQ_INT(json_array_size(json_object_get(ann, "embeddings")), 1);
    json_t *bob = json_array_get(c, 1);
    CHECK_NEAR(json_real_value(json_array_get(json_array_get(json_object_get(bob, "embeddings"),
                                                             0), 1)), 0.5, 1e-6);
    json_decref(c);
    ka_store_close(&s);
}

int main(int argc, char **argv)
{
    int rc = st_setup(argc, argv);
    if (rc)
        return rc;
    RUN(test_migrate_from_empty);
    RUN(test_upgrade_from_v7);
    RUN(test_reopen_and_upgrade);
    RUN(test_upgrade_from_v3);
    RUN(test_upgrade_vocabulary_from_v7);
    RUN(test_newer_schema_refused);
    RUN(test_bad_urls);
    RUN(test_artwork_names);
    RUN(test_save_and_replace);
    RUN(test_quality_parts_round_trip);
    RUN(test_events_idempotent);
    RUN(test_cast);
    st_teardown();
    TEST_END();
}
