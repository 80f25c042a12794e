/* vision_stage.c: the analysis' "faces" stage, one row of ka_candidate_stages.
 *
 * init loads the models (options from ka_vision_configure); process runs vision on
 * each candidate's full-resolution frame (vision works on a downscaled copy) and
 * keeps the record in cand->ext. With faces, the salient region becomes the focus
 * the crops centre on (the faces that matter, never cut; focus.c). BRISQUE joins
 * the quality: the sharpness part becomes 0.7 x Laplacian sharpness + 0.3 x BRISQUE
 * quality, where BRISQUE quality = 1 at a score of 15 or better and 0 at 70 or
 * worse. OpenCV gets one thread: decoding has the other cores. A failure on one
 * candidate is a warning, never the end of the analysis.
 *
 * uninit runs when every candidate is in: the title-level identity pass (cast
 * matching with the title's entries of the cast file, clustering, characters
 * ranked by screen time), then frees the models. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "analysis/stage.h"
#include "vision/vision_priv.h"

typedef struct ka_vstage {
    ka_vision *v;
    char cast[4096];
    int warned;
} ka_vstage;

static int ka_vstage_init(ka_stage_ctx *ctx)
{
    ka_vstage *p = ctx->priv;
    ka_vision_opts o;
    char models[4096];
    ka_vision_config_get(&o, models, sizeof models, p->cast, sizeof p->cast);
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
    if (vc->brisque >= 0.0f) {
        float bq = (70.0f - vc->brisque) / (70.0f - 15.0f);
        bq = bq < 0.0f ? 0.0f : bq > 1.0f ? 1.0f : bq;
        cand->q.sharpness = 0.7f * cand->q.sharpness + 0.3f * bq;
    }
    return 0;
}

/* The title's cast entries: the configured file, else keyart-cast.json when it
 * exists. A broken cast file is a warning: the analysis goes on without it. */
static void ka_vstage_identities(ka_vstage *p, const ka_title *t)
{
    const char *path = p->cast[0] ? p->cast : KA_CAST_DEFAULT_PATH;
    ka_cast *cast = NULL;
    const ka_cast_entry *e = NULL;
    int n = 0;
    if ((p->cast[0] || access(path, F_OK) == 0) && ka_cast_open(path, &cast) == 0)
        n = ka_cast_list(cast, t->id ? t->id : "", &e);
    else if (p->cast[0] || access(path, F_OK) == 0)
        ka_log(KA_LOG_WARN, "cast %s not used: %s", path, ka_error_message());
    if (ka_vision_identities(t, e, n < 0 ? 0 : n) < 0)
        ka_log(KA_LOG_WARN, "identities of %s: %s", t->id ? t->id : "", ka_error_message());
    ka_cast_close(&cast);
}

static void ka_vstage_uninit(ka_stage_ctx *ctx)
{
    ka_vstage *p = ctx->priv;
    if (p->v && ka_vision_has_identity(p->v) && ctx->title)
        ka_vstage_identities(p, ctx->title);
    ka_vision_close(&p->v);
}

const ka_candidate_stage ka_vision_stage = {
    .name = "faces",
    .priv_size = sizeof(ka_vstage),
    .init = ka_vstage_init,
    .process = ka_vstage_process,
    .uninit = ka_vstage_uninit,
};
