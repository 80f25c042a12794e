/* pipeline.c: ka_analyze_stages, the one pass over a video (ka_analyze, rank's, runs
 * it with every stage). The media module decodes on its own threads; here every
 * frame's small copy gets its signals, feeds the shot detector, the bars vote and
 * the sampler; picked frames go to the stage runner, which runs the stages.
 * Nothing here touches a full-resolution picture. */
#include <errno.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline_priv.h"

void ka_analysis_opts_default(ka_analysis_opts *o)
{
    memset(o, 0, sizeof *o);
    o->shot.min_shot_s = 0.4;
    o->sample_interval_s = 1.0;
    o->budget_per_hour = 120;
    o->min_candidates = 24;
    o->small_width = 128;
}

static int check_opts(const ka_analysis_opts *o, const ka_candidate_stage *const *stages)
{
    if (o->n_stage_opts < 0 || (o->n_stage_opts > 0 && !o->stage_opts))
        return ka_error(KA_EINVAL, "%d stage options without a list", o->n_stage_opts);
    if (ka_stage_opts_check_in(stages, o->stage_opts, o->n_stage_opts))
        return KA_EINVAL;
    if (o->budget_per_hour < 50 || o->budget_per_hour > 200)
        return ka_error(KA_EINVAL, "candidate budget %d per hour is outside 50..200",
                        o->budget_per_hour);
    if (o->sample_interval_s <= 0 || o->sample_interval_s > 60)
        return ka_error(KA_EINVAL, "sample interval %g s is outside (0, 60]", o->sample_interval_s);
    if (o->shot.min_shot_s < 0 || o->shot.min_shot_s > 10)
        return ka_error(KA_EINVAL, "minimum shot length %g s is outside [0, 10]",
                        o->shot.min_shot_s);
    if (o->start_s < 0 || o->end_s < 0 || (o->end_s > 0 && o->end_s <= o->start_s))
        return ka_error(KA_EINVAL, "analysis range %g..%g s is empty or negative", o->start_s,
                        o->end_s);
    if (o->min_candidates < 1 || o->min_candidates > 1000)
        return ka_error(KA_EINVAL, "minimum candidates %d is outside 1..1000", o->min_candidates);
    if (o->n_force_frames < 0 || (o->n_force_frames > 0 && !o->force_frames))
        return ka_error(KA_EINVAL, "frames to take: a count without a list");
    for (int i = 0; i < o->n_force_frames; i++)
        if (o->force_frames[i] < 0 || (i > 0 && o->force_frames[i] <= o->force_frames[i - 1]))
            return ka_error(KA_EINVAL, "frames to take must ascend from 0 (frame %lld after %lld)",
                            (long long)o->force_frames[i], i ? (long long)o->force_frames[i - 1] : -1LL);
    return 0;
}

typedef struct run {
    ka_title *t;
    ka_shot_detector *shots;
    ka_sampler sampler;
    ka_bars bars;
    ka_stage_runner *runner;
    int64_t counted;            /* frames whose final flags are counted */
    int shots_only;
} run;

static int emit_pick(void *ud, sampler_pick *pick)
{
    run *r = ud;
    ka_rect content = ka_bars_content(&r->bars, r->t->info.width, r->t->info.height);
    return ka_stage_runner_push(r->runner, pick, content);
}

/* Counts defects of frames that have become final. */
static void count_final(run *r)
{
    int64_t upto = ka_shot_detector_final_before(r->shots);
    for (; r->counted < upto; r->counted++) {
        uint32_t flags;
        if (ka_shot_detector_frame_info(r->shots, r->counted, NULL, &flags) < 0)
            continue;
        r->t->n_black += !!(flags & KA_FRAME_BLACK);
        r->t->n_flash += !!(flags & KA_FRAME_FLASH);
        r->t->n_transition += !!(flags & KA_FRAME_TRANSITION);
    }
}

static int make_spool(ka_title *t, const char *dir)
{
    char tmpl[4096];
    const char *base = dir ? dir : getenv("TMPDIR");
    if (dir && mkdir(dir, 0755) < 0 && errno != EEXIST)
        return ka_error(KA_EIO, "cannot create %s: %s", dir, strerror(errno));
    snprintf(tmpl, sizeof tmpl, "%s/keyart-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpl))
        return ka_error(KA_EIO, "cannot create a scratch folder in %s: %s",
                        base && *base ? base : "/tmp", strerror(errno));
    t->spool_dir = strdup(tmpl);
    return t->spool_dir ? 0 : ka_error(KA_ENOMEM, "no memory");
}

static int per_frame(run *r, ka_frame *f, const ka_frame *prev, ka_signals *sig,
                     const ka_signals *prev_sig)
{
    sig->frame = f->index;
    sig->time_s = f->time_s;
    ka_signals_compute(&f->small, prev ? &prev->small : NULL, prev_sig, sig);
    int err = ka_shot_detector_push(r->shots, sig, &f->small);
    if (err)
        return err;
    ka_bars_add(&r->bars, sig, f->small.w, f->small.h);
    if (!r->shots_only) {
        err = ka_sampler_offer(&r->sampler, f, sig);
        if (!err)
            err = ka_sampler_decide(&r->sampler, r->shots, 0, emit_pick, r);
    }
    count_final(r);
    return err;
}

static int decode_all(run *r, ka_video *v, const ka_analysis_opts *o)
{
    ka_frame *f = NULL, *prev = NULL;
    ka_signals sig[2];
    int64_t n = 0;
    int got, err = 0;
    while (!err && (got = ka_video_read(v, &f)) == 1) {
        err = per_frame(r, f, prev, &sig[n & 1], prev ? &sig[(n + 1) & 1] : NULL);
        ka_frame_free(&prev);
        prev = f;
        f = NULL;
        if (o->progress)
            o->progress(o->progress_ud, prev->time_s, r->t->info.duration_s);
        n++;
    }
    ka_frame_free(&prev);
    if (!err && got < 0)
        err = got;
    r->t->frames = n;
    return err;
}

static int finish_run(run *r)
{
    int err = ka_shot_detector_finish(r->shots);
    count_final(r);
    if (!err && !r->shots_only)
        err = ka_sampler_decide(&r->sampler, r->shots, 1, emit_pick, r);
    return err;
}

static int copy_shots(run *r)
{
    int n;
    const ka_shot *s = ka_shot_detector_shots(r->shots, &n);
    if (n > 0 && !s)
        return ka_error(KA_ENOMEM, "no memory for shots");
    r->t->shots = malloc((size_t)(n ? n : 1) * sizeof *s);
    if (!r->t->shots)
        return ka_error(KA_ENOMEM, "no memory for shots");
    memcpy(r->t->shots, s, (size_t)n * sizeof *s);
    r->t->n_shots = n;
    return 0;
}

static int cmp_cand(const void *a, const void *b)
{
    const ka_candidate *x = a, *y = b;
    return (x->frame > y->frame) - (x->frame < y->frame);
}

/* Length of the part analysed (o->start_s..end_s of a video of duration d). */
static double range_length(const ka_analysis_opts *o, double d)
{
    double end = o->end_s > 0 && (d <= 0 || o->end_s < d) ? o->end_s : d;
    return end > o->start_s ? end - o->start_s : d;
}

static int analyze_video(run *r, ka_video *v, const ka_analysis_opts *o,
                         const ka_candidate_stage *const *stages)
{
    ka_title *t = r->t;
    t->info = *ka_video_get_info(v);
    ka_shot_opts so = o->shot;
    so.fps = t->info.fps;
    int err = ka_shot_detector_new(&so, &r->shots);
    if (!err)
        err = ka_sampler_init(&r->sampler, o, range_length(o, t->info.duration_s));
    r->shots_only = o->shots_only;
    if (!err && !o->shots_only)
        err = make_spool(t, o->spool_dir);
    if (!err && !o->shots_only)
        err = ka_stage_runner_start(t, stages, !o->no_title_passes, o->stage_opts,
                                    o->n_stage_opts, &r->runner);
    if (!err)
        err = decode_all(r, v, o);
    if (!err)
        err = finish_run(r);
    int werr = ka_stage_runner_finish(&r->runner);
    if (!err)
        err = werr;
    ka_video_get_stats(v, &t->decode);
    if (!err && t->frames == 0)
        err = ka_error(KA_EDECODE, "%s: no frame could be decoded", t->path);
    if (!err)
        err = copy_shots(r);
    if (err)
        return err;
    t->n_blur = r->sampler.n_blur;
    t->content = ka_bars_consensus(t->cands, t->n_cands,
                                   ka_bars_content(&r->bars, t->info.width, t->info.height));
    t->duration_s = t->n_shots ? t->shots[t->n_shots - 1].end_s : 0;
    if (t->n_cands > 1)
        qsort(t->cands, (size_t)t->n_cands, sizeof *t->cands, cmp_cand);
    return 0;
}

int ka_analyze_stages(const char *path, const char *title_id, const ka_analysis_opts *opts,
                      const ka_candidate_stage *const *stages, ka_title **out)
{
    ka_analysis_opts o;
    if (opts)
        o = *opts;
    else
        ka_analysis_opts_default(&o);
    *out = NULL;
    int err = check_opts(&o, stages);
    if (err)
        return err;
    double t0 = ka_now();
    run r = {0};
    r.t = calloc(1, sizeof *r.t);
    if (!r.t || !(r.t->path = strdup(path)) || !(r.t->id = strdup(title_id ? title_id : ""))) {
        ka_title_free(&r.t);
        return ka_error(KA_ENOMEM, "no memory for a title");
    }
    ka_video *v = NULL;
    ka_video_opts vo = { .threads = o.threads, .small_width = o.small_width,
                         .start_s = o.start_s, .end_s = o.end_s,
                         .max_pixels = o.max_pixels };
    err = ka_video_open(path, &vo, &v);
    if (!err)
        err = analyze_video(&r, v, &o, stages);
    ka_video_close(&v);
    ka_sampler_free(&r.sampler);
    ka_shot_detector_free(&r.shots);
    if (err) {
        ka_title_free(&r.t);
        return err;
    }
    r.t->analyse_s = ka_now() - t0;
    *out = r.t;
    return 0;
}

static void remove_spool(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char p[4096];
        while ((e = readdir(d))) {
            if (!strncmp(e->d_name, "frame_", 6)) {
                snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
                unlink(p);
            }
        }
        closedir(d);
    }
    rmdir(dir);
}

void ka_title_free(ka_title **pt)
{
    ka_title *t = *pt;
    if (!t)
        return;
    for (int i = 0; i < t->n_cands; i++) {
        free(t->cands[i].spool_path);
        ka_candidate_side_free(&t->cands[i]);
    }
    if (t->spool_dir)
        remove_spool(t->spool_dir);
    free(t->spool_dir);
    free(t->cands);
    free(t->shots);
    free(t->path);
    free(t->id);
    free(t);
    *pt = NULL;
}
