/* classify.c: what a candidate shows, as selection sees it: a scene category, a
 * composition, and the seed's emotional / action / dramatic scores.
 *
 * Classification is a list of rules. Each reads the candidate's cues and adds
 * evidence (0..1) for scene categories; the strongest evidence of at least 0.5
 * wins, else the scene is GENERAL. The face rules (second part of this file) read
 * vision's record (ka_vision_of): close-ups by character role, ensemble, romantic
 * moment, confrontation, emotion; object cues for action; a face-based composition
 * replaces the salient-region one when faces or people are present.
 *
 * Calibration (shared clips): motion, the mean |luma difference| / 255 around the
 * frame, is ~0.02 for handheld walking and a marathon, 0.05 median and 0.10 at the
 * 90th percentile in Sintel's fight; the salient region holds 0.08..0.37 of natural
 * frames (0.55 for a flat one). Without faces a crowd, a textured close-up and a
 * landscape all have large salient regions: composition and LANDSCAPE are weak
 * cues until face rules (which will also veto LANDSCAPE when people are large).
 *
 * Cues and scores, with ramp(v, a, b) = clamp((v - a) / (b - a), 0, 1):
 *   frac        salient region area / content area; wfrac its width / content width
 *   action      = 0.7 ramp(motion, 0.015, 0.07) + 0.3 ramp(edge_change, 0.15, 0.50)
 *   stillness   = 1 - ramp(motion, 0.01, 0.05)
 *   lowkey      = ramp(L*, 45, 20)          (dark, low-key lighting)
 *   hicontrast  = ramp(std L*, 15, 30)
 *   dramatic    = 0.5 lowkey + 0.5 hicontrast
 *   closeness   = ramp(frac, 0.12, 0.32)
 *   emotional   = stillness (0.5 lowkey + 0.25 closeness + 0.25 hicontrast)
 *   landscape   = stillness ramp(frac, 0.22, 0.38) (0.5 + 0.5 ramp(wfrac, 0.5, 0.8))
 *                 (1 - 0.5 lowkey): still, detail spread wide across the frame
 * Scene evidence: ACTION = action, LANDSCAPE = landscape, EMOTIONAL =
 * 0.8 max(emotional, stillness dramatic) (weak cues without faces, so scaled down).
 * scene_confidence is the winner's evidence (for GENERAL: 1 - the best evidence).
 * Composition without faces, from frac: >= 0.30 close-up, >= 0.15 mid, >= 0.06
 * wide, else extreme wide; a LANDSCAPE scene is at least wide (its detail is
 * spread over the frame, which is why its salient region is large). */
#include <math.h>
#include <string.h>

#include "keyart/select.h"
#include "keyart/vision.h"
#include "select/select_priv.h"

static const char *const ka_scene_names[KA_SCENE_COUNT] = {
    "hero_closeup", "heroine_closeup", "ensemble", "action", "romantic", "emotional",
    "confrontation", "landscape", "general",
};
static const char *const ka_comp_names[KA_COMP_COUNT] = {
    "closeup", "mid", "wide", "extreme_wide",
};

/* Face cues (from vision's record, ka_vision_of). The faces that matter are at
 * least 4% of the content's height and 40% of the largest face's. */
typedef struct ka_face_cues {
    const ka_vision_cand *vc;
    ka_rect content;
    int n;                          /* faces that matter */
    int n_main;                     /* distinct main characters among them */
    int identity;                   /* faces carry identities */
    const ka_face *lead;            /* the most prominent face that matters */
    const ka_face *pair[2];         /* the two leading faces, left to right */
    float lead_frac;                /* lead face height / content height */
    float valence;                  /* mean valence of the faces that matter */
    float intensity;                /* lead's non-neutral expression confidence */
    float person_frac;              /* tallest person / content height */
    int people, vehicles, animals, weapons;
} ka_face_cues;

typedef struct ka_classify_full {
    ka_classify_ctx x;              /* first: rules get &x and find the rest */
    ka_face_cues f;
} ka_classify_full;

static ka_face_cues *ka_fc(ka_classify_ctx *x)
{
    return &((ka_classify_full *)x)->f;
}

const char *ka_scene_name(ka_scene s)
{
    return (unsigned)s < KA_SCENE_COUNT ? ka_scene_names[s] : "unknown";
}

const char *ka_composition_name(ka_composition c)
{
    return (unsigned)c < KA_COMP_COUNT ? ka_comp_names[c] : "unknown";
}

float ka_classify_ramp(float v, float a, float b)
{
    float t = (v - a) / (b - a);
    return t < 0.0f ? 0.0f : t > 1.0f ? 1.0f : t;
}

static float ka_classify_clamp01(float v)
{
    return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
}

/* Cues of cand that need no faces. */
static void ka_classify_cues(const ka_title *t, const ka_candidate *cand, ka_cues *cu)
{
    memset(cu, 0, sizeof(*cu));
    cu->motion = ka_classify_clamp01(cand->motion);
    cu->edge_change = ka_classify_clamp01(cand->sig.edge_change);
    cu->lightness = cand->q.lightness;
    cu->contrast = cand->q.contrast_raw;
    if (cu->lightness <= 0.0f && cu->contrast <= 0.0f && cand->sig.luma_mean > 0.0f) {
        /* quality not measured: L* and its spread from the luma signals */
        cu->lightness = ka_classify_clamp01(cand->sig.luma_mean / 255.0f) * 100.0f;
        cu->contrast = cand->sig.luma_std * (100.0f / 255.0f);
    }
    ka_rect c = t ? t->content : (ka_rect){ 0, 0, cand->width, cand->height };
    if (c.w <= 0 || c.h <= 0)
        c = (ka_rect){ 0, 0, cand->width, cand->height };
    if (cand->salient.w > 0 && cand->salient.h > 0 && c.w > 0 && c.h > 0) {
        cu->frac = ka_classify_clamp01((float)((double)cand->salient.w * cand->salient.h /
                                               ((double)c.w * c.h)));
        cu->wfrac = ka_classify_clamp01((float)cand->salient.w / (float)c.w);
    } else {
        cu->frac = 0.2f;        /* unknown: a neutral mid shot, never a landscape */
        cu->wfrac = 0.5f;
    }
}

/* The seed's content_analysis scores (and the cues scene rules share). */
static void ka_classify_rule_scores(ka_classify_ctx *x)
{
    const ka_cues *cu = &x->cues;
    x->stillness = 1.0f - ka_classify_ramp(cu->motion, 0.01f, 0.05f);
    x->lowkey = ka_classify_ramp(cu->lightness, 45.0f, 20.0f);
    x->hicontrast = ka_classify_ramp(cu->contrast, 15.0f, 30.0f);
    x->c->action = ka_classify_clamp01(0.7f * ka_classify_ramp(cu->motion, 0.015f, 0.07f) +
                                       0.3f * ka_classify_ramp(cu->edge_change, 0.15f, 0.50f));
    x->c->dramatic = ka_classify_clamp01(0.5f * x->lowkey + 0.5f * x->hicontrast);
    float closeness = ka_classify_ramp(cu->frac, 0.12f, 0.32f);
    x->c->emotional = ka_classify_clamp01(x->stillness * (0.5f * x->lowkey +
                                          0.25f * closeness + 0.25f * x->hicontrast));
}

static void ka_classify_rule_action(ka_classify_ctx *x)
{
    ka_classify_evidence(x, KA_SCENE_ACTION, x->c->action);
}

static void ka_classify_rule_landscape(ka_classify_ctx *x)
{
    const ka_cues *cu = &x->cues;
    float v = x->stillness * ka_classify_ramp(cu->frac, 0.22f, 0.38f) *
              (0.5f + 0.5f * ka_classify_ramp(cu->wfrac, 0.5f, 0.8f)) * (1.0f - 0.5f * x->lowkey);
    ka_classify_evidence(x, KA_SCENE_LANDSCAPE, v);
}

static void ka_classify_rule_mood(ka_classify_ctx *x)
{
    float v = fmaxf(x->c->emotional, x->stillness * x->c->dramatic);
    ka_classify_evidence(x, KA_SCENE_EMOTIONAL, 0.8f * v);
}

static void ka_classify_rule_face_scores(ka_classify_ctx *x);
static void ka_classify_rule_closeup(ka_classify_ctx *x);
static void ka_classify_rule_ensemble(ka_classify_ctx *x);
static void ka_classify_rule_pair(ka_classify_ctx *x);
static void ka_classify_rule_emotion(ka_classify_ctx *x);
static void ka_classify_rule_people_veto(ka_classify_ctx *x);

/* The rule table: scores first, then scene rules in any order; the people veto
 * (no landscape when people are large) last. */
static void (*const ka_classify_rules[])(ka_classify_ctx *) = {
    ka_classify_rule_scores,
    ka_classify_rule_face_scores,
    ka_classify_rule_action,
    ka_classify_rule_landscape,
    ka_classify_rule_mood,
    ka_classify_rule_closeup,
    ka_classify_rule_ensemble,
    ka_classify_rule_pair,
    ka_classify_rule_emotion,
    ka_classify_rule_people_veto,
};

void ka_classify_evidence(ka_classify_ctx *x, ka_scene s, float v)
{
    if ((unsigned)s < KA_SCENE_COUNT && v > x->evidence[s])
        x->evidence[s] = ka_classify_clamp01(v);
}

static void ka_classify_decide(ka_classify_ctx *x)
{
    int best = -1;
    for (int s = 0; s < KA_SCENE_COUNT; s++)
        if (s != KA_SCENE_GENERAL && (best < 0 || x->evidence[s] > x->evidence[best]))
            best = s;
    if (best >= 0 && x->evidence[best] >= 0.5f) {
        x->c->scene = (ka_scene)best;
        x->c->scene_confidence = x->evidence[best];
    } else {
        x->c->scene = KA_SCENE_GENERAL;
        x->c->scene_confidence = 1.0f - (best >= 0 ? x->evidence[best] : 0.0f);
    }
}

ka_composition ka_classify_composition_frac(float frac)
{
    if (frac >= 0.30f)
        return KA_COMP_CLOSEUP;
    if (frac >= 0.15f)
        return KA_COMP_MID;
    return frac >= 0.06f ? KA_COMP_WIDE : KA_COMP_EXTREME_WIDE;
}

static ka_composition ka_classify_composition_faces(const ka_classify_ctx *x, int *known);

static void ka_classify_composition(ka_classify_ctx *x)
{
    int known = 0;
    ka_composition comp = ka_classify_composition_faces(x, &known);
    if (!known)
        comp = ka_classify_composition_frac(x->cues.frac);
    if (x->c->scene == KA_SCENE_LANDSCAPE && comp < KA_COMP_WIDE)
        comp = KA_COMP_WIDE;
    x->c->composition = comp;
}

static void ka_classify_face_cues(ka_classify_ctx *x);
static void ka_classify_characters(ka_classify_ctx *x);

void ka_classify(const ka_title *t, const ka_candidate *cand, ka_content *c)
{
    memset(c, 0, sizeof(*c));
    c->scene = KA_SCENE_GENERAL;
    c->composition = KA_COMP_MID;
    if (!cand)
        return;
    ka_classify_full full;
    memset(&full, 0, sizeof(full));
    ka_classify_ctx *x = &full.x;
    x->t = t;
    x->cand = cand;
    x->c = c;
    ka_classify_cues(t, cand, &x->cues);
    ka_classify_face_cues(x);
    for (size_t i = 0; i < sizeof(ka_classify_rules) / sizeof(ka_classify_rules[0]); i++)
        ka_classify_rules[i](x);
    ka_classify_decide(x);
    ka_classify_composition(x);
    ka_classify_characters(x);
}

/* ---- face rules ----
 *
 * lead_frac is the lead face's height over the content's; "main" faces belong to
 * the title's main characters (or, without identities, are at least 8% tall).
 *   scores     action += 0.3 with a weapon-like prop, + 0.15 (0.5 + 0.5 movement)
 *              with a vehicle, + 0.1 movement with 3+ people (movement =
 *              ramp(motion, 0.005, 0.03)); closeness = ramp(lead_frac, 0.08, 0.3);
 *              emotional >= closeness (0.5 intensity + 0.5 |valence|); dramatic >=
 *              closeness max(0, -valence)
 *   close-up   one main face (or a second under 60% of its size), lead_frac >= 0.12:
 *              0.5 + 0.45 ramp(lead_frac, 0.12, 0.35), x0.85 when the lead is not a
 *              main character; heroine -> HEROINE_CLOSEUP, villain ->
 *              CONFRONTATION (0.9x), anyone else -> HERO_CLOSEUP
 *   ensemble   3+ main characters: 0.7 + 0.05 per extra; 3+ faces: 0.6; 3+ people
 *              with 2 faces: 0.55
 *   pair       two faces of similar size (the smaller >= 60%), at most three faces:
 *              closeness = 1 - ramp(centre gap / face width, 1.5, 4); pos/neg =
 *              ramp(+-valence, 0.1, 0.6); facing = turned toward each other;
 *              romantic = 0.3 + 0.2 closeness + 0.35 pos + 0.1 hero&heroine - 0.3 neg
 *              confrontation = 0.3 + 0.3 neg + 0.2 facing + 0.2 dramatic - 0.2 pos
 *   emotion    lead_frac >= 0.1 with sad/fear/surprise/anger/disgust at conf >= 0.5:
 *              EMOTIONAL 0.5 + 0.45 conf ramp(lead_frac, 0.1, 0.25)
 *   veto       landscape x (1 - ramp(lead_frac, 0.03, 0.08)) (1 - ramp(person, 0.25, 0.5))
 * Composition with faces: lead_frac >= 0.30 close-up, >= 0.13 mid, >= 0.05 wide,
 * else extreme wide; with people only: tallest >= 0.75 mid, >= 0.35 wide, else
 * extreme wide.
 * Prominence (content.character_prominence) is the lead's ka_face_prominence with
 * the scene's importance (max of emotional, action, dramatic), times what selection
 * should prefer: eyes open (x0.3 when closed, < 0.25; x0.7 when < 0.5), a readable
 * expression (x0.85 when the model is unsure, < 0.4) and a main character (x0.7
 * supporting, x0.5 background). */

static int ka_face_is_main(const ka_face_cues *fc, const ka_face *f)
{
    if (fc->identity)
        return f->main_character;
    return (float)f->box.h >= 0.08f * (float)fc->content.h;
}

static float ka_face_weight(const ka_face_cues *fc, const ka_face *f)
{
    return (ka_face_is_main(fc, f) ? 2.0f : 1.0f) * (float)f->box.w * (float)f->box.h;
}

static void ka_classify_face_cues(ka_classify_ctx *x)
{
    ka_face_cues *fc = ka_fc(x);
    const ka_candidate *cand = x->cand;
    fc->vc = ka_vision_of(cand);
    fc->content = x->t ? x->t->content : (ka_rect){ 0, 0, cand->width, cand->height };
    if (fc->content.w <= 0 || fc->content.h <= 0)
        fc->content = (ka_rect){ 0, 0, cand->width, cand->height };
    const ka_vision_cand *vc = fc->vc;
    if (!vc || fc->content.h <= 0)
        return;
    fc->person_frac = vc->person_frac;
    fc->people = vc->n_kind[KA_OBJ_PERSON];
    fc->vehicles = vc->n_kind[KA_OBJ_VEHICLE];
    fc->animals = vc->n_kind[KA_OBJ_ANIMAL];
    fc->weapons = vc->n_kind[KA_OBJ_WEAPON];
    float largest = 0, wsum = 0;
    for (int i = 0; i < vc->n_faces; i++) {
        largest = fmaxf(largest, (float)vc->faces[i].box.h);
        fc->identity |= vc->faces[i].character >= 0;
    }
    int mains[16], nm = 0;
    for (int i = 0; i < vc->n_faces; i++) {
        const ka_face *f = &vc->faces[i];
        if (!ka_face_matters(f, fc->content, largest))
            continue;
        fc->n++;
        float w = (float)f->box.w * (float)f->box.h;
        fc->valence += w * f->valence;
        wsum += w;
        int seen = 0;
        for (int k = 0; k < nm && !seen; k++)
            seen = fc->identity && mains[k] == f->character;
        if (ka_face_is_main(fc, f) && !seen && nm < 16)
            mains[nm++] = f->character;
        if (!fc->lead || ka_face_weight(fc, f) > ka_face_weight(fc, fc->lead)) {
            fc->pair[1] = fc->lead;
            fc->lead = f;
        } else if (!fc->pair[1] || ka_face_weight(fc, f) > ka_face_weight(fc, fc->pair[1])) {
            fc->pair[1] = f;
        }
    }
    fc->n_main = nm;
    fc->valence = wsum > 0 ? fc->valence / wsum : 0.0f;
    fc->pair[0] = fc->lead;
    if (fc->pair[1] && fc->pair[1]->box.x < fc->pair[0]->box.x) {
        fc->pair[0] = fc->pair[1];
        fc->pair[1] = fc->lead;
    }
    if (fc->lead) {
        fc->lead_frac = ka_classify_clamp01((float)fc->lead->box.h / (float)fc->content.h);
        fc->intensity = fc->lead->expression > KA_EXPR_NEUTRAL ? fc->lead->expression_conf : 0.0f;
    }
}

static void ka_classify_rule_face_scores(ka_classify_ctx *x)
{
    const ka_face_cues *fc = ka_fc(x);
    if (!fc->vc)
        return;
    float move = ka_classify_ramp(x->cues.motion, 0.005f, 0.03f);
    x->c->action = ka_classify_clamp01(x->c->action + 0.3f * (fc->weapons > 0) +
                                       0.15f * (fc->vehicles > 0) * (0.5f + 0.5f * move) +
                                       0.1f * (fc->people >= 3) * move);
    if (!fc->lead)
        return;
    float close = ka_classify_ramp(fc->lead_frac, 0.08f, 0.3f);
    x->c->emotional = fmaxf(x->c->emotional,
                            close * (0.5f * fc->intensity + 0.5f * fabsf(fc->valence)));
    x->c->dramatic = fmaxf(x->c->dramatic, close * fmaxf(0.0f, -fc->valence));
}

static void ka_classify_rule_closeup(ka_classify_ctx *x)
{
    const ka_face_cues *fc = ka_fc(x);
    if (!fc->lead || fc->lead_frac < 0.12f)
        return;
    const ka_face *other = fc->pair[0] == fc->lead ? fc->pair[1] : fc->pair[0];
    if (fc->n_main > 2 || (other && other->box.h >= 0.6f * fc->lead->box.h))
        return;                     /* a pair or a group: other rules */
    float v = 0.5f + 0.45f * ka_classify_ramp(fc->lead_frac, 0.12f, 0.35f);
    if (!ka_face_is_main(fc, fc->lead))
        v *= 0.85f;
    ka_role r = fc->lead->role;
    if (r == KA_ROLE_VILLAIN)
        ka_classify_evidence(x, KA_SCENE_CONFRONTATION, 0.9f * v);
    else
        ka_classify_evidence(x, r == KA_ROLE_HEROINE ? KA_SCENE_HEROINE_CLOSEUP
                                                     : KA_SCENE_HERO_CLOSEUP, v);
}

static void ka_classify_rule_ensemble(ka_classify_ctx *x)
{
    const ka_face_cues *fc = ka_fc(x);
    float v = 0.0f;
    if (fc->n_main >= 3)
        v = 0.7f + 0.05f * (float)(fc->n_main - 3);
    else if (fc->n >= 3)
        v = 0.6f;
    else if (fc->people >= 3 && fc->n >= 2)
        v = 0.55f;
    ka_classify_evidence(x, KA_SCENE_ENSEMBLE, v);
}

static void ka_classify_rule_pair(ka_classify_ctx *x)
{
    const ka_face_cues *fc = ka_fc(x);
    const ka_face *a = fc->pair[0], *b = fc->pair[1];
    if (!a || !b || fc->n > 3)
        return;
    float ha = (float)a->box.h, hb = (float)b->box.h;
    if (fminf(ha, hb) < 0.6f * fmaxf(ha, hb))
        return;
    float width = 0.5f * (float)(a->box.w + b->box.w);
    float gap = fabsf((float)(b->box.x + b->box.w / 2) - (float)(a->box.x + a->box.w / 2)) /
                fmaxf(width, 1.0f);
    float close = 1.0f - ka_classify_ramp(gap, 1.5f, 4.0f);
    float pos = ka_classify_ramp(fc->valence, 0.1f, 0.6f);
    float neg = ka_classify_ramp(-fc->valence, 0.1f, 0.6f);
    float facing = a->yaw > 0.15f && b->yaw < -0.15f ? 1.0f : 0.0f;
    int couple = (a->role == KA_ROLE_HERO && b->role == KA_ROLE_HEROINE) ||
                 (a->role == KA_ROLE_HEROINE && b->role == KA_ROLE_HERO);
    ka_classify_evidence(x, KA_SCENE_ROMANTIC,
                         0.3f + 0.2f * close + 0.35f * pos + 0.1f * (float)couple - 0.3f * neg);
    ka_classify_evidence(x, KA_SCENE_CONFRONTATION,
                         0.3f + 0.3f * neg + 0.2f * facing + 0.2f * x->c->dramatic - 0.2f * pos);
}

static void ka_classify_rule_emotion(ka_classify_ctx *x)
{
    const ka_face_cues *fc = ka_fc(x);
    const ka_face *f = fc->lead;
    if (!f || fc->lead_frac < 0.1f || f->expression_conf < 0.5f)
        return;
    ka_expression e = f->expression;
    if (e == KA_EXPR_SAD || e == KA_EXPR_FEAR || e == KA_EXPR_SURPRISE || e == KA_EXPR_ANGER ||
        e == KA_EXPR_DISGUST)
        ka_classify_evidence(x, KA_SCENE_EMOTIONAL, 0.5f + 0.45f * f->expression_conf *
                             ka_classify_ramp(fc->lead_frac, 0.1f, 0.25f));
}

static void ka_classify_rule_people_veto(ka_classify_ctx *x)
{
    const ka_face_cues *fc = ka_fc(x);
    x->evidence[KA_SCENE_LANDSCAPE] *= (1.0f - ka_classify_ramp(fc->lead_frac, 0.03f, 0.08f)) *
                                       (1.0f - ka_classify_ramp(fc->person_frac, 0.25f, 0.5f));
}

static ka_composition ka_classify_composition_faces(const ka_classify_ctx *x, int *known)
{
    const ka_face_cues *fc = ka_fc((ka_classify_ctx *)x);
    *known = 1;
    if (fc->lead) {
        float f = fc->lead_frac;
        return f >= 0.30f ? KA_COMP_CLOSEUP : f >= 0.13f ? KA_COMP_MID
               : f >= 0.05f ? KA_COMP_WIDE : KA_COMP_EXTREME_WIDE;
    }
    if (fc->people > 0)
        return fc->person_frac >= 0.75f ? KA_COMP_MID : fc->person_frac >= 0.35f ? KA_COMP_WIDE
               : KA_COMP_EXTREME_WIDE;
    *known = 0;
    return KA_COMP_MID;
}

/* Prominence of the lead and the characters present, most prominent first. */
static void ka_classify_characters(ka_classify_ctx *x)
{
    const ka_face_cues *fc = ka_fc(x);
    const ka_face *f = fc->lead;
    if (!f)
        return;
    ka_content *c = x->c;
    float importance = fmaxf(c->emotional, fmaxf(c->action, c->dramatic));
    float p = ka_face_prominence(f->box, fc->content, f->focus, importance);
    if (f->eyes_open >= 0.0f)
        p *= f->eyes_open < 0.25f ? 0.3f : f->eyes_open < 0.5f ? 0.7f : 1.0f;
    if (f->expression != KA_EXPR_UNKNOWN && f->expression_conf < 0.4f)
        p *= 0.85f;
    if (fc->identity && !f->main_character)
        p *= f->role == KA_ROLE_BACKGROUND ? 0.5f : 0.7f;
    c->prominence = ka_classify_clamp01(p);
    const ka_vision_cand *vc = fc->vc;
    float largest = 0;
    for (int i = 0; i < vc->n_faces; i++)
        largest = fmaxf(largest, (float)vc->faces[i].box.h);
    int order[32], n = 0;               /* faces by weight, heaviest first */
    for (int i = 0; i < vc->n_faces && n < 32; i++) {
        const ka_face *g = &vc->faces[i];
        if (!g->name[0] || g->role == KA_ROLE_BACKGROUND ||
            !ka_face_matters(g, fc->content, largest))
            continue;
        int j = n++;
        for (; j > 0 && ka_face_weight(fc, &vc->faces[order[j - 1]]) < ka_face_weight(fc, g); j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
    for (int k = 0; k < n && c->n_characters < 8; k++) {
        const char *name = vc->faces[order[k]].name;
        int dup = 0;
        for (int j = 0; j < c->n_characters && !dup; j++)
            dup = !strcmp(c->characters[j], name);
        if (!dup)
            c->characters[c->n_characters++] = name;
    }
}
