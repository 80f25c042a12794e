/* report.c: report.html, `keyart analyze --report`: the dashboard's title view as one
 * self-contained file that opens from disk with no server. It holds the title view
 * model (docs/dashboard.md) as JSON, the dashboard's own style.css, dom.js and
 * title.js (built into the library: ka_web_file_find), and every picture as a data:
 * URI, shrunk so that the file stays small (variants 640 px wide, crops and candidate
 * frames 480). */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyart/json.h"
#include "keyart/output.h"
#include "keyart/vision.h"
#include "output/output_internal.h"

enum { REPORT_FULL_W = 640, REPORT_SMALL_W = 480, REPORT_JPEG_Q = 82 };

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* "data:image/jpeg;base64,..." of n bytes; NULL on out of memory. */
static char *data_uri(const uint8_t *p, size_t n)
{
    static const char head[] = "data:image/jpeg;base64,";
    char *s = malloc(sizeof head + (n + 2) / 3 * 4);
    if (!s)
        return NULL;
    char *o = s + sizeof head - 1;
    memcpy(s, head, sizeof head - 1);
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        *o++ = b64[v >> 18 & 63];
        *o++ = b64[v >> 12 & 63];
        *o++ = i + 1 < n ? b64[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? b64[v & 63] : '=';
    }
    *o = 0;
    return s;
}

/* The JPEG at path, no wider than max_w, as a data: URI string (a new reference);
 * NULL with the error set when it cannot be read. */
static json_t *image_uri(const char *path, int max_w)
{
    ka_image img = { 0 }, small = { 0 };
    uint8_t *buf = NULL;
    size_t size = 0;
    int rc = ka_image_read_jpeg(path, &img);
    const ka_image *use = &img;
    if (rc == 0 && img.width > max_w) {
        int h = (int)((double)img.height * max_w / img.width + 0.5);
        rc = ka_image_resize(&img, max_w, h < 1 ? 1 : h, &small);
        use = &small;
    }
    if (rc == 0)
        rc = ka_image_encode_jpeg(use, REPORT_JPEG_Q, &buf, &size);
    ka_image_free(&img);
    ka_image_free(&small);
    if (rc < 0)
        return NULL;
    char *s = data_uri(buf, size);
    free(buf);
    json_t *j = s ? json_string(s) : NULL;
    free(s);
    if (!j)
        ka_error(KA_ENOMEM, "no memory for the report's picture of %s", path);
    return j;
}

/* variant["urls"]: each of its pictures in dir (written by ka_output_prepare). */
static int variant_urls(const char *dir, json_t *v)
{
    json_t *images = json_object_get(v, "images"), *urls = json_object();
    const char *shape;
    json_t *name;
    if (!urls || !json_is_object(images))
        return ka_error(KA_EINTERNAL, "report: a variant without images");
    json_object_set_new(v, "urls", urls);
    json_object_foreach(images, shape, name) {
        char path[PATH_MAX];
        int rc = ka_out_path(path, sizeof path, dir, json_string_value(name));
        json_t *uri = rc ? NULL
                         : image_uri(path, strcmp(shape, "full") ? REPORT_SMALL_W : REPORT_FULL_W);
        if (!uri)
            return rc ? rc : KA_EIO;
        json_object_set_new(urls, shape, uri);
    }
    json_object_set_new(v, "pinned", json_false());
    json_object_set_new(v, "excluded", json_false());
    return 0;
}

static int chosen_as(const ka_selection *sel, int cand)
{
    for (int i = 0; i < sel->n_variants; i++)
        if (sel->variants[i].cand == cand)
            return sel->variants[i].number;
    return 0;
}

static json_t *candidates_json(const ka_title *t, const ka_selection *sel)
{
    json_t *a = json_array();
    for (int i = 0; a && i < t->n_cands; i++) {
        const ka_candidate *c = &t->cands[i];
        int n = chosen_as(sel, i);
        json_t *img = c->spool_path ? image_uri(c->spool_path, REPORT_SMALL_W) : NULL;
        json_t *o = json_pack("{s:i, s:I, s:o, s:i, s:o, s:o, s:o, s:o}", "index", i,
            "frame", (json_int_t)c->frame, "time_s", ka_json_real(c->time_s, 3),
            "shot", c->shot, "quality_score", ka_json_real(c->quality_score, 4),
            "appeal", ka_json_real(c->appeal, 4),
            "variant_number", n ? json_integer(n) : json_null(),
            "image", img ? img : json_null());
        if (!o || json_array_append_new(a, o)) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* The faces named name, from every candidate's vision record. */
static json_t *faces_of(const ka_title *t, const char *name)
{
    json_t *a = json_array();
    for (int i = 0; a && i < t->n_cands; i++) {
        const ka_vision_cand *vc = ka_vision_of(&t->cands[i]);
        for (int k = 0; vc && k < vc->n_faces; k++) {
            const ka_face *f = &vc->faces[k];
            if (strcmp(f->name, name))
                continue;
            json_array_append_new(a, json_pack("{s:i, s:o, s:[i, i, i, i], s:n}",
                "candidate_index", i, "time_s", ka_json_real(t->cands[i].time_s, 3), "box",
                f->box.x, f->box.y, f->box.w, f->box.h, "image"));
        }
    }
    return a;
}

/* [{"name", "role", "faces"}] in the order of metadata's title.characters. */
static json_t *cast_json(const ka_title *t, json_t *characters)
{
    json_t *a = json_array(), *c;
    size_t i;
    json_array_foreach(characters, i, c) {
        const char *name = json_string_value(json_object_get(c, "name"));
        if (a && name)
            json_array_append_new(a, json_pack("{s:s, s:O, s:o}", "name", name, "role",
                                               json_object_get(c, "role"), "faces",
                                               faces_of(t, name)));
    }
    return a;
}

/* The title view model of the contract (docs/dashboard.md), images as data: URIs. */
static json_t *report_model(const char *dir, const ka_title *t, const ka_selection *sel,
                            const char *genre)
{
    json_t *meta = ka_metadata_json(t, sel, genre);
    json_t *title = json_object_get(meta, "title"), *variants = json_object_get(meta, "variants");
    if (!meta || !title || !variants) {
        json_decref(meta);
        ka_error(KA_ENOMEM, "no memory for the report's model");
        return NULL;
    }
    json_t *v;
    size_t i;
    int rc = 0;
    json_array_foreach(variants, i, v)
        if (!rc)
            rc = variant_urls(dir, v);
    json_t *m = rc ? NULL : json_pack("{s:s, s:O, s:o, s:o, s:O, s:o, s:{s:n, s:[]}}",
        "title_id", t->id, "title", title, "shots", ka_shots_json(t),
        "candidates", candidates_json(t, sel), "variants", variants,
        "cast", cast_json(t, json_object_get(title, "characters")),
        "controls", "pinned", "excluded");
    json_decref(meta);
    if (!m && !rc)
        ka_error(KA_ENOMEM, "no memory for the report's model");
    return m;
}

/* s with every '<' as \u003c: JSON that no "</script>" inside a string can end early. */
static int put_json(FILE *f, const char *s)
{
    for (; *s; s++)
        if (*s == '<' ? fputs("\\u003c", f) < 0 : fputc(*s, f) == EOF)
            return -1;
    return 0;
}

static void put_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* One of the dashboard's files, inlined in an element it must not end. */
static int put_file(FILE *f, const char *name, const char *tag)
{
    const ka_web_file *w = ka_web_file_find(name);
    char end[16];
    snprintf(end, sizeof end, "</%s", tag);
    if (!w)
        return ka_error(KA_EINTERNAL, "report: the dashboard's %s is not built in", name);
    if (strstr((const char *)w->data, end))
        return ka_error(KA_EINTERNAL, "report: %s holds \"%s\" and cannot be inlined", name, end);
    fprintf(f, "<%s>\n%s</%s>\n", tag, (const char *)w->data, tag);
    return 0;
}

static int put_page(FILE *f, const ka_title *t, const char *json)
{
    fputs("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>keyart report: ", f);
    put_text(f, t->id);
    fputs("</title>\n", f);
    int rc = put_file(f, "style.css", "style");
    if (rc)
        return rc;
    fputs("</head>\n<body>\n<header class=\"bar\"><span class=\"brand\">keyart</span>"
          "<span>offline report, keyart ", f);
    put_text(f, ka_version());
    fputs("</span></header>\n<div id=\"status\" class=\"status\" role=\"status\"></div>\n"
          "<main id=\"app\"><h1>", f);
    put_text(f, t->id);
    fputs("</h1><noscript><p>This report shows its pictures with JavaScript: allow it for "
          "this file.</p></noscript></main>\n"
          "<script type=\"application/json\" id=\"keyart-model\">", f);
    if (put_json(f, json) < 0)
        return ka_error(KA_EIO, "report: cannot write: out of space?");
    fputs("</script>\n", f);
    if ((rc = put_file(f, "dom.js", "script")) || (rc = put_file(f, "title.js", "script")))
        return rc;
    fputs("</body>\n</html>\n", f);
    return 0;
}

int ka_report_write(const char *dir, const ka_title *t, const ka_selection *sel,
                    const char *genre)
{
    char path[PATH_MAX];
    int rc = ka_out_path(path, sizeof path, dir, "report.html");
    if (rc)
        return rc;
    json_t *m = report_model(dir, t, sel, genre);
    if (!m)
        return ka_error(KA_EIO, "report %s: %s", path, ka_error_message());
    char *json = json_dumps(m, JSON_COMPACT | KA_JSON_REAL);
    json_decref(m);
    if (!json)
        return ka_error(KA_ENOMEM, "no memory for the report's JSON");
    FILE *f = fopen(path, "w");
    if (!f) {
        free(json);
        return ka_error(KA_EIO, "cannot write %s: %s", path, strerror(errno));
    }
    rc = put_page(f, t, json);
    free(json);
    int bad = ferror(f);
    if ((fclose(f) != 0 || bad) && !rc)
        rc = ka_error(KA_EIO, "cannot write %s: %s", path, strerror(errno));
    return rc;
}
