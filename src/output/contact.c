/* contact.c: the contact sheet, one picture with every variant as a thumbnail and a
 * label under it (number, slot, scene, composition, score, time), so a person can
 * judge a title's result at a glance. Text is drawn with libgd's built-in fonts. */
#include <gd.h>
#include <gdfontmb.h>
#include <gdfonts.h>
#include <stdio.h>
#include <string.h>

#include "keyart/json.h"
#include "keyart/output.h"
#include "output/output_internal.h"

int ka_sheet_thumb_h(int cw, int ch)
{
    if (cw <= 0 || ch <= 0)
        return KA_SHEET_THUMB_W * 9 / 16;
    long h = ((long)KA_SHEET_THUMB_W * ch + cw / 2) / cw;
    return h < 90 ? 90 : h > 400 ? 400 : (int)h;
}

static int sheet_cols(int n)
{
    return n < 1 ? 1 : n < KA_SHEET_COLS ? n : KA_SHEET_COLS;
}

void ka_sheet_size(int n, int thumb_h, int *width, int *height)
{
    int cols = sheet_cols(n);
    int rows = n < 1 ? 1 : (n + cols - 1) / cols;
    *width = KA_SHEET_PAD + cols * (KA_SHEET_THUMB_W + KA_SHEET_PAD);
    *height = KA_SHEET_HEADER_H + rows * (thumb_h + KA_SHEET_LABEL_H + KA_SHEET_PAD);
}

/* Copies src fitted (aspect kept) and centred into the box at (x, y) of size bw x bh. */
static void blit_fitted(gdImagePtr im, const ka_image *src, int x, int y, int bw, int bh)
{
    if (!src || !src->data || src->width <= 0 || src->height <= 0)
        return;
    double s = (double)bw / src->width;
    if ((double)bh / src->height < s)
        s = (double)bh / src->height;
    int w = (int)(src->width * s + 0.5), h = (int)(src->height * s + 0.5);
    w = w < 1 ? 1 : w > bw ? bw : w;
    h = h < 1 ? 1 : h > bh ? bh : h;
    int ox = x + (bw - w) / 2, oy = y + (bh - h) / 2;
    for (int j = 0; j < h; j++) {
        int sy = (int)((j + 0.5) / s);
        sy = sy >= src->height ? src->height - 1 : sy;
        const uint8_t *row = src->data + (size_t)sy * src->stride;
        for (int i = 0; i < w; i++) {
            int sx = (int)((i + 0.5) / s);
            sx = sx >= src->width ? src->width - 1 : sx;
            const uint8_t *p = row + (size_t)sx * src->channels;
            int g = p[0];
            im->tpixels[oy + j][ox + i] = src->channels >= 3 ? gdTrueColor(p[0], p[1], p[2])
                                                             : gdTrueColor(g, g, g);
        }
    }
}

static void format_time(double t, char *buf, size_t size)
{
    if (t < 0)
        t = 0;
    int ms = (int)((t - (long)t) * 100 + 0.5) % 100;
    long s = (long)t;
    snprintf(buf, size, "%ld:%02ld:%02ld.%02d", s / 3600, (s / 60) % 60, s % 60, ms);
}

static void draw_label(gdImagePtr im, const ka_title *t, const ka_variant *v, int x, int y)
{
    gdFontPtr bold = gdFontGetMediumBold(), small = gdFontGetSmall();
    int fg = gdTrueColor(235, 235, 235), dim = gdTrueColor(170, 170, 170);
    const ka_candidate *c = &t->cands[v->cand];
    char line[96], when[32];
    format_time(c->time_s, when, sizeof when);
    snprintf(line, sizeof line, "#%d  %s", v->number, v->slot ? v->slot : "?");
    gdImageString(im, bold, x, y, (unsigned char *)line, fg);
    snprintf(line, sizeof line, "%s / %s", ka_scene_name(v->content.scene),
             ka_composition_name(v->content.composition));
    gdImageString(im, small, x, y + 15, (unsigned char *)line, fg);
    snprintf(line, sizeof line, "score %.2f  q %.2f  t %s  shot %d", v->score, c->quality_score,
             when, c->shot);
    gdImageString(im, small, x, y + 29, (unsigned char *)line, dim);
}

static void draw_header(gdImagePtr im, const ka_title *t, const ka_selection *sel,
                        const char *genre)
{
    char line[256];
    int fg = gdTrueColor(255, 255, 255), dim = gdTrueColor(190, 190, 190);
    snprintf(line, sizeof line, "%s  [%s]", t->id ? t->id : "(untitled)",
             genre ? genre : "drama");
    gdImageString(im, gdFontGetMediumBold(), KA_SHEET_PAD, 2, (unsigned char *)line, fg);
    snprintf(line, sizeof line, "%d variants, %d shots, %d candidates, %.1f s",
             sel->n_variants, t->n_shots, t->n_cands, t->duration_s);
    gdImageString(im, gdFontGetSmall(), KA_SHEET_PAD, 15, (unsigned char *)line, dim);
    if (sel->n_variants == 0 && sel->why_fewer[0])
        gdImageString(im, gdFontGetSmall(), KA_SHEET_PAD, KA_SHEET_HEADER_H + 8,
                      (unsigned char *)sel->why_fewer, gdTrueColor(255, 200, 120));
}

static int gd_to_image(gdImagePtr im, ka_image *out)
{
    int w = gdImageSX(im), h = gdImageSY(im);
    int rc = ka_image_alloc(out, w, h, 3);
    if (rc < 0)
        return rc;
    for (int y = 0; y < h; y++) {
        uint8_t *row = out->data + (size_t)y * out->stride;
        for (int x = 0; x < w; x++) {
            int p = im->tpixels[y][x];
            row[3 * x] = (uint8_t)gdTrueColorGetRed(p);
            row[3 * x + 1] = (uint8_t)gdTrueColorGetGreen(p);
            row[3 * x + 2] = (uint8_t)gdTrueColorGetBlue(p);
        }
    }
    return 0;
}

int ka_sheet_render(const ka_title *t, const ka_selection *sel, const char *genre,
                    const ka_image *thumbs, ka_image *out)
{
    int n = sel->n_variants, th = ka_sheet_thumb_h(t->content.w, t->content.h);
    int w, h, cols = sheet_cols(n);
    ka_sheet_size(n, th, &w, &h);
    gdImagePtr im = gdImageCreateTrueColor(w, h);
    if (!im)
        return ka_error(KA_ENOMEM, "no memory for a %dx%d contact sheet", w, h);
    gdImageFilledRectangle(im, 0, 0, w - 1, h - 1, gdTrueColor(24, 24, 28));
    draw_header(im, t, sel, genre);
    for (int i = 0; i < n; i++) {
        const ka_variant *v = &sel->variants[i];
        int x = KA_SHEET_PAD + (i % cols) * (KA_SHEET_THUMB_W + KA_SHEET_PAD);
        int y = KA_SHEET_HEADER_H + (i / cols) * (th + KA_SHEET_LABEL_H + KA_SHEET_PAD);
        gdImageFilledRectangle(im, x, y, x + KA_SHEET_THUMB_W - 1, y + th - 1,
                               gdTrueColor(0, 0, 0));
        blit_fitted(im, &thumbs[i], x, y, KA_SHEET_THUMB_W, th);
        if (v->cand >= 0 && v->cand < t->n_cands)
            draw_label(im, t, v, x + 2, y + th + 4);
    }
    int rc = gd_to_image(im, out);
    gdImageDestroy(im);
    return rc;
}
