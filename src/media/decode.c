/* decode.c: the decode thread. It demuxes and decodes the chosen stream, gives
 * every frame its time and 0-based index in presentation order, builds the small
 * analysis copy, and hands frames to ka_video_read through the bounded queue.
 * Damaged input is counted (ka_decode_stats) and skipped, never fatal. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <libavutil/time.h>

#include "media/media_internal.h"

#define KA_MAX_READ_ERRORS 64   /* consecutive demuxer or decoder errors in a row */

typedef struct dstate {
    ka_video *v;
    AVPacket *pkt;
    AVFrame *frame;
    ka_decode_stats st;         /* the thread's own counters, published on push */
    int64_t decoded;            /* frames out of the decoder, before the range filter */
    int64_t index;              /* frames delivered */
    double tb;                  /* stream time base, seconds */
    double origin_s;            /* time_s = pts_s - origin_s */
    int have_origin;
    double last_pts_s, interval_s;
    double start_abs;           /* frames before this stream time are dropped */
    int ended;                  /* end_s reached or close requested */
    int err;                    /* fatal error code */
} dstate;

static void fail(dstate *s, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(dstate *s, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->v->message, sizeof s->v->message, fmt, ap);
    va_end(ap);
    s->err = err;
}

/* Copies the counters to where ka_video_get_stats reads them (lock held). */
static void publish(dstate *s)
{
    ka_video *v = s->v;
    v->stats = s->st;
    v->stats.corrupt_packets += atomic_load(&v->av_demux_errors);
    v->stats.decode_errors += atomic_load(&v->av_decode_errors);
}

/* Queues f, waiting while the queue is full; returns 0, or 1 when closing. */
static int push_frame(dstate *s, ka_frame *f)
{
    ka_video *v = s->v;
    pthread_mutex_lock(&v->lock);
    while (v->q_count >= v->q_cap && !atomic_load(&v->stop))
        pthread_cond_wait(&v->can_push, &v->lock);
    int stop = atomic_load(&v->stop);
    if (!stop) {
        v->queue[(v->q_head + v->q_count) % KA_QUEUE_CAP] = f;
        v->q_count++;
        publish(s);
        pthread_cond_signal(&v->can_pop);
    }
    pthread_mutex_unlock(&v->lock);
    if (stop)
        ka_frame_free(&f);
    return stop;
}

static int closing(ka_video *v) { return atomic_load(&v->stop); }

/* Presentation time of the decoded frame; missing or backwards stamps are
 * replaced by the previous one plus a frame interval. */
static double frame_pts(dstate *s, const AVFrame *fr)
{
    int64_t ts = fr->best_effort_timestamp;
    double pts = ts != AV_NOPTS_VALUE ? ts * s->tb : NAN;
    if (s->decoded > 0 && (isnan(pts) || pts <= s->last_pts_s))
        pts = s->last_pts_s + s->interval_s;
    else if (isnan(pts))
        pts = s->v->info.start_pts_s;
    s->last_pts_s = pts;
    s->decoded++;
    return pts;
}

/* Wraps the decoded picture with its small copy and queues it. */
static void deliver(dstate *s, double pts)
{
    ka_video *v = s->v;
    ka_frame *f = calloc(1, sizeof *f);
    AVFrame *av = av_frame_alloc();
    int ret = f && av ? ka_small_make(v->small, s->frame, &f->small) : KA_ENOMEM;
    if (ret < 0) {
        av_frame_free(&av);
        free(f);
        fail(s, ret, "%s: cannot make the analysis copy of frame %lld (%s)", v->path,
             (long long)s->index, ka_strerror(ret));
        return;
    }
    av_frame_move_ref(av, s->frame);
    f->av = av;
    f->index = s->index++;
    f->pts_s = pts;
    f->time_s = pts - s->origin_s;
    if (push_frame(s, f))
        s->ended = 1;
}

static void on_frame(dstate *s)
{
    double pts = frame_pts(s, s->frame);
    if (s->frame->decode_error_flags || (s->frame->flags & AV_FRAME_FLAG_CORRUPT))
        s->st.decode_errors++;
    if (pts < s->start_abs - 1e-6) {
        av_frame_unref(s->frame);
        return;
    }
    if (!s->have_origin) {
        s->origin_s = pts;
        s->have_origin = 1;
    }
    if (s->v->opts.end_s > 0 && pts - s->origin_s >= s->v->opts.end_s - 1e-6) {
        av_frame_unref(s->frame);
        s->ended = 1;
        return;
    }
    deliver(s, pts);
    av_frame_unref(s->frame);
}

/* Takes every frame the decoder has ready; returns 1 when it is fully drained. */
static int drain(dstate *s)
{
    for (int errors = 0; !s->ended && !s->err;) {
        int ret = avcodec_receive_frame(s->v->dec, s->frame);
        if (ret == AVERROR(EAGAIN))
            return 0;
        if (ret == AVERROR_EOF)
            return 1;
        if (ret == AVERROR(ENOMEM)) {
            fail(s, KA_ENOMEM, "%s: out of memory while decoding", s->v->path);
            return 1;
        }
        if (ret < 0) {
            s->st.decode_errors++;
            if (++errors >= KA_MAX_READ_ERRORS)
                return 0;
            continue;
        }
        on_frame(s);
    }
    return 1;
}

static void send_packet(dstate *s, const AVPacket *pkt)
{
    int ret = avcodec_send_packet(s->v->dec, pkt);
    if (ret == AVERROR(EAGAIN)) { /* the decoder wants its output taken first */
        drain(s);
        ret = avcodec_send_packet(s->v->dec, pkt);
    }
    if (ret < 0 && ret != AVERROR_EOF && ret != AVERROR(EAGAIN))
        s->st.decode_errors++;
    drain(s);
}

/* Reads the next packet of our stream: 0 ok, 1 at the end of the input. */
static int read_packet(dstate *s)
{
    ka_video *v = s->v;
    for (int errors = 0;;) {
        int ret = av_read_frame(v->fmt, s->pkt);
        if (ret < 0 && closing(v))
            return 1;
        if (ret == AVERROR(EAGAIN)) { /* a live input with nothing yet */
            av_usleep(1000);
            continue;
        }
        if (ret == AVERROR_EOF || (ret < 0 && v->fmt->pb && avio_feof(v->fmt->pb) &&
                                   !v->fmt->pb->error))
            return 1;
        if (ret < 0) {
            s->st.corrupt_packets++;
            if (++errors >= KA_MAX_READ_ERRORS || (v->fmt->pb && v->fmt->pb->error)) {
                s->st.truncated = 1;
                return 1;
            }
            continue;
        }
        if (s->pkt->stream_index != v->st->index) {
            av_packet_unref(s->pkt);
            continue;
        }
        s->st.packets++;
        if (s->pkt->flags & AV_PKT_FLAG_CORRUPT)
            s->st.corrupt_packets++;
        return 0;
    }
}

/* Seeks to the keyframe at or before start_s; frames before it are dropped later. */
static void seek_start(dstate *s)
{
    ka_video *v = s->v;
    double origin = v->info.start_pts_s;
    s->origin_s = origin;
    s->have_origin = 1;
    s->start_abs = origin + v->opts.start_s;
    int64_t ts = (int64_t)floor(s->start_abs / s->tb);
    if (avformat_seek_file(v->fmt, v->st->index, INT64_MIN, ts, ts, 0) < 0)
        ka_log(KA_LOG_DEBUG, "%s: cannot seek to %.3f s, decoding from the start", v->path,
               v->opts.start_s);
    avcodec_flush_buffers(v->dec);
}

/* A clean end that came well before the header's duration means a cut-off file. */
static int looks_truncated(const dstate *s)
{
    const ka_video_info *in = &s->v->info;
    if (s->v->opts.end_s > 0 || s->v->expected_end_s <= 0 || s->decoded == 0)
        return 0;
    double iv = s->interval_s;
    double tol = fmax(0.25, fmax(0.05 * in->duration_s, 2 * iv));
    return s->last_pts_s + iv < s->v->expected_end_s - tol;
}

static void finish(dstate *s)
{
    ka_video *v = s->v;
    if (!s->err && looks_truncated(s))
        s->st.truncated = 1;
    pthread_mutex_lock(&v->lock);
    publish(s);
    const ka_decode_stats *st = &v->stats;
    if (!s->err && s->decoded == 0)
        fail(s, KA_EDECODE, "%s: no frame of its %s video could be decoded (%lld packets, "
             "%lld corrupt, %lld decode errors)", v->path, v->info.codec,
             (long long)st->packets, (long long)st->corrupt_packets,
             (long long)st->decode_errors);
    v->status = s->err;
    v->done = 1;
    pthread_cond_broadcast(&v->can_pop);
    pthread_mutex_unlock(&v->lock);
}

static void run(dstate *s)
{
    ka_video *v = s->v;
    if (v->opts.start_s > 0)
        seek_start(s);
    while (!s->ended && !s->err) {
        if (read_packet(s)) {
            send_packet(s, NULL);
            break;
        }
        send_packet(s, s->pkt);
        av_packet_unref(s->pkt);
        if (closing(v))
            break;
    }
}

void *ka_video_decode_main(void *arg)
{
    dstate s = { .v = arg };
    ka_video *v = s.v;
    s.tb = av_q2d(v->st->time_base);
    s.interval_s = v->info.fps > 0 ? 1.0 / v->info.fps : 0.04;
    s.start_abs = -INFINITY;
    s.pkt = av_packet_alloc();
    s.frame = av_frame_alloc();
    if (!s.pkt || !s.frame)
        fail(&s, KA_ENOMEM, "%s: no memory for decoding", v->path);
    else
        run(&s);
    av_packet_free(&s.pkt);
    av_frame_free(&s.frame);
    finish(&s);
    return NULL;
}
