/* frame.c: decoded frames: another reference, freeing, and the full-resolution
 * RGB picture of a candidate in display orientation and display aspect. */
#include <stdlib.h>
#include <string.h>

#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "media/media_internal.h"

ka_frame *ka_frame_ref(const ka_frame *f)
{
    if (!f)
        return NULL;
    ka_frame *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    *r = *f;
    r->av = NULL;
    memset(&r->small, 0, sizeof r->small);
    if (f->small.y && ka_small_dup(&f->small, &r->small) < 0) {
        free(r);
        return NULL;
    }
    if (f->av && !(r->av = av_frame_clone(f->av))) {
        free(r->small.y);
        free(r);
        return NULL;
    }
    return r;
}

void ka_frame_free(ka_frame **pf)
{
    ka_frame *f = pf ? *pf : NULL;
    if (!f)
        return;
    AVFrame *av = f->av;
    av_frame_free(&av);
    free(f->small.y);
    free(f);
    *pf = NULL;
}

/* Colour matrix and range of the source, so that HD material uses BT.709. */
static void set_colorspace(struct SwsContext *sws, const AVFrame *av)
{
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get((enum AVPixelFormat)av->format);
    if (!d || (d->flags & AV_PIX_FMT_FLAG_RGB))
        return;
    int cs = av->colorspace;
    if (cs == AVCOL_SPC_UNSPECIFIED || cs == AVCOL_SPC_RGB || cs == AVCOL_SPC_RESERVED)
        cs = av->height >= 720 ? SWS_CS_ITU709 : SWS_CS_DEFAULT;
    int full = av->color_range == AVCOL_RANGE_JPEG || !strncmp(d->name, "yuvj", 4);
    sws_setColorspaceDetails(sws, sws_getCoefficients(cs), full,
                             sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
}

static void rotate_rgb(const ka_image *src, int rot, ka_image *dst)
{
    int w = src->width, h = src->height;
    for (int dy = 0; dy < dst->height; dy++) {
        uint8_t *o = dst->data + (size_t)dy * dst->stride;
        for (int dx = 0; dx < dst->width; dx++, o += 3) {
            int sx = dx, sy = dy;
            if (rot == 90) { sx = dy; sy = h - 1 - dx; }
            else if (rot == 180) { sx = w - 1 - dx; sy = h - 1 - dy; }
            else if (rot == 270) { sx = w - 1 - dy; sy = dx; }
            memcpy(o, src->data + (size_t)sy * src->stride + (size_t)sx * 3, 3);
        }
    }
}

static int scale_rgb(const AVFrame *av, ka_image *dst)
{
    struct SwsContext *sws = sws_getContext(av->width, av->height,
        (enum AVPixelFormat)av->format, dst->width, dst->height, AV_PIX_FMT_RGB24,
        SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, NULL, NULL, NULL);
    if (!sws)
        return ka_error(KA_EUNSUPPORTED, "cannot convert a %s picture to RGB",
                        av_get_pix_fmt_name((enum AVPixelFormat)av->format));
    set_colorspace(sws, av);
    uint8_t *data[4] = { dst->data };
    int ls[4] = { dst->stride };
    int ret = sws_scale(sws, (const uint8_t *const *)av->data, av->linesize, 0, av->height,
                        data, ls);
    sws_freeContext(sws);
    return ret > 0 ? 0 : ka_error(KA_EINTERNAL, "RGB conversion of a %dx%d picture failed",
                                  av->width, av->height);
}

int ka_frame_to_rgb(const ka_frame *f, const ka_video_info *info, ka_image *out)
{
    memset(out, 0, sizeof *out);
    const AVFrame *av = f ? f->av : NULL;
    if (!av || !info || av->width <= 0 || av->height <= 0)
        return ka_error(KA_EINVAL, "ka_frame_to_rgb: no picture");
    int rot = info->rotation;
    int sw = rot % 180 ? info->height : info->width;
    int sh = rot % 180 ? info->width : info->height;
    int ret;
    if (rot == 0) {
        if ((ret = ka_image_alloc(out, sw, sh, 3)) < 0)
            return ret;
        if ((ret = scale_rgb(av, out)) < 0)
            ka_image_free(out);
        return ret;
    }
    ka_image tmp;
    if ((ret = ka_image_alloc(&tmp, sw, sh, 3)) < 0)
        return ret;
    if ((ret = scale_rgb(av, &tmp)) == 0 &&
        (ret = ka_image_alloc(out, info->width, info->height, 3)) == 0)
        rotate_rgb(&tmp, rot, out);
    ka_image_free(&tmp);
    return ret;
}
