/* analyze.c: one picture through vision: a downscaled working copy (detection is
 * cheap on it), faces with their attributes measured on the full-resolution
 * picture, prominence, people and objects, BRISQUE; the candidate record.
 * Cost is kept down where it buys nothing for a thumbnail: the expression model
 * (the costliest) runs on the two largest faces only, and only when they are at
 * least 12% of the picture's height (smaller, an expression does not read); objects
 * are not looked for in a close-up (a face 30% of the height or more). */
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

static void ka_vision_ext_free(void *ext)
{
    ka_vision_cand_free(ext);
}

const ka_vision_cand *ka_vision_of(const ka_candidate *cand)
{
    const ka_cand_ext *e = cand ? cand->ext : NULL;
    return e && e->free_fn == ka_vision_ext_free ? (const ka_vision_cand *)e : NULL;
}

ka_vision_cand *ka_vision_cand_new(int n_faces, int n_objects)
{
    ka_vision_cand *vc = calloc(1, sizeof(*vc));
    if (!vc)
        return NULL;
    vc->ext.free_fn = ka_vision_ext_free;
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

/* Detection and attributes on a prepared working copy. */
static int ka_faces_on(ka_vision *v, const ka_image *rgb, ka_rect area, const ka_image *work,
                       const ka_image *gray, float s, double frame_var, ka_face **faces, int *n)
{
    int err = ka_vision_detect(v, work, gray, faces, n);
    if (err)
        return err;
    ka_vision_face_focus(*faces, *n, gray, 1.0f, frame_var);
    for (int i = 0; i < *n && !err; i++) {
        /* rank by area: expression only for the largest few */
        int larger = 0;
        for (int j = 0; j < *n; j++)
            larger += (double)(*faces)[j].box.w * (*faces)[j].box.h >
                      (double)(*faces)[i].box.w * (*faces)[i].box.h;
        ka_face *f = &(*faces)[i];
        f->box = ka_clamp_box((ka_rect){ area.x + (int)lroundf((float)f->box.x / s),
                                          area.y + (int)lroundf((float)f->box.y / s),
                                          (int)lroundf((float)f->box.w / s),
                                          (int)lroundf((float)f->box.h / s) }, rgb);
        for (int j = 0; j < f->n_landmarks; j++) {
            f->landmarks[j][0] = (float)area.x + f->landmarks[j][0] / s;
            f->landmarks[j][1] = (float)area.y + f->landmarks[j][1] / s;
        }
        int readable = f->box.h >= KA_FACE_MIN_EXPRESSION &&
                       (float)f->box.h >= KA_FACE_EXPRESSION_FRAC * (float)area.h;
        if (v->opts.attributes)
            err = ka_vision_face_attributes(v, rgb, f, larger < KA_FACE_EXPRESSION_MAX && readable);
        f->prominence = ka_face_prominence(f->box, area, f->focus, 0.5f);
    }
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
    err = ka_work_copy(rgb, area, v->opts.max_side, &work, &s);
    if (!err)
        err = ka_vision_gray(&work, &gray);
    double fv = err ? 0 : ka_vision_laplacian_var(&gray, (ka_rect){ 0, 0, gray.width, gray.height });
    if (!err)
        err = ka_faces_on(v, rgb, area, &work, &gray, s, fv, faces, n);
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
    err = ka_work_copy(rgb, content, v->opts.max_side, &work, &s);
    if (!err)
        err = ka_vision_gray(&work, &gray);
    if (!err) {
        vc->frame_sharpness = (float)ka_vision_laplacian_var(
            &gray, (ka_rect){ 0, 0, gray.width, gray.height });
        err = ka_faces_on(v, rgb, content, &work, &gray, s, vc->frame_sharpness, &vc->faces,
                          &vc->n_faces);
    }
    float lead = 0.0f;
    for (int i = 0; i < vc->n_faces; i++)
        lead = fmaxf(lead, (float)vc->faces[i].box.h / (float)content.h);
    if (!err && v->opts.objects && lead < KA_OBJECTS_SKIP_FRAC)
        err = ka_vision_objects(v, &work, &vc->objects, &vc->n_objects);
    if (!err) {
        ka_scale_objects(vc->objects, vc->n_objects, content, s);
        for (int i = 0; i < vc->n_objects; i++) {
            vc->n_kind[vc->objects[i].kind]++;
            float hf = (float)vc->objects[i].box.h / (float)content.h;
            if (vc->objects[i].kind == KA_OBJ_PERSON && hf > vc->person_frac)
                vc->person_frac = fminf(1.0f, hf);
        }
        if (v->brisque)
            vc->brisque = ka_brisque(v, &gray);
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
