/* avlog.c: FFmpeg's own messages. They are routed to ka_log at debug level so the
 * program's stderr stays clean; errors are kept per thread (open failures quote
 * them) and, for the videos being decoded, counted in their ka_decode_stats. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "media/media_internal.h"

static _Thread_local char last_av_error[256];
static _Thread_local unsigned refused_w, refused_h;  /* the last size FFmpeg refused */
static pthread_once_t log_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t tracked_lock = PTHREAD_MUTEX_INITIALIZER;
static ka_video *tracked;       /* videos being decoded, for counting FFmpeg's errors */

void ka_media_track(ka_video *v, int on)
{
    pthread_mutex_lock(&tracked_lock);
    ka_video **p = &tracked;
    while (*p && *p != v)
        p = &(*p)->next;
    if (on && !*p) {
        v->next = tracked;
        tracked = v;
    } else if (!on && *p) {
        *p = v->next;
    }
    pthread_mutex_unlock(&tracked_lock);
}

/* An error logged by the demuxer or decoder (or a decoder thread's copy, which
 * shares opaque) of a video being decoded counts in its stats. */
static void count_error(void *avcl)
{
    const AVClass *cls = avcl ? *(const AVClass **)avcl : NULL;
    void *owner = NULL;
    int demux = cls == avformat_get_class();
    if (demux)
        owner = ((AVFormatContext *)avcl)->opaque;
    else if (cls == avcodec_get_class())
        owner = ((AVCodecContext *)avcl)->opaque;
    if (!owner)
        return;
    pthread_mutex_lock(&tracked_lock);
    for (ka_video *v = tracked; v; v = v->next)
        if (v == owner)
            atomic_fetch_add(demux ? &v->av_demux_errors : &v->av_decode_errors, 1);
    pthread_mutex_unlock(&tracked_lock);
}

/* FFmpeg's messages go to ka_log at debug level; its errors are also kept per
 * thread so that open failures can say what FFmpeg found wrong. */
static void ka_media_av_log(void *avcl, int level, const char *fmt, va_list vl)
{
    static _Thread_local int print_prefix = 1;
    char line[512];
    int want_debug = ka_log_get_level() >= KA_LOG_DEBUG;
    if (level > AV_LOG_WARNING || (!want_debug && level > AV_LOG_ERROR))
        return;
    if (level <= AV_LOG_ERROR)
        count_error(avcl);
    va_list copy;
    va_copy(copy, vl);
    av_log_format_line2(avcl, level, fmt, copy, line, sizeof line, &print_prefix);
    va_end(copy);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    if (!n)
        return;
    if (level <= AV_LOG_ERROR) {
        const char *msg = strstr(line, "] ");
        snprintf(last_av_error, sizeof last_av_error, "%s", msg ? msg + 2 : line);
        /* imgutils' words, whoever logs them: a demuxer's header or a decoder */
        const char *ps = strstr(line, "Picture size ");
        if (ps && sscanf(ps, "Picture size %ux%u is invalid", &refused_w, &refused_h) != 2)
            refused_w = refused_h = 0;
    }
    if (want_debug)
        ka_log(KA_LOG_DEBUG, "ffmpeg: %s", line);
}

static void install_log(void) { av_log_set_callback(ka_media_av_log); }
void ka_media_init_logging(void) { pthread_once(&log_once, install_log); }
const char *ka_media_last_av_error(void) { return last_av_error; }
void ka_media_clear_av_error(void)
{
    last_av_error[0] = '\0';
    refused_w = refused_h = 0;
}

int ka_media_refused_size(int64_t *w, int64_t *h)
{
    *w = refused_w;
    *h = refused_h;
    return refused_w > 0 && refused_h > 0;
}
