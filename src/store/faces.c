/* faces.c: the vision records of a title's candidates, stored with its analysis (in
 * the same transaction): one faces row per detected face (box, score, landmarks,
 * identity embedding as float32, the attributes as JSON) and one identities row per
 * character the title-level identity pass found, which the faces refer to. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyart/vision.h"
#include "store_priv.h"

enum { MAX_CHARACTERS = 256 };

static char *landmarks_json(const ka_face *f)
{
    json_t *a = json_array();
    for (int i = 0; a && i < f->n_landmarks && i < 5; i++)
        json_array_append_new(a, json_pack("[f, f]", f->landmarks[i][0], f->landmarks[i][1]));
    char *s = a ? json_dumps(a, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
    json_decref(a);
    return s;
}

static char *attributes_json(const ka_face *f)
{
    json_t *o = json_pack("{s:s, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:b, s:i, s:i, s:b, s:s,"
                          " s:f, s:s}",
        "expression", ka_expression_name(f->expression), "expression_conf", f->expression_conf,
        "valence", f->valence, "eyes_open", f->eyes_open, "yaw", f->yaw, "male", f->male,
        "focus", f->focus, "prominence", f->prominence, "profile", f->profile != 0,
        "character", f->character, "rank", f->rank, "main_character", f->main_character != 0,
        "role", ka_role_name(f->role), "match", f->match, "name", f->name);
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
    json_decref(o);
    return s;
}

/* The identities row of character c, made on first use. */
static int identity_row(ka_store *s, int64_t title, const ka_face *f, int64_t *ids,
                        int64_t *out)
{
    *out = 0;
    if (f->character < 0 || f->character >= MAX_CHARACTERS)
        return 0;
    if (!ids[f->character]) {
        ka_sql_res r;
        int err = KA_SQL(s, &r, "INSERT INTO identities (title, label, cast_member) VALUES"
                         " ($1, $2, (SELECT id FROM cast_members WHERE title = $1 AND name ="
                         " $2)) RETURNING id", SQL_INT(title), SQL_TEXT(f->name));
        if (err)
            return err;
        ids[f->character] = ka_sql_int(&r, 0, 0);
        ka_sql_res_free(&r);
    }
    *out = ids[f->character];
    return KA_SQL(s, NULL, "UPDATE identities SET n_faces = n_faces + 1 WHERE id = $1",
                  SQL_INT(*out));
}

static int save_face(ka_store *s, int64_t title, int64_t cand, const ka_face *f, int64_t *ids)
{
    int64_t ident = 0;
    int err = identity_row(s, title, f, ids, &ident);
    char *lm = landmarks_json(f), *at = attributes_json(f);
    if (!err && (!lm || !at))
        err = ka_error(KA_ENOMEM, "no memory for a face record");
    if (!err)
        err = KA_SQL(s, NULL, "INSERT INTO faces (candidate, x, y, w, h, score, landmarks,"
                     " embedding, identity, attributes, model) VALUES ($1, $2, $3, $4, $5,"
                     " $6, $7, $8, $9, $10, $11)", SQL_INT(cand), SQL_INT(f->box.x),
                     SQL_INT(f->box.y), SQL_INT(f->box.w), SQL_INT(f->box.h),
                     SQL_REAL(f->score), SQL_TEXT(lm), f->has_embedding ?
                     SQL_BLOB(f->embedding, sizeof f->embedding) : SQL_NULL,
                     ident ? SQL_INT(ident) : SQL_NULL, SQL_TEXT(at),
                     SQL_TEXT(f->profile ? "profile" : "frontal"));
    free(lm);
    free(at);
    return err;
}

int ka_store_save_faces(ka_store *s, int64_t title, const ka_title *t, const int64_t *rowids)
{
    int64_t *ids = calloc(MAX_CHARACTERS, sizeof *ids);
    if (!ids)
        return ka_error(KA_ENOMEM, "no memory");
    int err = 0;
    for (int i = 0; !err && i < t->n_cands; i++) {
        const ka_vision_cand *vc = ka_vision_of(&t->cands[i]);
        for (int k = 0; vc && !err && k < vc->n_faces; k++)
            err = save_face(s, title, rowids[i], &vc->faces[k], ids);
    }
    free(ids);
    return err;
}
