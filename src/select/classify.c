/* classify.c: what a candidate shows, as selection sees it: a scene category, a
 * composition, and the seed's emotional / action / dramatic scores.
 *
 * Classification is a list of rules. Each reads the candidate's cues and adds
 * evidence (0..1) for scene categories; the strongest evidence of at least 0.5
 * wins, else the scene is GENERAL. Faces are not known yet (issue 3): face rules
 * (hero / heroine close-up, ensemble, romantic, confrontation, prominence) become
 * more rows of ka_classify_rules reading cand->ext, and a face-based composition
 * rule replaces the salient-region one when faces are present.
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
#include "select/select_priv.h"

static const char *const ka_scene_names[KA_SCENE_COUNT] = {
    "hero_closeup", "heroine_closeup", "ensemble", "action", "romantic", "emotional",
    "confrontation", "landscape", "general",
};
static const char *const ka_comp_names[KA_COMP_COUNT] = {
    "closeup", "mid", "wide", "extreme_wide",
};

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

/* The rule table: scores first, then scene rules in any order. */
static void (*const ka_classify_rules[])(ka_classify_ctx *) = {
    ka_classify_rule_scores,
    ka_classify_rule_action,
    ka_classify_rule_landscape,
    ka_classify_rule_mood,
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

static void ka_classify_composition(ka_classify_ctx *x)
{
    ka_composition comp = ka_classify_composition_frac(x->cues.frac);
    if (x->c->scene == KA_SCENE_LANDSCAPE && comp < KA_COMP_WIDE)
        comp = KA_COMP_WIDE;
    x->c->composition = comp;
}

void ka_classify(const ka_title *t, const ka_candidate *cand, ka_content *c)
{
    memset(c, 0, sizeof(*c));
    c->scene = KA_SCENE_GENERAL;
    c->composition = KA_COMP_MID;
    if (!cand)
        return;
    ka_classify_ctx x;
    memset(&x, 0, sizeof(x));
    x.t = t;
    x.cand = cand;
    x.c = c;
    ka_classify_cues(t, cand, &x.cues);
    for (size_t i = 0; i < sizeof(ka_classify_rules) / sizeof(ka_classify_rules[0]); i++)
        ka_classify_rules[i](&x);
    ka_classify_decide(&x);
    ka_classify_composition(&x);
}
