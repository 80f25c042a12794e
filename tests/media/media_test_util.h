/* media_test_util.h: helpers of the media tests: a temporary folder, fixtures made
 * with the ffmpeg CLI, ffprobe's frame count and timestamps, and decoding a whole
 * file into a summary. */
#ifndef KA_MEDIA_TEST_UTIL_H
#define KA_MEDIA_TEST_UTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyart/keyart.h"
#include "../ka_test.h"

static char mt_dir[256] __attribute__((unused));

/* Makes the temporary folder every fixture goes to. */
static inline void mt_setup(void)
{
    snprintf(mt_dir, sizeof mt_dir, "/tmp/keyart-media-XXXXXX");
    if (!mkdtemp(mt_dir)) {
        perror("mkdtemp");
        exit(2);
    }
}

static inline void mt_cleanup(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", mt_dir);
    if (mt_dir[0] && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", mt_dir);
}

/* A path in the temporary folder (8 rotating buffers). */
static inline const char *mt_path(const char *name)
{
    static char buf[8][512];
    static int i;
    char *p = buf[i++ & 7];
    snprintf(p, 512, "%s/%s", mt_dir, name);
    return p;
}

static inline int mt_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int mt_sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
    return rc;
}

/* ffmpeg ARGS OUT into the temporary folder; returns the path or NULL. */
static inline const char *mt_make(const char *name, const char *args)
{
    const char *out = mt_path(name);
    if (mt_sh("ffmpeg -nostdin -hide_banner -loglevel error -y %s '%s' </dev/null", args, out))
        return NULL;
    return out;
}

/* Whether this ffmpeg has an encoder (by name). */
static inline int mt_has_encoder(const char *name)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "ffmpeg -hide_banner -encoders 2>/dev/null | "
             "grep -q ' %s '", name);
    return system(cmd) == 0;
}

static inline FILE *mt_popen(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline FILE *mt_popen(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return popen(cmd, "r");
}

/* ffprobe -count_frames nb_read_frames of the selected video stream ("v:0", "0"...). */
static inline long mt_probe_count(const char *path, const char *sel)
{
    FILE *p = mt_popen("ffprobe -v quiet -select_streams %s -count_frames -show_entries "
                       "stream=nb_read_frames -of csv=p=0 '%s'", sel, path);
    long n = -1;
    if (p) {
        if (fscanf(p, "%ld", &n) != 1)
            n = -1;
        pclose(p);
    }
    return n;
}

/* best_effort_timestamp_time of every frame of the first video stream. */
static inline int mt_probe_pts(const char *path, double *pts, int max)
{
    FILE *p = mt_popen("ffprobe -v quiet -select_streams v:0 -show_entries "
                       "frame=best_effort_timestamp_time -of csv=p=0 '%s'", path);
    int n = 0;
    if (!p)
        return -1;
    char line[128];
    while (n < max && fgets(line, sizeof line, p))
        if (line[0] >= '0' && line[0] <= '9')
            pts[n++] = atof(line);
    pclose(p);
    return n;
}

/* What decoding a whole file gave. */
typedef struct mt_result {
    int open_ret, read_ret;
    char message[512];
    ka_video_info info;
    ka_decode_stats stats;
    long frames;
    int index_ok;               /* index == 0, 1, 2, ... */
    int time_ok;                /* time_s starts at 0 (or at start_s) and increases */
    double first_pts, first_time, last_time;
    double pts[512];            /* the first 512 pts_s */
    int small_w, small_h;
    double y_mean, u_mean, v_mean; /* small copy of the middle frame */
} mt_result;

static inline void mt_small_means(const ka_small *s, mt_result *r)
{
    double y = 0, u = 0, v = 0;
    for (int i = 0; i < s->w * s->h; i++)
        y += s->y[i];
    for (int i = 0; i < s->cw * s->ch; i++) {
        u += s->u[i];
        v += s->v[i];
    }
    r->y_mean = y / (s->w * s->h);
    r->u_mean = u / (s->cw * s->ch);
    r->v_mean = v / (s->cw * s->ch);
}

static inline void mt_decode(const char *path, const ka_video_opts *opts, mt_result *r)
{
    memset(r, 0, sizeof *r);
    ka_video *v = NULL;
    r->open_ret = ka_video_open(path, opts, &v);
    if (r->open_ret < 0) {
        snprintf(r->message, sizeof r->message, "%s", ka_error_message());
        return;
    }
    r->info = *ka_video_get_info(v);
    r->index_ok = r->time_ok = 1;
    long mid = r->info.frame_count_est > 0 ? r->info.frame_count_est / 2 : 0;
    ka_frame *f;
    int ret;
    while ((ret = ka_video_read(v, &f)) > 0) {
        if (f->index != r->frames)
            r->index_ok = 0;
        if (r->frames == 0) {
            r->first_pts = f->pts_s;
            r->first_time = f->time_s;
            r->small_w = f->small.w;
            r->small_h = f->small.h;
        } else if (f->time_s <= r->last_time) {
            r->time_ok = 0;
        }
        if (r->frames < 512)
            r->pts[r->frames] = f->pts_s;
        if (r->frames == 0 || r->frames == mid)
            mt_small_means(&f->small, r);
        r->last_time = f->time_s;
        r->frames++;
        ka_frame_free(&f);
    }
    r->read_ret = ret;
    if (ret < 0)
        snprintf(r->message, sizeof r->message, "%s", ka_error_message());
    ka_video_get_stats(v, &r->stats);
    ka_video_close(&v);
}

#endif
