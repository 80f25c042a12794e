/* image.c: JPEG encode, write and read through libturbojpeg (RGB and gray), and
 * cropping of ka_image buffers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <turbojpeg.h>

#include "keyart/media.h"

static int check_image(const ka_image *img, const char *what)
{
    if (!img || !img->data || img->width <= 0 || img->height <= 0 ||
        (img->channels != 1 && img->channels != 3) || img->stride < img->width * img->channels)
        return ka_error(KA_EINVAL, "%s: not a valid image", what);
    return 0;
}

int ka_image_encode_jpeg(const ka_image *img, int quality, uint8_t **buf, size_t *size)
{
    *buf = NULL;
    *size = 0;
    int ret = check_image(img, "JPEG encode");
    if (ret < 0)
        return ret;
    if (quality < 1 || quality > 100)
        return ka_error(KA_EINVAL, "JPEG quality %d is outside 1..100", quality);
    tjhandle tj = tjInitCompress();
    if (!tj)
        return ka_error(KA_ENOMEM, "cannot start the JPEG encoder");
    unsigned char *jpeg = NULL;
    unsigned long n = 0;
    int gray = img->channels == 1;
    if (tjCompress2(tj, img->data, img->width, img->stride, img->height,
                    gray ? TJPF_GRAY : TJPF_RGB, &jpeg, &n, gray ? TJSAMP_GRAY : TJSAMP_420,
                    quality, 0) != 0) {
        ret = ka_error(KA_EINTERNAL, "JPEG encoding of a %dx%d image failed: %s",
                       img->width, img->height, tjGetErrorStr2(tj));
    } else if (!(*buf = malloc(n))) {
        ret = ka_error(KA_ENOMEM, "no memory for a %lu byte JPEG", n);
    } else {
        memcpy(*buf, jpeg, n);
        *size = n;
    }
    tjFree(jpeg);
    tjDestroy(tj);
    return ret;
}

int ka_image_write_jpeg(const ka_image *img, const char *path, int quality)
{
    uint8_t *buf;
    size_t n;
    int ret = ka_image_encode_jpeg(img, quality, &buf, &n);
    if (ret < 0)
        return ret;
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        ret = ka_error(KA_EIO, "cannot write %s: %s", path, strerror(errno));
    } else {
        size_t w = fwrite(buf, 1, n, fp);
        int err = errno;
        if (fclose(fp) != 0 || w != n)
            ret = ka_error(KA_EIO, "cannot write %s: %s", path, strerror(err ? err : EIO));
    }
    free(buf);
    return ret;
}

static int read_whole(const char *path, uint8_t **buf, size_t *size)
{
    FILE *fp = fopen(path, "rb");
    struct stat sb;
    if (!fp)
        return ka_error(KA_EIO, "cannot open %s: %s", path, strerror(errno));
    if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(fp);
        return ka_error(KA_EIO, "cannot read %s: not a regular file", path);
    }
    if (sb.st_size == 0) {
        fclose(fp);
        return ka_error(KA_EEMPTY, "%s is empty (0 bytes)", path);
    }
    *size = (size_t)sb.st_size;
    *buf = malloc(*size);
    if (!*buf) {
        fclose(fp);
        return ka_error(KA_ENOMEM, "no memory to read %s", path);
    }
    size_t got = fread(*buf, 1, *size, fp);
    fclose(fp);
    if (got != *size) {
        free(*buf);
        return ka_error(KA_EIO, "cannot read %s: short read", path);
    }
    return 0;
}

int ka_image_read_jpeg(const char *path, ka_image *out)
{
    memset(out, 0, sizeof *out);
    uint8_t *buf = NULL;
    size_t n = 0;
    int ret = read_whole(path, &buf, &n);
    if (ret < 0)
        return ret;
    tjhandle tj = tjInitDecompress();
    int w = 0, h = 0, sub = 0, cs = 0;      /* not all set for every malformed header */
    if (!tj) {
        ret = ka_error(KA_ENOMEM, "cannot start the JPEG decoder");
    } else if (tjDecompressHeader3(tj, buf, n, &w, &h, &sub, &cs) != 0) {
        ret = ka_error(KA_EFORMAT, "%s is not a JPEG image: %s", path, tjGetErrorStr2(tj));
    } else if (w <= 0 || h <= 0) {
        ret = ka_error(KA_EFORMAT, "%s: a JPEG of %dx%d pixels", path, w, h);
    } else if ((int64_t)w * h > KA_MAX_PIXELS_DEFAULT) {
        /* keyart's own pictures are frames it decoded, no larger than a video it reads */
        ret = ka_error(KA_EUNSUPPORTED, "%s: a %dx%d JPEG (%lld pixels) is larger than the"
                       " %lld keyart reads", path, w, h, (long long)w * h,
                       (long long)KA_MAX_PIXELS_DEFAULT);
    } else if ((ret = ka_image_alloc(out, w, h, cs == TJCS_GRAY ? 1 : 3)) == 0 &&
               tjDecompress2(tj, buf, n, out->data, w, out->stride, h,
                             cs == TJCS_GRAY ? TJPF_GRAY : TJPF_RGB, 0) != 0 &&
               tjGetErrorCode(tj) == TJERR_FATAL) {
        ret = ka_error(KA_EFORMAT, "cannot decode the JPEG %s: %s", path, tjGetErrorStr2(tj));
        ka_image_free(out);
    }
    if (tj)
        tjDestroy(tj);
    free(buf);
    return ret;
}

/* The part of r inside the image; a rectangle that does not overlap it, or has no
 * area, is an error. */
int ka_image_crop(const ka_image *src, ka_rect r, ka_image *out)
{
    memset(out, 0, sizeof *out);
    int ret = check_image(src, "crop");
    if (ret < 0)
        return ret;
    long x0 = r.x > 0 ? r.x : 0, y0 = r.y > 0 ? r.y : 0;
    long x1 = (long)r.x + r.w, y1 = (long)r.y + r.h;
    if (x1 > src->width)
        x1 = src->width;
    if (y1 > src->height)
        y1 = src->height;
    if (r.w <= 0 || r.h <= 0 || x1 <= x0 || y1 <= y0)
        return ka_error(KA_EINVAL, "crop %dx%d+%d+%d is outside the %dx%d image", r.w, r.h,
                        r.x, r.y, src->width, src->height);
    if ((ret = ka_image_alloc(out, (int)(x1 - x0), (int)(y1 - y0), src->channels)) < 0)
        return ret;
    size_t row = (size_t)out->width * src->channels;
    for (int y = 0; y < out->height; y++)
        memcpy(out->data + (size_t)y * out->stride,
               src->data + (size_t)(y0 + y) * src->stride + (size_t)x0 * src->channels, row);
    return 0;
}
