/* color.c: sRGB (D65) to CIELAB, for the quality and saliency measurements (and
 * whoever else needs L*a*b*).
 * sRGB codes go to linear light through a 256-entry table; CIELAB's f(t) (a cube
 * root above (6/29)^3) through a 4097-entry table over t in 0..1 with linear
 * interpolation (error < 1e-4 in L*). */
#include <math.h>
#include <pthread.h>

#include "keyart/imaging.h"

#define KA_F_STEPS 4096

static float ka_color_lin[256];
static float ka_color_f[KA_F_STEPS + 1];
static pthread_once_t ka_color_once = PTHREAD_ONCE_INIT;

static double ka_color_f_exact(double t)
{
    const double d = 6.0 / 29.0;
    return t > d * d * d ? cbrt(t) : t / (3.0 * d * d) + 4.0 / 29.0;
}

static void ka_color_build(void)
{
    for (int i = 0; i < 256; i++) {
        double c = i / 255.0;
        ka_color_lin[i] = (float)(c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4));
    }
    for (int i = 0; i <= KA_F_STEPS; i++)
        ka_color_f[i] = (float)ka_color_f_exact((double)i / KA_F_STEPS);
}

static inline float ka_color_fl(float t)
{
    if (t <= 0.0f)
        return ka_color_f[0];
    if (t >= 1.0f)
        return (float)cbrt(t);
    float x = t * KA_F_STEPS;
    int i = (int)x;
    float fr = x - (float)i;
    return ka_color_f[i] + fr * (ka_color_f[i + 1] - ka_color_f[i]);
}

void ka_color_lab(uint8_t r, uint8_t g, uint8_t b, float *L, float *a, float *bb)
{
    pthread_once(&ka_color_once, ka_color_build);
    float lr = ka_color_lin[r], lg = ka_color_lin[g], lb = ka_color_lin[b];
    /* sRGB -> XYZ, divided by the D65 white (0.95047, 1, 1.08883). */
    float x = (0.4124564f * lr + 0.3575761f * lg + 0.1804375f * lb) / 0.95047f;
    float y = 0.2126729f * lr + 0.7151522f * lg + 0.0721750f * lb;
    float z = (0.0193339f * lr + 0.1191920f * lg + 0.9503041f * lb) / 1.08883f;
    float fx = ka_color_fl(x), fy = ka_color_fl(y), fz = ka_color_fl(z);
    *L = 116.0f * fy - 16.0f;
    *a = 500.0f * (fx - fy);
    *bb = 200.0f * (fy - fz);
}
