/* test_shots_labels.c: shot detection on every clip labelled frame by frame in
 * ../shared/labels/shots.json. A detected cut matches a labelled one within one
 * frame; F1 over cuts must be at least 0.95 on every clip, every labelled fade and
 * dissolve must be found (span overlap), and nothing may be found where the labels
 * have none. Edge transitions (black leader or tail) count neither way. */
#include <jansson.h>
#include <string.h>

#include "keyart/keyart.h"
#include "ka_test.h"

static const char *clip_path(const char *name, char *buf, size_t n)
{
    static const char *in_pyscene[] = { "testvideo.mp4", "counter.mp4", "delayed_start.mp4" };
    const char *sub = "";
    for (size_t i = 0; i < sizeof in_pyscene / sizeof *in_pyscene; i++)
        if (!strcmp(name, in_pyscene[i]))
            sub = "pyscenedetect/";
    snprintf(buf, n, "%s/media/%s%s", ka_test_shared(), sub, name);
    return buf;
}

static void span_of(json_t *o, int64_t *lo, int64_t *hi)
{
    json_t *sp = json_object_get(o, "span");
    if (!sp)
        sp = json_object_get(o, "frames");
    if (json_is_array(sp)) {
        *lo = json_integer_value(json_array_get(sp, 0));
        *hi = json_integer_value(json_array_get(sp, 1));
    } else {
        *lo = *hi = json_integer_value(json_object_get(o, "frame"));
    }
    json_t *f = json_object_get(o, "frame");
    if (f && json_integer_value(f) < *lo)
        *lo = json_integer_value(f);
    if (f && json_integer_value(f) > *hi)
        *hi = json_integer_value(f);
}

static int overlaps(int64_t a0, int64_t a1, int64_t b0, int64_t b1)
{
    return a0 <= b1 && b0 <= a1;
}

/* The frames a detected boundary touches. */
static void det_span(const ka_shot *s, int64_t *lo, int64_t *hi)
{
    *lo = *hi = s->start_frame;
    if (s->span_first >= 0 && s->span_first < *lo)
        *lo = s->span_first;
    if (s->span_last > *hi)
        *hi = s->span_last;
}

static int is_edge(json_t *edges, const ka_shot *s)
{
    int64_t d0, d1;
    det_span(s, &d0, &d1);
    size_t i;
    json_t *e;
    json_array_foreach(edges, i, e) {
        int64_t lo, hi;
        span_of(e, &lo, &hi);
        if (overlaps(d0, d1, lo - 1, hi + 1))
            return 1;
    }
    return 0;
}

static void check_clip(const char *name, json_t *label)
{
    char path[4096];
    ka_analysis_opts o;
    ka_analysis_opts_default(&o);
    o.shots_only = 1;
    ka_title *t = NULL;
    int err = ka_analyze(clip_path(name, path, sizeof path), name, &o, &t);
    CHECK_MSG(err == 0, "%s: %s", name, ka_error_message());
    if (err)
        return;
    CHECK_EQ_INT(t->frames, json_integer_value(json_object_get(label, "frame_count")));
    json_t *bounds = json_object_get(label, "boundaries");
    json_t *edges = json_object_get(label, "edge_transitions");
    int n_det = t->n_shots - 1;
    int used[1024] = {0};
    int cuts = 0, cut_hits = 0, cut_fp = 0;
    size_t i;
    json_t *b;
    json_array_foreach(bounds, i, b) {
        const char *type = json_string_value(json_object_get(b, "type"));
        int64_t frame = json_integer_value(json_object_get(b, "frame"));
        int is_cut = !strcmp(type, "cut"), hit = 0;
        int64_t lo, hi;
        span_of(b, &lo, &hi);
        for (int k = 1; k <= n_det && !hit; k++) {
            const ka_shot *s = &t->shots[k];
            int64_t d0, d1;
            det_span(s, &d0, &d1);
            if (used[k])
                continue;
            if (is_cut ? llabs(s->start_frame - frame) <= 1 : overlaps(d0, d1, lo, hi))
                hit = used[k] = 1;
        }
        cuts += is_cut;
        cut_hits += is_cut && hit;
        if (!is_cut)
            CHECK_MSG(hit, "%s: %s at %lld [%lld, %lld] not found", name, type, (long long)frame,
                      (long long)lo, (long long)hi);
        else if (!hit)
            fprintf(stderr, "%s: cut at %lld missed\n", name, (long long)frame);
    }
    for (int k = 1; k <= n_det; k++) {
        if (used[k] || is_edge(edges, &t->shots[k]))
            continue;
        cut_fp++;
        fprintf(stderr, "%s: false %s at %lld\n", name,
                ka_transition_name(t->shots[k].transition_in), (long long)t->shots[k].start_frame);
    }
    double p = cut_hits + cut_fp ? (double)cut_hits / (cut_hits + cut_fp) : 1;
    double r = cuts ? (double)cut_hits / cuts : 1;
    double f1 = p + r > 0 ? 2 * p * r / (p + r) : 0;
    fprintf(stderr, "%s: %d labelled cuts, %d found, %d false: F1 %.3f\n", name, cuts, cut_hits,
            cut_fp, f1);
    CHECK_MSG(f1 >= 0.95, "%s: cut F1 %.3f", name, f1);
    CHECK_MSG(cut_fp == 0 || cuts > 0, "%s: %d boundaries where there are none", name, cut_fp);
    ka_title_free(&t);
}

int main(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/labels/shots.json", ka_test_shared());
    json_error_t jerr;
    json_t *labels = json_load_file(path, 0, &jerr);
    CHECK_MSG(labels != NULL, "cannot read %s: %s", path, jerr.text);
    if (!labels)
        TEST_END();
    const char *name;
    json_t *label;
    int clips = 0;
    json_object_foreach(labels, name, label) {
        if (name[0] == '_')
            continue;
        check_clip(name, label);
        clips++;
    }
    CHECK(clips >= 7);
    json_decref(labels);
    TEST_END();
}
