/* vocabulary.c: migration 9's data step: the JSON a database stored before the names
 * of docs/json.md were settled, rewritten to them, so that `keyart export`, GET
 * /v1/titles/{id} and the servers' experiment configs never mix two vocabularies:
 *   - experiments.config: arms' "variant" -> "variant_number";
 *   - variants.metadata (metadata.json's variant objects): "timestamp" -> "time_s"
 *     (to the millisecond), reason's "quality" -> "quality_score", vision's "brisque"
 *     -> "brisque_raw", its faces' "score" -> "detector_score", "sharpness" ->
 *     "sharpness_raw" and "eyes_open" -1 (not measured) -> null.
 * Runs inside the migration's transaction; a text that is not JSON is left alone. */
#include <jansson.h>
#include <stdlib.h>

#include "store_priv.h"

/* Moves o's member from to the name to (json_time: rounded as a time). 1 if moved. */
static int rename_member(json_t *o, const char *from, const char *to, int json_time)
{
    json_t *v = json_object_get(o, from);
    if (!v || json_object_get(o, to))
        return 0;
    json_object_set_new(o, to, json_time && json_is_number(v) ? ka_json_time(json_number_value(v))
                                                              : json_incref(v));
    json_object_del(o, from);
    return 1;
}

static int fix_config(json_t *config)
{
    size_t i;
    json_t *arm;
    int changed = 0;
    json_array_foreach(json_object_get(config, "arms"), i, arm)
        changed |= rename_member(arm, "variant", "variant_number", 0);
    return changed;
}

static int fix_variant(json_t *v)
{
    size_t i;
    json_t *face;
    int changed = rename_member(v, "timestamp", "time_s", 1);
    changed |= rename_member(json_object_get(v, "reason"), "quality", "quality_score", 0);
    json_t *vision = json_object_get(v, "vision");
    changed |= rename_member(vision, "brisque", "brisque_raw", 0);
    json_array_foreach(json_object_get(vision, "faces"), i, face) {
        changed |= rename_member(face, "score", "detector_score", 0);
        changed |= rename_member(face, "sharpness", "sharpness_raw", 0);
        json_t *eyes = json_object_get(face, "eyes_open");
        if (json_is_number(eyes) && json_number_value(eyes) < 0)
            changed |= json_object_set_new(face, "eyes_open", json_null()) == 0;
    }
    return changed;
}

/* Rewrites the JSON text (column 1 of select, keyed by column 0) of every row that
 * fix changes, with update ($1 the text, $2 the key). */
static int rewrite(ka_store *s, const char *select, const char *update, int (*fix)(json_t *))
{
    ka_sql_res r;
    int err = ka_sql(s, &r, select, NULL, 0);
    for (int i = 0; !err && i < r.nrows; i++) {
        const char *text = ka_sql_text(&r, i, 1);
        json_t *j = text ? json_loads(text, 0, NULL) : NULL;
        char *out = j && fix(j) ? json_dumps(j, JSON_COMPACT | KA_JSON_REAL) : NULL;
        if (out)
            err = KA_SQL(s, NULL, update, SQL_TEXT(out), SQL_INT(ka_sql_int(&r, i, 0)));
        free(out);
        json_decref(j);
    }
    ka_sql_res_free(&r);            /* zeroed when the query failed */
    return err;
}

int ka_store_migrate_vocabulary(ka_store *s)
{
    int err = rewrite(s, "SELECT id, config FROM experiments",
                      "UPDATE experiments SET config = $1 WHERE id = $2", fix_config);
    if (!err)
        err = rewrite(s, "SELECT id, metadata FROM variants",
                      "UPDATE variants SET metadata = $1 WHERE id = $2", fix_variant);
    return err;
}
