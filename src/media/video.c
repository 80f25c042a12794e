/* video.c: opening a video (checks, demuxer, stream choice, decoder, display
 * geometry), and the caller's side of the frame queue. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavutil/display.h>
#include <libavutil/pixdesc.h>

#include "media/media_internal.h"

static const char *av_why(int err)
{
    static _Thread_local char buf[AV_ERROR_MAX_STRING_SIZE + 8];
    if (ka_media_last_av_error()[0])
        return ka_media_last_av_error();
    av_strerror(err, buf, sizeof buf);
    return buf;
}

/* Missing, unreadable, directory or empty: answered before FFmpeg sees the path. */
static int check_file(const char *path)
{
    struct stat sb;
    if (strstr(path, "://"))
        return 0; /* a URL: FFmpeg's protocols decide */
    if (stat(path, &sb) != 0)
        return ka_error(KA_EIO, "cannot open %s: %s", path, strerror(errno));
    if (S_ISDIR(sb.st_mode))
        return ka_error(KA_EIO, "cannot open %s: it is a directory", path);
    if (!S_ISREG(sb.st_mode)) /* a pipe or device: opening it here could block */
        return access(path, R_OK) == 0 ? 0
             : ka_error(KA_EIO, "cannot open %s: %s", path, strerror(errno));
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return ka_error(KA_EIO, "cannot open %s: %s", path, strerror(errno));
    close(fd);
    if (sb.st_size == 0)
        return ka_error(KA_EEMPTY, "%s is empty (0 bytes)", path);
    return 0;
}

static int open_demuxer(ka_video *v)
{
    const char *path = v->path;
    char url[4096];
    /* a local name like "take:2.mp4" must not be read as a protocol */
    snprintf(url, sizeof url, "%s%s", strstr(path, "://") ? "" : "file:", path);
    ka_media_clear_av_error();
    int ret = avformat_open_input(&v->fmt, url, NULL, NULL);
    if (ret < 0) {
        if (ret == AVERROR(ENOENT) || ret == AVERROR(EACCES) || ret == AVERROR(EIO))
            return ka_error(KA_EIO, "cannot open %s: %s", path, av_why(ret));
        return ka_error(KA_EFORMAT, "%s is not a media file FFmpeg can read (%s)", path,
                        av_why(ret));
    }
    ret = avformat_find_stream_info(v->fmt, NULL);
    if (ret < 0 && v->fmt->nb_streams == 0)
        return ka_error(KA_EFORMAT, "%s is not a media file FFmpeg can read (%s)", path,
                        av_why(ret));
    return 0;
}

/* The first video stream with the default disposition, else the first video
 * stream; cover art and thumbnail tracks are not video. */
static int pick_stream(AVFormatContext *fmt)
{
    int first = -1;
    for (unsigned i = 0; i < fmt->nb_streams; i++) {
        const AVStream *st = fmt->streams[i];
        if (st->codecpar->codec_type != AVMEDIA_TYPE_VIDEO ||
            (st->disposition & (AV_DISPOSITION_ATTACHED_PIC | AV_DISPOSITION_TIMED_THUMBNAILS)))
            continue;
        if (st->disposition & AV_DISPOSITION_DEFAULT)
            return (int)i;
        if (first < 0)
            first = (int)i;
    }
    return first;
}

static int no_video_error(const ka_video *v)
{
    const AVFormatContext *fmt = v->fmt;
    int audio = 0;
    for (unsigned i = 0; i < fmt->nb_streams; i++)
        audio += fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO;
    if (fmt->nb_streams == 0 || fmt->probe_score <= AVPROBE_SCORE_RETRY)
        return ka_error(KA_EFORMAT, "%s is not a media file FFmpeg can read (no streams "
                        "found)", v->path);
    return ka_error(KA_ENOVIDEO, "%s has no video stream (%u streams, %d audio)", v->path,
                    fmt->nb_streams, audio);
}

static int open_decoder(ka_video *v)
{
    const AVCodecParameters *par = v->st->codecpar;
    const AVCodec *codec = avcodec_find_decoder(par->codec_id);
    if (!codec && par->codec_id == AV_CODEC_ID_NONE)
        return ka_error(KA_EUNSUPPORTED, "%s: its video codec is unknown to FFmpeg", v->path);
    if (!codec)
        return ka_error(KA_EUNSUPPORTED, "%s: this FFmpeg has no decoder for its video codec "
                        "'%s'", v->path, avcodec_get_name(par->codec_id));
    v->dec = avcodec_alloc_context3(codec);
    if (!v->dec)
        return ka_error(KA_ENOMEM, "%s: no memory for a decoder", v->path);
    if (avcodec_parameters_to_context(v->dec, par) < 0)
        return ka_error(KA_EUNSUPPORTED, "%s: bad codec parameters", v->path);
    v->dec->pkt_timebase = v->st->time_base;
    v->dec->thread_count = v->opts.threads > 0 ? v->opts.threads : 0;
    v->dec->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
    ka_media_clear_av_error();
    int ret = avcodec_open2(v->dec, codec, NULL);
    if (ret < 0)
        return ka_error(KA_EUNSUPPORTED, "%s: cannot open the %s decoder (%s)", v->path,
                        codec->name, av_why(ret));
    return 0;
}

/* Clockwise degrees to apply for display, from the stream's display matrix. */
static int stream_rotation(const AVStream *st)
{
    const uint8_t *m = NULL;
#if LIBAVCODEC_VERSION_INT >= AV_VERSION_INT(60, 29, 100)
    const AVPacketSideData *sd = av_packet_side_data_get(st->codecpar->coded_side_data,
        st->codecpar->nb_coded_side_data, AV_PKT_DATA_DISPLAYMATRIX);
    m = sd ? sd->data : NULL;
#else
    m = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, NULL);
#endif
    if (!m)
        return 0;
    double ccw = av_display_rotation_get((const int32_t *)m);
    if (isnan(ccw))
        return 0;
    int cw = (int)lround(-ccw / 90.0) * 90;
    return ((cw % 360) + 360) % 360;
}

/* The stream's duration, else Matroska's per-stream DURATION tag, else the file's.
 * Where the stream should end is only trusted from the first two, or from the file
 * when it has no other stream; it tells a cut-off file from a clean end. */
static void fill_duration(ka_video *v)
{
    const AVStream *st = v->st;
    ka_video_info *in = &v->info;
    const AVDictionaryEntry *tag = av_dict_get(st->metadata, "DURATION", NULL, 0);
    int h, m;
    double sec;
    if (st->duration != AV_NOPTS_VALUE && st->duration > 0) {
        in->duration_s = st->duration * av_q2d(st->time_base);
        v->expected_end_s = in->start_pts_s + in->duration_s;
    } else if (tag && sscanf(tag->value, "%d:%d:%lf", &h, &m, &sec) == 3) {
        in->duration_s = h * 3600.0 + m * 60.0 + sec;
        v->expected_end_s = in->start_pts_s + in->duration_s;
    } else if (v->fmt->duration != AV_NOPTS_VALUE && v->fmt->duration > 0) {
        in->duration_s = v->fmt->duration / (double)AV_TIME_BASE;
        int64_t fs = v->fmt->start_time;
        if (v->fmt->nb_streams == 1)
            v->expected_end_s = (fs != AV_NOPTS_VALUE ? fs / (double)AV_TIME_BASE : 0) +
                                in->duration_s;
    }
}

static void fill_info(ka_video *v)
{
    ka_video_info *in = &v->info;
    const AVStream *st = v->st;
    const AVCodecParameters *par = st->codecpar;
    in->coded_width = par->width;
    in->coded_height = par->height;
    in->rotation = stream_rotation(st);
    AVRational sar = av_guess_sample_aspect_ratio(v->fmt, (AVStream *)st, NULL);
    in->sar = sar.num > 0 && sar.den > 0 ? av_q2d(sar) : 1.0;
    int dw = (int)lround(par->width * in->sar), dh = par->height;
    if (dw < 1)
        dw = 1;
    in->width = in->rotation % 180 ? dh : dw;
    in->height = in->rotation % 180 ? dw : dh;
    AVRational fr = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
    in->fps = fr.num > 0 && fr.den > 0 ? av_q2d(fr) : 0.0;
    in->start_pts_s = st->start_time != AV_NOPTS_VALUE ? st->start_time * av_q2d(st->time_base) : 0;
    fill_duration(v);
    in->frame_count_est = st->nb_frames > 0 ? st->nb_frames
                        : (int64_t)llround(in->duration_s * in->fps);
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get((enum AVPixelFormat)par->format);
    in->bit_depth = d ? d->comp[0].depth : 8;
    in->full_range = par->color_range == AVCOL_RANGE_JPEG ||
                     (d && !strncmp(d->name, "yuvj", 4));
    in->stream_index = st->index;
    snprintf(in->codec, sizeof in->codec, "%s", avcodec_get_name(par->codec_id));
    snprintf(in->container, sizeof in->container, "%s", v->fmt->iformat->name);
    snprintf(in->pix_fmt, sizeof in->pix_fmt, "%s", d ? d->name : "unknown");
}

static int check_opts(const char *path, const ka_video_opts *o, ka_video_opts *out)
{
    ka_video_opts d = { 0 };
    if (o)
        d = *o;
    if (d.small_width == 0)
        d.small_width = KA_SMALL_DEFAULT;
    if (d.small_width < 16 || d.small_width > KA_SMALL_MAX || d.threads < 0 || d.start_s < 0 ||
        (d.end_s > 0 && d.end_s <= d.start_s) || d.end_s < 0)
        return ka_error(KA_EINVAL, "%s: bad decode options (small_width %d, threads %d, "
                        "range %g..%g s)", path, d.small_width, d.threads, d.start_s, d.end_s);
    d.small_width &= ~1;
    *out = d;
    return 0;
}

static int setup(ka_video *v)
{
    int ret;
    if ((ret = check_file(v->path)) < 0 || (ret = open_demuxer(v)) < 0)
        return ret;
    int idx = pick_stream(v->fmt);
    if (idx < 0)
        return no_video_error(v);
    v->st = v->fmt->streams[idx];
    for (unsigned i = 0; i < v->fmt->nb_streams; i++)
        if ((int)i != idx)
            v->fmt->streams[i]->discard = AVDISCARD_ALL;
    if ((ret = open_decoder(v)) < 0)
        return ret;
    if (v->st->codecpar->width <= 0 || v->st->codecpar->height <= 0)
        return ka_error(KA_EDECODE, "%s: no picture of its %s stream could be decoded "
                        "(unknown size)", v->path, avcodec_get_name(v->st->codecpar->codec_id));
    fill_info(v);
    int sw = v->opts.small_width;
    int sh = (int)lround((double)sw * v->info.height / v->info.width / 2.0) * 2;
    if (sh < 2)
        sh = 2;
    if (sh > 4 * KA_SMALL_MAX)
        sh = 4 * KA_SMALL_MAX;
    if ((ret = ka_small_ctx_new(sw, sh, v->info.rotation, &v->small)) < 0)
        return ka_error(ret, "%s: no memory for the analysis copy", v->path);
    return 0;
}

/* Lets a blocking read (a network input) give up when the video is closed. */
static int interrupted(void *opaque)
{
    return atomic_load(&((ka_video *)opaque)->stop);
}

static int start_thread(ka_video *v)
{
    v->fmt->interrupt_callback = (AVIOInterruptCB){ interrupted, v };
    pthread_mutex_init(&v->lock, NULL);
    pthread_cond_init(&v->can_push, NULL);
    pthread_cond_init(&v->can_pop, NULL);
    v->fmt->opaque = v;
    v->dec->opaque = v;
    ka_media_track(v, 1);
    if (pthread_create(&v->thread, NULL, ka_video_decode_main, v) != 0)
        return ka_error(KA_EINTERNAL, "%s: cannot start the decode thread", v->path);
    v->thread_started = 1;
    return 0;
}

int ka_video_open(const char *path, const ka_video_opts *opts, ka_video **out)
{
    *out = NULL;
    if (!path || !*path)
        return ka_error(KA_EINVAL, "no video path given");
    ka_media_init_logging();
    ka_video *v = calloc(1, sizeof *v);
    if (!v || !(v->path = strdup(path))) {
        free(v);
        return ka_error(KA_ENOMEM, "no memory to open %s", path);
    }
    int ret = check_opts(path, opts, &v->opts);
    if (ret == 0)
        ret = setup(v);
    if (ret == 0)
        ret = start_thread(v);
    if (ret < 0) {
        ka_video_close(&v);
        return ret;
    }
    *out = v;
    return 0;
}

const ka_video_info *ka_video_get_info(const ka_video *v) { return &v->info; }

int ka_video_read(ka_video *v, ka_frame **out)
{
    *out = NULL;
    pthread_mutex_lock(&v->lock);
    while (v->q_count == 0 && !v->done)
        pthread_cond_wait(&v->can_pop, &v->lock);
    int ret = 0;
    if (v->q_count > 0) {
        *out = v->queue[v->q_head];
        v->q_head = (v->q_head + 1) % KA_QUEUE_CAP;
        v->q_count--;
        v->delivered++;
        pthread_cond_signal(&v->can_push);
        ret = 1;
    } else if (v->status < 0) {
        ret = ka_error(v->status, "%s", v->message);
    }
    pthread_mutex_unlock(&v->lock);
    return ret;
}

void ka_video_get_stats(const ka_video *v, ka_decode_stats *st)
{
    ka_video *m = (ka_video *)v;
    pthread_mutex_lock(&m->lock);
    *st = m->stats;
    st->frames = m->delivered;
    pthread_mutex_unlock(&m->lock);
}

void ka_video_close(ka_video **pv)
{
    ka_video *v = pv ? *pv : NULL;
    if (!v)
        return;
    if (v->thread_started) {
        pthread_mutex_lock(&v->lock);
        atomic_store(&v->stop, 1);
        pthread_cond_broadcast(&v->can_push);
        pthread_mutex_unlock(&v->lock);
        pthread_join(v->thread, NULL);
        while (v->q_count > 0) {
            ka_frame_free(&v->queue[v->q_head]);
            v->q_head = (v->q_head + 1) % KA_QUEUE_CAP;
            v->q_count--;
        }
        pthread_cond_destroy(&v->can_push);
        pthread_cond_destroy(&v->can_pop);
        pthread_mutex_destroy(&v->lock);
    }
    ka_small_ctx_free(&v->small);
    avcodec_free_context(&v->dec);
    avformat_close_input(&v->fmt);
    ka_media_track(v, 0);
    free(v->path);
    free(v);
    *pv = NULL;
}
