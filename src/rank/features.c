/* features.c: the parts of a candidate's appeal, one vector per candidate, each
 * measured (faces and people by vision, the look by look.c, quality by analysis,
 * the shot by the shot detector) and brought to about 0..1. The table names them
 * for metadata.json and the ranker file, and says which way each may push: the
 * training keeps a weight on its side (an editor never prefers a blurrier frame,
 * more text, a cut face, ...), so a small set of grades cannot teach keyart
 * something no editor would sign.
 *
 * The lead is the most prominent face that matters (ka_face_matters); every face
 * part is 0 without one, so "face" alone carries the difference between a frame with
 * a face and one without. */
#include <math.h>
#include <string.h>

#include "keyart/rank.h"
#include "keyart/vision.h"

static const ka_feature_info ka_features[KA_F_COUNT] = {
    [KA_F_FACE] = { "face", "a face that matters is in the picture", 1 },
    [KA_F_FACE_SIZE] = { "face_size", "sqrt of the lead face's height over the picture's", 1 },
    [KA_F_FACES] = { "faces", "faces that matter, min(n, 3) / 3", 0 },
    [KA_F_FACE_FRONTAL] = { "face_frontal", "1 - |yaw| of the lead face", 1 },
    [KA_F_EYES_OPEN] = { "eyes_open", "the eye model's reading of the lead's eyes", 1 },
    [KA_F_EYES_SHAPE] = { "eyes_shape", "the lead's lid opening from its landmarks", 1 },
    [KA_F_EYES_IRIS] = { "eyes_iris", "the iris's dark in the lead's eyes: not rolled up, "
                         "not white with glare", 1 },
    [KA_F_EYES_OTHERS] = { "eyes_others", "the worst eyes among the other faces that "
                           "matter (1 without others)", 1 },
    [KA_F_MOUTH_OPEN] = { "mouth_open", "lips apart without a smile: mid-word", -1 },
    [KA_F_FACE_PITCH] = { "face_pitch", "the lead's head tilted up or down", -1 },
    [KA_F_FACE_FOCUS] = { "face_focus", "the lead face's sharpness against the frame's", 1 },
    [KA_F_FACE_SHARPNESS] = { "face_sharpness",
                              "log10(1 + the lead face's Laplacian variance) / 3", 1 },
    [KA_F_FACE_CUT] = { "face_cut", "share of the lead face and its margin outside", -1 },
    [KA_F_FACE_SCORE] = { "face_score", "the face detector's confidence", 1 },
    [KA_F_FACE_MAIN] = { "face_main", "the lead is one of the title's main characters", 1 },
    [KA_F_FACE_VALENCE] = { "face_valence", "a positive expression on the lead", 1 },
    [KA_F_HEADROOM] = { "headroom", "room above the lead face, in face heights", 1 },
    [KA_F_THIRDS] = { "thirds", "the face's or person's centre near a third of the picture "
                      "(0.5 without one)", 1 },
    [KA_F_PERSON_SIZE] = { "person_size", "the tallest person over the picture's height", 1 },
    [KA_F_PERSON_CUT] = { "person_cut", "the tallest person cut by the frame's edges", -1 },
    [KA_F_ISOLATION] = { "isolation", "the subject's detail against the background's", 1 },
    [KA_F_CLUTTER] = { "clutter", "share of strong edges", -1 },
    [KA_F_FLAT] = { "flat", "share of flat blocks: plain ground, room for a title", 1 },
    [KA_F_SPREAD] = { "spread", "share of the picture its detail spans", -1 },
    [KA_F_BRIGHTNESS] = { "brightness", "1 - |L* - 50| / 50", 1 },
    [KA_F_CONTRAST] = { "contrast", "spread of L*", 1 },
    [KA_F_SHARPNESS] = { "sharpness", "log10(1 + variance of the Laplacian) / 3", 1 },
    [KA_F_SATURATION] = { "saturation", "mean chroma, normalised", 1 },
    [KA_F_COLOURFULNESS] = { "colourfulness", "Hasler and Suesstrunk's M / 100", 1 },
    [KA_F_NOISE] = { "noise", "noise sigma / 8 gray levels", -1 },
    [KA_F_BRISQUE] = { "brisque", "BRISQUE quality (0.5 when not measured)", 1 },
    [KA_F_BLOWN] = { "blown", "share of burnt-out highlights", -1 },
    [KA_F_TEXT] = { "text", "share of the picture in lines of text", -1 },
    [KA_F_LINES] = { "lines", "long straight edges: screens, panels, graphics", -1 },
    [KA_F_SHOT_START] = { "shot_start", "0 at its shot's first frame, 1 a second in", 1 },
    [KA_F_SHOT_END] = { "shot_end", "0 at its shot's last frame, 1 a second before", 1 },
    [KA_F_MOTION] = { "motion", "frame difference around it", -1 },
};

const ka_feature_info *ka_feature_list(void)
{
    return ka_features;
}

int ka_feature_find(const char *name)
{
    for (int i = 0; name && i < KA_F_COUNT; i++)
        if (!strcmp(ka_features[i].name, name))
            return i;
    return -1;
}

static float ka_clamp01(float v)
{
    return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
}

static float ka_ramp(float v, float a, float b)
{
    return ka_clamp01((v - a) / (b - a));
}

/* Detail (a Laplacian variance) on a log scale: 1 at 1000, 0.33 at 9. Blur is a
 * ratio: halving the detail costs the same at every level. */
static float ka_log_detail(float var)
{
    return var > 0.0f ? fminf(1.2f, log10f(1.0f + var) / 3.0f) : 0.0f;
}

/* Share of r outside c. */
static float ka_outside(ka_rect r, ka_rect c)
{
    ka_rect i = ka_rect_intersect(r, c);
    double all = (double)r.w * r.h;
    return all > 0 ? (float)(1.0 - (double)i.w * i.h / all) : 0.0f;
}

/* How open and looking out a face's eyes read, 0..1 (0.7 when they cannot be read). */
static float ka_eyes_of(const ka_face *f)
{
    float open = f->eyes_open >= 0.0f ? ka_clamp01(f->eyes_open) : 0.7f;
    float iris = f->iris >= 0.0f ? ka_ramp(f->iris, 0.15f, 0.5f) : 0.7f;
    return fminf(open, iris);
}

static void ka_face_features(const ka_face *f, int n, ka_rect c, float *x)
{
    x[KA_F_FACE] = 1.0f;
    x[KA_F_FACE_SIZE] = sqrtf(ka_clamp01((float)f->box.h / (float)c.h));
    x[KA_F_FACES] = (float)(n < 3 ? n : 3) / 3.0f;
    x[KA_F_FACE_FRONTAL] = 1.0f - ka_clamp01(fabsf(f->yaw));
    x[KA_F_EYES_OPEN] = f->eyes_open >= 0.0f ? ka_clamp01(f->eyes_open) : 0.7f;
    x[KA_F_EYES_SHAPE] = f->eye_aspect >= 0.0f ? ka_ramp(f->eye_aspect, 0.12f, 0.30f) : 0.7f;
    x[KA_F_EYES_IRIS] = f->iris >= 0.0f ? ka_ramp(f->iris, 0.15f, 0.5f) : 0.7f;
    float smile = ka_clamp01(f->valence);
    x[KA_F_MOUTH_OPEN] =
        f->mouth_open >= 0.0f ? ka_ramp(f->mouth_open, 0.05f, 0.35f) * (1.0f - smile) : 0.0f;
    x[KA_F_FACE_PITCH] = f->pitch >= 0.0f ? ka_ramp(fabsf(f->pitch - 0.55f), 0.05f, 0.35f) : 0.0f;
    x[KA_F_FACE_FOCUS] = ka_clamp01(f->focus);
    x[KA_F_FACE_SHARPNESS] = ka_log_detail(f->sharpness);
    /* the face with room for hair above and chin below, as a crop would keep it */
    ka_rect m = { f->box.x - f->box.w * 15 / 100, f->box.y - f->box.h * 30 / 100,
                  f->box.w * 130 / 100, f->box.h * 140 / 100 };
    x[KA_F_FACE_CUT] = ka_outside(m, c);
    x[KA_F_FACE_SCORE] = ka_clamp01(f->score);
    x[KA_F_FACE_MAIN] = f->main_character ? 1.0f : 0.0f;
    x[KA_F_FACE_VALENCE] = smile;
    x[KA_F_HEADROOM] = ka_clamp01((float)(f->box.y - c.y) / (float)(f->box.h > 0 ? f->box.h : 1));
}

/* The tallest person, or NULL. */
static const ka_object *ka_tallest_person(const ka_vision_cand *vc)
{
    const ka_object *best = NULL;
    for (int i = 0; vc && i < vc->n_objects; i++)
        if (vc->objects[i].kind == KA_OBJ_PERSON && (!best || vc->objects[i].box.h > best->box.h))
            best = &vc->objects[i];
    return best;
}

/* How many of the box's sides lie on the picture's edges (within 1%), over 2. */
static float ka_edge_cut(ka_rect b, ka_rect c)
{
    int mx = c.w / 100 + 1, my = c.h / 100 + 1, sides = 0;
    sides += b.x <= c.x + mx;
    sides += b.x + b.w >= c.x + c.w - mx;
    sides += b.y <= c.y + my;
    sides += b.y + b.h >= c.y + c.h - my;
    return ka_clamp01((float)sides / 2.0f);
}

/* Nearness of (px, py) to the closest of the four thirds' crossings, 0..1. */
static float ka_thirds(float px, float py, ka_rect c)
{
    float best = INFINITY;
    for (int i = 1; i <= 2; i++)
        for (int j = 1; j <= 2; j++) {
            float dx = (px - (float)c.x - (float)c.w * (float)i / 3.0f) / (float)c.w;
            float dy = (py - (float)c.y - (float)c.h * (float)j / 3.0f) / (float)c.h;
            best = fminf(best, sqrtf(dx * dx + dy * dy));
        }
    return 1.0f - ka_ramp(best, 0.0f, 0.3f);
}

static void ka_shot_features(const ka_title *t, const ka_candidate *c, float *x)
{
    const ka_shot *s = NULL;
    for (int i = 0; t && i < t->n_shots; i++)
        if (c->frame >= t->shots[i].start_frame && c->frame <= t->shots[i].end_frame) {
            s = &t->shots[i];
            break;
        }
    if (!s) {
        x[KA_F_SHOT_START] = x[KA_F_SHOT_END] = 1.0f;
        return;
    }
    double frame_s = t->info.fps > 0 ? 1.0 / t->info.fps : 0.04;
    x[KA_F_SHOT_START] = ka_clamp01((float)(c->time_s - s->start_s));
    x[KA_F_SHOT_END] = ka_clamp01((float)(s->end_s - frame_s - c->time_s));
}

void ka_rank_features(const ka_title *t, const ka_candidate *c, float x[KA_F_COUNT])
{
    memset(x, 0, KA_F_COUNT * sizeof *x);
    ka_rect ct = c->content;
    if (ct.w <= 0 || ct.h <= 0)
        ct = t && t->content.w > 0 && t->content.h > 0 ? t->content
                                                       : (ka_rect){ 0, 0, c->width, c->height };
    if (ct.w <= 0 || ct.h <= 0)
        ct = (ka_rect){ 0, 0, 1, 1 };
    const ka_vision_cand *vc = ka_vision_of(c);
    const ka_face *lead, *matter[8];
    int n = ka_vision_faces_matter(vc, ct, matter, 8, &lead);
    const ka_object *person = ka_tallest_person(vc);
    float px = 0.0f, py = 0.0f;
    x[KA_F_THIRDS] = 0.5f;          /* no subject to place */
    if (lead) {
        ka_face_features(lead, n, ct, x);
        x[KA_F_EYES_OTHERS] = 1.0f;
        for (int i = 0; i < n && i < 8; i++)
            if (matter[i] != lead)
                x[KA_F_EYES_OTHERS] = fminf(x[KA_F_EYES_OTHERS], ka_eyes_of(matter[i]));
        px = (float)lead->box.x + 0.5f * (float)lead->box.w;
        py = (float)lead->box.y + 0.5f * (float)lead->box.h;
    } else if (person) {
        px = (float)person->box.x + 0.5f * (float)person->box.w;
        py = (float)person->box.y + 0.2f * (float)person->box.h;     /* the head */
    }
    if (lead || person)
        x[KA_F_THIRDS] = ka_thirds(px, py, ct);
    if (person) {
        x[KA_F_PERSON_SIZE] = ka_clamp01((float)person->box.h / (float)ct.h);
        x[KA_F_PERSON_CUT] = ka_edge_cut(person->box, ct) * x[KA_F_PERSON_SIZE];
    }
    static const ka_look unmeasured;
    const ka_look *l = ka_look_of(c) ? ka_look_of(c) : &unmeasured;
    x[KA_F_ISOLATION] = l->measured ? ka_clamp01(l->isolation) : 0.5f;
    x[KA_F_CLUTTER] = ka_clamp01(l->edges);
    x[KA_F_FLAT] = ka_clamp01(l->flat);
    x[KA_F_SPREAD] = l->measured ? ka_clamp01(l->spread) : 1.0f;
    x[KA_F_COLOURFULNESS] = ka_clamp01(l->colourfulness);
    x[KA_F_NOISE] = ka_clamp01(l->noise / 8.0f);
    x[KA_F_TEXT] = ka_clamp01(l->text);
    x[KA_F_LINES] = ka_clamp01(l->lines);
    x[KA_F_BRIGHTNESS] = ka_clamp01(c->q.brightness);
    x[KA_F_CONTRAST] = ka_clamp01(c->q.contrast);
    x[KA_F_SHARPNESS] = ka_log_detail(c->q.sharpness_raw);
    x[KA_F_SATURATION] = ka_clamp01(c->q.saturation);
    const ka_vision_quality vq = ka_vision_quality_of(c);
    x[KA_F_BRISQUE] = vq.has_brisque ? ka_clamp01(vq.brisque) : 0.5f;
    x[KA_F_BLOWN] = ka_clamp01(l->blown);
    x[KA_F_MOTION] = ka_clamp01(c->motion * 10.0f);
    ka_shot_features(t, c, x);
}
