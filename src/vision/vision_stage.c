/* vision_stage.c: the analysis' "faces" stage, one row of the list of stages
 * (rank/all_stages.c; the interface is analysis/stage.h).
 *
 * Its options (faces.enabled, .detector, .models, .objects, .brisque, .max_side: the
 * table below) come as "faces.option=value" strings from any front end. init loads
 * the models; process runs vision on
 * each candidate's full-resolution frame (vision works on a downscaled copy) and
 * keeps the record as the candidate's side data (ka_vision_attach). With faces, the salient region becomes the focus
 * the crops centre on (the faces that matter, never cut; focus.c). BRISQUE and the
 * faces are parts of the quality score of their own, kept in the record
 * (vc->quality; select weighs them with analysis's cand->q). OpenCV gets one
 * thread: decoding has the other cores. A failure on one candidate is a warning,
 * never the end of the analysis.
 *
 * uninit runs when every candidate is in: the title-level identity pass without a
 * cast (clustering, characters ranked by screen time: "lead 1", ...), then frees
 * the models. The cast is in the database, which vision does not know: whoever
 * stores the title skips this pass (no_title_passes) and runs it once, with the
 * cast (ka_store_identities); segments leave it to their merge. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "analysis/stage.h"
#include "vision/vision_priv.h"

typedef struct ka_vstage {
    ka_vision *v;
    int warned;
} ka_vstage;

typedef struct ka_faces_opts {
    int enabled, detector, objects, brisque, max_side;
    const char *models;
} ka_faces_opts;

/* In ka_face_detector's order (ka_vision_detector_name). */
static const char *const ka_detectors[] = {
    "auto", "cascade", "faceplugin", "yunet", "ultraface", NULL,
};
_Static_assert(sizeof ka_detectors / sizeof ka_detectors[0] == KA_DET_COUNT + 1,
               "one name per face detector");

#define OPT(f) offsetof(ka_faces_opts, f)
static const ka_option ka_faces_options[] = {
    { "enabled", "look for faces, people and objects at all", KA_OPT_BOOL, OPT(enabled),
      "true", 0, 0, NULL },
    { "detector", "face detector (auto: the best whose models are found)", KA_OPT_CHOICE,
      OPT(detector), "auto", 0, 0, ka_detectors },
    { "models", "':'-separated folders searched for the model files (default "
      "$KEYART_MODELS, else the default folders)", KA_OPT_STRING, OPT(models), NULL, 0, 0,
      NULL },
    { "objects", "detect people and objects", KA_OPT_BOOL, OPT(objects), "true", 0, 0, NULL },
    { "brisque", "measure BRISQUE", KA_OPT_BOOL, OPT(brisque), "true", 0, 0, NULL },
    { "max_side", "pictures larger than this are downscaled first (pixels)", KA_OPT_INT,
      OPT(max_side), "960", 160, 4096, NULL },
    { NULL, NULL, 0, 0, NULL, 0, 0, NULL },
};

static int ka_vstage_init(ka_stage_ctx *ctx)
{
    ka_vstage *p = ctx->priv;
    const ka_faces_opts *f = ctx->opts;
    if (!f->enabled)
        return 0;
    ka_vision_opts o;
    ka_vision_opts_default(&o);
    o.detector = (ka_face_detector)f->detector;
    o.models = f->models;
    o.objects = f->objects;
    o.brisque = f->brisque;
    o.max_side = f->max_side;
    o.threads = 1;                  /* one core for vision, the rest for decoding */
    return ka_vision_open(&o, &p->v);
}

static int ka_vstage_process(ka_stage_ctx *ctx, const ka_image *rgb, ka_rect content,
                             ka_candidate *cand)
{
    ka_vstage *p = ctx->priv;
    if (!p->v)
        return 0;
    ka_vision_cand *vc = NULL;
    int err = ka_vision_analyze(p->v, rgb, content, &vc);
    if (err == KA_ENOMEM)
        return err;
    if (err) {
        if (!p->warned++)
            ka_log(KA_LOG_WARN, "vision failed on frame %lld: %s", (long long)cand->frame,
                   ka_error_message());
        return 0;
    }
    if ((err = ka_vision_attach(cand, vc)))
        return err;
    /* the crops centre on the faces that matter (focus.c) */
    ka_vision_focus(vc->faces, vc->n_faces, content, &cand->salient);
    /* BRISQUE and the faces are parts of the quality score of their own (select's
     * score.c weighs them with analysis's parts) */
    ka_vision_quality *q = &vc->quality;
    q->brisque = ka_vision_brisque_quality(vc->brisque);
    q->has_brisque = q->brisque >= 0.0f;
    q->face = ka_vision_face_quality(vc, content);
    q->has_face = q->face >= 0.0f;
    return 0;
}

static void ka_vstage_uninit(ka_stage_ctx *ctx)
{
    ka_vstage *p = ctx->priv;
    ka_title *t = ctx->title;
    if (ctx->title_passes && p->v && ka_vision_has_identity(p->v) && t &&
        ka_vision_identities(t, NULL, 0) < 0)
        ka_log(KA_LOG_WARN, "identities of %s: %s", t->id ? t->id : "", ka_error_message());
    ka_vision_close(&p->v);
}

const ka_candidate_stage ka_vision_stage = {
    .name = "faces",
    .description = "faces (landmarks, eyes, expression, who), people, objects, BRISQUE",
    .options = ka_faces_options,
    .opts_size = sizeof(ka_faces_opts),
    .priv_size = sizeof(ka_vstage),
    .init = ka_vstage_init,
    .process = ka_vstage_process,
    .uninit = ka_vstage_uninit,
};
