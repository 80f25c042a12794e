/* test_ranker.c: the feature table, the ranker file (parse, refuse, save and read
 * back), scores and their parts, the grade scale, the built-in ranker, training on
 * rows made here (it finds the parts that decide, keeps each weight on its side,
 * leaves out what it is told to and the clip it is told to), the agreement figures,
 * and the features of hand-made candidates (faces, shots). */
#include <string.h>
#include <unistd.h>

#include "../ka_test.h"
#include "keyart/keyart.h"

static void test_table(void)
{
    const ka_feature_info *f = ka_feature_list();
    for (int i = 0; i < KA_F_COUNT; i++) {
        CHECK(f[i].name && f[i].name[0] && f[i].what && f[i].what[0]);
        CHECK(f[i].sign >= -1 && f[i].sign <= 1);
        CHECK_EQ_INT(ka_feature_find(f[i].name), i);
        for (int j = 0; j < i; j++)
            CHECK(strcmp(f[i].name, f[j].name) != 0);
    }
    CHECK_EQ_INT(ka_feature_find("no_such_part"), -1);
    CHECK_EQ_INT(ka_feature_find(NULL), -1);
    CHECK(f[KA_F_MOTION].sign < 0 && f[KA_F_TEXT].sign < 0 && f[KA_F_FACE_CUT].sign < 0);
    CHECK(f[KA_F_EYES_OPEN].sign > 0 && f[KA_F_SHARPNESS].sign > 0);
}

static const char *good_json =
    "{\"format\": \"keyart-ranker\", \"version\": 1, \"features\": ["
    "{\"name\": \"motion\", \"mean\": 0.1, \"scale\": 0.2, \"weight\": -0.5},"
    "{\"name\": \"eyes_open\", \"mean\": 0.5, \"scale\": 0.25, \"weight\": 1.0}],"
    " \"cuts\": [-2, 0.5, 3], \"trained_on\": \"a.mp4 b.mp4\", \"frames\": 77}";

static void test_parse(void)
{
    ka_ranker r;
    CHECK(ka_ranker_parse(good_json, "mem", &r) == 0);
    CHECK(strcmp(r.source, "mem") == 0 && strcmp(r.trained_on, "a.mp4 b.mp4") == 0);
    CHECK_EQ_INT(r.n_frames, 77);
    CHECK_NEAR(r.weight[KA_F_MOTION], -0.5, 1e-6);
    CHECK_NEAR(r.scale[KA_F_EYES_OPEN], 0.25, 1e-6);
    CHECK_NEAR(r.weight[KA_F_FACE_SIZE], 0.0, 1e-9);    /* not named: weighs nothing */
    CHECK_NEAR(r.scale[KA_F_FACE_SIZE], 1.0, 1e-9);
    CHECK_NEAR(r.cut[1], 0.5, 1e-6);
    /* each refusal says why, and leaves the ranker as it was */
    static const struct { const char *json, *why; } bad[] = {
        { "not json", "not JSON" },
        { "[1, 2]", "not a JSON object" },
        { "{\"format\": \"other\", \"version\": 1}", "format" },
        { "{\"format\": \"keyart-ranker\", \"version\": 9, \"features\": [], \"cuts\": []}",
          "version" },
        { "{\"format\": \"keyart-ranker\", \"version\": 1, \"features\": [], \"cuts\": [0,1,2]}",
          "features" },
        { "{\"format\": \"keyart-ranker\", \"version\": 1, \"features\": [{\"name\": \"zoom\","
          " \"mean\": 0, \"scale\": 1, \"weight\": 1}], \"cuts\": [0, 1, 2]}", "'zoom'" },
        { "{\"format\": \"keyart-ranker\", \"version\": 1, \"features\": [{\"name\": \"motion\","
          " \"mean\": 0, \"scale\": 0, \"weight\": 1}], \"cuts\": [0, 1, 2]}", "positive scale" },
        { "{\"format\": \"keyart-ranker\", \"version\": 1, \"features\": [{\"name\": \"motion\","
          " \"mean\": 0, \"scale\": 1, \"weight\": \"x\"}], \"cuts\": [0, 1, 2]}", "weight" },
        { "{\"format\": \"keyart-ranker\", \"version\": 1, \"features\": [{\"name\": \"motion\","
          " \"mean\": 0, \"scale\": 1, \"weight\": 1}], \"cuts\": [2, 1, 0]}", "ascending" },
        { "{\"format\": \"keyart-ranker\", \"version\": 1, \"features\": [{\"name\": \"motion\","
          " \"mean\": 0, \"scale\": 1, \"weight\": 1}], \"cuts\": [0, 1]}", "3 numbers" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ka_ranker before = r;
        CHECK_EQ_INT(ka_ranker_parse(bad[i].json, "mem", &r), KA_EFORMAT);
        CHECK_MSG(strstr(ka_error_message(), bad[i].why) != NULL, "case %zu: '%s'", i,
                  ka_error_message());
        CHECK(memcmp(&before, &r, sizeof r) == 0);
    }
    CHECK_EQ_INT(ka_ranker_load("/no/such/ranker.json", &r), KA_EIO);
}

static void test_save_load(void)
{
    ka_ranker r, back;
    CHECK(ka_ranker_parse(good_json, "mem", &r) == 0);
    char path[] = "/tmp/keyart-ranker-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    CHECK(ka_ranker_save(&r, path) == 0);
    CHECK(ka_ranker_load(path, &back) == 0);
    CHECK(strcmp(back.source, path) == 0);
    for (int i = 0; i < KA_F_COUNT; i++) {
        CHECK_NEAR(back.mean[i], r.mean[i], 1e-6);
        CHECK_NEAR(back.scale[i], r.scale[i], 1e-6);
        CHECK_NEAR(back.weight[i], r.weight[i], 1e-6);
    }
    for (int k = 0; k < KA_GRADE_MAX; k++)
        CHECK_NEAR(back.cut[k], r.cut[k], 1e-6);
    CHECK(strcmp(back.trained_on, r.trained_on) == 0 && back.n_frames == r.n_frames);
    unlink(path);
    CHECK_EQ_INT(ka_ranker_save(&r, "/no/such/dir/r.json"), KA_EIO);
}

static void test_score(void)
{
    ka_ranker r;
    CHECK(ka_ranker_parse(good_json, "mem", &r) == 0);
    float x[KA_F_COUNT] = { 0 }, c[KA_F_COUNT];
    x[KA_F_MOTION] = 0.5f;          /* (0.5 - 0.1) / 0.2 x -0.5 = -1 */
    x[KA_F_EYES_OPEN] = 1.0f;       /* (1 - 0.5) / 0.25 x 1 = 2 */
    CHECK_NEAR(ka_ranker_score(&r, x), 1.0, 1e-5);
    ka_ranker_contributions(&r, x, c);
    float sum = 0;
    for (int i = 0; i < KA_F_COUNT; i++)
        sum += c[i];
    CHECK_NEAR(sum, 1.0, 1e-5);
    CHECK_NEAR(c[KA_F_MOTION], -1.0, 1e-5);
    /* a part far beyond anything graded counts as KA_RANK_Z_MAX standard deviations */
    x[KA_F_MOTION] = 100.0f;
    CHECK_NEAR(ka_ranker_z(&r, KA_F_MOTION, 100.0f), KA_RANK_Z_MAX, 1e-6);
    CHECK_NEAR(ka_ranker_score(&r, x), 2.0 - 0.5 * KA_RANK_Z_MAX, 1e-5);
    x[KA_F_MOTION] = 0.5f;
    CHECK_NEAR(ka_ranker_good(&r, 0.5f), 0.5, 1e-6);    /* at the cut: even odds */
    CHECK(ka_ranker_good(&r, 2.0f) > 0.8f && ka_ranker_good(&r, -1.0f) < 0.2f);
    float last = -1;
    for (float s = -6; s <= 6; s += 0.5f) {            /* the grade climbs 0 .. 3 */
        float g = ka_ranker_grade(&r, s);
        CHECK(g > last && g >= 0 && g <= 3);
        last = g;
    }
    CHECK(ka_ranker_grade(&r, -10) < 0.1f && ka_ranker_grade(&r, 10) > 2.9f);
}

static void test_default(void)
{
    const ka_ranker *r = ka_ranker_default();
    CHECK(strcmp(r->source, "default") == 0);
    CHECK(strstr(r->trained_on, "goldeneye-vfr-drop3.mp4") != NULL);
    CHECK(r->n_frames > 300);
    int used = 0;
    const ka_feature_info *f = ka_feature_list();
    for (int i = 0; i < KA_F_COUNT; i++) {
        used += r->weight[i] != 0;
        CHECK(r->scale[i] > 0);
        CHECK_MSG(f[i].sign == 0 || r->weight[i] * (float)f[i].sign >= 0, "%s against its sign",
                  f[i].name);
    }
    CHECK(used >= 5);
    CHECK(r->weight[KA_F_MOTION] < 0);
    CHECK(r->cut[0] <= r->cut[1] && r->cut[1] <= r->cut[2]);
}

/* Three clips of rows: the grade rises with eyes_open, falls with motion; "noise" is
 * noise, "brightness" goes against its sign (training must not follow it), "thirds"
 * would decide if it were not ignored. */
static int make_rows(ka_graded *rows, int n_clips, int per_clip)
{
    unsigned s = 1;
    int n = 0;
    for (int c = 0; c < n_clips; c++)
        for (int i = 0; i < per_clip; i++) {
            ka_graded *r = &rows[n++];
            memset(r, 0, sizeof *r);
            r->clip = c;
            r->frame = i * 6;
            s = s * 1664525u + 1013904223u;
            float eyes = (float)(s >> 8 & 1023) / 1023.0f;
            s = s * 1664525u + 1013904223u;
            float motion = (float)(s >> 8 & 1023) / 1023.0f;
            s = s * 1664525u + 1013904223u;
            r->x[KA_F_NOISE] = (float)(s >> 8 & 1023) / 1023.0f;
            float v = 1.5f + 2.0f * eyes - 1.5f * motion + 0.3f * (float)c;
            r->grade = v < 0.75f ? 0 : v < 1.5f ? 1 : v < 2.25f ? 2 : 3;
            r->x[KA_F_EYES_OPEN] = eyes;
            r->x[KA_F_MOTION] = motion;
            r->x[KA_F_BRIGHTNESS] = 1.0f - eyes;           /* better frames darker here */
            r->x[KA_F_THIRDS] = (float)r->grade / 3.0f;   /* a give-away, to be ignored */
        }
    return n;
}

static void test_train(void)
{
    ka_graded rows[3 * 60];
    int n = make_rows(rows, 3, 60);
    ka_train_opts o;
    ka_train_opts_default(&o);
    CHECK_NEAR(o.l2, 0.1, 1e-9);
    o.ignore = 1ull << KA_F_THIRDS;
    ka_ranker r;
    CHECK(ka_rank_train(rows, n, -1, &o, &r) == 0);
    CHECK(r.weight[KA_F_EYES_OPEN] > 0.5f);
    CHECK(r.weight[KA_F_MOTION] < -0.3f);
    CHECK_NEAR(r.weight[KA_F_THIRDS], 0.0, 1e-9);       /* ignored */
    CHECK_NEAR(r.weight[KA_F_BRIGHTNESS], 0.0, 1e-9);   /* kept on its side (>= 0) */
    CHECK(fabs(r.weight[KA_F_NOISE]) < 0.2f * r.weight[KA_F_EYES_OPEN]);
    CHECK_EQ_INT(r.n_frames, n);
    double tau, ndcg;
    for (int c = 0; c < 3; c++) {
        ka_rank_agreement(&r, rows, n, c, &tau, &ndcg);
        CHECK_MSG(tau > 0.6 && ndcg > 0.9, "clip %d: tau %.3f ndcg %.3f", c, tau, ndcg);
    }
    /* the grade scale: the rows' mean grade is about the mean predicted grade */
    double g = 0, p = 0;
    for (int i = 0; i < n; i++) {
        g += rows[i].grade;
        p += ka_ranker_grade(&r, ka_ranker_score(&r, rows[i].x));
    }
    CHECK_NEAR(g / n, p / n, 0.25);
    /* a clip left out is not learned from */
    ka_ranker r1;
    CHECK(ka_rank_train(rows, n, 1, &o, &r1) == 0);
    CHECK_EQ_INT(r1.n_frames, n - 60);
    /* without the give-away ignored, it is used */
    o.ignore = 0;
    CHECK(ka_rank_train(rows, n, -1, &o, &r1) == 0);
    CHECK(r1.weight[KA_F_THIRDS] > 0.1f);
    /* nothing to learn from */
    CHECK_EQ_INT(ka_rank_train(rows, 0, -1, &o, &r1), KA_EINVAL);
    CHECK_EQ_INT(ka_rank_train(rows, 60, 0, &o, &r1), KA_EINVAL);  /* only clip 0, left out */
    o.l2 = -1;
    CHECK_EQ_INT(ka_rank_train(rows, n, -1, &o, &r1), KA_EINVAL);
}

static void test_agreement(void)
{
    ka_ranker r;
    CHECK(ka_ranker_parse(good_json, "mem", &r) == 0);
    ka_graded rows[8];
    memset(rows, 0, sizeof rows);
    for (int i = 0; i < 8; i++) {
        rows[i].clip = 0;
        rows[i].x[KA_F_EYES_OPEN] = (float)i / 7.0f;
        rows[i].grade = i / 2;
    }
    double tau, ndcg;
    ka_rank_agreement(&r, rows, 8, 0, &tau, &ndcg);
    /* tau-b: 24 concordant pairs of 28, 4 tied in grade: 24 / sqrt(28 x 24) */
    CHECK_NEAR(tau, 24.0 / sqrt(28.0 * 24.0), 1e-9);
    CHECK_NEAR(ndcg, 1.0, 1e-9);
    r.weight[KA_F_EYES_OPEN] = -1;
    ka_rank_agreement(&r, rows, 8, 0, &tau, &ndcg);
    CHECK_NEAR(tau, -24.0 / sqrt(28.0 * 24.0), 1e-9);
    CHECK(ndcg < 0.3);
    ka_rank_agreement(&r, rows, 8, 5, &tau, &ndcg);    /* no such clip: nothing */
    CHECK_NEAR(tau, 0.0, 1e-9);
}

/* The features of hand-made candidates. */
static void test_features(void)
{
    ka_title t;
    memset(&t, 0, sizeof t);
    t.info.fps = 25;
    t.content = (ka_rect){ 0, 0, 1920, 1080 };
    ka_shot shot = { .index = 0, .start_frame = 0, .end_frame = 99, .start_s = 0, .end_s = 4 };
    t.shots = &shot;
    t.n_shots = 1;
    ka_candidate c;
    memset(&c, 0, sizeof c);
    c.frame = 2;
    c.time_s = 0.08;
    c.width = 1920;
    c.height = 1080;
    c.content = t.content;
    c.motion = 0.05f;
    float x[KA_F_COUNT];
    ka_rank_features(&t, &c, x);
    CHECK_NEAR(x[KA_F_FACE], 0, 1e-9);
    CHECK_NEAR(x[KA_F_FACE_SIZE], 0, 1e-9);
    CHECK_NEAR(x[KA_F_THIRDS], 0.5, 1e-9);              /* no subject to place */
    CHECK_NEAR(x[KA_F_SHOT_START], 0.08, 1e-5);         /* near its shot's start */
    CHECK(x[KA_F_SHOT_END] > 0.99f);
    CHECK_NEAR(x[KA_F_MOTION], 0.5, 1e-6);
    CHECK_NEAR(x[KA_F_BRISQUE], 0.5, 1e-9);             /* not measured */
    /* a face: a third of the height, on the left third, eyes open, mouth closed */
    ka_vision_cand *vc = ka_vision_cand_new(1, 0);
    ka_face *f = &vc->faces[0];
    f->box = (ka_rect){ 540, 200, 280, 360 };
    f->score = 0.9f;
    f->eyes_open = 0.95f;
    f->eye_aspect = 0.3f;
    f->mouth_open = 0.02f;
    f->pitch = 0.55f;
    f->iris = 0.45f;
    f->focus = 1.0f;
    f->prominence = 0.6f;
    ka_vision_attach(&c, vc);
    ka_rank_features(&t, &c, x);
    CHECK_NEAR(x[KA_F_FACE], 1, 1e-9);
    CHECK_NEAR(x[KA_F_FACE_SIZE], sqrt(360.0 / 1080.0), 1e-5);
    CHECK_NEAR(x[KA_F_EYES_OPEN], 0.95, 1e-6);
    CHECK_NEAR(x[KA_F_EYES_SHAPE], 1.0, 1e-6);
    CHECK_NEAR(x[KA_F_MOUTH_OPEN], 0.0, 1e-6);
    CHECK_NEAR(x[KA_F_FACE_PITCH], 0.0, 1e-6);
    CHECK_NEAR(x[KA_F_EYES_IRIS], (0.45 - 0.15) / 0.35, 1e-5);
    CHECK_NEAR(x[KA_F_EYES_OTHERS], 1.0, 1e-9);         /* nobody else */
    CHECK_NEAR(x[KA_F_FACE_CUT], 0.0, 1e-6);
    CHECK(x[KA_F_THIRDS] > 0.9f);                       /* its centre on the left third */
    CHECK(x[KA_F_HEADROOM] > 0.5f);
    /* mid-word, head down, half out of the frame */
    f->mouth_open = 0.4f;
    f->pitch = 0.95f;
    f->box.x = -140;
    ka_rank_features(&t, &c, x);
    CHECK_NEAR(x[KA_F_MOUTH_OPEN], 1.0, 1e-6);
    CHECK_NEAR(x[KA_F_FACE_PITCH], 1.0, 1e-6);
    CHECK(x[KA_F_FACE_CUT] > 0.4f);
    ka_candidate_side_free(&c);
}

int main(void)
{
    RUN(test_table);
    RUN(test_parse);
    RUN(test_save_load);
    RUN(test_score);
    RUN(test_default);
    RUN(test_train);
    RUN(test_agreement);
    RUN(test_features);
    TEST_END();
}
