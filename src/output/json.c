/* json.c: the title's metadata (metadata.json, `keyart analyze --json`) and the shot
 * list as JSON and CSV. Names and number formats are docs/json.md's; the shapes are
 * docs/schemas/metadata.schema.json and shots.schema.json. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>

#include "keyart/json.h"
#include "keyart/output.h"
#include "output/output_internal.h"

/* Default genre of ka_select_opts_default, reported when the caller gives none. */
#define DEFAULT_GENRE "drama"

double ka_out_round(double x, int decimals)
{
    return ka_json_round(x, decimals);
}

static json_t *rect_object(ka_rect r)
{
    return json_pack("{s:i, s:i, s:i, s:i}", "x", r.x, "y", r.y, "w", r.w, "h", r.h);
}

static json_t *rect_array(ka_rect r)
{
    return json_pack("[i, i, i, i]", r.x, r.y, r.w, r.h);
}

static json_t *title_characters_json(const ka_title *t);
static json_t *variant_seed_json(const ka_title *t, const ka_selection *sel, const ka_variant *v,
                                 const ka_candidate *c);

/* What selection was asked for and what it settled for. */
static void add_selection_facts(json_t *title, const ka_selection *sel)
{
    if (!title || !sel)
        return;
    if (sel->n_requested > 0)
        json_object_set_new(title, "variants_requested", json_integer(sel->n_requested));
    if (sel->min_quality_used > 0)
        json_object_set_new(title, "min_quality_used",
                            json_real(ka_out_round(sel->min_quality_used, 4)));
    json_object_set_new(title, "good_moments", json_integer(sel->good_moments));
    json_object_set_new(title, "variants_reason",
                        sel->reason ? json_string(sel->reason) : json_null());
    json_object_set_new(title, "ranker", json_pack("{s:s, s:s, s:i}", "source",
                        sel->ranker.source, "trained_on", sel->ranker.trained_on, "frames",
                        sel->ranker.n_frames));
}

/* The largest contributions of one sign, as "face_size +0.81, eyes_open +0.32". */
static void appeal_top(const float *contrib, int sign, char *out, size_t size)
{
    const ka_feature_info *info = ka_feature_list();
    unsigned char used[KA_F_COUNT] = { 0 };
    size_t len = 0;
    out[0] = '\0';
    for (int k = 0; k < 3; k++) {
        int best = -1;
        for (int i = 0; i < KA_F_COUNT; i++)
            if (!used[i] && contrib[i] * (float)sign > 0.05f &&
                (best < 0 || contrib[i] * (float)sign > contrib[best] * (float)sign))
                best = i;
        if (best < 0 || len >= size)
            break;
        used[best] = 1;
        len += (size_t)snprintf(out + len, size - len, "%s%s %+.2f", len ? ", " : "",
                                info[best].name, (double)contrib[best]);
    }
}

/* {"score", "grade", "good", "parts": {"face_size": {"value", "contribution"}, ...},
 * "text"}: the ranker's score, the grade it stands for (0..3), whether an editor
 * would likely find it acceptable, and what each part added (the parts sum to the
 * score). */
static json_t *appeal_json(const ka_title *t, const ka_selection *sel, const ka_candidate *c)
{
    float x[KA_F_COUNT], contrib[KA_F_COUNT];
    const ka_feature_info *info = ka_feature_list();
    ka_rank_features(t, c, x);
    ka_ranker_contributions(&sel->ranker, x, contrib);
    json_t *parts = json_object();
    for (int i = 0; parts && i < KA_F_COUNT; i++)
        json_object_set_new(parts, info[i].name, json_pack("{s:f, s:f}",
            "value", ka_out_round(x[i], 4), "contribution", ka_out_round(contrib[i], 4)));
    char plus[128], minus[128], text[300];
    appeal_top(contrib, 1, plus, sizeof plus);
    appeal_top(contrib, -1, minus, sizeof minus);
    snprintf(text, sizeof text, "for: %s; against: %s", plus[0] ? plus : "-",
             minus[0] ? minus : "-");
    return json_pack("{s:f, s:f, s:b, s:o, s:s}",
        "score", ka_out_round(c->appeal, 4),
        "grade", ka_out_round(ka_ranker_grade(&sel->ranker, c->appeal), 3),
        "good", ka_ranker_good(&sel->ranker, c->appeal) >= 0.5f,
        "parts", parts,
        "text", text);
}

static json_t *title_json(const ka_title *t, const ka_selection *sel, const char *genre)
{
    json_t *decode = json_pack("{s:I, s:I, s:b}",
        "corrupt_packets", (json_int_t)t->decode.corrupt_packets,
        "decode_errors", (json_int_t)t->decode.decode_errors,
        "truncated", t->decode.truncated != 0);
    json_t *defects = json_pack("{s:I, s:I, s:I, s:I}",
        "black", (json_int_t)t->n_black, "blur", (json_int_t)t->n_blur,
        "flash", (json_int_t)t->n_flash, "transition", (json_int_t)t->n_transition);
    json_t *title = json_pack("{s:s, s:s, s:s, s:o, s:f, s:i, s:i, s:I, s:i, s:i, s:i,"
                     " s:o, s:o, s:o, s:s, s:s, s:o, s:s}",
        "title_id", t->id ? t->id : "",
        "source", t->path ? t->path : "",
        "genre", genre ? genre : DEFAULT_GENRE,
        "duration_s", ka_json_time(t->duration_s),
        "fps", ka_out_round(t->info.fps, 3),
        "width", t->info.width,
        "height", t->info.height,
        "frames", (json_int_t)t->frames,
        "shots", t->n_shots,
        "candidates", t->n_cands,
        "variants", sel ? sel->n_variants : 0,
        "content_area", rect_object(t->content),
        "decode", decode,
        "defects", defects,
        "codec", t->info.codec,
        "container", t->info.container,
        "analyse_s", ka_json_time(t->analyse_s),
        "keyart_version", ka_version());
    add_selection_facts(title, sel);
    if (title)
        json_object_set_new(title, "characters", title_characters_json(t));
    return title;
}

static json_t *characters_json(const ka_content *c)
{
    json_t *a = json_array();
    int n = c->n_characters < 0 ? 0 : c->n_characters > 8 ? 8 : c->n_characters;
    for (int i = 0; a && i < n; i++)
        if (c->characters[i])
            json_array_append_new(a, json_string(c->characters[i]));
    return a;
}

/* A part measured by vision, or null when it was not. */
static json_t *optional_real(int known, double v)
{
    return known ? json_real(ka_out_round(v, 4)) : json_null();
}

/* The picture's quality: analysis's parts and vision's (null when not measured). */
static json_t *visual_quality_json(const ka_cand_quality *cq)
{
    const ka_quality *q = &cq->q;
    const ka_vision_quality *vq = &cq->v;
    return json_pack("{s:f, s:f, s:f, s:f, s:o, s:o, s:f, s:f, s:f, s:f}",
        "brightness", ka_out_round(q->brightness, 4),
        "contrast", ka_out_round(q->contrast, 4),
        "sharpness", ka_out_round(q->sharpness, 4),
        "saturation", ka_out_round(q->saturation, 4),
        "brisque", optional_real(vq->has_brisque, vq->brisque),
        "face", optional_real(vq->has_face, vq->face),
        "exposure_clipped", ka_out_round(q->exposure_clipped, 4),
        "lightness", ka_out_round(q->lightness, 2),
        "contrast_raw", ka_out_round(q->contrast_raw, 2),
        "sharpness_raw", ka_out_round(q->sharpness_raw, 2));
}

static json_t *content_json(const ka_content *c)
{
    return json_pack("{s:f, s:f, s:f, s:f, s:f}",
        "emotional_score", ka_out_round(c->emotional, 4),
        "action_score", ka_out_round(c->action, 4),
        "dramatic_score", ka_out_round(c->dramatic, 4),
        "character_prominence", ka_out_round(c->prominence, 4),
        "scene_confidence", ka_out_round(c->scene_confidence, 4));
}

/* The quality score's parts: {"brightness": {"value", "weight", "contribution"}, ...,
 * "exposure_factor"}; parts vision did not measure are left out. The contributions
 * times nothing else sum to the quality score. */
static json_t *quality_parts_json(const ka_cand_quality *cq, const ka_quality_weights *w)
{
    ka_quality_part parts[KA_QPART_COUNT];
    float exposure;
    ka_quality_breakdown(cq, w, parts, &exposure);
    json_t *o = json_object();
    for (int i = 0; o && i < KA_QPART_COUNT; i++)
        if (parts[i].known)
            json_object_set_new(o, parts[i].name, json_pack("{s:f, s:f, s:f}",
                "value", ka_out_round(parts[i].value, 4),
                "weight", ka_out_round(parts[i].weight, 4),
                "contribution", ka_out_round(parts[i].contribution, 4)));
    if (o)
        json_object_set_new(o, "exposure_factor", json_real(ka_out_round(exposure, 4)));
    return o;
}

/* Why this variant: its slot and the score breakdown, plus a sentence for people. */
static json_t *reason_json(const ka_selection *sel, const ka_variant *v, const ka_candidate *c)
{
    const ka_cand_quality cq = ka_cand_quality_of(c);
    char text[256];
    snprintf(text, sizeof text,
             "%s slot: %s scene (%s shot), quality %.2f, relevance %.2f, "
             "diversity penalty %.2f, score %.2f",
             v->slot ? v->slot : "?", ka_scene_name(v->content.scene),
             ka_composition_name(v->content.composition), c->quality_score, v->relevance,
             v->diversity_penalty, v->score);
    json_t *sampled = json_array();
    if (sampled && (c->flags & KA_CAND_UNIFORM))
        json_array_append_new(sampled, json_string("uniform"));
    if (sampled && (c->flags & KA_CAND_SHOT_START))
        json_array_append_new(sampled, json_string("shot_start"));
    return json_pack("{s:s, s:f, s:f, s:f, s:f, s:o, s:f, s:o, s:s}",
        "slot", v->slot ? v->slot : "",
        "relevance", ka_out_round(v->relevance, 4),
        "diversity_penalty", ka_out_round(v->diversity_penalty, 4),
        "score", ka_out_round(v->score, 4),
        "quality_score", ka_out_round(c->quality_score, 4),
        "quality_parts", quality_parts_json(&cq, sel ? &sel->weights : NULL),
        "motion", ka_out_round(c->motion, 4),
        "sampled", sampled,
        "text", text);
}

static json_t *images_json(int number)
{
    char full[32], s16[32], s23[32], s11[32];
    snprintf(full, sizeof full, "variant_%02d.jpg", number);
    snprintf(s16, sizeof s16, "variant_%02d_16x9.jpg", number);
    snprintf(s23, sizeof s23, "variant_%02d_2x3.jpg", number);
    snprintf(s11, sizeof s11, "variant_%02d_1x1.jpg", number);
    return json_pack("{s:s, s:s, s:s, s:s}", "full", full, "16x9", s16, "2x3", s23,
                     "1x1", s11);
}

static json_t *crops_json(const ka_variant *v)
{
    json_t *o = json_object();
    for (int s = 0; o && s < KA_SHAPE_COUNT; s++)
        json_object_set_new(o, ka_shape_name(s), rect_array(v->crops[s]));
    return o;
}

/* ---- faces and characters (vision's record, ka_vision_of) ---- */

static json_t *face_json(const ka_face *f)
{
    /* eyes_open < 0: not measured, null as every part not measured; sharpness_raw:
     * unscaled, as visual_quality's *_raw (its sharpness is 0..1) */
    json_t *o = json_pack("{s:[i,i,i,i], s:f, s:o, s:s, s:f, s:f, s:f}",
        "box", f->box.x, f->box.y, f->box.w, f->box.h,
        "detector_score", ka_out_round(f->score, 3),
        "eyes_open", f->eyes_open < 0 ? json_null() : ka_json_real(f->eyes_open, 3),
        "expression", ka_expression_name(f->expression),
        "expression_confidence", ka_out_round(f->expression_conf, 3),
        "sharpness_raw", ka_out_round(f->sharpness, 1),
        "prominence", ka_out_round(f->prominence, 3));
    if (o && f->name[0]) {
        json_object_set_new(o, "name", json_string(f->name));
        json_object_set_new(o, "role", json_string(ka_role_name(f->role)));
        json_object_set_new(o, "rank", json_integer(f->rank));
        json_object_set_new(o, "main_character", json_boolean(f->main_character));
    }
    return o;
}

/* {"detector", "brisque_raw", "faces": [...], "objects": {"person": n, ...}}: brisque_raw
 * is BRISQUE's own score (lower is better), visual_quality.brisque its 0..1 quality. */
static json_t *vision_json(const ka_vision_cand *vc)
{
    json_t *faces = json_array(), *objects = json_object();
    for (int i = 0; faces && i < vc->n_faces; i++)
        json_array_append_new(faces, face_json(&vc->faces[i]));
    for (int k = 0; objects && k < KA_OBJ_COUNT; k++)
        if (vc->n_kind[k])
            json_object_set_new(objects, ka_object_kind_name((ka_object_kind)k),
                                json_integer(vc->n_kind[k]));
    json_t *o = json_pack("{s:s, s:o, s:o}", "detector", ka_vision_detector_name(vc->detector),
                          "faces", faces, "objects", objects);
    if (o && vc->brisque >= 0)
        json_object_set_new(o, "brisque_raw", json_real(ka_out_round(vc->brisque, 2)));
    return o;
}

static json_t *character_types_json(const ka_title *t, const ka_candidate *c)
{
    const char *types[8];
    ka_rect content = t->content.w > 0 ? t->content : (ka_rect){ 0, 0, c->width, c->height };
    int n = ka_vision_character_types(ka_vision_of(c), content, types, 8);
    json_t *a = json_array();
    for (int i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(types[i]));
    return a;
}

/* The title's characters: [{"name", "role", "rank", "main_character", "appearances"}]
 * by rank (appearances: candidate frames they are in). */
static json_t *title_characters_json(const ka_title *t)
{
    json_t *a = json_array();
    for (int rank = 1; a; rank++) {
        const ka_face *first = NULL;
        int seen = 0, last = -1;
        for (int i = 0; i < t->n_cands; i++) {
            const ka_vision_cand *vc = ka_vision_of(&t->cands[i]);
            for (int k = 0; vc && k < vc->n_faces; k++)
                if (vc->faces[k].rank == rank && vc->faces[k].name[0]) {
                    first = first ? first : &vc->faces[k];
                    seen += last != i;
                    last = i;
                }
        }
        if (!first)
            break;
        json_array_append_new(a, json_pack("{s:s, s:s, s:i, s:b, s:i}", "name", first->name,
            "role", ka_role_name(first->role), "rank", rank, "main_character",
            first->main_character, "appearances", seen));
    }
    return a;
}

static json_t *variant_json(const ka_title *t, const ka_selection *sel, const ka_variant *v)
{
    const ka_candidate *c = &t->cands[v->cand];
    json_t *o = variant_seed_json(t, sel, v, c);
    const ka_vision_cand *vc = ka_vision_of(c);
    if (o) {
        json_object_set_new(o, "appeal", appeal_json(t, sel, c));
        json_object_set_new(o, "character_types", character_types_json(t, c));
        if (vc)
            json_object_set_new(o, "vision", vision_json(vc));
    }
    return o;
}

static json_t *variant_seed_json(const ka_title *t, const ka_selection *sel, const ka_variant *v,
                                 const ka_candidate *c)
{
    const ka_cand_quality cq = ka_cand_quality_of(c);
    char vid[KA_VARIANT_ID_LEN + 1];
    ka_variant_id_of(t, v, vid);
    return json_pack("{s:s, s:i, s:s, s:o, s:I, s:i, s:s, s:o, s:s, s:f, s:o, s:o, s:o,"
                     " s:o, s:o}",
        "title_id", t->id ? t->id : "",
        "variant_number", v->number,
        "variant_id", vid,
        "time_s", ka_json_time(c->time_s),
        "frame", (json_int_t)c->frame,
        "shot", c->shot,
        "scene_type", ka_scene_name(v->content.scene),
        "characters", characters_json(&v->content),
        "composition", ka_composition_name(v->content.composition),
        "quality_score", ka_out_round(c->quality_score, 4),
        "visual_quality", visual_quality_json(&cq),
        "content_analysis", content_json(&v->content),
        "reason", reason_json(sel, v, c),
        "images", images_json(v->number),
        "crops", crops_json(v));
}

json_t *ka_metadata_json(const ka_title *t, const ka_selection *sel, const char *genre)
{
    if (!t)
        return NULL;
    json_t *variants = json_array();
    for (int i = 0; variants && sel && i < sel->n_variants; i++) {
        const ka_variant *v = &sel->variants[i];
        if (v->cand < 0 || v->cand >= t->n_cands)
            continue;               /* ka_output_write rejects these up front */
        if (json_array_append_new(variants, variant_json(t, sel, v)) < 0) {
            json_decref(variants);
            return NULL;
        }
    }
    json_t *root = json_pack("{s:o, s:o}", "title", title_json(t, sel, genre),
                             "variants", variants);
    if (root && sel && sel->why_fewer[0])
        json_object_set_new(root, "why_fewer", json_string(sel->why_fewer));
    return root;
}

static json_t *shot_json(const ka_shot *s)
{
    json_t *o = json_pack("{s:i, s:I, s:I, s:o, s:o, s:s}",
        "index", s->index,
        "start_frame", (json_int_t)s->start_frame,
        "end_frame", (json_int_t)s->end_frame,
        "start_s", ka_json_time(s->start_s),
        "end_s", ka_json_time(s->end_s),
        "transition_in", ka_transition_name(s->transition_in));
    if (o && s->span_first >= 0)
        json_object_set_new(o, "transition_span", json_pack("[I, I]",
            (json_int_t)s->span_first, (json_int_t)s->span_last));
    return o;
}

json_t *ka_shots_json(const ka_title *t)
{
    if (!t)
        return NULL;
    json_t *a = json_array();
    for (int i = 0; a && i < t->n_shots; i++) {
        if (json_array_append_new(a, shot_json(&t->shots[i])) < 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

int ka_shots_write_csv(const ka_title *t, FILE *f)
{
    if (!t || !f)
        return ka_error(KA_EINVAL, "ka_shots_write_csv: no title or no file");
    fputs("index,start_frame,end_frame,start_s,end_s,transition_in,span_first,span_last\n", f);
    for (int i = 0; i < t->n_shots; i++) {
        const ka_shot *s = &t->shots[i];
        int gradual = s->span_first >= 0;
        fprintf(f, "%d,%lld,%lld,%.15g,%.15g,%s,%lld,%lld\n", s->index,
                (long long)s->start_frame, (long long)s->end_frame,
                ka_json_round(s->start_s, 3), ka_json_round(s->end_s, 3),
                ka_transition_name(s->transition_in),
                gradual ? (long long)s->span_first : -1LL,
                gradual ? (long long)s->span_last : -1LL);
    }
    if (ferror(f))
        return ka_error(KA_EIO, "cannot write the shot list");
    return 0;
}
