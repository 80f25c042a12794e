/* media_internal.h: what the media module's files share: the open video with its
 * decode thread and frame queue, and the small-copy scaler. Not a public header. */
#ifndef KA_MEDIA_INTERNAL_H
#define KA_MEDIA_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/frame.h>

#include "keyart/media.h"

#define KA_QUEUE_CAP 6          /* decoded frames the decode thread may run ahead */
/* What the decoder's threads and the queue may hold in pictures: very large frames
 * get fewer of both (8K: 6 threads, 2 queued), so that memory does not grow with
 * the machine's cores (tests/media/bad_media.sh, docs/hardening.md). */
#define KA_DECODER_BYTES (256 << 20)
#define KA_QUEUE_BYTES (128 << 20)
#define KA_SMALL_DEFAULT 128
#define KA_SMALL_MAX 320

/* Builds the small analysis copy of decoded pictures (small.c). */
typedef struct ka_small_ctx ka_small_ctx;

/* w x h is the output luma size in display orientation (both even); rotation is
 * the clockwise rotation applied to the source picture (0, 90, 180, 270). */
int ka_small_ctx_new(int w, int h, int rotation, ka_small_ctx **out);
/* Fills out (one malloc'd block, out->y owns it) from the picture f. */
int ka_small_make(ka_small_ctx *c, const AVFrame *f, ka_small *out);
void ka_small_ctx_free(ka_small_ctx **c);
/* Copies src into a new block. */
int ka_small_dup(const ka_small *src, ka_small *dst);

/* Rotates a w x h 8-bit plane clockwise by rot degrees into dst (stride = its width). */
void ka_plane_rotate(const uint8_t *src, int sstride, int w, int h, int rot, uint8_t *dst);

struct ka_video {
    char *path;
    ka_video_opts opts;
    ka_video_info info;
    AVFormatContext *fmt;
    AVCodecContext *dec;
    AVStream *st;
    ka_small_ctx *small;
    double expected_end_s;      /* where the header says the stream ends (0 = unknown) */

    pthread_t thread;
    int thread_started;
    pthread_mutex_t lock;
    pthread_cond_t can_push, can_pop;
    ka_frame *queue[KA_QUEUE_CAP];
    int q_head, q_count;
    int q_cap;                  /* frames queued at most: KA_QUEUE_CAP, fewer when large */
    atomic_int stop;            /* set by close: the thread must finish */
    int done;                   /* the thread has finished */
    int status;                 /* 0, or the error the thread ended with */
    char message[512];          /* its message (ka_error is per thread) */
    ka_decode_stats stats;      /* published by the thread under lock */
    int64_t delivered;
    /* errors FFmpeg logged for this video's demuxer and decoder while decoding
     * (silent resyncs, concealed slices), counted by the log callback */
    atomic_long av_demux_errors, av_decode_errors;
    struct ka_video *next;      /* in the list of videos the log callback knows */
};

/* The decode thread's body (decode.c); arg is the ka_video. */
void *ka_video_decode_main(void *arg);

/* The last error FFmpeg logged on this thread, "" when none (video.c). */
const char *ka_media_last_av_error(void);
void ka_media_clear_av_error(void);
/* 1 and the size when FFmpeg refused a picture size ("Picture size WxH is invalid")
 * on this thread since the last clear: a header or a frame too large for it. */
int ka_media_refused_size(int64_t *w, int64_t *h);
void ka_media_init_logging(void);
/* Adds or removes v from the videos whose FFmpeg errors are counted. */
void ka_media_track(ka_video *v, int on);

#endif
