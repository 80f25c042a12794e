/* test_segment.c: segment results carry the candidates' faces, and the merge names
 * them over the whole title, on one backend (argv[1]: sqlite or pg).
 *
 * A title is enqueued in two segments; each segment's result is a hand-made partial
 * analysis (real JPEG frames, a face record per person with its embedding) packed as
 * a worker packs it and stored in its job row. The merge job, run as a worker runs
 * it, must cluster the faces of both segments together: one identity for the person
 * seen in both, named "lead 1", the other named from the cast stored in the database.
 * Then the versioned format: results of another format or another build's records,
 * truncated or damaged, are refused with a clear message (and a merge job fails with
 * it) instead of being misread. The candidates' quality parts measured by vision
 * (BRISQUE and face quality) come through the blobs and the merge into the database
 * as they were, and stay unknown where they were not measured. The merge selects
 * with the minimum quality and quality weights the title was enqueued with. */
#include <jansson.h>

#include "store_test.h"

enum { FPS = 25, W = 320, H = 180 };

static float person[2][KA_FACE_EMBED_DIM];

/* A unit vector from a seed; with noise > 0, near base. */
static void embed(float *v, const float *base, unsigned seed, float noise)
{
    double n = 0;
    for (int i = 0; i < KA_FACE_EMBED_DIM; i++) {
        seed = seed * 1103515245u + 12345u;
        float r = (float)((seed >> 9) & 0xffff) / 65535.0f - 0.5f;
        v[i] = base ? base[i] + noise * r : r;
        n += (double)v[i] * v[i];
    }
    for (int i = 0; i < KA_FACE_EMBED_DIM; i++)
        v[i] = (float)(v[i] / sqrt(n));
}

/* One segment's analysis: frames counted from first_frame of the whole file, one
 * shot, candidates at times[] (whole-file seconds) with faces of who[] (bit 0: the
 * man at the left, bit 1: the woman at the right). */
typedef struct seg_fixture {
    ka_title t;
    ka_shot shot;
    ka_candidate cands[8];
    char paths[8][300];
} seg_fixture;

static void add_face(ka_vision_cand *vc, int k, int who, unsigned seed)
{
    ka_face *f = &vc->faces[k];
    f->box = who == 0 ? (ka_rect){ 40, 40, 70, 90 } : (ka_rect){ 200, 40, 70, 90 };
    f->score = 0.9f;
    f->male = who == 0 ? 0.9f : 0.1f;
    f->has_embedding = 1;
    embed(f->embedding, person[who], seed, 0.03f);
}

/* BRISQUE quality from the candidate's time; face quality only on some of them, as
 * when vision finds no face that matters on the others. */
static void set_vision_parts(ka_vision_quality *q, double time_s)
{
    q->brisque = (float)(time_s / 20.0);
    q->has_brisque = 1;
    q->has_face = (int)time_s % 4 == 1;
    q->face = q->has_face ? (float)(time_s / 16.0) : 0.0f;
}

static void make_segment(seg_fixture *f, int k, int64_t first_frame, int64_t n_frames,
                         const double *times, const int *who, int n)
{
    memset(f, 0, sizeof *f);
    f->t.id = (char *)"segfaces";
    f->t.path = (char *)"/videos/fixture.mp4";
    f->t.info = (ka_video_info){ .width = W, .height = H, .fps = FPS, .duration_s = 17 };
    f->t.frames = n_frames;
    f->t.content = (ka_rect){ 0, 0, W, H };
    f->shot = (ka_shot){ .start_frame = 0, .end_frame = n_frames - 1,
        .start_s = (double)first_frame / FPS, .end_s = (double)(first_frame + n_frames) / FPS,
        .transition_in = KA_TRANSITION_START, .span_first = -1, .span_last = -1 };
    f->t.shots = &f->shot;
    f->t.n_shots = 1;
    for (int i = 0; i < n; i++) {
        ka_candidate *c = &f->cands[i];
        c->time_s = times[i];
        c->frame = llround(times[i] * FPS) - first_frame;
        c->quality_score = 0.6f + 0.01f * i;
        c->q.sharpness = c->q.contrast = c->q.lightness = c->q.brightness = 0.6f;
        c->phash = 0x9e3779b97f4a7c15ull * (uint64_t)(k * 8 + i + 1);
        c->salient = c->content = (ka_rect){ 0, 0, W, H };
        c->width = W;
        c->height = H;
        ka_image img = { 0 };
        ka_image_alloc(&img, W, H, 3);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W * 3; x++)
                img.data[y * img.stride + x] = (uint8_t)((x * (k + 2) + y * (i + 3)) & 0xff);
        snprintf(f->paths[i], sizeof f->paths[i], "%s/seg%d_%d.jpg", st_tmp, k, i);
        ka_image_write_jpeg(&img, f->paths[i], 90);
        ka_image_free(&img);
        c->spool_path = f->paths[i];
        int nf = (who[i] & 1) + (who[i] >> 1 & 1);
        ka_vision_cand *vc = ka_vision_cand_new(nf, 1);
        int j = 0;
        for (int p = 0; p < 2; p++)
            if (who[i] >> p & 1)
                add_face(vc, j++, p, 1000u * (unsigned)k + 10u * (unsigned)i + (unsigned)p);
        vc->objects[0] = (ka_object){ .box = { 30, 30, 100, 150 }, .kind = KA_OBJ_PERSON,
                                      .cls = 0, .score = 0.8f };
        vc->n_kind[KA_OBJ_PERSON] = 1;
        vc->brisque = 20.0f + (float)i;
        set_vision_parts(&vc->quality, times[i]);
        ka_vision_attach(c, vc);
        if (i % 2 == 0) {                       /* every other one has a look */
            ka_look *l = calloc(1, sizeof *l);
            l->measured = 1;
            l->colourfulness = (float)times[i] / 20.0f;
            memset(l->thumb, 7 * i + k, sizeof l->thumb);
            ka_candidate_side_set(c, &ka_look_side, l);
        }
    }
    f->t.cands = f->cands;
    f->t.n_cands = n;
}

static void free_segment(seg_fixture *f)
{
    for (int i = 0; i < f->t.n_cands; i++)
        ka_candidate_side_free(&f->cands[i]);
}

/* Segment 0 decodes 0..13.48 s (core 0..8.5), segment 1 3.52..17 s (core 8.5..17):
 * the candidates in the overlap outside a core are the other segment's. */
static const double times0[] = { 1, 3, 5, 7, 10, 12 }, times1[] = { 4, 9, 11, 13, 15 };
static const int who0[] = { 1, 3, 1, 3, 1, 1 }, who1[] = { 3, 1, 3, 1, 1 };

static void make_both(seg_fixture f[2])
{
    make_segment(&f[0], 0, 0, 337, times0, who0, 6);
    make_segment(&f[1], 1, 88, 337, times1, who1, 5);
}

static int64_t q_int(ka_store *s, const char *sql, const char *text)
{
    ka_sql_res r;
    if (KA_SQL(s, &r, sql, SQL_TEXT(text))) {
        fprintf(stderr, "query failed: %s: %s\n", sql, ka_error_message());
        return -1;
    }
    int64_t v = ka_sql_int(&r, 0, 0);
    ka_sql_res_free(&r);
    return v;
}

static int q_text(ka_store *s, const char *sql, const char *arg, char *out, size_t size)
{
    ka_sql_res r;
    *out = '\0';
    if (KA_SQL(s, &r, sql, SQL_TEXT(arg)))
        return -1;
    snprintf(out, size, "%s", r.nrows ? ka_sql_text(&r, 0, 0) ?: "" : "");
    ka_sql_res_free(&r);
    return 0;
}

/* Enqueues the title in two segments (with base's options, when given), stores
 * blobs[k] as their results, runs the merge job like a worker; returns what
 * ka_job_run returned. */
static int run_merge(ka_store *s, const char *url, const char *art, void *const blobs[2],
                     const size_t sizes[2], const char *title, const ka_enqueue_opts *base)
{
    char clip[600];
    snprintf(clip, sizeof clip, "%s/media/people_single_shot_17s.mp4", ka_test_shared());
    ka_enqueue_opts eo = base ? *base : (ka_enqueue_opts){ 0 };
    eo.title_id = title;
    eo.segment_s = 9;
    int64_t merge = 0;
    CHECK_EQ_INT(ka_store_enqueue(s, clip, &eo, &merge), 3);
    ka_job j;
    for (int k = 0; k < 2; k++) {
        CHECK_EQ_INT(ka_store_job_take(s, "W", 60, &j), 1);
        CHECK(j.kind == KA_JOB_SEGMENT && j.seg_index == k);
        CHECK_EQ_INT(KA_SQL(s, NULL, "UPDATE jobs SET state = 'done', result = $2 WHERE id = $1",
                            SQL_INT(j.id), SQL_BLOB(blobs[k], sizes[k])), 0);
        ka_job_clear(&j);
    }
    CHECK_EQ_INT(ka_store_job_take(s, "W", 60, &j), 1);
    CHECK(j.kind == KA_JOB_MERGE && j.id == merge);
    ka_worker_opts wo = { .url = url, .artwork_dir = art, .name = "W", .lease_s = 60,
                          .quiet = 1 };
    int rc = ka_job_run(s, &j, &wo);
    ka_job_clear(&j);
    return rc;
}

/* Packs both segments as their workers would (the job gives the core range). */
static void pack_both(seg_fixture f[2], const char *art, void *blobs[2], size_t sizes[2])
{
    ka_job jobs[2] = { { .seg_start = 0, .seg_end = 8.5 }, { .seg_start = 8.5, .seg_end = 0 } };
    for (int k = 0; k < 2; k++)
        CHECK_EQ_INT(ka_segment_pack(&f[k].t, &jobs[k], art, &blobs[k], &sizes[k]), 0);
}

/* The merged title as stored: candidates at 1, 3, ..., 15 s with their parts. */
static void check_stored_parts(ka_store *s)
{
    ka_cand_quality *q = NULL;
    int n = 0;
    CHECK_EQ_INT(ka_store_candidates_quality(s, "segfaces", &q, &n), 0);
    CHECK_EQ_INT(n, 8);
    for (int i = 0; q && i < n && i < 8; i++) {
        ka_vision_quality want = { 0 };
        set_vision_parts(&want, 1.0 + 2.0 * i);
        CHECK_MSG(q[i].v.has_brisque, "stored candidate %d lost its BRISQUE quality", i);
        CHECK_NEAR(q[i].v.brisque, want.brisque, 1e-6);
        CHECK_EQ_INT(q[i].v.has_face, want.has_face);
        CHECK_NEAR(q[i].v.face, want.face, 1e-6);
    }
    free(q);
}

static void test_merge_names_faces(void)
{
    const char *url = st_fresh_url();
    char art[300];
    ka_store *s = st_open_fresh(url, art);
    if (!s)
        return;
    CHECK_EQ_INT(ka_store_cast_add(s, "segfaces", "Ada", "heroine", person[1], 1,
                                   KA_FACE_EMBED_DIM), 0);
    static seg_fixture f[2];
    make_both(f);
    void *blobs[2] = { NULL, NULL };
    size_t sizes[2] = { 0, 0 };
    pack_both(f, art, blobs, sizes);
    /* in memory: the merged candidates have their faces back, embeddings intact */
    ka_title *t = NULL;
    CHECK_EQ_INT(ka_segment_merge("segfaces", "/videos/fixture.mp4", (const void *const *)blobs,
                                  sizes, 2, art, &t), 0);
    CHECK(t && t->n_cands == 8);        /* 4 in each core */
    for (int i = 0; t && i < t->n_cands; i++) {
        ka_vision_quality want = { 0 };
        set_vision_parts(&want, t->cands[i].time_s);
        const ka_vision_quality got_q = ka_vision_quality_of(&t->cands[i]), *got = &got_q;
        CHECK_MSG(got->has_brisque && got->brisque == want.brisque &&
                  got->has_face == want.has_face && got->face == want.face,
                  "candidate %d (%.1f s): brisque %d %g, face %d %g", i, t->cands[i].time_s,
                  got->has_brisque, got->brisque, got->has_face, got->face);
        const ka_vision_cand *vc = ka_vision_of(&t->cands[i]);
        CHECK_MSG(vc && vc->n_faces >= 1 && vc->n_objects == 1, "candidate %d", i);
        const seg_fixture *src = t->cands[i].time_s < 8.5 ? &f[0] : &f[1];
        for (int k = 0; k < src->t.n_cands; k++) {
            if (src->cands[k].time_s != t->cands[i].time_s)
                continue;
            if (vc)
                CHECK(!memcmp(vc->faces, ka_vision_of(&src->cands[k])->faces,
                              (size_t)vc->n_faces * sizeof(ka_face)));
            /* the look comes back where there was one, and only there */
            const ka_look *want_l = ka_look_of(&src->cands[k]), *got_l = ka_look_of(&t->cands[i]);
            CHECK_MSG(!want_l == !got_l, "candidate %d: look %p %p", i, (void *)want_l,
                      (void *)got_l);
            if (want_l && got_l)
                CHECK(!memcmp(want_l, got_l, sizeof *got_l));
        }
    }
    ka_title_free(&t);
    /* through the queue: the merge job clusters and names, then stores */
    CHECK_EQ_INT(run_merge(s, url, art, blobs, sizes, "segfaces", NULL), 0);
    static const char *man = "SELECT count(DISTINCT f.identity) FROM faces f JOIN candidates c"
        " ON c.id = f.candidate JOIN titles t ON t.id = c.title WHERE t.title_id = $1 AND"
        " f.x = 40";
    CHECK_EQ_INT(q_int(s, man, "segfaces"), 1);
    CHECK_EQ_INT(q_int(s, "SELECT count(*) FROM faces f JOIN candidates c ON c.id = f.candidate"
                       " JOIN titles t ON t.id = c.title WHERE t.title_id = $1 AND f.x = 40 AND"
                       " f.identity IS NOT NULL AND c.time_s > 8.5", "segfaces"), 4);
    char label[64];
    q_text(s, "SELECT i.label FROM faces f JOIN identities i ON i.id = f.identity JOIN"
           " candidates c ON c.id = f.candidate WHERE c.time_s > 8.5 AND f.x = 40 AND"
           " i.title = (SELECT id FROM titles WHERE title_id = $1)", "segfaces", label,
           sizeof label);
    CHECK_MSG(!strcmp(label, "lead 1"), "the man is '%s'", label);
    CHECK_EQ_INT(q_int(s, "SELECT count(DISTINCT f.identity) FROM faces f JOIN identities i ON"
                       " i.id = f.identity WHERE f.x = 200 AND i.label = $1 AND i.cast_member"
                       " IS NOT NULL", "Ada"), 1);
    CHECK_EQ_INT(q_int(s, "SELECT count(*) FROM faces f JOIN identities i ON i.id = f.identity"
                       " WHERE i.label = $1 AND f.x = 200", "Ada"), 3);   /* 3, 7 and 11 s */
    check_stored_parts(s);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM faces WHERE embedding IS NULL"), 0);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM faces"), 8 + 3);
    /* the stored variants list the characters */
    json_t *ex = NULL;
    CHECK_EQ_INT(ka_store_export_json(s, "segfaces", &ex), 0);
    int named = 0;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(ex, "variants"), i, v) {
        json_t *chars = json_object_get(v, "characters");
        named += json_is_array(chars) && json_array_size(chars) > 0;
    }
    CHECK_MSG(named >= 2, "%d variants list characters", named);
    json_decref(ex);
    free(blobs[0]);
    free(blobs[1]);
    free_segment(&f[0]);
    free_segment(&f[1]);
    ka_store_close(&s);
}

/* The merge selects with the options the title was enqueued with. */
static void test_merge_select_opts(void)
{
    const char *url = st_fresh_url();
    char art[300];
    ka_store *s = st_open_fresh(url, art);
    if (!s)
        return;
    static seg_fixture f[2];
    make_both(f);
    void *blobs[2] = { NULL, NULL };
    size_t sizes[2] = { 0, 0 };
    pack_both(f, art, blobs, sizes);
    static const ka_quality_weights only_sharpness = { 0, 0, 1, 0, 0, 0 };
    ka_enqueue_opts eo = { .has_min_quality = 1, .min_quality = 0.5,
                           .weights = &only_sharpness };
    CHECK_EQ_INT(run_merge(s, url, art, blobs, sizes, "segopts", &eo), 0);
    st_check_selection(s, "segopts", 1, 0, 0.5);
    free(blobs[0]);
    free(blobs[1]);
    free_segment(&f[0]);
    free_segment(&f[1]);
    ka_store_close(&s);
}

/* A merge of blob b must fail with a message containing want. */
static void refused(void *const b[2], const size_t n[2], const char *want)
{
    ka_title *t = NULL;
    CHECK_EQ_INT(ka_segment_merge("x", "x.mp4", (const void *const *)b, n, 2, "/nonexistent", &t),
                 KA_EFORMAT);
    CHECK(t == NULL);
    CHECK_MSG(strstr(ka_error_message(), want), "message: %s", ka_error_message());
}

static void test_format_refused(void)
{
    char art[300];
    snprintf(art, sizeof art, "%s/artwork", st_tmp);
    static seg_fixture f[2];
    make_both(f);
    void *blobs[2] = { NULL, NULL };
    size_t sizes[2] = { 0, 0 };
    pack_both(f, art, blobs, sizes);
    char *b = blobs[1];
    if (!b)
        return;
    memcpy(b, "KASEG01", 8);                    /* the format before faces were kept */
    refused(blobs, sizes, "segment 1 was stored in result format 01");
    memcpy(b, "KASEG02", 8);                    /* the format before the look was kept */
    refused(blobs, sizes, "segment 1 was stored in result format 02");
    memcpy(b, "KASEG03", 8);
    uint32_t layout;                            /* after magic[8] and version[24] */
    memcpy(&layout, b + 32, 4);
    layout ^= 1;
    memcpy(b + 32, &layout, 4);
    refused(blobs, sizes, "a build whose records differ");
    layout ^= 1;
    memcpy(b + 32, &layout, 4);
    size_t whole = sizes[1];
    sizes[1] = whole - sizeof(ka_face);         /* a face short */
    refused(blobs, sizes, "truncated");
    sizes[1] = whole;
    memcpy(b, "NOTSEG!", 8);
    refused(blobs, sizes, "not a segment result");
    memcpy(b, "KASEG03", 8);
    /* through the queue: the merge job fails for good, saying why; nothing stored */
    memcpy(b, "KASEG01", 8);
    const char *url = st_fresh_url();
    ka_store *s = st_open_fresh(url, NULL);
    if (s) {
        CHECK_EQ_INT(run_merge(s, url, art, blobs, sizes, "oldfmt", NULL), 1);
        char why[1024];
        q_text(s, "SELECT error FROM jobs WHERE kind = 'merge' AND title_id = $1", "oldfmt", why,
               sizeof why);
        CHECK_MSG(strstr(why, "format 01") && strstr(why, "same keyart"), "error: %s", why);
        CHECK_EQ_INT(q_int(s, "SELECT count(*) FROM titles WHERE title_id = $1", "oldfmt"), 0);
    }
    ka_store_close(&s);
    free(blobs[0]);
    free(blobs[1]);
    free_segment(&f[0]);
    free_segment(&f[1]);
}

int main(int argc, char **argv)
{
    int rc = st_setup(argc, argv);
    if (rc)
        return rc;
    embed(person[0], NULL, 17u, 0);
    embed(person[1], NULL, 29u, 0);
    RUN(test_merge_names_faces);
    RUN(test_merge_select_opts);
    RUN(test_format_refused);
    st_teardown();
    TEST_END();
}
