/* imgops.c: the small image operations vision/ needs in C: gray, mirrored and
 * box-shrunk copies, the variance of the Laplacian, an affine sampler that writes network
 * inputs directly (crop + resize + align + normalise in one pass), and the
 * least-squares similarity transform used to align faces. */
#include <math.h>
#include <string.h>

#include "vision/vision_priv.h"

int ka_vision_gray(const ka_image *src, ka_image *gray)
{
    int err = ka_image_alloc(gray, src->width, src->height, 1);
    if (err)
        return err;
    for (int y = 0; y < src->height; y++) {
        const uint8_t *s = src->data + (size_t)y * src->stride;
        uint8_t *d = gray->data + (size_t)y * gray->stride;
        if (src->channels == 1) {
            memcpy(d, s, (size_t)src->width);
            continue;
        }
        for (int x = 0; x < src->width; x++, s += src->channels)
            d[x] = (uint8_t)((77 * s[0] + 150 * s[1] + 29 * s[2] + 128) >> 8);
    }
    return 0;
}

int ka_vision_flip(const ka_image *src, ka_image *dst)
{
    int err = ka_image_alloc(dst, src->width, src->height, src->channels);
    if (err)
        return err;
    int c = src->channels;
    for (int y = 0; y < src->height; y++) {
        const uint8_t *s = src->data + (size_t)y * src->stride;
        uint8_t *d = dst->data + (size_t)y * dst->stride;
        for (int x = 0; x < src->width; x++)
            memcpy(d + (size_t)(src->width - 1 - x) * c, s + (size_t)x * c, (size_t)c);
    }
    return 0;
}

double ka_vision_laplacian_var(const ka_image *gray, ka_rect r)
{
    int x0 = r.x < 1 ? 1 : r.x, y0 = r.y < 1 ? 1 : r.y;
    int x1 = r.x + r.w > gray->width - 1 ? gray->width - 1 : r.x + r.w;
    int y1 = r.y + r.h > gray->height - 1 ? gray->height - 1 : r.y + r.h;
    double sum = 0, sum2 = 0;
    long long n = 0;
    for (int y = y0; y < y1; y++) {
        const uint8_t *p = gray->data + (size_t)y * gray->stride;
        for (int x = x0; x < x1; x++) {
            int l = p[x - 1] + p[x + 1] + p[x - gray->stride] + p[x + gray->stride] - 4 * p[x];
            sum += l;
            sum2 += (double)l * l;
            n++;
        }
    }
    if (n < 2)
        return 0.0;
    double mean = sum / (double)n;
    return fmax(0.0, sum2 / (double)n - mean * mean);
}

/* Bilinear value of channel c at (x, y), border outside. */
static inline float ka_bilinear(const ka_image *s, float x, float y, int c, float border)
{
    int x0 = (int)floorf(x), y0 = (int)floorf(y);
    float fx = x - (float)x0, fy = y - (float)y0;
    float v[4];
    for (int k = 0; k < 4; k++) {
        int xx = x0 + (k & 1), yy = y0 + (k >> 1);
        v[k] = xx < 0 || yy < 0 || xx >= s->width || yy >= s->height
                   ? border
                   : (float)s->data[(size_t)yy * s->stride + (size_t)xx * s->channels + c];
    }
    return (v[0] * (1 - fx) + v[1] * fx) * (1 - fy) + (v[2] * (1 - fx) + v[3] * fx) * fy;
}

/* One output pixel, taps x taps bilinear samples averaged, every channel at once. */
static inline void ka_sample_px(const ka_image *src, const float A[6], float u, float v, int taps,
                                const ka_norm *n, float acc[3])
{
    int nc = src->channels == 1 ? 1 : 3;
    acc[0] = acc[1] = acc[2] = 0.0f;
    for (int j = 0; j < taps; j++) {
        float vv = v + ((float)j + 0.5f) / (float)taps - 0.5f;
        for (int i = 0; i < taps; i++) {
            float uu = u + ((float)i + 0.5f) / (float)taps - 0.5f;
            float x = A[0] * uu + A[1] * vv + A[2], y = A[3] * uu + A[4] * vv + A[5];
            int x0 = (int)floorf(x), y0 = (int)floorf(y);
            float fx = x - (float)x0, fy = y - (float)y0;
            float w[4] = { (1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy };
            if (x0 >= 0 && y0 >= 0 && x0 + 1 < src->width && y0 + 1 < src->height) {
                const uint8_t *p = src->data + (size_t)y0 * src->stride + (size_t)x0 * src->channels;
                const uint8_t *q = p + src->stride;
                for (int c = 0; c < nc; c++)
                    acc[c] += w[0] * p[c] + w[1] * p[c + src->channels] + w[2] * q[c] +
                              w[3] * q[c + src->channels];
                continue;
            }
            for (int c = 0; c < nc; c++)
                acc[c] += w[0] * ka_bilinear(src, (float)x0, (float)y0, c, n->border) +
                          w[1] * ka_bilinear(src, (float)x0 + 1, (float)y0, c, n->border) +
                          w[2] * ka_bilinear(src, (float)x0, (float)y0 + 1, c, n->border) +
                          w[3] * ka_bilinear(src, (float)x0 + 1, (float)y0 + 1, c, n->border);
        }
    }
    if (nc == 1)
        acc[1] = acc[2] = acc[0];
}

void ka_vision_sample(const ka_image *src, const float A[6], int w, int h, const ka_norm *n,
                      float *out)
{
    /* how much the map shrinks: taps per output pixel along each axis */
    float sx = sqrtf(A[0] * A[0] + A[3] * A[3]), sy = sqrtf(A[1] * A[1] + A[4] * A[4]);
    float sc = sx > sy ? sx : sy;
    int taps = sc > 1.5f ? (int)ceilf(sc) : 1;
    taps = taps > 4 ? 4 : taps;
    float inv = 1.0f / (float)(taps * taps);
    size_t plane = (size_t)w * h;
    for (int v = 0; v < h; v++) {
        for (int u = 0; u < w; u++) {
            float acc[3];
            ka_sample_px(src, A, (float)u, (float)v, taps, n, acc);
            size_t o = (size_t)v * w + u;
            if (n->gray) {
                float g = (0.299f * acc[0] + 0.587f * acc[1] + 0.114f * acc[2]) * inv;
                out[o] = (g - n->mean[0]) * n->scale[0];
                continue;
            }
            for (int c = 0; c < 3; c++)
                out[(size_t)c * plane + o] = (acc[n->bgr ? 2 - c : c] * inv - n->mean[c]) *
                                             n->scale[c];
        }
    }
}

void ka_vision_rect_affine(float x, float y, float rw, float rh, int w, int h, float A[6])
{
    /* output pixel centre u + 0.5 maps to x + (u + 0.5) rw / w, minus 0.5 for the
     * source's pixel centre */
    float ax = rw / (float)w, ay = rh / (float)h;
    A[0] = ax;
    A[1] = 0.0f;
    A[2] = x + 0.5f * ax - 0.5f;
    A[3] = 0.0f;
    A[4] = ay;
    A[5] = y + 0.5f * ay - 0.5f;
}

void ka_vision_similarity(const float from[][2], const float to[][2], int n, float A[6])
{
    double fx = 0, fy = 0, tx = 0, ty = 0;
    for (int i = 0; i < n; i++) {
        fx += from[i][0];
        fy += from[i][1];
        tx += to[i][0];
        ty += to[i][1];
    }
    fx /= n;
    fy /= n;
    tx /= n;
    ty /= n;
    double den = 0, sa = 0, sb = 0;
    for (int i = 0; i < n; i++) {
        double px = from[i][0] - fx, py = from[i][1] - fy;
        double qx = to[i][0] - tx, qy = to[i][1] - ty;
        den += px * px + py * py;
        sa += px * qx + py * qy;
        sb += px * qy - py * qx;
    }
    double a = den > 0 ? sa / den : 1.0, b = den > 0 ? sb / den : 0.0;
    A[0] = (float)a;
    A[1] = (float)-b;
    A[2] = (float)(tx - (a * fx - b * fy));
    A[3] = (float)b;
    A[4] = (float)a;
    A[5] = (float)(ty - (b * fx + a * fy));
}
