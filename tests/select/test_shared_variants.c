/* test_shared_variants.c: every shared clip through the whole analysis and selection,
 * as `keyart analyze` runs them (the built-in ranker, the default options), against
 * what an editor would accept of a variant set:
 *   - at least 4 variants, or fewer with a machine-readable reason (none only for a
 *     clip without a usable frame);
 *   - variant 1 the candidate of highest appeal, each variant a good moment (but a
 *     title's only one), no defect frame;
 *   - no two variants near-duplicates (ka_select_near_duplicate: the same picture, or
 *     the same people in the same places of one shot), at most one per shot while
 *     the title has good moments in more shots than it has variants;
 *   - no crop cuts a face that matters with its margin (hair, head room, chin:
 *     ka_crop_face_margin), nor any face at all, when some placement avoids it. */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "../ka_test.h"
#include "keyart/keyart.h"
#include "select/select_priv.h"

static const char *const clips[] = {
    "tears_of_steel_10s.mp4", "sintel_10s.mp4", "caminandes_10s.mp4",
    "people_single_shot_17s.mp4", "faces_single_shot_3s.mp4", "marathon_5s.mkv",
    "pyscenedetect/goldeneye-vfr-drop3.mp4", "pyscenedetect/issue-134-rotate.mp4",
    "pyscenedetect/issue-195-aspect-ratio.mp4", "pyscenedetect/testvideo.mp4",
    "pyscenedetect/counter.mp4", "pyscenedetect/fades.mp4", "pyscenedetect/delayed_start.mp4",
};

/* Faces that matter wholly inside crop c, or -1 when c cuts any face. */
static int faces_in(const ka_vision_cand *vc, ka_rect content, float largest, ka_rect c)
{
    int in = 0;
    for (int i = 0; i < vc->n_faces; i++) {
        int rel = ka_test_rect_rel(c, ka_rect_intersect(vc->faces[i].box, content));
        if (rel == 2)
            return -1;
        in += rel == 1 && ka_face_matters(&vc->faces[i], content, largest);
    }
    return in;
}

/* 1 when some placement of a w x h crop keeps margin m whole or out while cutting no
 * face and keeping at least as many faces that matter as the crop chosen (need). */
static int avoidable(const ka_vision_cand *vc, ka_rect content, float largest, ka_rect m,
                     int w, int h, int need)
{
    for (int x = content.x; x + w <= content.x + content.w; x += 2)
        for (int y = content.y; y + h <= content.y + content.h; y += 2) {
            ka_rect c = { x, y, w, h };
            if (ka_test_rect_rel(c, m) != 2 && faces_in(vc, content, largest, c) >= need)
                return 1;
        }
    return 0;
}

static void check_crops(const char *name, const ka_title *t, const ka_variant *v)
{
    const ka_vision_cand *vc = ka_vision_of(&t->cands[v->cand]);
    float largest = 0;
    for (int i = 0; vc && i < vc->n_faces; i++)
        largest = largest > vc->faces[i].box.h ? largest : (float)vc->faces[i].box.h;
    for (int s = 0; vc && s < KA_SHAPE_COUNT; s++) {
        ka_rect c = v->crops[s];
        for (int i = 0; i < vc->n_faces; i++) {
            const ka_face *f = &vc->faces[i];
            ka_rect box = ka_rect_intersect(f->box, t->content);
            CHECK_MSG(ka_test_rect_rel(c, box) != 2, "%s variant %d %s: face %dx%d+%d+%d cut",
                      name, v->number, ka_shape_name(s), box.w, box.h, box.x, box.y);
            if (!ka_face_matters(f, t->content, largest) || ka_test_rect_rel(c, box) != 1)
                continue;
            ka_rect m = ka_crop_face_margin(f->box, t->content, c.w, c.h);
            int need = faces_in(vc, t->content, largest, c);
            if (avoidable(vc, t->content, largest, m, c.w, c.h, need))
                CHECK_MSG(ka_test_rect_rel(c, m) == 1,
                          "%s variant %d %s: face %dx%d+%d+%d in, its margin %dx%d+%d+%d cut "
                          "by crop %dx%d+%d+%d", name, v->number, ka_shape_name(s), box.w,
                          box.h, box.x, box.y, m.w, m.h, m.x, m.y, c.w, c.h, c.x, c.y);
        }
    }
}

/* A candidate select would take (good: acceptable, a fair rival of variant 1). */
static int good(const ka_selection *sel, float best, const ka_candidate *c)
{
    return !ka_frame_unusable(c->sig.flags) && c->appeal >= sel->ranker.cut[1] &&
           1.0f / (1.0f + expf(best - c->appeal)) >= KA_SELECT_RIVAL;
}

/* No shot has two variants while a shot without one has a good candidate that repeats
 * no variant (it was eligible at every pick). */
static void check_shots(const char *name, const ka_title *t, const ka_selection *sel, float best)
{
    int *used = calloc((size_t)t->n_shots + 1, sizeof(int)), most = 0, open = -1;
    for (int i = 0; i < sel->n_variants; i++) {
        int s = t->cands[sel->variants[i].cand].shot;
        if (s >= 0 && s < t->n_shots && ++used[s] > most)
            most = used[s];
    }
    for (int i = 0; i < t->n_cands && open < 0; i++) {
        const ka_candidate *c = &t->cands[i];
        int dup = 0;
        for (int k = 0; k < sel->n_variants && !dup; k++)
            dup = ka_select_near_duplicate(t, &t->cands[sel->variants[k].cand], c, 10);
        if (c->shot >= 0 && c->shot < t->n_shots && !used[c->shot] && !dup && good(sel, best, c))
            open = c->shot;
    }
    CHECK_MSG(most <= 1 || open < 0, "%s: a shot has %d variants while shot %d has none", name,
              most, open);
    free(used);
}

static void check_clip(const char *clip)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/media/%s", ka_test_shared(), clip);
    ka_title *t = NULL;
    int err = ka_analyze(path, clip, NULL, &t);
    CHECK_MSG(err == 0, "%s: %s", clip, ka_error_message());
    if (err)
        return;
    ka_selection sel;
    CHECK(ka_select(t, NULL, &sel) == 0);
    fprintf(stderr, "%s: %d variants%s%s%s\n", clip, sel.n_variants, sel.reason ? " (" : "",
            sel.reason ? sel.reason : "", sel.reason ? ")" : "");
    /* fewer than 4 only with the reason; none only when no frame could be used (the
     * fades and the delayed start are black or fading throughout) */
    CHECK_MSG(sel.n_variants >= 4 || (sel.reason && sel.why_fewer[0] &&
              (sel.n_variants >= 1 || !strcmp(sel.reason, "no_candidates"))),
              "%s: %d variants and no reason", clip, sel.n_variants);
    float best = -INFINITY;
    for (int i = 0; i < t->n_cands; i++)
        if (!ka_frame_unusable(t->cands[i].sig.flags) && t->cands[i].appeal > best)
            best = t->cands[i].appeal;
    for (int i = 0; i < sel.n_variants; i++) {
        const ka_variant *v = &sel.variants[i];
        const ka_candidate *c = &t->cands[v->cand];
        CHECK_EQ_INT(v->number, i + 1);
        CHECK(!ka_frame_unusable(c->sig.flags));
        if (i == 0)
            CHECK_MSG(c->appeal >= best - 1e-6f, "%s: variant 1 is not the best", clip);
        else
            CHECK_MSG(v->good, "%s: variant %d is not a good moment", clip, v->number);
        for (int j = 0; j < i; j++)
            CHECK_MSG(!ka_select_near_duplicate(t, &t->cands[sel.variants[j].cand], c, 10),
                      "%s: variants %d and %d are near-duplicates", clip, j + 1, i + 1);
        check_crops(clip, t, v);
    }
    check_shots(clip, t, &sel, best);
    ka_selection_free(&sel);
    ka_title_free(&t);
}

int main(void)
{
    for (size_t i = 0; i < sizeof clips / sizeof clips[0]; i++)
        check_clip(clips[i]);
    TEST_END();
}
