/* color.h (private): sRGB (D65) to CIELAB, shared by the quality and saliency
 * measurements. A 256-entry table maps sRGB codes to linear light; the cube root
 * of CIELAB's f() is computed by a fine table with linear interpolation. */
#ifndef KA_SELECT_COLOR_H
#define KA_SELECT_COLOR_H

#include <stdint.h>

/* L* in 0..100, a* and b* roughly -128..127. Thread-safe (tables built once). */
void ka_color_lab(uint8_t r, uint8_t g, uint8_t b, float *L, float *a, float *bb);

/* Gray (BT.601 luma weights) of an 8-bit RGB triple, rounded. */
static inline uint8_t ka_color_gray(unsigned r, unsigned g, unsigned b)
{
    return (uint8_t)((77u * r + 150u * g + 29u * b + 128u) >> 8);
}

#endif
