/* read.c: what is stored, as JSON: the titles, a title's variants, its shots, its
 * candidates and its whole metadata (metadata.json's shape, rebuilt from the rows the
 * save wrote); and the quality parts of a title's candidates, back into
 * ka_cand_quality (analysis's parts and vision's).
 * Names and number formats are docs/json.md's, as metadata.json has them. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "store_priv.h"

static json_t *text_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

int ka_store_titles_json(ka_store *s, json_t **out)
{
    *out = NULL;
    ka_sql_res r;
    int err = ka_sql(s, &r, "SELECT title_id, genre, source, duration_s, n_shots,"
                     " n_candidates, n_variants, analysed_at, analysis_version FROM titles"
                     " WHERE analysed_at IS NOT NULL ORDER BY title_id", NULL, 0);
    if (err)
        return err;
    json_t *a = json_array();
    for (int i = 0; a && i < r.nrows; i++)
        json_array_append_new(a, json_pack("{s:o, s:o, s:o, s:o, s:I, s:I, s:I, s:o, s:I}",
            "title_id", text_or_null(ka_sql_text(&r, i, 0)),
            "genre", text_or_null(ka_sql_text(&r, i, 1)),
            "source", text_or_null(ka_sql_text(&r, i, 2)),
            "duration_s", ka_json_time(ka_sql_real(&r, i, 3)),
            "shots", (json_int_t)ka_sql_int(&r, i, 4),
            "candidates", (json_int_t)ka_sql_int(&r, i, 5),
            "variants", (json_int_t)ka_sql_int(&r, i, 6),
            "analysed_at", ka_json_time(ka_sql_real(&r, i, 7)),
            "analysis_version", (json_int_t)ka_sql_int(&r, i, 8)));
    ka_sql_res_free(&r);
    if (!a)
        return ka_error(KA_ENOMEM, "no memory");
    *out = a;
    return 0;
}

/* The title's row id, or KA_EINVAL when it has no stored analysis. */
static int title_row(ka_store *s, const char *title_id, int64_t *id)
{
    ka_sql_res r;
    int err = KA_SQL(s, &r, "SELECT id FROM titles WHERE title_id = $1 AND analysed_at IS NOT"
                     " NULL", SQL_TEXT(title_id));
    if (err)
        return err;
    int found = r.nrows == 1;
    *id = ka_sql_int(&r, 0, 0);
    ka_sql_res_free(&r);
    return found ? 0 : ka_error(KA_EINVAL, "no title '%s' in %s", title_id, s->name);
}

/* Runs sql, whose $1 is the row id of title_id, for a title that is stored. */
static int title_select(ka_store *s, const char *title_id, ka_sql_res *r, const char *sql)
{
    int64_t id;
    int err = title_row(s, title_id, &id);
    return err ? err : KA_SQL(s, r, sql, SQL_INT(id));
}

/* {"full", "16x9", "2x3", "1x1"}: the image names in columns col..col+3 of row i. */
static json_t *images_at(const ka_sql_res *r, int i, int col)
{
    return json_pack("{s:o, s:o, s:o, s:o}", "full", text_or_null(ka_sql_text(r, i, col)),
                     "16x9", text_or_null(ka_sql_text(r, i, col + 1)),
                     "2x3", text_or_null(ka_sql_text(r, i, col + 2)),
                     "1x1", text_or_null(ka_sql_text(r, i, col + 3)));
}

int ka_store_variants_json(ka_store *s, const char *title_id, json_t **out)
{
    *out = NULL;
    ka_sql_res r;
    int err = title_select(s, title_id, &r,
                           "SELECT number, slot, scene, composition, time_s, score,"
                           " quality_score, image_full, image_16x9, image_2x3, image_1x1, frame,"
                           " shot, variant_id FROM variants WHERE title = $1 ORDER BY number");
    if (err)
        return err;
    json_t *a = json_array();
    for (int i = 0; a && i < r.nrows; i++)
        json_array_append_new(a, json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:o, s:o,"
                                           " s:o}",
            "variant_number", (json_int_t)ka_sql_int(&r, i, 0),
            "variant_id", text_or_null(ka_sql_text(&r, i, 13)),
            "slot", text_or_null(ka_sql_text(&r, i, 1)),
            "scene_type", text_or_null(ka_sql_text(&r, i, 2)),
            "composition", text_or_null(ka_sql_text(&r, i, 3)),
            "time_s", ka_json_time(ka_sql_real(&r, i, 4)),
            "frame", (json_int_t)ka_sql_int(&r, i, 11),
            "shot", (json_int_t)ka_sql_int(&r, i, 12),
            "score", ka_json_real(ka_sql_real(&r, i, 5), 4),
            "quality_score", ka_json_real(ka_sql_real(&r, i, 6), 4),
            "images", images_at(&r, i, 7)));
    ka_sql_res_free(&r);
    if (!a)
        return ka_error(KA_ENOMEM, "no memory");
    *out = a;
    return 0;
}

int ka_store_retired_variants_json(ka_store *s, const char *title_id, json_t **out)
{
    *out = NULL;
    ka_sql_res r;
    int err = title_select(s, title_id, &r,
                           "SELECT variant_id, number, scene, composition, time_s, frame,"
                           " quality_score, image_full, image_16x9, image_2x3, image_1x1,"
                           " analysed_at, retired_at FROM retired_variants WHERE title = $1"
                           " ORDER BY retired_at, variant_id");
    if (err)
        return err;
    json_t *a = json_array();
    for (int i = 0; a && i < r.nrows; i++)
        json_array_append_new(a, json_pack("{s:o, s:I, s:o, s:o, s:o, s:I, s:o, s:o, s:o,"
                                           " s:o}",
            "variant_id", text_or_null(ka_sql_text(&r, i, 0)),
            "variant_number", (json_int_t)ka_sql_int(&r, i, 1),
            "scene_type", text_or_null(ka_sql_text(&r, i, 2)),
            "composition", text_or_null(ka_sql_text(&r, i, 3)),
            "time_s", ka_json_time(ka_sql_real(&r, i, 4)),
            "frame", (json_int_t)ka_sql_int(&r, i, 5),
            "quality_score", ka_json_real(ka_sql_real(&r, i, 6), 4),
            "analysed_at", ka_json_time(ka_sql_real(&r, i, 11)),
            "retired_at", ka_json_time(ka_sql_real(&r, i, 12)),
            "images", images_at(&r, i, 7)));
    ka_sql_res_free(&r);
    if (!a)
        return ka_error(KA_ENOMEM, "no memory");
    *out = a;
    return 0;
}

static json_t *parse(const char *text)
{
    return text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
}

int ka_store_export_json(ka_store *s, const char *title_id, json_t **out)
{
    *out = NULL;
    ka_sql_res t, v;
    int err = KA_SQL(s, &t, "SELECT id, metadata, why_fewer FROM titles WHERE title_id = $1"
                     " AND analysed_at IS NOT NULL", SQL_TEXT(title_id));
    if (err)
        return err;
    if (t.nrows != 1) {
        ka_sql_res_free(&t);
        return ka_error(KA_EINVAL, "no title '%s' in %s", title_id, s->name);
    }
    err = KA_SQL(s, &v, "SELECT metadata FROM variants WHERE title = $1 ORDER BY number",
                 SQL_INT(ka_sql_int(&t, 0, 0)));
    if (err) {
        ka_sql_res_free(&t);
        return err;
    }
    json_t *title = parse(ka_sql_text(&t, 0, 1));
    json_t *vars = json_array();
    for (int i = 0; title && vars && i < v.nrows; i++) {
        json_t *one = parse(ka_sql_text(&v, i, 0));
        if (!one || json_array_append_new(vars, one) < 0) {
            json_decref(title);
            title = NULL;
        }
    }
    json_t *root = NULL;
    if (title && vars)          /* "o" steals both, also on failure */
        root = json_pack("{s:o, s:o}", "title", title, "variants", vars);
    else {
        json_decref(title);
        json_decref(vars);
    }
    if (root && ka_sql_text(&t, 0, 2))
        json_object_set_new(root, "why_fewer", json_string(ka_sql_text(&t, 0, 2)));
    ka_sql_res_free(&t);
    ka_sql_res_free(&v);
    if (!root)
        return ka_error(KA_EFORMAT, "%s: the stored metadata of '%s' is not valid JSON",
                        s->name, title_id);
    *out = root;
    return 0;
}

int ka_store_shots_json(ka_store *s, const char *title_id, json_t **out)
{
    *out = NULL;
    ka_sql_res r;
    int err = title_select(s, title_id, &r,
                           "SELECT idx, start_frame, end_frame, start_s, end_s, transition_in,"
                           " span_first, span_last FROM shots WHERE title = $1 ORDER BY idx");
    if (err)
        return err;
    json_t *a = json_array();
    for (int i = 0; a && i < r.nrows; i++) {
        json_t *o = json_pack("{s:I, s:I, s:I, s:o, s:o, s:o}",
            "index", (json_int_t)ka_sql_int(&r, i, 0),
            "start_frame", (json_int_t)ka_sql_int(&r, i, 1),
            "end_frame", (json_int_t)ka_sql_int(&r, i, 2),
            "start_s", ka_json_time(ka_sql_real(&r, i, 3)),
            "end_s", ka_json_time(ka_sql_real(&r, i, 4)),
            "transition_in", text_or_null(ka_sql_text(&r, i, 5)));
        if (o && ka_sql_cell(&r, i, 6)->type != KA_SQL_NULL)
            json_object_set_new(o, "transition_span", json_pack("[I, I]",
                (json_int_t)ka_sql_int(&r, i, 6), (json_int_t)ka_sql_int(&r, i, 7)));
        json_array_append_new(a, o);
    }
    ka_sql_res_free(&r);
    if (!a)
        return ka_error(KA_ENOMEM, "no memory");
    *out = a;
    return 0;
}

/* A part vision may not have measured: NULL in the row stays null. Rounded as
 * metadata.json rounds it. */
static json_t *real_or_null(const ka_sql_res *r, int row, int col)
{
    return ka_sql_cell(r, row, col)->type == KA_SQL_NULL
               ? json_null() : ka_json_real(ka_sql_real(r, row, col), 4);
}

static json_t *real4(const ka_sql_res *r, int row, int col)
{
    return ka_json_real(ka_sql_real(r, row, col), 4);
}

int ka_store_candidates_json(ka_store *s, const char *title_id, json_t **out)
{
    *out = NULL;
    ka_sql_res r;
    int err = title_select(s, title_id, &r,
                           "SELECT c.idx, c.frame, c.time_s, c.shot, c.image, v.number,"
                           " (SELECT count(*) FROM faces f WHERE f.candidate = c.id),"
                           " c.quality_score, c.brightness, c.contrast, c.sharpness,"
                           " c.saturation, c.exposure_clipped, c.lightness, c.brisque_quality,"
                           " c.face_quality, c.appeal, c.appeal_grade FROM candidates c"
                           " LEFT JOIN variants v ON v.title = c.title AND v.frame = c.frame"
                           " WHERE c.title = $1 ORDER BY c.idx");
    if (err)
        return err;
    json_t *a = json_array();
    for (int i = 0; a && i < r.nrows; i++) {
        json_t *o = json_pack("{s:I, s:I, s:o, s:I, s:o, s:o, s:I, s:{s:o, s:o}, s:o, s:{s:o,"
                              " s:o, s:o, s:o, s:o, s:o, s:o, s:o}}",
            "index", (json_int_t)ka_sql_int(&r, i, 0),
            "frame", (json_int_t)ka_sql_int(&r, i, 1),
            "time_s", ka_json_time(ka_sql_real(&r, i, 2)),
            "shot", (json_int_t)ka_sql_int(&r, i, 3),
            "image", text_or_null(ka_sql_text(&r, i, 4)),
            "variant_number", ka_sql_cell(&r, i, 5)->type == KA_SQL_NULL
                                  ? json_null() : json_integer(ka_sql_int(&r, i, 5)),
            "faces", (json_int_t)ka_sql_int(&r, i, 6),
            "appeal", "score", real_or_null(&r, i, 16), "grade", real_or_null(&r, i, 17),
            "quality_score", real4(&r, i, 7),
            "visual_quality", "brightness", real4(&r, i, 8), "contrast", real4(&r, i, 9),
            "sharpness", real4(&r, i, 10), "saturation", real4(&r, i, 11),
            "exposure_clipped", real4(&r, i, 12),
            "lightness", ka_json_real(ka_sql_real(&r, i, 13), 2),
            "brisque", real_or_null(&r, i, 14), "face", real_or_null(&r, i, 15));
        if (!o || json_array_append_new(a, o) < 0) {
            json_decref(a);
            a = NULL;
        }
    }
    ka_sql_res_free(&r);
    if (!a)
        return ka_error(KA_ENOMEM, "no memory");
    *out = a;
    return 0;
}

/* A part vision may not have measured: NULL in the row means unknown (has = 0). */
static void optional_part(const ka_sql_res *r, int row, int col, float *v, int *has)
{
    *has = ka_sql_cell(r, row, col)->type != KA_SQL_NULL;
    *v = *has ? (float)ka_sql_real(r, row, col) : 0.0f;
}

int ka_store_candidates_quality(ka_store *s, const char *title_id, ka_cand_quality **q, int *n)
{
    *q = NULL;
    *n = 0;
    ka_sql_res r;
    int err = title_select(s, title_id, &r,
                           "SELECT lightness, brightness, contrast, sharpness, saturation,"
                           " exposure_clipped, quality_score, brisque_quality, face_quality FROM"
                           " candidates WHERE title = $1 ORDER BY idx");
    if (err)
        return err;
    ka_cand_quality *a = calloc((size_t)(r.nrows ? r.nrows : 1), sizeof *a);
    if (!a) {
        ka_sql_res_free(&r);
        return ka_error(KA_ENOMEM, "no memory for %d candidates", r.nrows);
    }
    for (int i = 0; i < r.nrows; i++) {
        ka_quality *q_i = &a[i].q;
        q_i->lightness = (float)ka_sql_real(&r, i, 0);
        q_i->brightness = (float)ka_sql_real(&r, i, 1);
        q_i->contrast = (float)ka_sql_real(&r, i, 2);
        q_i->sharpness = (float)ka_sql_real(&r, i, 3);
        q_i->saturation = (float)ka_sql_real(&r, i, 4);
        q_i->exposure_clipped = (float)ka_sql_real(&r, i, 5);
        a[i].score = (float)ka_sql_real(&r, i, 6);
        optional_part(&r, i, 7, &a[i].v.brisque, &a[i].v.has_brisque);
        optional_part(&r, i, 8, &a[i].v.face, &a[i].v.has_face);
    }
    *q = a;
    *n = r.nrows;
    ka_sql_res_free(&r);
    return 0;
}
