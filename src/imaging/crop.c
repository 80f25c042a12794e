/* crop.c: artwork crops. Each shape (16:9, 2:3 poster, 1:1) is the largest rectangle
 * of exactly that aspect inside the content area (so never into letterbox bars),
 * centred on the focus region (the salient region) as far as the bounds allow, or,
 * with faces, placed so that it cuts none of them (ka_crop_faces, below). */
#include <math.h>
#include <string.h>

#include "keyart/imaging.h"

static const struct { const char *name; int aw, ah; } ka_crop_shapes[KA_SHAPE_COUNT] = {
    [KA_SHAPE_16X9] = { "16x9", 16, 9 },
    [KA_SHAPE_2X3] = { "2x3", 2, 3 },
    [KA_SHAPE_1X1] = { "1x1", 1, 1 },
};

const char *ka_shape_name(int shape)
{
    return shape >= 0 && shape < KA_SHAPE_COUNT ? ka_crop_shapes[shape].name : "unknown";
}

void ka_shape_aspect(int shape, int *aw, int *ah)
{
    int ok = shape >= 0 && shape < KA_SHAPE_COUNT;
    *aw = ok ? ka_crop_shapes[shape].aw : 1;
    *ah = ok ? ka_crop_shapes[shape].ah : 1;
}

static int ka_crop_gcd(int a, int b)
{
    while (b) {
        int t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* Size of the largest aw:ah rectangle inside bw x bh. Exact aspect (a whole multiple
 * of the reduced ratio) whenever the bounds hold one; else the nearest fit. */
static void ka_crop_size(int bw, int bh, int aw, int ah, int *w, int *h)
{
    int g = ka_crop_gcd(aw, ah);
    aw /= g;
    ah /= g;
    int k = bw / aw < bh / ah ? bw / aw : bh / ah;
    if (k >= 1) {
        *w = k * aw;
        *h = k * ah;
    } else if ((long long)bw * ah >= (long long)bh * aw) {
        *h = bh;
        *w = (int)((long long)bh * aw / ah);
    } else {
        *w = bw;
        *h = (int)((long long)bw * ah / aw);
    }
    *w = *w < 1 ? 1 : *w;
    *h = *h < 1 ? 1 : *h;
}

/* Start of a span of length len centred on twice_centre / 2, kept inside [lo, lo + room). */
static int ka_crop_centre(long long twice_centre, int len, int lo, int room)
{
    long long start = (twice_centre - len) / 2;
    if (start > (long long)lo + room - len)
        start = (long long)lo + room - len;
    if (start < lo)
        start = lo;
    return (int)start;
}

ka_rect ka_crop_place(ka_rect bounds, ka_rect focus, int aw, int ah)
{
    if (bounds.w <= 0 || bounds.h <= 0 || aw <= 0 || ah <= 0)
        return bounds;
    int w, h;
    ka_crop_size(bounds.w, bounds.h, aw, ah, &w, &h);
    if (focus.w <= 0 || focus.h <= 0)
        focus = bounds;
    ka_rect r = { 0, 0, w, h };
    r.x = ka_crop_centre(2LL * focus.x + focus.w, w, bounds.x, bounds.w);
    r.y = ka_crop_centre(2LL * focus.y + focus.h, h, bounds.y, bounds.h);
    return r;
}

/* ---- around faces ----
 *
 * A face is protected with its margin: hair and head room above (KA_CROP_TOP of its
 * height), the chin and a little neck below (KA_CROP_BOTTOM), some air either side
 * (KA_CROP_SIDE of its width), cut back to the bounds (a face at the frame's edge has
 * no more room than the frame gives) and shrunk, keeping the face, only as far as the
 * crop's size needs (ka_crop_face_margin). The crop has ka_crop_place's size, so it
 * spans the bounds along one axis and slides along the other (and along the first by
 * the pixel or two an exact aspect may leave). Where it stops matters only at the
 * protected boxes' edges, so the positions tried along each axis are: every box
 * edge (with its margin and without) meeting either crop edge, the crop centred on
 * the focus, on each face that matters, on the lead with each other one and on all
 * of them, the lead on either third, and both ends. Each is scored, lowest wins:
 *   a face that matters cut                  1000 (1 + share)   never, when avoidable
 *   the lead left out                        100
 *   a face that does not matter cut          50                 no half face at an edge
 *   a face that matters whole, margin cut    20 (1 + share)     hair, chin, head room
 *   another face that matters left out       30 share          the heaviest kept first
 *   off its place                            0.5 (|dx| / w + |dy| / h)
 * share = a face's weight over the weights of the faces that matter. Cut means any
 * part in and any part out: a box that touches an edge from inside is whole. The
 * place of the faces that matter in the crop (their weighted centre, the eyes at 40%
 * of a face's height): across, the centre, or for a single lead in a wide crop the
 * third on its side of the picture; down, the eyes on the upper third line. */

#define KA_CROP_TOP 0.45f
#define KA_CROP_BOTTOM 0.20f
#define KA_CROP_SIDE 0.20f
#define KA_CROP_FACES 32            /* faces considered, the heaviest */
#define KA_CROP_POS (10 * KA_CROP_FACES + 2 * KA_CROP_FACES + 12)

typedef struct ka_crop_in {
    ka_crop_face f[KA_CROP_FACES];
    ka_rect guard[KA_CROP_FACES];   /* each face with its margin, for this crop's size */
    int n, lead;                    /* lead: the heaviest face that matters, -1 none */
    int n_matter;                   /* faces that matter */
    double wsum;                    /* weights of the faces that matter */
    ka_rect bounds, focus;
    int w, h;                       /* the crop's size */
} ka_crop_in;

/* Grows [a0, a1) by want0 before and want1 after, inside [lo, hi), to at most len
 * long: the room short of len is shared in proportion to what each side wanted. */
static void ka_crop_grow_axis(int a0, int a1, int want0, int want1, int lo, int hi, int len,
                              int *o0, int *o1)
{
    int b0 = a0 - want0 < lo ? lo : a0 - want0, b1 = a1 + want1 > hi ? hi : a1 + want1;
    if (b1 - b0 > len && a1 - a0 <= len) {
        int room = len - (a1 - a0), w0 = a0 - b0, w1 = b1 - a1;
        int g0 = w0 + w1 > 0 ? (int)((long long)room * w0 / (w0 + w1)) : 0;
        b0 = a0 - g0;
        b1 = a1 + (room - g0 < w1 ? room - g0 : w1);
    } else if (a1 - a0 > len) {
        b0 = a0;
        b1 = a1;
    }
    *o0 = b0;
    *o1 = b1;
}

ka_rect ka_crop_face_margin(ka_rect face, ka_rect bounds, int cw, int ch)
{
    ka_rect f = ka_rect_intersect(face, bounds);
    if (f.w <= 0 || f.h <= 0)
        return f;
    int x0, x1, y0, y1, side = (int)lroundf(KA_CROP_SIDE * (float)face.w);
    ka_crop_grow_axis(f.x, f.x + f.w, side, side, bounds.x, bounds.x + bounds.w, cw, &x0, &x1);
    ka_crop_grow_axis(f.y, f.y + f.h, (int)lroundf(KA_CROP_TOP * (float)face.h),
                      (int)lroundf(KA_CROP_BOTTOM * (float)face.h), bounds.y,
                      bounds.y + bounds.h, ch, &y0, &y1);
    return (ka_rect){ x0, y0, x1 - x0, y1 - y0 };
}

/* 0 outside, 1 inside, 2 cut. */
static int ka_crop_rel(ka_rect c, ka_rect f)
{
    ka_rect i = ka_rect_intersect(f, c);
    if (!i.w || !i.h)
        return 0;
    return i.x == f.x && i.y == f.y && i.w == f.w && i.h == f.h ? 1 : 2;
}

static double ka_crop_cost(const ka_crop_in *in, int x, int y)
{
    ka_rect c = { x, y, in->w, in->h };
    double cost = 0.0, cx = 0.0, cy = 0.0, wk = 0.0;
    for (int i = 0; i < in->n; i++) {
        const ka_crop_face *f = &in->f[i];
        int rel = ka_crop_rel(c, f->box);
        double share = f->weight > 0.0f ? f->weight / in->wsum : 0.0;
        if (rel == 2)
            cost += f->weight > 0.0f ? 1000.0 * (1.0 + share) : 50.0;
        else if (rel == 0 && f->weight > 0.0f)
            cost += i == in->lead ? 100.0 : 30.0 * share;
        else if (rel == 1 && f->weight > 0.0f && ka_crop_rel(c, in->guard[i]) == 2)
            cost += 20.0 * (1.0 + share);   /* whole, but hair or chin cut */
        if (rel != 0 && f->weight > 0.0f) {  /* place what is in (or cannot fit) */
            cx += share * (f->box.x + f->box.w / 2.0);
            cy += share * (f->box.y + 0.4 * f->box.h);
            wk += share;
        }
    }
    double tx = in->w / 2.0, ty = in->h / 3.0;
    if (wk > 0.0) {
        cx /= wk;
        cy /= wk;
        /* a single lead in a wide crop stands on the third on its side of the picture */
        if (in->n_matter == 1 && in->w * 5 >= in->h * 6 && in->w < in->bounds.w)
            tx = cx < in->bounds.x + in->bounds.w / 2.0 ? in->w / 3.0 : 2.0 * in->w / 3.0;
    } else {
        cx = in->focus.x + in->focus.w / 2.0;
        cy = in->focus.y + in->focus.h / 2.0;
        ty = in->h / 2.0;
    }
    return cost + 0.5 * (fabs(x + tx - cx) / in->w + fabs(y + ty - cy) / in->h);
}

/* Adds start s (clamped to lo..hi) to the list p unless it is there. */
static void ka_crop_pos_add(int *p, int *n, long long s, int lo, int hi)
{
    int v = s < lo ? lo : s > hi ? hi : (int)s;
    for (int i = 0; i < *n; i++)
        if (p[i] == v)
            return;
    if (*n < KA_CROP_POS)
        p[(*n)++] = v;
}

/* Starts worth trying along one axis: crop length len in [lo, lo + room). */
static int ka_crop_positions(const ka_crop_in *in, int axis, int lo, int room, int len, int *p)
{
    int n = 0, hi = lo + room - len;
    ka_crop_pos_add(p, &n, lo, lo, hi);
    ka_crop_pos_add(p, &n, hi, lo, hi);
    if (hi <= lo)
        return n;
    const ka_rect fo = in->focus;
    ka_crop_pos_add(p, &n, (axis ? 2LL * fo.y + fo.h : 2LL * fo.x + fo.w) / 2 - len / 2, lo, hi);
    int u0 = 0, u1 = 0, any = 0;   /* the span of every face that matters */
    for (int i = 0; i < in->n; i++) {
        ka_rect b = in->f[i].box, g = in->guard[i];
        int a0 = axis ? b.y : b.x, a1 = axis ? b.y + b.h : b.x + b.w;
        const int edge[4] = { axis ? g.y : g.x, a0, a1, axis ? g.y + g.h : g.x + g.w };
        for (int k = 0; k < 4; k++) {
            ka_crop_pos_add(p, &n, edge[k], lo, hi);        /* the crop's first edge */
            ka_crop_pos_add(p, &n, (long long)edge[k] - len, lo, hi);  /* its last */
        }
        if (in->f[i].weight <= 0.0f)
            continue;
        ka_crop_pos_add(p, &n, (a0 + a1) / 2 - len / 2, lo, hi);
        if (i == in->lead) {        /* its centre (its eyes) on the thirds */
            int at = axis ? b.y + (int)(0.4f * (float)b.h) : (a0 + a1) / 2;
            ka_crop_pos_add(p, &n, at - len / 3, lo, hi);
            ka_crop_pos_add(p, &n, at - 2 * len / 3, lo, hi);
        }
        if (in->lead >= 0) {        /* the lead and this one, centred together */
            ka_rect l = in->f[in->lead].box;
            int l0 = axis ? l.y : l.x, l1 = axis ? l.y + l.h : l.x + l.w;
            ka_crop_pos_add(p, &n, ((a0 < l0 ? a0 : l0) + (a1 > l1 ? a1 : l1)) / 2 - len / 2,
                            lo, hi);
        }
        u0 = any && u0 < a0 ? u0 : a0;
        u1 = any && u1 > a1 ? u1 : a1;
        any = 1;
    }
    if (any)
        ka_crop_pos_add(p, &n, (u0 + u1) / 2 - len / 2, lo, hi);
    return n;
}

/* The heaviest KA_CROP_FACES faces, heaviest first, their boxes clipped to the bounds
 * (what lies beyond is cut by the frame, not by the crop); the lead; the weights' sum. */
static void ka_crop_prepare(ka_crop_in *in, const ka_crop_face *faces, int n)
{
    for (int i = 0; i < n; i++) {
        ka_crop_face f = { ka_rect_intersect(faces[i].box, in->bounds),
                           faces[i].weight > 0.0f ? faces[i].weight : 0.0f };
        if (f.box.w <= 0 || f.box.h <= 0)
            continue;
        if (in->n == KA_CROP_FACES && f.weight <= in->f[KA_CROP_FACES - 1].weight)
            continue;               /* full, and no heavier than the lightest kept */
        int j = in->n < KA_CROP_FACES ? in->n++ : KA_CROP_FACES - 1;
        for (; j > 0 && in->f[j - 1].weight < f.weight; j--)
            in->f[j] = in->f[j - 1];
        in->f[j] = f;
    }
    in->lead = in->n > 0 && in->f[0].weight > 0.0f ? 0 : -1;
    for (int i = 0; i < in->n; i++) {
        in->wsum += in->f[i].weight;
        in->n_matter += in->f[i].weight > 0.0f;
        in->guard[i] = ka_crop_face_margin(in->f[i].box, in->bounds, in->w, in->h);
    }
}

ka_rect ka_crop_faces(ka_rect bounds, ka_rect focus, int aw, int ah, const ka_crop_face *faces,
                      int n)
{
    ka_rect r = ka_crop_place(bounds, focus, aw, ah);
    if (!faces || n <= 0 || bounds.w <= 0 || bounds.h <= 0 || aw <= 0 || ah <= 0)
        return r;
    ka_crop_in in;
    memset(&in, 0, sizeof(in));
    in.bounds = bounds;
    in.focus = focus.w > 0 && focus.h > 0 ? focus : bounds;
    in.w = r.w;
    in.h = r.h;
    ka_crop_prepare(&in, faces, n);
    if (in.n == 0)
        return r;
    int px[KA_CROP_POS], py[KA_CROP_POS];
    int nx = ka_crop_positions(&in, 0, bounds.x, bounds.w, r.w, px);
    int ny = ka_crop_positions(&in, 1, bounds.y, bounds.h, r.h, py);
    double best = INFINITY;
    for (int i = 0; i < nx; i++)
        for (int j = 0; j < ny; j++) {
            double c = ka_crop_cost(&in, px[i], py[j]);
            if (c < best) {
                best = c;
                r.x = px[i];
                r.y = py[j];
            }
        }
    return r;
}
