/* focus.c: where the artwork crops go when there are faces, and which faces matter.
 *
 * Selection centres every crop shape (16:9, 2:3, 1:1; ka_crop_place) on one focus
 * region of the candidate. With faces, that region is chosen here so that every
 * shape keeps the faces that matter and cuts none: the faces that matter are those
 * at least 4% of the content's height and at least 40% of the largest one's. Every
 * focus centre on a grid over the content is tried; for each, the crops of the three
 * shapes are placed with ka_crop_place and scored:
 *   - a face cut by a crop edge costs (0.25 + its weight) x 4 (never cut a face);
 *   - a face inside whose margin (hair, chin: 20% of its size) is cut costs 0.3 x
 *     its weight;
 *   - a face that matters left out costs its weight x 2 (the most prominent face
 *     weighs most: weight = its area share among the faces that matter);
 *   - distance of the centre from the faces' weighted centre costs a little.
 * The best centre wins; the focus is the union of the faces that matter moved to
 * that centre (its size keeps the composition cues meaningful). One centre serves
 * all three shapes; when faces are spread so that no single centre keeps every
 * shape clear of them, the fewest and lightest cuts win. The artwork crops do not
 * come from this shared centre: ka_vision_crop places each shape on its own with
 * ka_crop_faces (imaging/crop.c), the faces weighted by prominence (a supporting
 * character's at half, faces that do not matter only kept uncut), which keeps the
 * lead whole, every face that matters when they fit, and cuts none when any
 * placement allows it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "keyart/imaging.h"
#include "vision/vision_priv.h"

#define KA_FOCUS_GRID 48

int ka_face_matters(const ka_face *f, ka_rect content, float largest_h)
{
    return f->box.h >= 0.04f * (float)content.h && (float)f->box.h >= 0.4f * largest_h;
}

int ka_vision_faces_matter(const ka_vision_cand *vc, ka_rect content, const ka_face **out,
                           int max, const ka_face **lead)
{
    float largest = 0.0f;
    int n = 0;
    if (lead)
        *lead = NULL;
    for (int i = 0; vc && i < vc->n_faces; i++)
        largest = fmaxf(largest, (float)vc->faces[i].box.h);
    for (int i = 0; vc && i < vc->n_faces; i++) {
        const ka_face *f = &vc->faces[i];
        if (!ka_face_matters(f, content, largest))
            continue;
        if (out && n < max)
            out[n] = f;
        n++;
        if (lead && (!*lead || f->prominence > (*lead)->prominence))
            *lead = f;
    }
    return n;
}

static ka_rect ka_grow(ka_rect r, float m, ka_rect bounds)
{
    int dx = (int)lroundf(m * (float)r.w), dy = (int)lroundf(m * (float)r.h);
    int x0 = r.x - dx, y0 = r.y - dy, x1 = r.x + r.w + dx, y1 = r.y + r.h + dy;
    x0 = x0 < bounds.x ? bounds.x : x0;
    y0 = y0 < bounds.y ? bounds.y : y0;
    x1 = x1 > bounds.x + bounds.w ? bounds.x + bounds.w : x1;
    y1 = y1 > bounds.y + bounds.h ? bounds.y + bounds.h : y1;
    return (ka_rect){ x0, y0, x1 - x0 < 1 ? 1 : x1 - x0, y1 - y0 < 1 ? 1 : y1 - y0 };
}

/* 0 outside, 1 inside, 2 cut by the crop's edges. */
static int ka_relation(ka_rect crop, ka_rect f)
{
    ka_rect i = ka_rect_intersect(f, crop);
    if (!i.w || !i.h)
        return 0;
    if (i.x == f.x && i.y == f.y && i.w == f.w && i.h == f.h)
        return 1;
    /* a sliver of margin inside or outside is no cut */
    double in = (double)i.w * i.h, all = (double)f.w * f.h;
    return in >= 0.97 * all ? 1 : in <= 0.03 * all ? 0 : 2;
}

typedef struct ka_focus_in {
    const ka_face *faces;
    int k;
    ka_rect content, box[32];
    float weight[32];
    int matters[32];
    double cx, cy, diag;
    ka_rect u;                      /* union of the faces that matter, with margins */
} ka_focus_in;

/* The faces that matter, their weights and margins; 0 when none matters. */
static int ka_focus_prepare(const ka_face *faces, int n, ka_rect content, ka_focus_in *in)
{
    memset(in, 0, sizeof(*in));
    if (n <= 0 || content.w <= 0 || content.h <= 0)
        return 0;
    in->faces = faces;
    in->content = content;
    in->k = n < 32 ? n : 32;
    float largest = 0, total = 0;
    for (int i = 0; i < in->k; i++)
        largest = fmaxf(largest, (float)faces[i].box.h);
    for (int i = 0; i < in->k; i++) {
        in->box[i] = ka_grow(faces[i].box, 0.2f, content);
        in->matters[i] = ka_face_matters(&faces[i], content, largest);
        in->weight[i] = in->matters[i] ? (float)faces[i].box.w * (float)faces[i].box.h : 0.0f;
        total += in->weight[i];
    }
    if (total <= 0)
        return 0;
    for (int i = 0; i < in->k; i++) {
        if (!in->matters[i])
            continue;
        ka_rect b = in->box[i];
        in->weight[i] /= total;
        in->cx += in->weight[i] * (b.x + b.w / 2.0);
        in->cy += in->weight[i] * (b.y + b.h / 2.0);
        if (in->u.w == 0) {
            in->u = b;
            continue;
        }
        int x1 = in->u.x + in->u.w > b.x + b.w ? in->u.x + in->u.w : b.x + b.w;
        int y1 = in->u.y + in->u.h > b.y + b.h ? in->u.y + in->u.h : b.y + b.h;
        in->u.x = in->u.x < b.x ? in->u.x : b.x;
        in->u.y = in->u.y < b.y ? in->u.y : b.y;
        in->u.w = x1 - in->u.x;
        in->u.h = y1 - in->u.y;
    }
    in->diag = sqrt((double)content.w * content.w + (double)content.h * content.h);
    return 1;
}

/* Cost of the crops of the shapes in mask centred at (px, py). */
static double ka_focus_cost(const ka_focus_in *in, int px, int py, unsigned mask)
{
    double cost = 0.2 * hypot(px - in->cx, py - in->cy) / in->diag;
    for (int s = 0; s < KA_SHAPE_COUNT; s++) {
        if (!(mask & (1u << s)))
            continue;
        int aw, ah;
        ka_shape_aspect(s, &aw, &ah);
        ka_rect crop = ka_crop_place(in->content, (ka_rect){ px - 1, py - 1, 2, 2 }, aw, ah);
        for (int i = 0; i < in->k; i++) {
            int rel = ka_relation(crop, in->faces[i].box);
            float w = in->matters[i] ? in->weight[i] : 0.05f;
            cost += rel == 2 ? 4.0 * (0.25 + w) : (rel == 0 && in->matters[i]) ? 2.0 * w : 0.0;
            if (rel == 1 && ka_relation(crop, in->box[i]) == 2)
                cost += 0.3 * w;            /* inside, but hair or chin cut */
        }
    }
    return cost;
}

/* The best centre for the shapes in mask, on a grid over the content. */
static void ka_focus_search(const ka_focus_in *in, unsigned mask, int *bx, int *by)
{
    double best = INFINITY;
    const ka_rect c = in->content;
    for (int gy = 0; gy <= KA_FOCUS_GRID / 4; gy++)
        for (int gx = 0; gx <= KA_FOCUS_GRID; gx++) {
            int px = c.x + (int)((long long)c.w * gx / KA_FOCUS_GRID);
            int py = c.y + (int)((long long)c.h * gy / (KA_FOCUS_GRID / 4));
            double cost = ka_focus_cost(in, px, py, mask);
            if (cost < best) {
                best = cost;
                *bx = px;
                *by = py;
            }
        }
}

int ka_vision_focus(const ka_face *faces, int n, ka_rect content, ka_rect *focus)
{
    ka_focus_in in;
    if (!ka_focus_prepare(faces, n, content, &in))
        return 0;
    int bx = (int)in.cx, by = (int)in.cy;
    ka_focus_search(&in, (1u << KA_SHAPE_COUNT) - 1, &bx, &by);
    /* the union of the faces that matter, centred where the crops should be (not
     * clamped: ka_crop_place keeps the crops inside, and only the centre counts) */
    *focus = (ka_rect){ bx - in.u.w / 2, by - in.u.h / 2, in.u.w, in.u.h };
    return 1;
}

int ka_vision_crop(const ka_candidate *cand, ka_rect content, int shape, ka_rect *crop)
{
    const ka_vision_cand *vc = ka_vision_of(cand);
    if (!vc || vc->n_faces <= 0 || shape < 0 || shape >= KA_SHAPE_COUNT || content.w <= 0 ||
        content.h <= 0)
        return 0;
    ka_crop_face *cf = malloc((size_t)vc->n_faces * sizeof(*cf));
    if (!cf)
        return 0;
    float largest = 0.0f;
    for (int i = 0; i < vc->n_faces; i++)
        largest = fmaxf(largest, (float)vc->faces[i].box.h);
    for (int i = 0; i < vc->n_faces; i++) {
        const ka_face *f = &vc->faces[i];
        /* the faces that matter by prominence (measured again when a record has
         * none), a known supporting face at half */
        float p = f->prominence > 0.0f ? f->prominence
                                       : ka_face_prominence(f->box, content, f->focus, 0.5f);
        float w = fmaxf(0.01f, p) * (f->character >= 0 && !f->main_character ? 0.5f : 1.0f);
        cf[i] = (ka_crop_face){ f->box, ka_face_matters(f, content, largest) ? w : 0.0f };
    }
    int aw, ah;
    ka_shape_aspect(shape, &aw, &ah);
    *crop = ka_crop_faces(content, cand->salient, aw, ah, cf, vc->n_faces);
    free(cf);
    return 1;
}
