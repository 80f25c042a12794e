/* image.c: the plain 8-bit image buffer shared by every module. */
#include <stdlib.h>

#include "keyart/common.h"

int ka_image_alloc(ka_image *img, int width, int height, int channels)
{
    img->data = NULL;
    if (width <= 0 || height <= 0 || width > 32768 || height > 32768 ||
        (channels != 1 && channels != 3))
        return ka_error(KA_EINVAL, "image size %dx%dx%d is out of range", width, height, channels);
    img->width = width;
    img->height = height;
    img->channels = channels;
    img->stride = width * channels;
    img->data = malloc((size_t)img->stride * height);
    if (!img->data)
        return ka_error(KA_ENOMEM, "no memory for a %dx%d image", width, height);
    return 0;
}

void ka_image_free(ka_image *img)
{
    if (!img)
        return;
    free(img->data);
    img->data = NULL;
    img->width = img->height = img->stride = 0;
}

ka_rect ka_rect_clamp(ka_rect r, int w, int h)
{
    if (r.x < 0) { r.w += r.x; r.x = 0; }
    if (r.y < 0) { r.h += r.y; r.y = 0; }
    if (r.x > w - 1) r.x = w - 1;
    if (r.y > h - 1) r.y = h - 1;
    if (r.w > w - r.x) r.w = w - r.x;
    if (r.h > h - r.y) r.h = h - r.y;
    if (r.w < 1) r.w = 1;
    if (r.h < 1) r.h = 1;
    return r;
}

ka_rect ka_rect_intersect(ka_rect a, ka_rect b)
{
    int x0 = a.x > b.x ? a.x : b.x, y0 = a.y > b.y ? a.y : b.y;
    int x1 = a.x + a.w < b.x + b.w ? a.x + a.w : b.x + b.w;
    int y1 = a.y + a.h < b.y + b.h ? a.y + a.h : b.y + b.h;
    return (ka_rect){ x0, y0, x1 > x0 ? x1 - x0 : 0, y1 > y0 ? y1 - y0 : 0 };
}

ka_rect ka_rect_map(ka_rect r, int fw, int fh, int iw, int ih)
{
    if (fw > 0 && fh > 0 && (fw != iw || fh != ih)) {
        double sx = (double)iw / fw, sy = (double)ih / fh;
        r = (ka_rect){ (int)(r.x * sx + 0.5), (int)(r.y * sy + 0.5),
                       (int)(r.w * sx + 0.5), (int)(r.h * sy + 0.5) };
    }
    return ka_rect_clamp(r, iw, ih);
}
