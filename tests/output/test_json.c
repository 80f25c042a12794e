/* test_json.c: metadata JSON carries every seed field with the right type and value;
 * the shot list as JSON and CSV matches the title's shots exactly. */
#include <jansson.h>

#include "../ka_test.h"
#include "test_output_util.h"

static fake F;

/* obj[key] exists and has JSON type `type`. */
#define CHECK_TYPE(obj, key, type) CHECK_MSG(json_object_get(obj, key) && \
    json_typeof(json_object_get(obj, key)) == (type), "field %s", key)
#define CHECK_NUMBER(obj, key) CHECK_MSG(json_is_number(json_object_get(obj, key)), \
    "field %s is not a number", key)

static void check_title(json_t *title)
{
    CHECK_TYPE(title, "title_id", JSON_STRING);
    CHECK(strcmp(json_string_value(json_object_get(title, "title_id")), "tt-fake-01") == 0);
    CHECK_TYPE(title, "source", JSON_STRING);
    CHECK(strcmp(json_string_value(json_object_get(title, "genre")), "action") == 0);
    CHECK_NUMBER(title, "duration_s");
    CHECK_NUMBER(title, "fps");
    CHECK_TYPE(title, "width", JSON_INTEGER);
    CHECK_TYPE(title, "height", JSON_INTEGER);
    CHECK_TYPE(title, "frames", JSON_INTEGER);
    CHECK_EQ_INT(json_integer_value(json_object_get(title, "shots")), 3);
    CHECK_EQ_INT(json_integer_value(json_object_get(title, "candidates")), 3);
    json_t *ca = json_object_get(title, "content_area");
    CHECK_EQ_INT(json_integer_value(json_object_get(ca, "y")), FAKE_BAR);
    CHECK_EQ_INT(json_integer_value(json_object_get(ca, "h")), FAKE_H - 2 * FAKE_BAR);
    json_t *dec = json_object_get(title, "decode");
    CHECK_EQ_INT(json_integer_value(json_object_get(dec, "corrupt_packets")), 1);
    CHECK_TYPE(dec, "decode_errors", JSON_INTEGER);
    CHECK(json_is_boolean(json_object_get(dec, "truncated")));
    json_t *def = json_object_get(title, "defects");
    CHECK_EQ_INT(json_integer_value(json_object_get(def, "black")), 3);
    CHECK_TYPE(def, "blur", JSON_INTEGER);
    CHECK_TYPE(def, "flash", JSON_INTEGER);
    CHECK_TYPE(def, "transition", JSON_INTEGER);
}

static void check_crops(json_t *crops)
{
    static const char *shapes[] = { "16x9", "2x3", "1x1" };
    static const double aspect[] = { 16.0 / 9, 2.0 / 3, 1.0 };
    for (int s = 0; s < 3; s++) {
        json_t *a = json_object_get(crops, shapes[s]);
        CHECK_MSG(json_is_array(a) && json_array_size(a) == 4, "crop %s", shapes[s]);
        double w = json_integer_value(json_array_get(a, 2));
        double h = json_integer_value(json_array_get(a, 3));
        CHECK_NEAR(w / (h > 0 ? h : 1), aspect[s], 0.02);
    }
}

/* Every field the seed system's variant records have, with its type. */
static void check_variant(json_t *v, int i)
{
    CHECK_TYPE(v, "title_id", JSON_STRING);
    CHECK_EQ_INT(json_integer_value(json_object_get(v, "variant_number")), i + 1);
    CHECK_NUMBER(v, "time_s");
    CHECK_NEAR(json_number_value(json_object_get(v, "time_s")), F.cands[i].time_s, 0.0005);
    CHECK_EQ_INT(json_integer_value(json_object_get(v, "frame")), F.cands[i].frame);
    CHECK_TYPE(v, "shot", JSON_INTEGER);
    CHECK_TYPE(v, "scene_type", JSON_STRING);
    CHECK_TYPE(v, "characters", JSON_ARRAY);
    CHECK_EQ_INT(json_array_size(json_object_get(v, "characters")), i == 0 ? 2 : 0);
    CHECK_TYPE(v, "composition", JSON_STRING);
    CHECK_NUMBER(v, "quality_score");
    CHECK_NEAR(json_number_value(json_object_get(v, "quality_score")), F.cands[i].quality_score, 1e-3);
    json_t *vq = json_object_get(v, "visual_quality");
    const char *vqk[] = { "brightness", "contrast", "sharpness", "saturation", "exposure_clipped" };
    for (int k = 0; k < 5; k++)
        CHECK_NUMBER(vq, vqk[k]);
    json_t *ca = json_object_get(v, "content_analysis");
    const char *cak[] = { "emotional_score", "action_score", "dramatic_score",
                          "character_prominence" };
    for (int k = 0; k < 4; k++)
        CHECK_NUMBER(ca, cak[k]);
    json_t *r = json_object_get(v, "reason");
    CHECK_TYPE(r, "slot", JSON_STRING);
    const char *rk[] = { "relevance", "diversity_penalty", "score", "quality_score" };
    for (int k = 0; k < 4; k++)
        CHECK_NUMBER(r, rk[k]);
    json_t *img = json_object_get(v, "images");
    const char *ik[] = { "full", "16x9", "2x3", "1x1" };
    for (int k = 0; k < 4; k++)
        CHECK_TYPE(img, ik[k], JSON_STRING);
    check_crops(json_object_get(v, "crops"));
}

static void test_metadata(void)
{
    json_t *m = ka_metadata_json(&F.t, &F.sel, "action");
    CHECK(m != NULL);
    check_title(json_object_get(m, "title"));
    json_t *vs = json_object_get(m, "variants");
    CHECK_EQ_INT(json_array_size(vs), 3);
    for (size_t i = 0; i < json_array_size(vs); i++)
        check_variant(json_array_get(vs, i), (int)i);
    json_t *v0 = json_array_get(vs, 0);
    CHECK(strcmp(json_string_value(json_object_get(v0, "scene_type")),
                 ka_scene_name(KA_SCENE_ACTION)) == 0);
    CHECK(strcmp(json_string_value(json_object_get(v0, "composition")),
                 ka_composition_name(KA_COMP_CLOSEUP)) == 0);
    CHECK(strcmp(json_string_value(json_array_get(json_object_get(v0, "characters"), 1)),
                 "Bo") == 0);
    CHECK(strcmp(json_string_value(json_object_get(json_object_get(v0, "images"), "2x3")),
                 "variant_01_2x3.jpg") == 0);
    CHECK(json_object_get(m, "why_fewer") == NULL);
    /* a round trip through text keeps it valid */
    char *s = json_dumps(m, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
    json_error_t err;
    json_t *back = json_loads(s, 0, &err);
    CHECK(back && json_equal(back, m));
    json_decref(back);
    free(s);
    json_decref(m);
}

static void test_metadata_why_fewer(void)
{
    ka_selection sel = F.sel;
    sel.n_variants = 1;
    snprintf(sel.why_fewer, sizeof sel.why_fewer, "only 1 candidate above quality 0.35");
    json_t *m = ka_metadata_json(&F.t, &sel, NULL);
    CHECK(json_is_string(json_object_get(m, "why_fewer")));
    CHECK_EQ_INT(json_array_size(json_object_get(m, "variants")), 1);
    CHECK(json_is_string(json_object_get(json_object_get(m, "title"), "genre")));
    json_decref(m);
}

/* The quality breakdown: each known part with value, weight and contribution, the
 * contributions adding up to the quality score; BRISQUE and the faces only when
 * vision measured them (null in visual_quality otherwise). */
static void test_quality_parts(void)
{
    json_t *m = ka_metadata_json(&F.t, &F.sel, "action");
    json_t *v = json_array_get(json_object_get(m, "variants"), 0);
    json_t *parts = json_object_get(json_object_get(v, "reason"), "quality_parts");
    const char *base[] = { "brightness", "contrast", "sharpness", "saturation" };
    for (int k = 0; k < 4; k++) {
        json_t *p = json_object_get(parts, base[k]);
        CHECK_NUMBER(p, "value");
        CHECK_NUMBER(p, "weight");
        CHECK_NUMBER(p, "contribution");
    }
    CHECK(json_object_get(parts, "brisque") == NULL && json_object_get(parts, "face") == NULL);
    CHECK_NUMBER(parts, "exposure_factor");
    json_t *vq = json_object_get(v, "visual_quality");
    CHECK(json_is_null(json_object_get(vq, "brisque")) && json_is_null(json_object_get(vq, "face")));
    json_decref(m);

    /* with vision's parts, scored with the selection's weights */
    fake g = F;
    ka_candidate c = F.cands[0];
    ka_vision_cand *vc = ka_vision_cand_new(0, 0);
    CHECK(vc != NULL);
    vc->quality = (ka_vision_quality){ .brisque = 0.5f, .face = 0.3f, .has_brisque = 1,
                                       .has_face = 1 };
    ka_vision_attach(&c, vc);
    ka_select_opts o;
    ka_select_opts_default(&o);
    g.sel.weights = o.weights;
    g.sel.weights.face = 0.4f;
    ka_cand_quality cq = ka_cand_quality_of(&c);
    ka_quality_score(&cq, &g.sel.weights);
    c.quality_score = cq.score;
    ka_candidate cands[FAKE_CANDS] = { c, F.cands[1], F.cands[2] };
    g.t.cands = cands;
    m = ka_metadata_json(&g.t, &g.sel, "action");
    v = json_array_get(json_object_get(m, "variants"), 0);
    parts = json_object_get(json_object_get(v, "reason"), "quality_parts");
    double sum = 0;
    const char *all[] = { "brightness", "contrast", "sharpness", "saturation", "brisque", "face" };
    for (int k = 0; k < 6; k++)
        sum += json_number_value(json_object_get(json_object_get(parts, all[k]), "contribution"));
    CHECK_NEAR(sum, json_number_value(json_object_get(v, "quality_score")), 1e-3);
    CHECK_NEAR(json_number_value(json_object_get(json_object_get(parts, "face"), "weight")), 0.4,
               1e-6);
    CHECK_NEAR(json_number_value(json_object_get(json_object_get(v, "visual_quality"), "brisque")),
               0.5, 1e-6);
    json_decref(m);
    ka_vision_cand_free(vc);
}

static void test_shots_json(void)
{
    json_t *a = ka_shots_json(&F.t);
    CHECK_EQ_INT(json_array_size(a), 3);
    static const char *kinds[] = { "start", "cut", "dissolve" };
    for (int i = 0; i < 3; i++) {
        json_t *s = json_array_get(a, i);
        CHECK_EQ_INT(json_integer_value(json_object_get(s, "index")), i);
        CHECK_EQ_INT(json_integer_value(json_object_get(s, "start_frame")), F.shots[i].start_frame);
        CHECK_EQ_INT(json_integer_value(json_object_get(s, "end_frame")), F.shots[i].end_frame);
        CHECK_NEAR(json_number_value(json_object_get(s, "start_s")), F.shots[i].start_s, 1e-9);
        CHECK_NEAR(json_number_value(json_object_get(s, "end_s")), F.shots[i].end_s, 1e-9);
        CHECK(strcmp(json_string_value(json_object_get(s, "transition_in")), kinds[i]) == 0);
        CHECK((json_object_get(s, "transition_span") != NULL) == (i == 2));
    }
    json_t *span = json_object_get(json_array_get(a, 2), "transition_span");
    CHECK_EQ_INT(json_integer_value(json_array_get(span, 0)), 114);
    CHECK_EQ_INT(json_integer_value(json_array_get(span, 1)), 125);
    json_decref(a);
}

static void test_shots_csv(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CHECK_EQ_INT(ka_shots_write_csv(&F.t, f), 0);
    fclose(f);
    const char *want =
        "index,start_frame,end_frame,start_s,end_s,transition_in,span_first,span_last\n"
        "0,0,47,0,2,start,-1,-1\n"
        "1,48,119,2,5,cut,-1,-1\n"
        "2,120,239,5,10,dissolve,114,125\n";
    CHECK_MSG(buf && strcmp(buf, want) == 0, "got:\n%s", buf ? buf : "(null)");
    free(buf);
    CHECK(ka_shots_write_csv(&F.t, NULL) == KA_EINVAL);
}

static void test_fractional_times(void)
{
    ka_shot s = { 0, 0, 10, 1.0 / 3.0, 0.45833333333, KA_TRANSITION_FADE, 0, 5 };
    ka_title t = F.t;
    t.shots = &s;
    t.n_shots = 1;
    json_t *a = ka_shots_json(&t);
    /* times to the millisecond, printed as short as that (docs/json.md) */
    char *text = json_dumps(a, JSON_COMPACT | KA_JSON_REAL);
    CHECK_MSG(text && strstr(text, "\"start_s\":0.333,") && strstr(text, "\"end_s\":0.458,") &&
              strstr(text, "\"transition_span\":[0,5]") && strstr(text, "fade"),
              "%s", text ? text : "(null)");
    free(text);
    json_decref(a);
}

int main(void)
{
    if (fake_init(&F) < 0) {
        fprintf(stderr, "cannot build the fake title: %s\n", ka_error_message());
        return 1;
    }
    RUN(test_metadata);
    RUN(test_metadata_why_fewer);
    RUN(test_quality_parts);
    RUN(test_shots_json);
    RUN(test_shots_csv);
    RUN(test_fractional_times);
    fake_free(&F);
    TEST_END();
}
