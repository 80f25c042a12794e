/* analyze.c: one picture through vision: a downscaled working copy (detection is
 * cheap on it), faces with their attributes measured on the full-resolution
 * picture, prominence, people and objects, BRISQUE; the candidate record.
 * A candidate's cost is kept down where it buys nothing for a thumbnail: only the
 * faces that matter (ka_face_matters) get eyes and an identity; the two most
 * prominent of them gender and the expression (the costliest model), this only
 * when they are at least 12% of the picture's height (smaller, an expression does
 * not read) and not turned away; objects are not looked for in a close-up (a face
 * 30% of the height or more). In a photo (ka_vision_faces: cast add, identify)
 * every face gets eyes, gender and identity. What each part costs is counted
 * (v->costs). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vision/vision_priv.h"

#define KA_BRISQUE_SIDE 512

float ka_face_prominence(ka_rect face, ka_rect content, float focus, float importance)
{
    if (content.w <= 0 || content.h <= 0 || face.w <= 0 || face.h <= 0)
        return 0.0f;
    double area = (double)face.w * face.h / ((double)content.w * content.h);
    float a = (float)fmin(1.0, area * 8.0);
    double cx = face.x + face.w / 2.0 - (content.x + content.w / 2.0);
    double cy = face.y + face.h / 2.0 - (content.y + content.h / 2.0);
    double half_diag = 0.5 * sqrt((double)content.w * content.w + (double)content.h * content.h);
    float pos = (float)fmax(0.0, 1.0 - sqrt(cx * cx + cy * cy) / half_diag);
    focus = fminf(1.0f, fmaxf(0.0f, focus));
    importance = fminf(1.0f, fmaxf(0.0f, importance));
    return 0.4f * a + 0.3f * pos + 0.2f * focus + 0.1f * importance;
}

static float ka_ramp01(float v, float a, float b)
{
    float t = (v - a) / (b - a);
    return t < 0.0f ? 0.0f : t > 1.0f ? 1.0f : t;
}

float ka_vision_face_quality(const ka_vision_cand *vc, ka_rect content)
{
    float largest = 0.0f;
    double sum = 0.0, wsum = 0.0;
    for (int i = 0; vc && i < vc->n_faces; i++)
        largest = fmaxf(largest, (float)vc->faces[i].box.h);
    for (int i = 0; vc && i < vc->n_faces; i++) {
        const ka_face *f = &vc->faces[i];
        if (!ka_face_matters(f, content, largest))
            continue;
        float eyes = f->eyes_open >= 0.0f ? fminf(1.0f, f->eyes_open) : KA_EYES_PRIOR;
        float readable = f->expression != KA_EXPR_UNKNOWN
                             ? ka_ramp01(f->expression_conf, 0.3f, 0.7f) : 0.5f;
        float q = 0.40f * fminf(1.0f, fmaxf(0.0f, f->focus)) + 0.35f * eyes + 0.25f * readable;
        double w = (double)f->box.w * f->box.h;
        sum += w * q;
        wsum += w;
    }
    return wsum > 0 ? (float)(sum / wsum) : -1.0f;
}

float ka_vision_brisque_quality(float brisque)
{
    return brisque < 0.0f ? -1.0f : ka_ramp01(brisque, 70.0f, 15.0f);
}

static void vision_side_free(void *data)
{
    ka_vision_cand_free(data);
}

const ka_side_kind ka_vision_side = { "faces", vision_side_free };

const ka_vision_cand *ka_vision_of(const ka_candidate *cand)
{
    return ka_candidate_side(cand, &ka_vision_side);
}

ka_vision_cand *ka_vision_edit(ka_candidate *cand)
{
    return ka_candidate_side(cand, &ka_vision_side);
}

int ka_vision_attach(ka_candidate *cand, ka_vision_cand *vc)
{
    return ka_candidate_side_set(cand, &ka_vision_side, vc);
}

ka_vision_quality ka_vision_quality_of(const ka_candidate *cand)
{
    const ka_vision_cand *vc = ka_vision_of(cand);
    return vc ? vc->quality : (ka_vision_quality){ 0 };
}

ka_vision_cand *ka_vision_cand_new(int n_faces, int n_objects)
{
    ka_vision_cand *vc = calloc(1, sizeof(*vc));
    if (!vc)
        return NULL;
    vc->brisque = -1.0f;
    vc->faces = n_faces > 0 ? calloc((size_t)n_faces, sizeof(*vc->faces)) : NULL;
    vc->objects = n_objects > 0 ? calloc((size_t)n_objects, sizeof(*vc->objects)) : NULL;
    if ((n_faces > 0 && !vc->faces) || (n_objects > 0 && !vc->objects)) {
        ka_vision_cand_free(vc);
        return NULL;
    }
    vc->n_faces = n_faces > 0 ? n_faces : 0;
    vc->n_objects = n_objects > 0 ? n_objects : 0;
    for (int i = 0; i < vc->n_faces; i++)
        ka_vision_face_init(&vc->faces[i]);
    return vc;
}

void ka_vision_cand_free(ka_vision_cand *vc)
{
    if (!vc)
        return;
    free(vc->faces);
    free(vc->objects);
    free(vc);
}

/* The working copy: area of rgb, no larger than max_side. */
static int ka_work_copy(const ka_image *rgb, ka_rect area, int max_side, ka_image *work,
                        float *scale)
{
    int side = area.w > area.h ? area.w : area.h;
    if (side > max_side && side % max_side == 0) {    /* a whole factor: box averages */
        *scale = (float)max_side / (float)side;
        return ka_image_shrink(rgb, area, side / max_side, work);
    }
    ka_image crop = { 0 };
    int whole = area.x == 0 && area.y == 0 && area.w == rgb->width && area.h == rgb->height;
    int err = whole ? 0 : ka_image_crop(rgb, area, &crop);
    if (err)
        return err;
    const ka_image *src = whole ? rgb : &crop;
    int m = src->width > src->height ? src->width : src->height;
    *scale = m > max_side ? (float)max_side / (float)m : 1.0f;
    if (*scale == 1.0f) {           /* small enough: a plain copy (or the crop itself) */
        if (whole)
            return ka_image_crop(rgb, area, work);
        *work = crop;
        return 0;
    }
    int w = (int)lroundf((float)src->width * *scale), h = (int)lroundf((float)src->height * *scale);
    err = ka_image_resize(src, w < 1 ? 1 : w, h < 1 ? 1 : h, work);
    ka_image_free(&crop);
    return err;
}

static ka_rect ka_clamp_area(ka_rect a, const ka_image *img)
{
    if (a.w <= 0 || a.h <= 0)
        return (ka_rect){ 0, 0, img->width, img->height };
    if (a.x < 0) { a.w += a.x; a.x = 0; }
    if (a.y < 0) { a.h += a.y; a.y = 0; }
    if (a.x + a.w > img->width) a.w = img->width - a.x;
    if (a.y + a.h > img->height) a.h = img->height - a.y;
    if (a.w <= 0 || a.h <= 0)
        return (ka_rect){ 0, 0, img->width, img->height };
    return a;
}

/* A detected box kept inside the picture (at least one pixel). */
static ka_rect ka_clamp_box(ka_rect a, const ka_image *img)
{
    int x1 = a.x + a.w, y1 = a.y + a.h;
    a.x = a.x < 0 ? 0 : a.x > img->width - 1 ? img->width - 1 : a.x;
    a.y = a.y < 0 ? 0 : a.y > img->height - 1 ? img->height - 1 : a.y;
    x1 = x1 > img->width ? img->width : x1;
    y1 = y1 > img->height ? img->height : y1;
    a.w = x1 - a.x < 1 ? 1 : x1 - a.x;
    a.h = y1 - a.y < 1 ? 1 : y1 - a.y;
    return a;
}

/* What to measure on face i of n: the faces that matter get eyes and identity, and
 * the KA_FACE_EXPRESSION_MAX most prominent of them gender and, when tall enough to
 * read one, an expression (the second one only when at least 60% of the lead's
 * height: the only rule that reads a second face's expression is select's pair
 * rule, which takes no smaller one); the others (too small beside the lead to
 * matter for a thumbnail, and too small to tell people apart well) nothing but
 * landmarks. */
static int ka_face_wants(const ka_face *faces, int n, int i, ka_rect area)
{
    float largest = 0.0f;
    for (int j = 0; j < n; j++)
        largest = fmaxf(largest, (float)faces[j].box.h);
    const ka_face *f = &faces[i], *lead = NULL;
    if (!ka_face_matters(f, area, largest))
        return 0;
    int before = 0;                 /* faces that matter and are more prominent */
    for (int j = 0; j < n; j++) {
        const ka_face *g = &faces[j];
        if (j == i || !ka_face_matters(g, area, largest) || g->prominence < f->prominence ||
            (g->prominence == f->prominence && j > i))
            continue;
        before++;
        lead = !lead || g->prominence > lead->prominence ? g : lead;
    }
    int readable = f->box.h >= KA_FACE_MIN_EXPRESSION &&
                   (float)f->box.h >= KA_FACE_EXPRESSION_FRAC * (float)area.h &&
                   (!lead || f->box.h >= 0.6f * (float)lead->box.h);
    if (before >= KA_FACE_EXPRESSION_MAX)
        return KA_ATTR_EYES | KA_ATTR_IDENTITY;
    return KA_ATTR_EYES | KA_ATTR_IDENTITY | KA_ATTR_GENDER | (readable ? KA_ATTR_EXPRESSION : 0);
}

/* Detection and attributes on a prepared working copy: for a candidate (select),
 * those that ka_face_wants gives each face; for a photo (cast add, identify), every
 * face gets its eyes, gender and identity too. */
static int ka_faces_on(ka_vision *v, const ka_image *rgb, ka_rect area, const ka_image *work,
                       const ka_image *gray, float s, double frame_var, int select,
                       ka_face **faces, int *n)
{
    double t0 = ka_vision_clock();
    int err = ka_vision_detect(v, work, gray, faces, n);
    ka_vision_cost_add(v, KA_T_DETECT, t0);
    if (err)
        return err;
    t0 = ka_vision_clock();
    ka_vision_face_focus(*faces, *n, gray, 1.0f, frame_var);
    for (int i = 0; i < *n; i++) {
        ka_face *f = &(*faces)[i];
        f->box = ka_clamp_box((ka_rect){ area.x + (int)lroundf((float)f->box.x / s),
                                          area.y + (int)lroundf((float)f->box.y / s),
                                          (int)lroundf((float)f->box.w / s),
                                          (int)lroundf((float)f->box.h / s) }, rgb);
        for (int j = 0; j < f->n_landmarks; j++) {
            f->landmarks[j][0] = (float)area.x + f->landmarks[j][0] / s;
            f->landmarks[j][1] = (float)area.y + f->landmarks[j][1] / s;
        }
        f->prominence = ka_face_prominence(f->box, area, f->focus, 0.5f);
    }
    v->costs.cpu_s[KA_T_PREPARE] += ka_vision_clock() - t0;
    int every = select ? 0 : KA_ATTR_EYES | KA_ATTR_GENDER | KA_ATTR_IDENTITY;
    for (int i = 0; i < *n && !err && v->opts.attributes; i++)
        err = ka_vision_face_attributes(v, rgb, &(*faces)[i],
                                        ka_face_wants(*faces, *n, i, area) | every);
    if (err) {
        free(*faces);
        *faces = NULL;
        *n = 0;
    }
    return err;
}

static int ka_check_rgb(const ka_image *rgb)
{
    if (!rgb || !rgb->data || rgb->width <= 0 || rgb->height <= 0 || rgb->channels != 3)
        return ka_error(KA_EINVAL, "vision needs an RGB picture");
    return 0;
}

int ka_vision_faces(ka_vision *v, const ka_image *rgb, ka_rect area, ka_face **faces, int *n)
{
    *faces = NULL;
    *n = 0;
    int err = v ? ka_check_rgb(rgb) : ka_error(KA_EINVAL, "no vision context");
    if (err)
        return err;
    area = ka_clamp_area(area, rgb);
    ka_image work = { 0 }, gray = { 0 };
    float s;
    double t0 = ka_vision_clock();
    v->costs.pictures++;
    err = ka_work_copy(rgb, area, v->opts.max_side, &work, &s);
    if (!err)
        err = ka_vision_gray(&work, &gray);
    double fv = err ? 0 : ka_vision_laplacian_var(&gray, (ka_rect){ 0, 0, gray.width, gray.height });
    ka_vision_cost_add(v, KA_T_PREPARE, t0);
    if (!err)
        err = ka_faces_on(v, rgb, area, &work, &gray, s, fv, 0, faces, n);
    ka_image_free(&work);
    ka_image_free(&gray);
    return err;
}

static void ka_scale_objects(ka_object *o, int n, ka_rect area, float s)
{
    for (int i = 0; i < n; i++)
        o[i].box = (ka_rect){ area.x + (int)lroundf((float)o[i].box.x / s),
                              area.y + (int)lroundf((float)o[i].box.y / s),
                              (int)lroundf((float)o[i].box.w / s),
                              (int)lroundf((float)o[i].box.h / s) };
}

static float ka_brisque(ka_vision *v, const ka_image *gray)
{
    ka_image small = { 0 };
    int m = gray->width > gray->height ? gray->width : gray->height;
    const ka_image *img = gray;
    if (m > KA_BRISQUE_SIDE) {
        float s = (float)KA_BRISQUE_SIDE / (float)m;
        if (ka_image_resize(gray, (int)lroundf((float)gray->width * s),
                            (int)lroundf((float)gray->height * s), &small))
            return -1.0f;
        img = &small;
    }
    double b = ka_cv_brisque_score(v->brisque, img);
    ka_image_free(&small);
    return b < 0 ? -1.0f : (float)fmin(100.0, b);
}

int ka_vision_analyze(ka_vision *v, const ka_image *rgb, ka_rect content, ka_vision_cand **out)
{
    *out = NULL;
    int err = v ? ka_check_rgb(rgb) : ka_error(KA_EINVAL, "no vision context");
    if (err)
        return err;
    ka_vision_cand *vc = ka_vision_cand_new(0, 0);
    if (!vc)
        return ka_error(KA_ENOMEM, "no memory for a vision record");
    vc->detector = v->detector;
    content = ka_clamp_area(content, rgb);
    ka_image work = { 0 }, gray = { 0 };
    float s;
    double t0 = ka_vision_clock();
    v->costs.pictures++;
    err = ka_work_copy(rgb, content, v->opts.max_side, &work, &s);
    if (!err)
        err = ka_vision_gray(&work, &gray);
    if (!err)
        vc->frame_sharpness = (float)ka_vision_laplacian_var(
            &gray, (ka_rect){ 0, 0, gray.width, gray.height });
    ka_vision_cost_add(v, KA_T_PREPARE, t0);
    if (!err) {
        err = ka_faces_on(v, rgb, content, &work, &gray, s, vc->frame_sharpness, 1, &vc->faces,
                          &vc->n_faces);
    }
    float lead = 0.0f;
    for (int i = 0; i < vc->n_faces; i++)
        lead = fmaxf(lead, (float)vc->faces[i].box.h / (float)content.h);
    t0 = ka_vision_clock();
    if (!err && v->opts.objects && lead < KA_OBJECTS_SKIP_FRAC) {
        err = ka_vision_objects(v, &work, &vc->objects, &vc->n_objects);
        ka_vision_cost_add(v, KA_T_OBJECTS, t0);
    }
    if (!err) {
        ka_scale_objects(vc->objects, vc->n_objects, content, s);
        for (int i = 0; i < vc->n_objects; i++) {
            vc->n_kind[vc->objects[i].kind]++;
            float hf = (float)vc->objects[i].box.h / (float)content.h;
            if (vc->objects[i].kind == KA_OBJ_PERSON && hf > vc->person_frac)
                vc->person_frac = fminf(1.0f, hf);
        }
        t0 = ka_vision_clock();
        if (v->brisque) {
            vc->brisque = ka_brisque(v, &gray);
            ka_vision_cost_add(v, KA_T_BRISQUE, t0);
        }
    }
    ka_image_free(&work);
    ka_image_free(&gray);
    if (err) {
        ka_vision_cand_free(vc);
        return err;
    }
    *out = vc;
    return 0;
}
