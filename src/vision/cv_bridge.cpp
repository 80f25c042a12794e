/* cv_bridge.cpp: the one C++ file of keyart. It wraps the few OpenCV 4.6 objects
 * vision/ needs (CascadeClassifier, dnn::Net, FaceDetectorYN, HOGDescriptor,
 * quality::QualityBRISQUE) behind the C functions of cv_bridge.h. Images come in
 * as ka_image and are wrapped, not copied; every OpenCV exception is caught here
 * and turned into a KA_E* code with a message. */
#include "cv_bridge.h"

#include <cmath>
#include <mutex>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>
#include <opencv2/quality/qualitybrisque.hpp>

struct ka_cv_cascade {
    cv::CascadeClassifier cc;
};

struct ka_cv_net {
    cv::dnn::Net net;
    std::vector<std::string> names;
    std::vector<cv::Mat> outs;
};

struct ka_cv_yunet {
    cv::Ptr<cv::FaceDetectorYN> det;
    cv::Size size;
};

struct ka_cv_hog {
    cv::HOGDescriptor hog;
};

struct ka_cv_brisque {
    cv::Ptr<cv::quality::QualityBRISQUE> q;
};

/* A ka_image as a cv::Mat header over the same pixels (no copy). */
static cv::Mat ka_cv_wrap(const ka_image *img)
{
    int type = img->channels == 1 ? CV_8UC1 : img->channels == 3 ? CV_8UC3 : CV_8UC4;
    return cv::Mat(img->height, img->width, type, img->data, (size_t)img->stride);
}

static bool ka_cv_image_ok(const ka_image *img, int channels)
{
    return img && img->data && img->width > 0 && img->height > 0 &&
           (channels == 0 ? (img->channels == 1 || img->channels == 3)
                          : img->channels == channels);
}

/* Runs f, turning exceptions into ka_error(KA_EINTERNAL / KA_ENOMEM) with what. */
template <typename F>
static int ka_cv_guard(const char *what, F f)
{
    try {
        return f();
    } catch (const cv::Exception &e) {
        return ka_error(KA_EINTERNAL, "%s: OpenCV: %s", what, e.what());
    } catch (const std::bad_alloc &) {
        return ka_error(KA_ENOMEM, "%s: out of memory", what);
    } catch (const std::exception &e) {
        return ka_error(KA_EINTERNAL, "%s: %s", what, e.what());
    } catch (...) {
        return ka_error(KA_EINTERNAL, "%s: unknown C++ exception", what);
    }
}

extern "C" void ka_cv_init(void)
{
    static std::once_flag once;
    std::call_once(once, [] {
        cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR);
    });
}

extern "C" void ka_cv_set_threads(int n)
{
    ka_cv_init();
    cv::setNumThreads(n);
}

/* ---- cascades ---- */

extern "C" ka_cv_cascade *ka_cv_cascade_load(const char *path)
{
    ka_cv_init();
    ka_cv_cascade *c = nullptr;
    int rc = ka_cv_guard("cascade", [&] {
        c = new ka_cv_cascade;
        if (!c->cc.load(path))
            return ka_error(KA_EFORMAT, "cannot load the cascade %s", path);
        return 0;
    });
    if (rc < 0) {
        delete c;
        return nullptr;
    }
    return c;
}

extern "C" int ka_cv_cascade_detect(ka_cv_cascade *c, const ka_image *gray, double scale_factor,
                                    int min_neighbors, int min_size, int max_size,
                                    ka_rect *out, float *weights, int max)
{
    if (!c || !ka_cv_image_ok(gray, 1) || max < 0)
        return ka_error(KA_EINVAL, "cascade: bad arguments");
    return ka_cv_guard("cascade detection", [&] {
        std::vector<cv::Rect> found;
        std::vector<int> levels;
        std::vector<double> lw;
        cv::Mat m = ka_cv_wrap(gray);
        cv::Size mn(min_size, min_size), mx(max_size, max_size);
        c->cc.detectMultiScale(m, found, levels, lw, scale_factor, min_neighbors, 0, mn, mx, true);
        int n = 0;
        for (size_t i = 0; i < found.size() && n < max; i++, n++) {
            out[n] = ka_rect{ found[i].x, found[i].y, found[i].width, found[i].height };
            if (weights)
                weights[n] = i < lw.size() ? (float)lw[i] : 0.0f;
        }
        return n;
    });
}

extern "C" void ka_cv_cascade_free(ka_cv_cascade *c)
{
    delete c;
}

/* ---- ONNX networks ---- */

extern "C" ka_cv_net *ka_cv_net_load(const char *onnx_path)
{
    ka_cv_init();
    ka_cv_net *n = nullptr;
    int rc = ka_cv_guard(onnx_path, [&] {
        n = new ka_cv_net;
        n->net = cv::dnn::readNetFromONNX(onnx_path);
        if (n->net.empty())
            return ka_error(KA_EFORMAT, "%s: not a network OpenCV can read", onnx_path);
        for (const auto &s : n->net.getUnconnectedOutLayersNames())
            n->names.push_back(s);
        if (n->names.empty())
            return ka_error(KA_EFORMAT, "%s: the network has no output", onnx_path);
        return 0;
    });
    if (rc < 0) {
        delete n;
        return nullptr;
    }
    return n;
}

extern "C" int ka_cv_net_forward(ka_cv_net *n, const float *input, int c, int h, int w)
{
    if (!n || !input || c <= 0 || h <= 0 || w <= 0)
        return ka_error(KA_EINVAL, "network: bad input");
    return ka_cv_guard("network forward", [&] {
        int shape[4] = { 1, c, h, w };
        cv::Mat blob(4, shape, CV_32F, const_cast<float *>(input));
        n->net.setInput(blob);
        std::vector<cv::String> names(n->names.begin(), n->names.end());
        n->outs.clear();
        n->net.forward(n->outs, names);
        for (auto &m : n->outs) {
            if (m.type() != CV_32F)
                m.convertTo(m, CV_32F);
            if (!m.isContinuous())
                m = m.clone();
        }
        return (int)n->outs.size();
    });
}

extern "C" const float *ka_cv_net_output(const ka_cv_net *n, int i, size_t *count)
{
    if (!n || i < 0 || (size_t)i >= n->outs.size()) {
        if (count)
            *count = 0;
        return nullptr;
    }
    if (count)
        *count = n->outs[(size_t)i].total();
    return n->outs[(size_t)i].ptr<float>();
}

extern "C" int ka_cv_net_output_index(const ka_cv_net *n, const char *name)
{
    for (size_t i = 0; n && name && i < n->names.size(); i++)
        if (n->names[i] == name)
            return (int)i;
    return -1;
}

extern "C" void ka_cv_net_free(ka_cv_net *n)
{
    delete n;
}

/* ---- YuNet ---- */

extern "C" ka_cv_yunet *ka_cv_yunet_load(const char *onnx_path, float score_threshold)
{
    ka_cv_init();
    ka_cv_yunet *y = nullptr;
    int rc = ka_cv_guard(onnx_path, [&] {
        y = new ka_cv_yunet;
        y->size = cv::Size(320, 320);
        y->det = cv::FaceDetectorYN::create(onnx_path, "", y->size, score_threshold, 0.3f, 5000);
        if (y->det.empty())
            return ka_error(KA_EFORMAT, "%s: cannot create the YuNet detector", onnx_path);
        /* a first run finds models that load but cannot run */
        cv::Mat probe(y->size, CV_8UC3, cv::Scalar(0, 0, 0)), faces;
        y->det->detect(probe, faces);
        return 0;
    });
    if (rc < 0) {
        delete y;
        return nullptr;
    }
    return y;
}

extern "C" int ka_cv_yunet_detect(ka_cv_yunet *y, const ka_image *rgb, float *out, int max)
{
    if (!y || !ka_cv_image_ok(rgb, 3) || max < 0)
        return ka_error(KA_EINVAL, "YuNet: bad arguments");
    return ka_cv_guard("YuNet detection", [&] {
        cv::Mat bgr, faces;
        cv::cvtColor(ka_cv_wrap(rgb), bgr, cv::COLOR_RGB2BGR);
        if (bgr.size() != y->size) {
            y->size = bgr.size();
            y->det->setInputSize(y->size);
        }
        y->det->detect(bgr, faces);
        int n = 0;
        for (int r = 0; r < faces.rows && n < max; r++, n++)
            for (int k = 0; k < 15; k++)
                out[n * 15 + k] = k < faces.cols ? faces.at<float>(r, k) : 0.0f;
        return n;
    });
}

extern "C" void ka_cv_yunet_free(ka_cv_yunet *y)
{
    delete y;
}

/* ---- HOG people ---- */

extern "C" ka_cv_hog *ka_cv_hog_new(void)
{
    ka_cv_init();
    ka_cv_hog *h = nullptr;
    int rc = ka_cv_guard("HOG people detector", [&] {
        h = new ka_cv_hog;
        h->hog.setSVMDetector(cv::HOGDescriptor::getDefaultPeopleDetector());
        return 0;
    });
    if (rc < 0) {
        delete h;
        return nullptr;
    }
    return h;
}

extern "C" int ka_cv_hog_detect(ka_cv_hog *h, const ka_image *img, ka_rect *out, float *weights,
                                int max)
{
    if (!h || !ka_cv_image_ok(img, 0) || max < 0)
        return ka_error(KA_EINVAL, "HOG: bad arguments");
    if (img->width < 64 || img->height < 128)
        return 0;                   /* smaller than the detection window */
    return ka_cv_guard("HOG detection", [&] {
        std::vector<cv::Rect> found;
        std::vector<double> w;
        h->hog.detectMultiScale(ka_cv_wrap(img), found, w, 0.0, cv::Size(8, 8), cv::Size(0, 0),
                                1.15, 2.0);
        int n = 0;
        for (size_t i = 0; i < found.size() && n < max; i++, n++) {
            out[n] = ka_rect{ found[i].x, found[i].y, found[i].width, found[i].height };
            if (weights)
                weights[n] = i < w.size() ? (float)w[i] : 0.0f;
        }
        return n;
    });
}

extern "C" void ka_cv_hog_free(ka_cv_hog *h)
{
    delete h;
}

/* ---- BRISQUE ---- */

extern "C" ka_cv_brisque *ka_cv_brisque_load(const char *model_path, const char *range_path)
{
    ka_cv_init();
    ka_cv_brisque *b = nullptr;
    int rc = ka_cv_guard("BRISQUE", [&] {
        b = new ka_cv_brisque;
        b->q = cv::quality::QualityBRISQUE::create(model_path, range_path);
        if (b->q.empty())
            return ka_error(KA_EFORMAT, "cannot load the BRISQUE model %s", model_path);
        return 0;
    });
    if (rc < 0) {
        delete b;
        return nullptr;
    }
    return b;
}

extern "C" double ka_cv_brisque_score(ka_cv_brisque *b, const ka_image *img)
{
    if (!b || !ka_cv_image_ok(img, 0))
        return ka_error(KA_EINVAL, "BRISQUE: bad arguments");
    double score = -1.0;
    int rc = ka_cv_guard("BRISQUE", [&] {
        cv::Mat m = ka_cv_wrap(img), bgr;
        if (img->channels == 3)
            cv::cvtColor(m, bgr, cv::COLOR_RGB2BGR);
        score = b->q->compute(img->channels == 3 ? bgr : m)[0];
        if (!std::isfinite(score))
            return ka_error(KA_EFORMAT, "BRISQUE: no score for a flat picture");
        return 0;
    });
    return rc < 0 ? (double)rc : score;
}

extern "C" void ka_cv_brisque_free(ka_cv_brisque *b)
{
    delete b;
}
