/* store_test.h: what the store tests share: the backend under test (argv[1]: sqlite
 * or pg; PostgreSQL from $KEYART_TEST_PG_URL, skipped locally when unset but failed
 * when $CI is set), a fresh empty database per case (a new file, or a new PostgreSQL
 * database created beside the test one and dropped at the end), a hand-made title
 * with real JPEG frames, row counts, and a check of a stored title's selection options. */
#ifndef KA_STORE_TEST_H
#define KA_STORE_TEST_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../ka_test.h"
#include "keyart/keyart.h"
#include "store/store_priv.h"

static char st_tmp[256];            /* scratch folder of this run */
static const char *st_pg_base;      /* $KEYART_TEST_PG_URL in pg mode, else NULL */
static int st_serial;
static char st_dbs[64][128];        /* PostgreSQL databases to drop at the end */
static int st_n_dbs;

/* 77 = skipped (meson), 1 = failed: the PostgreSQL run without a server. */
static int st_setup(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "sqlite";
    snprintf(st_tmp, sizeof st_tmp, "%s/keyart-store.XXXXXX", getenv("TMPDIR") ?: "/tmp");
    if (!mkdtemp(st_tmp)) {
        perror("mkdtemp");
        return 1;
    }
    if (!strcmp(mode, "pg")) {
        st_pg_base = getenv("KEYART_TEST_PG_URL");
        if (!st_pg_base || !*st_pg_base) {
            const char *ci = getenv("CI");
            int in_ci = ci && *ci && strcmp(ci, "0") && strcmp(ci, "false");
            fprintf(stderr, "KEYART_TEST_PG_URL is not set: %s\n", in_ci ?
                    "FAILED (CI must run the PostgreSQL tests; scripts/run-tests.sh starts a "
                    "throwaway server)" : "skipping the PostgreSQL run");
            rmdir(st_tmp);
            return in_ci ? 1 : 77;
        }
    }
    fprintf(stderr, "backend: %s\n", st_pg_base ? "postgresql" : "sqlite");
    return 0;
}

/* base with its database name replaced by db (postgresql://host/DB?params). */
static void st_pg_url(const char *base, const char *db, char *out, size_t size)
{
    const char *p = strstr(base, "://");
    p = p ? strchr(p + 3, '/') : NULL;
    if (!p) {
        snprintf(out, size, "%s", base);
        return;
    }
    const char *q = strchr(p, '?');
    snprintf(out, size, "%.*s/%s%s", (int)(p - base), base, db, q ? q : "");
}

/* A URL of a new, empty database. */
static const char *st_fresh_url(void)
{
    static char url[1024];
    st_serial++;
    if (!st_pg_base) {
        snprintf(url, sizeof url, "sqlite:%s/db%d.sqlite", st_tmp, st_serial);
        return url;
    }
    ka_store *s = NULL;
    char *db = st_dbs[st_n_dbs < 64 ? st_n_dbs++ : 63];
    snprintf(db, 128, "kt_%ld_%d", (long)getpid(), st_serial);
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", db);
    if (ka_store_open_at(st_pg_base, 0, 0, &s) || ka_sql_script(s, sql)) {
        fprintf(stderr, "cannot create a test database: %s\n", ka_error_message());
        exit(1);
    }
    ka_store_close(&s);
    st_pg_url(st_pg_base, db, url, sizeof url);
    return url;
}

/* A store on a new, empty database at url (NULL: a fresh one), art (when given) set
 * to the test's artwork folder; NULL (a failed check) when it cannot be opened. */
static inline ka_store *st_open_fresh(const char *url, char art[300])
{
    if (art)
        snprintf(art, 300, "%s/artwork", st_tmp);
    ka_store *s = NULL;
    CHECK_EQ_INT(ka_store_open(url ? url : st_fresh_url(), 0, &s), 0);
    return s;
}

/* A store at url migrated only up to version, as an older release left it (checked);
 * NULL (a failed check) when it cannot be opened. */
static inline ka_store *st_open_old(const char *url, int version)
{
    ka_store *s = NULL;
    CHECK_EQ_INT(ka_store_open_at(url, 0, version, &s), 0);
    if (s)
        CHECK_EQ_INT(ka_store_schema_version(s), version);
    return s;
}

static void st_teardown(void)
{
    ka_store *s = NULL;
    if (st_pg_base && st_n_dbs && !ka_store_open_at(st_pg_base, 0, 0, &s)) {
        for (int i = 0; i < st_n_dbs; i++) {
            char sql[256];
            snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %.100s WITH (FORCE)", st_dbs[i]);
            ka_sql_script(s, sql);
        }
        ka_store_close(&s);
    }
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", st_tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", st_tmp);
}

/* The single integer a query returns (-1 on error). */
static int64_t st_count(ka_store *s, const char *sql)
{
    ka_sql_res r;
    if (ka_sql(s, &r, sql, NULL, 0)) {
        fprintf(stderr, "query failed: %s: %s\n", sql, ka_error_message());
        return -1;
    }
    int64_t n = ka_sql_int(&r, 0, 0);
    ka_sql_res_free(&r);
    return n;
}

/* The stored selection of title (its export): every variant weighs sharpness and
 * brightness as given (reason.quality_parts), and the threshold applied
 * (min_quality_used) is min_q or one of the steps select.c relaxes it by (x0.8, x0.6,
 * x0.5), which tells a minimum of 0.5 (0.5, 0.4, 0.3, 0.25) from the default 0.35
 * (0.35, 0.28, 0.21, 0.175). */
static __attribute__((unused)) void st_check_selection(ka_store *s, const char *title,
                                                       double sharpness, double brightness,
                                                       double min_q)
{
    json_t *m = NULL;
    CHECK_EQ_INT(ka_store_export_json(s, title, &m), 0);
    json_t *vars = json_object_get(m, "variants"), *v;
    size_t i;
    CHECK_MSG(json_array_size(vars) >= 1, "%s: no variants stored", title);
    json_array_foreach(vars, i, v) {
        json_t *parts = json_object_get(json_object_get(v, "reason"), "quality_parts");
        double ws = json_number_value(json_object_get(json_object_get(parts, "sharpness"),
                                                      "weight"));
        double wb = json_number_value(json_object_get(json_object_get(parts, "brightness"),
                                                      "weight"));
        CHECK_MSG(fabs(ws - sharpness) < 1e-6 && fabs(wb - brightness) < 1e-6,
                  "%s variant %zu: sharpness weight %g, brightness %g", title, i, ws, wb);
    }
    static const double relax[] = { 1.0, 0.8, 0.6, 0.5 };
    double used = json_number_value(json_object_get(json_object_get(m, "title"),
                                                    "min_quality_used"));
    int step = 0;
    for (int k = 0; k < 4; k++)
        step |= fabs(used - min_q * relax[k]) < 1e-3;
    CHECK_MSG(step, "%s: min_quality_used %g is not a step of %g", title, used, min_q);
    json_decref(m);
}

/* ---- a hand-made analysis: n_cands frames of 320x180 in 3 shots, 4 variants ---- */

typedef struct st_title {
    ka_title t;
    ka_shot shots[3];
    ka_candidate cands[16];
    ka_variant vars[8];
    ka_selection sel;
    char paths[16][300];
} st_title;

static __attribute__((unused)) void st_make(st_title *f, const char *id, int n_cands, int n_vars, int shade)
{
    memset(f, 0, sizeof *f);
    f->t.id = (char *)id;
    f->t.path = (char *)"/videos/fixture.mp4";
    f->t.info = (ka_video_info){ .width = 320, .height = 180, .fps = 25 };
    snprintf(f->t.info.codec, sizeof f->t.info.codec, "h264");
    f->t.frames = 250;
    f->t.duration_s = 10;
    f->t.content = (ka_rect){ 0, 0, 320, 180 };
    for (int i = 0; i < 3; i++)
        f->shots[i] = (ka_shot){ .index = i, .start_frame = i * 80, .end_frame = i < 2 ?
            i * 80 + 79 : 249, .start_s = i * 3.2, .end_s = i < 2 ? (i + 1) * 3.2 : 10,
            .transition_in = i ? KA_TRANSITION_CUT : KA_TRANSITION_START,
            .span_first = -1, .span_last = -1 };
    f->t.shots = f->shots;
    f->t.n_shots = 3;
    for (int i = 0; i < n_cands && i < 16; i++) {
        ka_candidate *c = &f->cands[i];
        c->frame = i * 15;
        c->time_s = i * 0.6;
        c->shot = (int)(c->frame / 80);
        c->quality_score = 0.5f + 0.01f * i;
        c->phash = 0x0123456789abcdefull * (uint64_t)(i + 1);
        c->salient = (ka_rect){ 100, 40, 120, 100 };
        c->width = 320;
        c->height = 180;
        ka_image img = { 0 };
        ka_image_alloc(&img, 320, 180, 3);
        for (int y = 0; y < 180; y++)
            for (int x = 0; x < 320 * 3; x++)
                img.data[y * img.stride + x] = (uint8_t)((x / 3 + y + i * 40 + shade) & 0xff);
        snprintf(f->paths[i], sizeof f->paths[i], "%s/%s_%d_%d.jpg", st_tmp, id, shade, i);
        ka_image_write_jpeg(&img, f->paths[i], 90);
        ka_image_free(&img);
        c->spool_path = f->paths[i];
    }
    f->t.cands = f->cands;
    f->t.n_cands = n_cands;
    for (int v = 0; v < n_vars && v < 8; v++) {
        ka_variant *x = &f->vars[v];
        x->number = v + 1;
        x->cand = (v * 2) % n_cands;
        x->slot = v ? "diversity" : "hero_closeup";
        x->content.scene = v ? KA_SCENE_GENERAL : KA_SCENE_HERO_CLOSEUP;
        x->score = 0.9f - 0.1f * v;
        for (int s = 0; s < KA_SHAPE_COUNT; s++) {
            int aw, ah;
            ka_shape_aspect(s, &aw, &ah);
            x->crops[s] = ka_crop_place(f->t.content, f->cands[x->cand].salient, aw, ah);
        }
    }
    f->sel.variants = f->vars;
    f->sel.n_variants = n_vars;
    f->sel.n_requested = n_vars;
}

#endif
