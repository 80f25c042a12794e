/* fuzz_media.c: any bytes as a video file through the media layer (media/video.c,
 * decode.c, small.c, frame.c; `keyart analyze FILE`): open with one decoder thread,
 * decode up to MAX_FRAMES frames with their small copies, the first in full RGB; and
 * the same bytes as a JPEG (media/image.c). Limits keep one input to a fraction of a
 * second and a few hundred MB: libFuzzer's -timeout and -rss_limit_mb then only
 * catch keyart's own hangs and leaks. */
#include <string.h>
#include <unistd.h>

#include "keyart/media.h"
#include "fuzz.h"

enum { MAX_FRAMES = 12, MAX_RGB_PIXELS = 4096 * 2160 };

static void check_small(const ka_small *s)
{
    FUZZ_CHECK(s->w > 0 && s->h > 0 && s->w <= 320 && s->y && s->u && s->v);
    FUZZ_CHECK(s->cw == s->w / 2 && s->ch == s->h / 2);
    unsigned sum = 0;               /* every byte of the planes is readable */
    for (int i = 0; i < s->w * s->h; i++)
        sum += s->y[i];
    for (int i = 0; i < s->cw * s->ch; i++)
        sum += s->u[i] + s->v[i];
    (void)sum;
}

static void video(const char *path)
{
    ka_video_opts o = { .threads = 1, .small_width = 64 };
    ka_video *v;
    if (ka_video_open(path, &o, &v))
        return;
    const ka_video_info *info = ka_video_get_info(v);
    FUZZ_CHECK(info->width > 0 && info->height > 0);
    ka_frame *f;
    int64_t prev = -1;
    for (int n = 0; n < MAX_FRAMES && ka_video_read(v, &f) > 0; n++) {
        FUZZ_CHECK(f->index > prev);
        prev = f->index;
        check_small(&f->small);
        ka_image rgb;
        if (!n && (int64_t)info->width * info->height <= MAX_RGB_PIXELS &&
            ka_frame_to_rgb(f, info, &rgb) == 0) {
            FUZZ_CHECK(rgb.width == info->width && rgb.height == info->height);
            ka_image_free(&rgb);
        }
        ka_frame_free(&f);
    }
    ka_decode_stats st;
    ka_video_get_stats(v, &st);
    FUZZ_CHECK(st.frames >= 0 && st.corrupt_packets >= 0 && st.decode_errors >= 0);
    ka_video_close(&v);
}

static void jpeg(const char *path)
{
    ka_image img, small;
    if (ka_image_read_jpeg(path, &img))
        return;
    FUZZ_CHECK(img.width > 0 && img.height > 0 && (img.channels == 1 || img.channels == 3));
    if (ka_image_resize(&img, 32, 24, &small) == 0)
        ka_image_free(&small);
    ka_image_free(&img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[32];
    int fd = ka_fuzz_file(data, size, path);
    if (fd < 0)
        return 0;
    video(path);
    jpeg(path);
    close(fd);
    return 0;
}
