/* save.c: storing an analysis. The images go to the artwork folder first; then one
 * transaction upserts the title, deletes its previous shots, candidates (with their
 * faces), identities and variants, inserts the new ones (faces.c: vision's records)
 * and, for a worker, marks its job done (only if the worker still holds the job's
 * lease). Readers see the old analysis or the new one, never a mix, and a job's result
 * is stored exactly once. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_priv.h"

int ka_store_test_hook(void)
{
    const char *stall = getenv("KEYART_TEST_SAVE_STALL");
    if (stall && *stall) {
        fprintf(stderr, "keyart: test hook: stalling %s s before the commit\n", stall);
        usleep((useconds_t)(atof(stall) * 1e6));
    }
    const char *f = getenv("KEYART_TEST_SAVE_FAIL");
    if (f && *f == '1')
        return ka_error(KA_EIO, "failure injected by KEYART_TEST_SAVE_FAIL");
    return 0;
}

/* Relative artwork name of a candidate's picture when it lives in the artwork folder. */
static const char *artwork_name(const char *dir, const char *path)
{
    size_t n = strlen(dir);
    if (path && !strncmp(path, dir, n) && path[n] == '/')
        return path + n + 1;
    return NULL;
}

static int save_title_row(ka_store *s, const ka_title *t, const ka_selection *sel,
                          const char *genre, const char *meta, const char *worker,
                          int64_t *id)
{
    ka_sql_res r;
    int err = KA_SQL(s, &r,
        "INSERT INTO titles (title_id, source, genre, duration_s, fps, width, height, frames,"
        " n_shots, n_candidates, n_variants, content_x, content_y, content_w, content_h,"
        " codec, container, metadata, why_fewer, analysis_version, analysed_at, analyse_s,"
        " worker) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,"
        " $16, $17, $18, $19, 1, {NOW}, $20, $21) ON CONFLICT (title_id) DO UPDATE SET"
        " source = excluded.source, genre = excluded.genre, duration_s = excluded.duration_s,"
        " fps = excluded.fps, width = excluded.width, height = excluded.height,"
        " frames = excluded.frames, n_shots = excluded.n_shots,"
        " n_candidates = excluded.n_candidates, n_variants = excluded.n_variants,"
        " content_x = excluded.content_x, content_y = excluded.content_y,"
        " content_w = excluded.content_w, content_h = excluded.content_h,"
        " codec = excluded.codec, container = excluded.container,"
        " metadata = excluded.metadata, why_fewer = excluded.why_fewer,"
        " analysis_version = titles.analysis_version + 1, analysed_at = excluded.analysed_at,"
        " analyse_s = excluded.analyse_s, worker = excluded.worker RETURNING id",
        SQL_TEXT(t->id), SQL_TEXT(t->path), SQL_TEXT(genre), SQL_REAL(t->duration_s),
        SQL_REAL(t->info.fps), SQL_INT(t->info.width), SQL_INT(t->info.height),
        SQL_INT(t->frames), SQL_INT(t->n_shots), SQL_INT(t->n_cands),
        SQL_INT(sel->n_variants), SQL_INT(t->content.x), SQL_INT(t->content.y),
        SQL_INT(t->content.w), SQL_INT(t->content.h), SQL_TEXT(t->info.codec),
        SQL_TEXT(t->info.container), SQL_TEXT(meta),
        SQL_TEXT(sel->why_fewer[0] ? sel->why_fewer : NULL), SQL_REAL(t->analyse_s),
        SQL_TEXT(worker));
    if (err)
        return err;
    *id = ka_sql_int(&r, 0, 0);
    ka_sql_res_free(&r);
    return 0;
}

static int save_shots(ka_store *s, int64_t id, const ka_title *t)
{
    int err = 0;
    for (int i = 0; !err && i < t->n_shots; i++) {
        const ka_shot *h = &t->shots[i];
        int gradual = h->span_first >= 0;
        err = KA_SQL(s, NULL, "INSERT INTO shots (title, idx, start_frame, end_frame, start_s,"
                     " end_s, transition_in, span_first, span_last) VALUES ($1, $2, $3, $4, $5,"
                     " $6, $7, $8, $9)", SQL_INT(id), SQL_INT(h->index), SQL_INT(h->start_frame),
                     SQL_INT(h->end_frame), SQL_REAL(h->start_s), SQL_REAL(h->end_s),
                     SQL_TEXT(ka_transition_name(h->transition_in)),
                     gradual ? SQL_INT(h->span_first) : SQL_NULL,
                     gradual ? SQL_INT(h->span_last) : SQL_NULL);
    }
    return err;
}

static int save_candidates(ka_store *s, int64_t id, const ka_title *t, const ka_ranker *ranker,
                           const char *art, int64_t *rowids)
{
    int err = 0;
    for (int i = 0; !err && i < t->n_cands; i++) {
        const ka_candidate *c = &t->cands[i];
        const ka_quality *q = &c->q;
        const ka_vision_quality vq = ka_vision_quality_of(c);
        ka_sql_res r;
        err = KA_SQL(s, &r, "INSERT INTO candidates (title, idx, frame, time_s, shot, flags,"
            " frame_flags, motion, phash, luma_mean, luma_std, chroma_mean, small_sharpness,"
            " lightness, brightness, contrast, sharpness, saturation, exposure_clipped,"
            " quality_score, salient_x, salient_y, salient_w, salient_h, width, height, image,"
            " brisque_quality, face_quality, appeal, appeal_grade)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,"
            " $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31)"
            " RETURNING id",
            SQL_INT(id), SQL_INT(i), SQL_INT(c->frame), SQL_REAL(c->time_s), SQL_INT(c->shot),
            SQL_INT(c->flags), SQL_INT(c->sig.flags), SQL_REAL(c->motion),
            SQL_INT((int64_t)c->phash), SQL_REAL(c->sig.luma_mean), SQL_REAL(c->sig.luma_std),
            SQL_REAL(c->sig.chroma_mean), SQL_REAL(c->sig.sharpness), SQL_REAL(q->lightness),
            SQL_REAL(q->brightness), SQL_REAL(q->contrast), SQL_REAL(q->sharpness),
            SQL_REAL(q->saturation), SQL_REAL(q->exposure_clipped), SQL_REAL(c->quality_score),
            SQL_INT(c->salient.x), SQL_INT(c->salient.y), SQL_INT(c->salient.w),
            SQL_INT(c->salient.h), SQL_INT(c->width), SQL_INT(c->height),
            SQL_TEXT(artwork_name(art, c->spool_path)),
            /* NULL when vision did not measure it, as the score leaves it out */
            vq.has_brisque ? SQL_REAL(vq.brisque) : SQL_NULL,
            vq.has_face ? SQL_REAL(vq.face) : SQL_NULL,
            SQL_REAL(c->appeal), SQL_REAL(ka_ranker_grade(ranker, c->appeal)));
        if (!err) {
            rowids[i] = ka_sql_int(&r, 0, 0);
            ka_sql_res_free(&r);
        }
    }
    return err;
}

static int save_variants(ka_store *s, int64_t id, const ka_title *t, const ka_selection *sel,
                         const int64_t *rowids, char (*names)[4][KA_ARTWORK_NAME_MAX],
                         char **vjson)
{
    int err = 0;
    for (int i = 0; !err && i < sel->n_variants; i++) {
        const ka_variant *v = &sel->variants[i];
        const ka_candidate *c = &t->cands[v->cand];
        const ka_content *k = &v->content;
        char vid[KA_VARIANT_ID_LEN + 1];
        ka_variant_id_of(t, v, vid);
        char crops[256];
        const ka_rect *r = v->crops;
        snprintf(crops, sizeof crops, "{\"16x9\":[%d,%d,%d,%d],\"2x3\":[%d,%d,%d,%d],"
                 "\"1x1\":[%d,%d,%d,%d]}", r[0].x, r[0].y, r[0].w, r[0].h, r[1].x, r[1].y,
                 r[1].w, r[1].h, r[2].x, r[2].y, r[2].w, r[2].h);
        err = KA_SQL(s, NULL, "INSERT INTO variants (title, number, candidate, slot, scene,"
            " composition, time_s, frame, shot, quality_score, relevance, diversity_penalty,"
            " score, emotional, action, dramatic, prominence, crops, image_full, image_16x9,"
            " image_2x3, image_1x1, metadata, variant_id) VALUES ($1, $2, $3, $4, $5, $6, $7,"
            " $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23,"
            " $24)",
            SQL_INT(id), SQL_INT(v->number), SQL_INT(rowids[v->cand]), SQL_TEXT(v->slot),
            SQL_TEXT(ka_scene_name(k->scene)), SQL_TEXT(ka_composition_name(k->composition)),
            SQL_REAL(c->time_s), SQL_INT(c->frame), SQL_INT(c->shot), SQL_REAL(c->quality_score),
            SQL_REAL(v->relevance), SQL_REAL(v->diversity_penalty), SQL_REAL(v->score),
            SQL_REAL(k->emotional), SQL_REAL(k->action), SQL_REAL(k->dramatic),
            SQL_REAL(k->prominence), SQL_TEXT(crops), SQL_TEXT(names[i][0]),
            SQL_TEXT(names[i][1]), SQL_TEXT(names[i][2]), SQL_TEXT(names[i][3]),
            SQL_TEXT(vjson[i]), SQL_TEXT(vid));
    }
    return err;
}

static int chosen(const ka_title *t, const ka_selection *sel, const char *variant_id)
{
    char vid[KA_VARIANT_ID_LEN + 1];
    for (int i = 0; variant_id && i < sel->n_variants; i++) {
        ka_variant_id_of(t, &sel->variants[i], vid);
        if (!strcmp(vid, variant_id))
            return 1;
    }
    return 0;
}

/* The variants of the analysis being replaced that this one does not choose again move
 * to retired_variants (kept for reports, never served); a retired one chosen again
 * comes back. Runs before the title row changes, so a retired row keeps the time of the
 * analysis it came from. */
static int retire_variants(ka_store *s, const ka_title *t, const ka_selection *sel)
{
    ka_sql_res r;
    int err = KA_SQL(s, &r, "SELECT v.title, v.variant_id FROM variants v JOIN titles t ON"
                     " t.id = v.title WHERE t.title_id = $1 AND v.variant_id IS NOT NULL",
                     SQL_TEXT(t->id));
    if (err)
        return err;
    for (int i = 0; !err && i < r.nrows; i++) {
        if (chosen(t, sel, ka_sql_text(&r, i, 1)))
            continue;
        err = KA_SQL(s, NULL, "INSERT INTO retired_variants (title, variant_id, number, scene,"
            " composition, time_s, frame, quality_score, image_full, image_16x9, image_2x3,"
            " image_1x1, metadata, analysed_at) SELECT v.title, v.variant_id, v.number,"
            " v.scene, v.composition, v.time_s, v.frame, v.quality_score, v.image_full,"
            " v.image_16x9, v.image_2x3, v.image_1x1, v.metadata, t.analysed_at FROM variants"
            " v JOIN titles t ON t.id = v.title WHERE v.title = $1 AND v.variant_id = $2"
            " ON CONFLICT (title, variant_id) DO NOTHING", SQL_INT(ka_sql_int(&r, i, 0)),
            SQL_TEXT(ka_sql_text(&r, i, 1)));
    }
    ka_sql_res_free(&r);
    for (int i = 0; !err && i < sel->n_variants; i++) {
        char vid[KA_VARIANT_ID_LEN + 1];
        ka_variant_id_of(t, &sel->variants[i], vid);
        err = KA_SQL(s, NULL, "DELETE FROM retired_variants WHERE variant_id = $1 AND title ="
                     " (SELECT id FROM titles WHERE title_id = $2)", SQL_TEXT(vid),
                     SQL_TEXT(t->id));
    }
    return err;
}

/* The job must still be this attempt's; marking it done also locks it (PostgreSQL). */
static int finish_job(ka_store *s, const ka_store_save_opts *o)
{
    ka_sql_res r;
    int err = KA_SQL(s, &r, "UPDATE jobs SET state = 'done', finished_at = {NOW},"
                     " lease_until = NULL, error = NULL WHERE id = $1 AND attempts = $2"
                     " AND state = 'running'", SQL_INT(o->job_id), SQL_INT(o->job_attempt));
    if (err)
        return err;
    int64_t n = r.changes;
    ka_sql_res_free(&r);
    if (n != 1)
        return ka_error(KA_ELOST, "job %lld is no longer this worker's (its lease "
                        "expired and another worker took it); its result was not stored",
                        (long long)o->job_id);
    return 0;
}

static int save_rows(ka_store *s, const ka_title *t, const ka_selection *sel,
                     const char *genre, const ka_store_save_opts *o, const char *art,
                     const char *meta, char **vjson, char (*names)[4][KA_ARTWORK_NAME_MAX])
{
    int64_t *rowids = calloc((size_t)(t->n_cands ? t->n_cands : 1), sizeof *rowids);
    if (!rowids)
        return ka_error(KA_ENOMEM, "no memory");
    int64_t id = 0;
    int err = ka_store_begin(s, 1);
    if (!err && o && o->job_id > 0)
        err = finish_job(s, o);
    if (!err)
        err = retire_variants(s, t, sel);
    if (!err)
        err = save_title_row(s, t, sel, genre, meta, o ? o->worker : NULL, &id);
    static const char *const clear[] = {
        "DELETE FROM variants WHERE title = $1", "DELETE FROM candidates WHERE title = $1",
        "DELETE FROM identities WHERE title = $1", "DELETE FROM shots WHERE title = $1",
    };
    for (int i = 0; !err && i < 4; i++)
        err = KA_SQL(s, NULL, clear[i], SQL_INT(id));
    if (!err)
        err = save_shots(s, id, t);
    if (!err)
        err = save_candidates(s, id, t, &sel->ranker, art, rowids);
    if (!err)
        err = ka_store_save_faces(s, id, t, rowids);
    if (!err)
        err = save_variants(s, id, t, sel, rowids, names, vjson);
    if (!err)
        err = ka_store_test_hook();
    free(rowids);
    if (err) {
        ka_store_rollback(s);
        return err;
    }
    return ka_store_commit(s);
}

/* metadata.json's title object and variant objects as text, images renamed. */
static int metadata_texts(const ka_title *t, const ka_selection *sel, const char *genre,
                          char (*names)[4][KA_ARTWORK_NAME_MAX], char **meta, char **vjson)
{
    json_t *m = ka_metadata_json(t, sel, genre);
    json_t *vars = json_object_get(m, "variants");
    if (!m || json_array_size(vars) != (size_t)sel->n_variants) {
        json_decref(m);
        return ka_error(KA_ENOMEM, "cannot build the metadata of %s", t->id);
    }
    size_t flags = JSON_COMPACT | KA_JSON_REAL;
    *meta = json_dumps(json_object_get(m, "title"), flags);
    int err = *meta ? 0 : KA_ENOMEM;
    for (int i = 0; !err && i < sel->n_variants; i++) {
        json_t *v = json_array_get(vars, (size_t)i);
        json_object_set_new(v, "images", json_pack("{s:s, s:s, s:s, s:s}", "full",
                            names[i][0], "16x9", names[i][1], "2x3", names[i][2], "1x1",
                            names[i][3]));
        if (!(vjson[i] = json_dumps(v, flags)))
            err = KA_ENOMEM;
    }
    json_decref(m);
    return err ? ka_error(err, "no memory for the metadata of %s", t->id) : 0;
}

int ka_store_save_analysis(ka_store *s, const ka_title *t, const ka_selection *sel,
                           const char *genre, const ka_store_save_opts *o)
{
    if (!s || !t || !sel || !t->id)
        return ka_error(KA_EINVAL, "ka_store_save_analysis: no store, title, id or selection");
    if (ka_title_id_check(t->id))
        return ka_store_errctx(KA_EINVAL, "cannot store the analysis");
    for (int i = 0; i < sel->n_variants; i++)
        if (sel->variants[i].cand < 0 || sel->variants[i].cand >= t->n_cands)
            return ka_error(KA_EINVAL, "variant %d refers to candidate %d of %d",
                            sel->variants[i].number, sel->variants[i].cand, t->n_cands);
    const char *art = o && o->artwork_dir ? o->artwork_dir : ka_store_default_artwork();
    int quality = o && o->jpeg_quality > 0 ? o->jpeg_quality : 92;
    int n = sel->n_variants;
    char (*names)[4][KA_ARTWORK_NAME_MAX] = calloc((size_t)(n ? n : 1), sizeof *names);
    char **vjson = calloc((size_t)(n ? n : 1), sizeof *vjson);
    char *meta = NULL;
    int err = names && vjson ? 0 : ka_error(KA_ENOMEM, "no memory");
    for (int i = 0; !err && i < n; i++)
        err = ka_store_variant_images(art, t, &sel->variants[i], quality, names[i]);
    if (!err)
        err = metadata_texts(t, sel, genre ? genre : "drama", names, &meta, vjson);
    if (!err)
        err = save_rows(s, t, sel, genre ? genre : "drama", o, art, meta, vjson, names);
    if (err && err != KA_ELOST)
        ka_store_errctx(err, "cannot store %s", t->id);
    for (int i = 0; vjson && i < n; i++)
        free(vjson[i]);
    free(vjson);
    free(names);
    free(meta);
    return err;
}
