/* stage_runner.c: the candidate stages' thread (not `keyart worker`, which runs jobs
 * of the queue). Picked frames come through a small bounded queue (so decoding never
 * waits on it for long and memory stays bounded); the runner converts each to
 * full-resolution RGB, runs every candidate stage on it, spools the
 * picture to a JPEG file and appends the candidate to the title. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline_priv.h"

#define WORKER_QUEUE 4
#define SPOOL_QUALITY 95

typedef struct job {
    sampler_pick pick;
    ka_rect content;
} job;

struct ka_stage_runner {
    ka_title *title;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    job queue[WORKER_QUEUE];
    int head, count, stop;
    int status;
    char message[512];
    const ka_candidate_stage *const *stages;
    ka_stage_ctx *ctx;          /* one per stage */
    int n_stages;
};

static int append_candidate(ka_title *t, const ka_candidate *c)
{
    ka_candidate *p = realloc(t->cands, (size_t)(t->n_cands + 1) * sizeof *p);
    if (!p)
        return ka_error(KA_ENOMEM, "no memory for candidates");
    t->cands = p;
    t->cands[t->n_cands++] = *c;
    return 0;
}

static int process(ka_stage_runner *w, job *j)
{
    ka_title *t = w->title;
    ka_image rgb = {0};
    int err = ka_frame_to_rgb(j->pick.frame, &t->info, &rgb);
    if (err)
        return err;
    ka_candidate c = {
        .frame = j->pick.frame->index, .time_s = j->pick.frame->time_s, .shot = j->pick.shot,
        .flags = j->pick.flags, .sig = j->pick.sig, .motion = j->pick.motion,
        .width = rgb.width, .height = rgb.height,
    };
    ka_rect content = j->content;
    if (content.x + content.w > rgb.width || content.y + content.h > rgb.height)
        content = (ka_rect){ 0, 0, rgb.width, rgb.height };
    /* One small-copy pixel is this many full-resolution ones: the refinement's reach. */
    int slack = 2 * (rgb.width / (j->pick.frame->small.w > 0 ? j->pick.frame->small.w : 1)) + 2;
    content = c.content = ka_bars_refine(&rgb, content, slack);
    for (int i = 0; i < w->n_stages && !err; i++)
        err = w->stages[i]->process(&w->ctx[i], &rgb, content, &c);
    char path[4096];
    if (!err) {
        snprintf(path, sizeof path, "%s/frame_%08lld.jpg", t->spool_dir, (long long)c.frame);
        err = ka_image_write_jpeg(&rgb, path, SPOOL_QUALITY);
    }
    ka_image_free(&rgb);
    if (!err && !(c.spool_path = strdup(path)))
        err = ka_error(KA_ENOMEM, "no memory for a candidate path");
    if (!err)
        err = append_candidate(t, &c);
    if (err) {
        free(c.spool_path);
        ka_candidate_side_free(&c);
    }
    return err;
}

static void *runner_main(void *arg)
{
    ka_stage_runner *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (w->count == 0 && !w->stop)
            pthread_cond_wait(&w->changed, &w->lock);
        if (w->count == 0)
            break;
        job j = w->queue[w->head];
        pthread_mutex_unlock(&w->lock);
        int err = w->status ? 0 : process(w, &j);
        ka_frame_free(&j.pick.frame);
        pthread_mutex_lock(&w->lock);
        if (err && !w->status) {
            w->status = err;
            snprintf(w->message, sizeof w->message, "%s", ka_error_message());
        }
        w->head = (w->head + 1) % WORKER_QUEUE;
        w->count--;
        pthread_cond_broadcast(&w->changed);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

int ka_stage_runner_start(ka_title *t, const ka_candidate_stage *const *stages,
                          int title_passes, const char *const *stage_opts, int n_stage_opts,
                          ka_stage_runner **out)
{
    ka_stage_runner *w = calloc(1, sizeof *w);
    if (!w)
        return ka_error(KA_ENOMEM, "no memory for the stage runner");
    w->title = t;
    w->stages = stages;
    while (stages && stages[w->n_stages])
        w->n_stages++;
    w->ctx = calloc((size_t)w->n_stages + 1, sizeof *w->ctx);
    int err = w->ctx ? 0 : ka_error(KA_ENOMEM, "no memory for the candidate stages");
    for (int i = 0; i < w->n_stages && !err; i++) {
        const ka_candidate_stage *st = stages[i];
        w->ctx[i].title = t;
        w->ctx[i].title_passes = title_passes;
        void *opts = NULL;
        if (st->priv_size && !(w->ctx[i].priv = calloc(1, st->priv_size)))
            err = ka_error(KA_ENOMEM, "no memory for stage %s", st->name);
        else if ((err = ka_stage_opts_make(st, stage_opts, n_stage_opts, &opts)))
            ;
        else if ((w->ctx[i].opts = opts), st->init)
            err = st->init(&w->ctx[i]);
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->changed, NULL);
    if (!err && pthread_create(&w->thread, NULL, runner_main, w) != 0)
        err = ka_error(KA_EINTERNAL, "cannot start the stage runner thread");
    if (err) {
        w->thread = 0;
        w->stop = 1;
        ka_stage_runner_finish(&w);
        return err;
    }
    *out = w;
    return 0;
}

int ka_stage_runner_push(ka_stage_runner *w, sampler_pick *pick, ka_rect content)
{
    pthread_mutex_lock(&w->lock);
    while (w->count == WORKER_QUEUE)
        pthread_cond_wait(&w->changed, &w->lock);
    int status = w->status;
    if (!status) {
        w->queue[(w->head + w->count) % WORKER_QUEUE] = (job){ .pick = *pick, .content = content };
        w->count++;
        pick->frame = NULL;
        pthread_cond_broadcast(&w->changed);
    }
    pthread_mutex_unlock(&w->lock);
    if (status)
        ka_frame_free(&pick->frame);
    return status ? ka_error(status, "%s", w->message) : 0;
}

int ka_stage_runner_finish(ka_stage_runner **pw)
{
    ka_stage_runner *w = *pw;
    if (!w)
        return 0;
    pthread_mutex_lock(&w->lock);
    w->stop = 1;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->lock);
    if (w->thread)
        pthread_join(w->thread, NULL);
    int status = w->status;
    for (int i = 0; i < w->n_stages && w->ctx; i++) {
        if (w->stages[i]->uninit && w->ctx[i].title)
            w->stages[i]->uninit(&w->ctx[i]);
        free(w->ctx[i].priv);
        free((void *)w->ctx[i].opts);
    }
    if (status)
        ka_error(status, "%s", w->message);
    free(w->ctx);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->changed);
    free(w);
    *pw = NULL;
    return status;
}
