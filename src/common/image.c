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
