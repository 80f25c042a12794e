/* cv_bridge.h (private to vision/): the C face of the one C++ file of the project,
 * cv_bridge.cpp, which talks to OpenCV 4.6. It offers primitives only (cascades,
 * ONNX networks, YuNet, HOG people, BRISQUE); the C files of vision/ prepare the
 * inputs and decode the outputs, so what the models mean lives in C.
 *
 * Every function catches OpenCV's exceptions: failures return NULL or a negative
 * KA_E* code with ka_error() set. Handles are not thread-safe: use one per thread. */
#ifndef KA_CV_BRIDGE_H
#define KA_CV_BRIDGE_H

#include "keyart/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Quiets OpenCV's own logging (warnings of the ONNX importer) once per process. */
void ka_cv_init(void);
/* Threads OpenCV may use (process-wide; 1: none of its own). */
void ka_cv_set_threads(int n);

/* ---- Haar / LBP cascades ---- */
typedef struct ka_cv_cascade ka_cv_cascade;

ka_cv_cascade *ka_cv_cascade_load(const char *path);
/* Objects in gray (1 channel); min_size/max_size in pixels (0 = no limit). Returns
 * the count written to out (at most max) and each one's level weight in weights
 * (may be NULL), or < 0. */
int ka_cv_cascade_detect(ka_cv_cascade *c, const ka_image *gray, double scale_factor,
                         int min_neighbors, int min_size, int max_size, ka_rect *out,
                         float *weights, int max);
void ka_cv_cascade_free(ka_cv_cascade *c);

/* ---- ONNX networks (cv::dnn) ---- */
typedef struct ka_cv_net ka_cv_net;

ka_cv_net *ka_cv_net_load(const char *onnx_path);
/* Runs the network on one NCHW float input of shape 1 x c x h x w. Outputs stay
 * valid until the next forward or free. Returns the number of outputs or < 0. */
int ka_cv_net_forward(ka_cv_net *n, const float *input, int c, int h, int w);
/* Output i of the last forward (in the network's output order): its data and
 * element count; NULL when i is out of range. */
const float *ka_cv_net_output(const ka_cv_net *n, int i, size_t *count);
/* Index of the output called name, or -1. */
int ka_cv_net_output_index(const ka_cv_net *n, const char *name);
void ka_cv_net_free(ka_cv_net *n);

/* ---- YuNet (cv::FaceDetectorYN) ---- */
typedef struct ka_cv_yunet ka_cv_yunet;

ka_cv_yunet *ka_cv_yunet_load(const char *onnx_path, float score_threshold);
/* Faces in rgb (3 channels): rows of 15 floats (x, y, w, h, 5 landmarks x/y, score)
 * written to out; returns the count (at most max) or < 0. */
int ka_cv_yunet_detect(ka_cv_yunet *y, const ka_image *rgb, float *out, int max);
void ka_cv_yunet_free(ka_cv_yunet *y);

/* ---- HOG people detector (cv::HOGDescriptor's default people SVM) ---- */
typedef struct ka_cv_hog ka_cv_hog;

ka_cv_hog *ka_cv_hog_new(void);
/* People in img (1 or 3 channels); returns the count (at most max) or < 0. */
int ka_cv_hog_detect(ka_cv_hog *h, const ka_image *img, ka_rect *out, float *weights, int max);
void ka_cv_hog_free(ka_cv_hog *h);

/* ---- BRISQUE (cv::quality::QualityBRISQUE) ---- */
typedef struct ka_cv_brisque ka_cv_brisque;

ka_cv_brisque *ka_cv_brisque_load(const char *model_path, const char *range_path);
/* BRISQUE score of img (1 or 3 channels): about 0 (pristine) .. 100 (bad); < 0 on
 * error. */
double ka_cv_brisque_score(ka_cv_brisque *b, const ka_image *img);
void ka_cv_brisque_free(ka_cv_brisque *b);

#ifdef __cplusplus
}
#endif
#endif
