/* write.c: ka_output_write, everything an analysis leaves in its output folder:
 * variant_NN.jpg (full frame without bars), variant_NN_{16x9,2x3,1x1}.jpg crops,
 * shots.json, shots.csv, contact_sheet.jpg and, last, metadata.json, into a hidden
 * sibling of the folder that then takes the folder's place at once (stage.c): the
 * folder holds the old result or the new one, never a mix. ka_output_prepare and
 * ka_output_commit are the two halves, for a caller that stores elsewhere between. */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keyart/json.h"
#include "keyart/output.h"
#include "output/output_internal.h"

static int write_crop(const char *dir, const char *name, const ka_image *full, ka_rect r,
                      int quality)
{
    char path[PATH_MAX];
    ka_image img = { 0 };
    int rc = ka_out_path(path, sizeof path, dir, name);
    if (rc < 0)
        return rc;
    rc = ka_image_crop(full, r, &img);
    if (rc < 0)
        return ka_error(rc, "cannot crop %s (%d,%d %dx%d of %dx%d)", path, r.x, r.y, r.w,
                        r.h, full->width, full->height);
    rc = ka_out_write_jpeg(path, &img, quality);
    ka_image_free(&img);
    return rc;
}

/* The content picture scaled to fit the contact sheet's thumbnail box. */
static int make_thumb(const ka_image *full, ka_rect content, int box_h, ka_image *thumb)
{
    ka_image img = { 0 };
    int rc = ka_image_crop(full, content, &img);
    if (rc < 0)
        return rc;
    double s = (double)KA_SHEET_THUMB_W / img.width;
    if ((double)box_h / img.height < s)
        s = (double)box_h / img.height;
    int w = (int)(img.width * s + 0.5), h = (int)(img.height * s + 0.5);
    rc = ka_image_resize(&img, w < 1 ? 1 : w, h < 1 ? 1 : h, thumb);
    ka_image_free(&img);
    return rc;
}

static int read_spool(const ka_candidate *c, int number, ka_image *full)
{
    if (!c->spool_path)
        return ka_error(KA_EINTERNAL, "variant %d: frame %lld has no spooled picture",
                        number, (long long)c->frame);
    int rc = ka_image_read_jpeg(c->spool_path, full);
    if (rc < 0) {
        char why[512];
        snprintf(why, sizeof why, "%s", ka_error_message());
        return ka_error(rc == KA_ENOMEM ? rc : KA_EIO,
                        "variant %d: cannot read the spooled frame %s: %s", number,
                        c->spool_path, why);
    }
    return 0;
}

static int write_variant(const char *dir, const ka_title *t, const ka_variant *v,
                         int quality, int box_h, ka_image *thumb)
{
    const ka_candidate *c = &t->cands[v->cand];
    ka_image full = { 0 };
    int rc = read_spool(c, v->number, &full);
    if (rc < 0)
        return rc;
    int fw = c->width > 0 ? c->width : t->info.width;
    int fh = c->height > 0 ? c->height : t->info.height;
    ka_rect content = t->content.w > 0 && t->content.h > 0 ? t->content
                                                          : (ka_rect){ 0, 0, fw, fh };
    content = ka_rect_map(content, fw, fh, full.width, full.height);
    char name[64];
    snprintf(name, sizeof name, "variant_%02d.jpg", v->number);
    rc = write_crop(dir, name, &full, content, quality);
    for (int s = 0; rc >= 0 && s < KA_SHAPE_COUNT; s++) {
        ka_rect r = v->crops[s];
        if (r.w <= 0 || r.h <= 0) {  /* not placed: centre it on the salient region */
            int aw, ah;
            ka_shape_aspect(s, &aw, &ah);
            r = ka_crop_place(t->content, c->salient, aw, ah);
        }
        snprintf(name, sizeof name, "variant_%02d_%s.jpg", v->number, ka_shape_name(s));
        rc = write_crop(dir, name, &full, ka_rect_map(r, fw, fh, full.width, full.height),
                        quality);
    }
    if (rc >= 0 && thumb)
        rc = make_thumb(&full, content, box_h, thumb);
    ka_image_free(&full);
    return rc;
}

/* Files of variants beyond n left by an earlier run into the same folder. */
static int check_args(const char *dir, const ka_title *t, const ka_selection *sel)
{
    if (!dir || !*dir || !t || !sel)
        return ka_error(KA_EINVAL, "ka_output_write: missing folder, title or selection");
    if (sel->n_variants < 0 || sel->n_variants > 99 || (sel->n_variants && !sel->variants))
        return ka_error(KA_EINVAL, "ka_output_write: bad variant count %d", sel->n_variants);
    for (int i = 0; i < sel->n_variants; i++) {
        const ka_variant *v = &sel->variants[i];
        if (v->cand < 0 || v->cand >= t->n_cands || !t->cands)
            return ka_error(KA_EINVAL, "variant %d refers to candidate %d of %d", v->number,
                            v->cand, t->n_cands);
        if (v->number < 1 || v->number > 99)
            return ka_error(KA_EINVAL, "variant number %d is out of range 1..99", v->number);
    }
    return 0;
}

static int write_named_json(const char *dir, const char *name, json_t *j)
{
    char path[PATH_MAX];
    int rc = ka_out_path(path, sizeof path, dir, name);
    if (rc == 0)
        rc = ka_out_write_json(path, j);
    json_decref(j);
    return rc;
}

static int write_sheet(const char *dir, const ka_title *t, const ka_selection *sel,
                       const char *genre, const ka_image *thumbs, int quality)
{
    char path[PATH_MAX];
    ka_image sheet = { 0 };
    int rc = ka_out_path(path, sizeof path, dir, "contact_sheet.jpg");
    if (rc == 0)
        rc = ka_sheet_render(t, sel, genre, thumbs, &sheet);
    if (rc == 0)
        rc = ka_out_write_jpeg(path, &sheet, quality);
    ka_image_free(&sheet);
    return rc;
}

static int write_shots(const char *dir, const ka_title *t)
{
    char path[PATH_MAX];
    int rc = write_named_json(dir, "shots.json", ka_shots_json(t));
    if (rc == 0)
        rc = ka_out_path(path, sizeof path, dir, "shots.csv");
    if (rc == 0)
        rc = ka_out_write_csv(path, t);
    return rc;
}

static int write_all(const char *dir, const ka_title *t, const ka_selection *sel,
                     const char *genre, int quality, int sheet, int report)
{
    int rc = 0;
    int n = sel->n_variants;
    int box_h = ka_sheet_thumb_h(t->content.w, t->content.h);
    ka_image *thumbs = calloc(n > 0 ? n : 1, sizeof *thumbs);
    if (!thumbs)
        return ka_error(KA_ENOMEM, "no memory for %d thumbnails", n);
    const char *stall = getenv("KEYART_TEST_OUTPUT_STALL");    /* tests: kill mid-write */
    for (int i = 0; rc == 0 && i < n; i++) {
        rc = write_variant(dir, t, &sel->variants[i], quality, box_h, sheet ? &thumbs[i] : NULL);
        if (i == 0 && stall && *stall)
            usleep((useconds_t)(atof(stall) * 1e6));
    }
    if (rc == 0)
        rc = write_shots(dir, t);
    if (rc == 0 && sheet)
        rc = write_sheet(dir, t, sel, genre, thumbs, quality);
    if (rc == 0 && report)
        rc = ka_report_write(dir, t, sel, genre);
    if (rc == 0)  /* last: its presence means the rest is complete */
        rc = write_named_json(dir, "metadata.json", ka_metadata_json(t, sel, genre));
    for (int i = 0; i < n; i++)
        ka_image_free(&thumbs[i]);
    free(thumbs);
    return rc;
}

int ka_output_prepare(const char *dir, const ka_title *t, const ka_selection *sel,
                      const char *genre, const ka_output_opts *opts, char *stage,
                      size_t size)
{
    int quality = opts && opts->jpeg_quality > 0 ? opts->jpeg_quality : 92;
    int sheet = opts ? opts->contact_sheet : 1;
    quality = quality > 100 ? 100 : quality;
    int rc = check_args(dir, t, sel);
    if (rc == 0)
        rc = ka_out_stage_open(dir, stage, size);
    if (rc < 0)
        return rc;
    rc = write_all(stage, t, sel, genre, quality, sheet, opts && opts->report);
    if (rc != 0)
        ka_out_stage_abort(stage);
    return rc;
}

int ka_output_commit(const char *stage, const char *dir)
{
    return ka_out_stage_commit(stage, dir);
}

void ka_output_abort(const char *stage)
{
    ka_out_stage_abort(stage);
}

int ka_output_write(const char *dir, const ka_title *t, const ka_selection *sel,
                    const char *genre, const ka_output_opts *opts)
{
    char stage[PATH_MAX];
    int rc = ka_output_prepare(dir, t, sel, genre, opts, stage, sizeof stage);
    return rc ? rc : ka_output_commit(stage, dir);
}
