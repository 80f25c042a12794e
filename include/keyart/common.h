/* keyart/common.h: error codes, the per-thread error message, logging and the
 * small image type every module passes around. */
#ifndef KEYART_COMMON_H
#define KEYART_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Functions return 0 (or a positive count) on success and one of these on failure,
 * always negative, so that no count, index or "none" answer can be taken for one (an
 * answer that can be "none" comes through an out parameter). ka_error_message() then
 * says what was wrong and with which input; ka_strerror names every code. */
enum {
    KA_OK = 0,
    KA_EINVAL = -1,    /* bad argument or option value */
    KA_ENOMEM = -2,    /* out of memory */
    KA_EIO = -3,       /* file could not be read or written */
    KA_EFORMAT = -4,   /* not a media file FFmpeg can read, or malformed data */
    KA_ENOVIDEO = -5,  /* a media file without a video stream */
    KA_EDECODE = -6,   /* no frame could be decoded */
    KA_EEMPTY = -7,    /* empty file */
    KA_EUNSUPPORTED = -8,
    KA_EINTERNAL = -9,
    KA_ELOST = -10,    /* a job is no longer this worker's (its lease ended and another
                        * worker took it, or it was finished meanwhile): nothing written */
    KA_ENOTFOUND = -11,    /* no such record (a title, an experiment) */
    KA_ECONFLICT = -12,    /* a change that conflicts with the record's state (a name
                            * already taken, starting a shipped experiment) */
    KA_ERROR_LAST = KA_ECONFLICT    /* the lowest code: they run from -1 down to it */
};

const char *ka_strerror(int err);

/* Sets the calling thread's error message (printf-style) and returns err, so that
 * failure paths read `return ka_error(KA_EIO, "cannot open %s: %s", path, why);` */
int ka_error(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The last message set on this thread ("" when none). */
const char *ka_error_message(void);
void ka_error_clear(void);

enum ka_log_level { KA_LOG_ERROR, KA_LOG_WARN, KA_LOG_INFO, KA_LOG_DEBUG };
void ka_log_set_level(int level);
int ka_log_get_level(void);
void ka_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An 8-bit interleaved image (1 = gray, 3 = RGB). Owns its pixels when created by
 * ka_image_alloc; free with ka_image_free. */
typedef struct ka_image {
    int width, height;
    int channels;
    int stride;          /* bytes per row */
    uint8_t *data;
} ka_image;

int ka_image_alloc(ka_image *img, int width, int height, int channels);
void ka_image_free(ka_image *img);

/* A rectangle in pixels. */
typedef struct ka_rect {
    int x, y, w, h;
} ka_rect;

/* Makes room for need elements of elem bytes in *arr (capacity *cap), doubling. */
int ka_array_grow(void **arr, int *cap, int need, size_t elem);

/* r moved and cut to lie inside a w x h picture (at least 1 x 1). */
ka_rect ka_rect_clamp(ka_rect r, int w, int h);
/* The part of a inside b (w or h 0 when they do not overlap). */
ka_rect ka_rect_intersect(ka_rect a, ka_rect b);
/* r, given in a fw x fh frame, scaled to an iw x ih picture of it and clamped. */
ka_rect ka_rect_map(ka_rect r, int fw, int fh, int iw, int ih);

/* Monotonic clock in seconds. */
double ka_now(void);

/* Strict number parsing: the whole string (no blanks, no trailing text), a finite
 * value within [lo, hi]; 0 and *out set, or -1 and *out untouched. */
int ka_parse_int(const char *s, int lo, int hi, int *out);
int ka_parse_double(const char *s, double lo, double hi, double *out);

/* Title ids: 1..KA_TITLE_ID_MAX of letters, digits, _ - . + :, not starting with '.'
 * or '-' (an id names a folder, a row and part of URLs). 0, or KA_EINVAL saying why. */
enum { KA_TITLE_ID_MAX = 128 };
int ka_title_id_check(const char *id);
/* The id of a video file: its name without folder and extension, mapped into that
 * alphabet ("title" when nothing is left); malloc'd, NULL out of memory. */
char *ka_title_id_from_path(const char *path);

/* The library's version, as the build set it ("0.1.0"). */
const char *ka_version(void);

#ifdef __cplusplus
}
#endif
#endif
