/* look_stage.c: the analysis' "look" stage, one row of ka_all_stages, after
 * the faces: it measures the candidate's ka_look (look.c), kept as its side data
 * (ka_look_of), with the subject where
 * vision found it: the faces that matter, else the tallest person, else the salient
 * region. */
#include <stdlib.h>

#include "analysis/stage.h"
#include "keyart/rank.h"
#include "keyart/vision.h"

/* The union of the faces that matter, grown to take in head and shoulders. */
static int ka_look_faces(const ka_vision_cand *vc, ka_rect content, ka_rect *out)
{
    const ka_face *f[16];
    int n = ka_vision_faces_matter(vc, content, f, 16, NULL), x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    for (int i = 0; i < n && i < 16; i++) {
        ka_rect b = f[i]->box;
        int gx = b.w / 2, gy = b.h / 2;
        int a0 = b.x - gx, c0 = b.y - gy, a1 = b.x + b.w + gx, c1 = b.y + b.h + 2 * gy;
        x0 = i && x0 < a0 ? x0 : a0;
        y0 = i && y0 < c0 ? y0 : c0;
        x1 = i && x1 > a1 ? x1 : a1;
        y1 = i && y1 > c1 ? y1 : c1;
    }
    if (n > 0)
        *out = ka_rect_intersect((ka_rect){ x0, y0, x1 - x0, y1 - y0 }, content);
    return n > 0;
}

/* The subject of a candidate: faces, else the tallest person, else the salient region. */
static ka_rect ka_look_subject(const ka_candidate *cand, ka_rect content)
{
    const ka_vision_cand *vc = ka_vision_of(cand);
    ka_rect r = cand->salient;
    if (vc && ka_look_faces(vc, content, &r))
        return r;
    int best = -1;
    for (int i = 0; vc && i < vc->n_objects; i++)
        if (vc->objects[i].kind == KA_OBJ_PERSON &&
            (best < 0 || vc->objects[i].box.h > vc->objects[best].box.h))
            best = i;
    return best >= 0 ? ka_rect_intersect(vc->objects[best].box, content) : r;
}

static int ka_look_process(ka_stage_ctx *ctx, const ka_image *rgb, ka_rect content,
                           ka_candidate *cand)
{
    ka_look *l = malloc(sizeof *l);
    if (!l)
        return ka_error(KA_ENOMEM, "no memory for a candidate's look");
    ka_look_measure(rgb, content, ka_look_subject(cand, content), l);
    return ka_candidate_side_set(cand, &ka_look_side, l);
}

const ka_side_kind ka_look_side = { "look", free };

const ka_look *ka_look_of(const ka_candidate *cand)
{
    return ka_candidate_side(cand, &ka_look_side);
}

const ka_candidate_stage ka_look_stage = {
    .name = "look",
    .description = "colour, noise, clutter, text and screens, isolation of the subject",
    .process = ka_look_process,
};
