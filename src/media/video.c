/* video.c: opening a video (checks, demuxer, stream choice, decoder, display
 * geometry), and the caller's side of the frame queue. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavutil/cpu.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
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

static const char *file_kind(mode_t m)
{
    return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO (named pipe)"
         : S_ISSOCK(m) ? "a socket" : S_ISCHR(m) ? "a character device"
         : S_ISBLK(m) ? "a block device" : "not a regular file";
}

/* Missing, unreadable, not a regular file or empty: answered before FFmpeg sees
 * the path. A FIFO without a writer would block the open forever, a device may
 * never end, and probing reads an input twice: only regular files are videos. */
static int check_file(const char *path)
{
    struct stat sb;
    if (strstr(path, "://"))
        return 0; /* a URL: FFmpeg's protocols decide */
    if (stat(path, &sb) != 0)
        return ka_error(KA_EIO, "cannot open %s: %s", path, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return ka_error(KA_EIO, "cannot open %s: it is %s, not a video file", path,
                        file_kind(sb.st_mode));
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    if (fd < 0)
        return ka_error(KA_EIO, "cannot open %s: %s", path, strerror(errno));
    close(fd);
    if (sb.st_size == 0)
        return ka_error(KA_EEMPTY, "%s is empty (0 bytes)", path);
    return 0;
}

/* How many times an 8-bit 4:2:0 picture's memory a decoded picture of format fmt
 * takes (10 bits or 4:4:4: twice); 1 when unknown or less. */
static double format_weight(int fmt)
{
    int n = fmt >= 0 ? av_image_get_buffer_size(fmt, 64, 64, 1) : -1;
    return n > 64 * 64 * 3 / 2 ? n / (64 * 64 * 1.5) : 1.0;
}

/* Frames over max_pixels are refused, coded (what the decoder allocates, counted
 * in 8-bit 4:2:0 pixels: deeper or fuller formats count in proportion) or as
 * displayed (what a candidate's RGB picture takes: an absurd sample aspect ratio
 * can make a small frame huge). fmt is the pixel format, or -1. */
static int check_pixels(const ka_video *v, int64_t w, int64_t h, int fmt, const char *what)
{
    double k = format_weight(fmt);
    int64_t n = (int64_t)ceil((double)(w * h) * k);
    if (n <= v->opts.max_pixels)
        return 0;
    if (k > 1.0)
        return ka_error(KA_EUNSUPPORTED, "%s: its %lldx%lld %s frames (%lld pixels, counted "
                        "as %lld for their size in memory) exceed --max-pixels %lld", v->path,
                        (long long)w, (long long)h, av_get_pix_fmt_name(fmt),
                        (long long)(w * h), (long long)n, (long long)v->opts.max_pixels);
    return ka_error(KA_EUNSUPPORTED, "%s: its %s%lldx%lld frames (%lld pixels) exceed "
                    "--max-pixels %lld", v->path, what, (long long)w, (long long)h,
                    (long long)(w * h), (long long)v->opts.max_pixels);
}

/* The limit FFmpeg's decoders get. They count padded rows (a 321-pixel row as 352),
 * so they get room to spare: the exact limit is check_pixels', on the sizes the
 * stream declares; theirs stops what no header said (a PNG's, a size change
 * mid-stream) from taking more than twice as much. */
static int64_t decoder_limit(const ka_video *v)
{
    int64_t n = 2 * v->opts.max_pixels;
    return n < (1 << 22) ? (1 << 22) : n > INT32_MAX ? INT32_MAX : n;
}

/* A size FFmpeg refused while reading a header or probing a frame (it stops at
 * about 16384x16384 on its own, and probing decoders get max_pixels): said as such,
 * not as a file it cannot read or a picture of unknown size. */
static int check_refused(const ka_video *v)
{
    int64_t w, h;
    if (!ka_media_refused_size(&w, &h))
        return 0;
    int ret = check_pixels(v, w, h, -1, "");
    return ret < 0 ? ret : ka_error(KA_EUNSUPPORTED, "%s: its %lldx%lld frames are larger "
                                    "than FFmpeg decodes", v->path, (long long)w, (long long)h);
}

/* The sizes a stream's header declares, checked before probing decodes anything. */
static int check_declared(const ka_video *v, int idx)
{
    const AVCodecParameters *par = idx >= 0 ? v->fmt->streams[idx]->codecpar : NULL;
    return par ? check_pixels(v, par->width, par->height, par->format, "") : 0;
}

/* Probing may decode a frame of each stream: its decoders get a limit too, so a
 * header that lies (or a format without one, a PNG) cannot make them allocate much. */
static int find_stream_info(ka_video *v)
{
    unsigned n = v->fmt->nb_streams;
    AVDictionary **o = n ? calloc(n, sizeof *o) : NULL;
    if (n && !o)
        return AVERROR(ENOMEM);
    for (unsigned i = 0; i < n; i++)
        av_dict_set_int(&o[i], "max_pixels", decoder_limit(v), 0);
    int ret = avformat_find_stream_info(v->fmt, o);
    for (unsigned i = 0; i < n; i++)
        av_dict_free(&o[i]);
    free(o);
    return ret;
}

static int pick_stream(AVFormatContext *fmt);

/* A file FFmpeg failed to open whose content (not only its name) it recognises is a
 * damaged one (an MP4 cut short), not something other than media: the format's
 * first name, else NULL. */
static int recognised_format(const char *url, char *name, size_t size)
{
    AVIOContext *pb = NULL;
    const AVInputFormat *f = NULL;
    if (avio_open(&pb, url, AVIO_FLAG_READ) < 0)
        return 0;
    int score = av_probe_input_buffer2(pb, &f, url, NULL, 0, 0);
    avio_closep(&pb);
    if (score <= AVPROBE_SCORE_EXTENSION || !f)
        return 0;
    snprintf(name, size, "%.*s", (int)strcspn(f->name, ","), f->name);
    return 1;
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
        char why[AV_ERROR_MAX_STRING_SIZE + 256], name[64];
        snprintf(why, sizeof why, "%s", av_why(ret));
        if ((ret = check_refused(v)) < 0)
            return ret;
        if (recognised_format(url, name, sizeof name))
            return ka_error(KA_EFORMAT, "%s is a damaged or truncated %s file FFmpeg cannot "
                            "read (%s)", path, name, why);
        return ka_error(KA_EFORMAT, "%s is not a media file FFmpeg can read (%s)", path, why);
    }
    if ((ret = check_declared(v, pick_stream(v->fmt))) < 0)
        return ret;
    ret = find_stream_info(v);
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

/* Bytes of one decoded picture of the stream (its pixel format at its size). */
static int64_t picture_bytes(const AVCodecParameters *par)
{
    int n = par->format >= 0 ? av_image_get_buffer_size(par->format, par->width, par->height, 1)
                             : -1;
    int64_t guess = (int64_t)par->width * par->height * 3;
    return n > 0 ? n : guess > 0 ? guess : 1;
}

/* Decoder threads and queued frames, fewer for frames so large that they would
 * hold more than KA_DECODER_BYTES and KA_QUEUE_BYTES; an explicit thread count too. */
static void size_buffers(ka_video *v, const AVCodecParameters *par)
{
    int64_t pic = picture_bytes(par);
    int threads = v->opts.threads > 0 ? v->opts.threads : av_cpu_count() + 1;
    int64_t most = 1 + KA_DECODER_BYTES / pic;
    if (threads > 16)
        threads = 16;           /* FFmpeg's own bound for its automatic count */
    v->dec->thread_count = threads > most ? (int)most : threads;
    int64_t queue = KA_QUEUE_BYTES / pic;
    v->q_cap = queue < 2 ? 2 : queue > KA_QUEUE_CAP ? KA_QUEUE_CAP : (int)queue;
}

static int open_decoder(ka_video *v)
{
    const AVCodecParameters *par = v->st->codecpar;
    const AVCodec *codec = avcodec_find_decoder(par->codec_id);
    if (!codec && par->codec_id == AV_CODEC_ID_NONE)
        return ka_error(KA_EUNSUPPORTED, "%s: its video codec is unknown to FFmpeg, or its "
                        "header is damaged or cut short", v->path);
    if (!codec)
        return ka_error(KA_EUNSUPPORTED, "%s: this FFmpeg has no decoder for its video codec "
                        "'%s'", v->path, avcodec_get_name(par->codec_id));
    v->dec = avcodec_alloc_context3(codec);
    if (!v->dec)
        return ka_error(KA_ENOMEM, "%s: no memory for a decoder", v->path);
    if (avcodec_parameters_to_context(v->dec, par) < 0)
        return ka_error(KA_EUNSUPPORTED, "%s: bad codec parameters", v->path);
    v->dec->pkt_timebase = v->st->time_base;
    size_buffers(v, par);
    v->dec->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
    v->dec->max_pixels = decoder_limit(v);
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

/* The stream's duration, else Matroska's per-stream DURATION tag (its end time),
 * else the file's.
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
        /* where the stream ends, not its length: a stream that starts late (video
         * after a title card of audio) is not cut off by its start time */
        double end = h * 3600.0 + m * 60.0 + sec;
        in->duration_s = end > in->start_pts_s ? end - in->start_pts_s : end;
        v->expected_end_s = end > in->start_pts_s ? end : 0;
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
    /* clamped, not wrapped: an absurd aspect ratio must still fail check_pixels */
    double dwf = fmin(round(par->width * in->sar), INT_MAX);
    int dw = dwf < 1 ? 1 : (int)dwf, dh = par->height;
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
    if (d.max_pixels == 0)
        d.max_pixels = KA_MAX_PIXELS_DEFAULT;
    if (d.max_pixels < 0 || d.max_pixels > INT32_MAX)
        return ka_error(KA_EINVAL, "%s: bad pixel limit %lld (1..%d)", path,
                        (long long)d.max_pixels, INT32_MAX);
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
    const AVCodecParameters *par = v->st->codecpar;
    int unknown = par->width <= 0 || par->height <= 0;
    char why[256];      /* what probing found wrong, before the decoder's open clears it */
    snprintf(why, sizeof why, "%s%s", unknown && *ka_media_last_av_error() ? ": " : "",
             ka_media_last_av_error());
    if ((ret = unknown ? check_refused(v)
                       : check_pixels(v, par->width, par->height, par->format, "")) < 0 ||
        (ret = open_decoder(v)) < 0)
        return ret;
    if (unknown)
        return ka_error(KA_EDECODE, "%s: no picture of its %s stream could be decoded "
                        "(unknown size%s)", v->path, avcodec_get_name(par->codec_id), why);
    fill_info(v);
    if ((ret = check_pixels(v, v->info.width, v->info.height, -1, "displayed ")) < 0)
        return ret;
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
