/* keyart/imaging.h: pixel and rectangle arithmetic that analysis, vision and select
 * share and none of them owns: sRGB to CIELAB and gray, the artwork shapes and the
 * placement of a crop (around a focus region, or around faces). Pure functions over
 * numbers and rectangles: no image I/O, no state beyond tables built once. */
#ifndef KEYART_IMAGING_H
#define KEYART_IMAGING_H

#include "keyart/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- colour (color.c) ---- */

/* sRGB (D65) to CIELAB: L* in 0..100, a* and b* roughly -128..127. A 256-entry
 * table maps sRGB codes to linear light; the cube root of CIELAB's f() is a fine
 * table with linear interpolation. Thread-safe (tables built once). */
void ka_color_lab(uint8_t r, uint8_t g, uint8_t b, float *L, float *a, float *bb);

/* Gray (BT.601 luma weights) of an 8-bit RGB triple, rounded. */
static inline uint8_t ka_color_gray(unsigned r, unsigned g, unsigned b)
{
    return (uint8_t)((77u * r + 150u * g + 29u * b + 128u) >> 8);
}

/* ---- artwork shapes and crops (crop.c) ---- */

enum { KA_SHAPE_16X9 = 0, KA_SHAPE_2X3, KA_SHAPE_1X1, KA_SHAPE_COUNT };
const char *ka_shape_name(int shape);   /* "16x9", "2x3", "1x1" */
/* The shape's aspect ratio aw:ah (16:9, 2:3, 1:1; 1:1 for an unknown shape). */
void ka_shape_aspect(int shape, int *aw, int *ah);

/* Largest rect of aspect aw:ah inside bounds, centred on focus as far as bounds allow. */
ka_rect ka_crop_place(ka_rect bounds, ka_rect focus, int aw, int ah);

/* A face the cropper must respect: weight > 0 for a face that matters (the heaviest
 * is the lead), 0 for one that must only not be cut. */
typedef struct ka_crop_face {
    ka_rect box;
    float weight;
} ka_crop_face;

/* The crop of ka_crop_place's size placed around faces (crop.c), in this order of
 * priority: no face that matters cut (with its margin, ka_crop_face_margin) when any
 * placement allows it, the lead whole, no other face cut, as many of the other faces
 * that matter as fit (the heaviest first), the faces placed well (eyes on the upper
 * third, a single lead on a third of a wide crop); focus centres it when no face that
 * matters is in. Without faces it is ka_crop_place. */
ka_rect ka_crop_faces(ka_rect bounds, ka_rect focus, int aw, int ah, const ka_crop_face *faces,
                      int n);

/* The face with the margin a crop of cw x ch keeps around it: 45% of its height
 * above (hair, head room), 20% below (chin), 20% of its width either side; inside
 * bounds, and only as much of the margin as the crop's size leaves room for. */
ka_rect ka_crop_face_margin(ka_rect face, ka_rect bounds, int cw, int ch);

#ifdef __cplusplus
}
#endif
#endif
