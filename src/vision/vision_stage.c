/* vision_stage.c: the analysis' "faces" stage, one row of the list of stages
 * (rank/stages.c; the interface is analysis/stage.h).
 *
 * init loads the models (options from ka_vision_configure); process runs vision on
 * each candidate's full-resolution frame (vision works on a downscaled copy) and
 * keeps the record in cand->ext. With faces, the salient region becomes the focus
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
#include <stdio.h>
#include <string.h>

#include "analysis/stage.h"
#include "vision/vision_priv.h"

typedef struct ka_vstage {
    ka_vision *v;
    int warned;
} ka_vstage;

static int ka_vstage_init(ka_stage_ctx *ctx)
{
    ka_vstage *p = ctx->priv;
    ka_vision_opts o;
    char models[4096];
    ka_vision_config_get(&o, models, sizeof models);
    if (!o.enabled)
        return 0;
    if (o.threads == 0)
        o.threads = 1;              /* one core for vision, the rest for decoding */
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
    ka_candidate_ext_free(cand);
    cand->ext = vc;
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
    const ka_title *t = ctx->title;
    if (ctx->title_passes && p->v && ka_vision_has_identity(p->v) && t &&
        ka_vision_identities(t, NULL, 0) < 0)
        ka_log(KA_LOG_WARN, "identities of %s: %s", t->id ? t->id : "", ka_error_message());
    ka_vision_close(&p->v);
}

const ka_candidate_stage ka_vision_stage = {
    .name = "faces",
    .priv_size = sizeof(ka_vstage),
    .init = ka_vstage_init,
    .process = ka_vstage_process,
    .uninit = ka_vstage_uninit,
};
