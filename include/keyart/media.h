/* keyart/media.h: open, demux and decode a video; the small analysis copy of every
 * frame; full-resolution RGB for candidates; image encode, decode, crop and resize. */
#ifndef KEYART_MEDIA_H
#define KEYART_MEDIA_H

#include "keyart/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ka_video_info {
    int width, height;          /* display size: rotation and sample aspect applied */
    int coded_width, coded_height;
    int rotation;               /* clockwise degrees applied on output: 0, 90, 180, 270 */
    double sar;                 /* sample aspect ratio (1.0 when square or unknown) */
    double fps;                 /* average frame rate (0 when unknown) */
    double duration_s;          /* container or stream duration (0 when unknown) */
    int64_t frame_count_est;    /* from the stream header, else duration x fps; 0 when
                                 * unknown. An estimate: count frames, don't trust it */
    double start_pts_s;         /* stream start time */
    int bit_depth;
    int full_range;             /* 1 = full-range (JPEG) YUV; the small copy keeps the
                                 * source range: black is 16 when this is 0, 0 when 1 */
    int stream_index;
    char codec[32];
    char container[32];
    char pix_fmt[32];
} ka_video_info;

/* What decoding had to skip: decode errors, corrupt packets. */
typedef struct ka_decode_stats {
    int64_t frames;             /* frames delivered */
    int64_t packets;
    int64_t corrupt_packets;    /* packets the demuxer flagged or failed on, plus errors
                                 * it reported while resyncing */
    int64_t decode_errors;      /* errors the decoder returned or reported (one damaged
                                 * frame can count several) */
    int truncated;              /* the input ended early: the demuxer gave up on errors,
                                 * or the stream stopped well before its header's end */
} ka_decode_stats;

typedef struct ka_video_opts {
    int threads;                /* decoder threads, 0 = one per core */
    double start_s, end_s;      /* decode only [start_s, end_s) (end_s 0 = to the end),
                                 * seconds from the stream's start. With start_s > 0,
                                 * time_s stays on the whole file's timeline (pts - the
                                 * stream start time) while index counts from 0 */
    int small_width;            /* width of the analysis copy (default 128, <= 320) */
    int64_t max_pixels;         /* refuse a video whose frames, coded or as displayed,
                                 * have more pixels (0 = KA_MAX_PIXELS_DEFAULT, at
                                 * most INT32_MAX); checked before any frame is decoded.
                                 * Coded pixels count as 8-bit 4:2:0 ones: a format
                                 * whose pictures take more memory counts in proportion
                                 * (10 bits, 4:4:4: twice) */
} ka_video_opts;

/* The default limit on pixels per frame: 8192x4320 (DCI 8K; 7680x4320 UHD fits).
 * It keeps an analysis's peak memory well under 2 GB (docs/hardening.md). */
#define KA_MAX_PIXELS_DEFAULT (8192LL * 4320)

/* The small analysis copy of a frame: 8-bit planes in display orientation, luma at
 * small_width x h, chroma (U, V) at half that in each direction. h follows the
 * display aspect (rounded to even). Values keep the source's range (see
 * ka_video_info.full_range); deeper inputs are reduced to 8 bits. */
typedef struct ka_small {
    int w, h;                   /* luma size */
    int cw, ch;                 /* chroma size */
    uint8_t *y, *u, *v;         /* contiguous, strides = w and cw */
} ka_small;

/* One decoded frame: a reference to the decoder's picture plus its small copy. */
typedef struct ka_frame {
    int64_t index;              /* 0-based decoded frame number in presentation order */
    double time_s;              /* pts - first frame's pts, seconds */
    double pts_s;               /* stream presentation time, seconds */
    ka_small small;
    void *av;                   /* AVFrame*, owned */
} ka_frame;

typedef struct ka_video ka_video;

/* Opens path, picks the first default video stream (else the first video stream)
 * and starts a decode thread that runs ahead of the caller. Errors: KA_EIO (also
 * for a folder, a FIFO or a device: only regular files and URLs are read),
 * KA_EEMPTY, KA_EFORMAT, KA_ENOVIDEO, KA_EUNSUPPORTED (also frames over
 * max_pixels), each with a message. */
int ka_video_open(const char *path, const ka_video_opts *opts, ka_video **out);
const ka_video_info *ka_video_get_info(const ka_video *v);
/* Next frame in presentation order: returns 1 and sets *out (caller frees), 0 at
 * the end, < 0 on a fatal error. Damaged packets are skipped and counted. */
int ka_video_read(ka_video *v, ka_frame **out);
void ka_video_get_stats(const ka_video *v, ka_decode_stats *st);
void ka_video_close(ka_video **v);

/* Another reference to the same picture (the small copy is duplicated). */
ka_frame *ka_frame_ref(const ka_frame *f);
void ka_frame_free(ka_frame **f);
/* Full-resolution RGB in display orientation and display aspect. */
int ka_frame_to_rgb(const ka_frame *f, const ka_video_info *info, ka_image *out);

/* Images. */
/* The part of r inside src (clamped); KA_EINVAL when nothing of r is inside. */
int ka_image_crop(const ka_image *src, ka_rect r, ka_image *out);
/* Shrinking averages areas, growing is bilinear. */
int ka_image_resize(const ka_image *src, int width, int height, ka_image *out);
/* Region r of src shrunk k times, each pixel the mean of a k x k block (r.w / k x
 * r.h / k pixels): what an area resize gives for a whole factor, several times
 * faster (1080p and 4K pictures reach a working size by one). */
int ka_image_shrink(const ka_image *src, ka_rect r, int k, ka_image *dst);
int ka_image_write_jpeg(const ka_image *img, const char *path, int quality);
/* *buf is malloc'd: the caller free()s it. quality 1..100. */
int ka_image_encode_jpeg(const ka_image *img, int quality, uint8_t **buf, size_t *size);
/* RGB, or gray (channels 1) for a grayscale JPEG. */
int ka_image_read_jpeg(const char *path, ka_image *out);

#ifdef __cplusplus
}
#endif
#endif
