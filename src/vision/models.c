/* models.c: finding and loading the models. Deep models are looked up by file name
 * in the models path (--models, KEYART_MODELS, else the default folders) and its
 * subfolders; the cascades, HOG and BRISQUE come from OpenCV and opencv-data. A
 * model that is missing or does not load is reported once (a warning naming the
 * file and why) and the detector falls back, in the end to the cascades, which
 * need nothing but Debian's opencv-data. */
#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* vision_config.h (src/vision/meson.build): KA_MODELS_DIR, the installed models
 * folder (PREFIX/share/keyart/models); KA_SOURCE_MODELS_DIR, models/ of the source
 * tree; KA_BUILD_ROOT, the build tree this library was built in. */
#include "vision/vision_config.h"
#include "vision/vision_priv.h"

static const char *const ka_model_files[KA_M_COUNT] = {
    [KA_M_FR_DETECT] = "fr_detect.onnx",
    [KA_M_FR_LANDMARK] = "fr_landmark.onnx",
    [KA_M_FR_EYE] = "fr_eye.onnx",
    [KA_M_FR_EXPRESSION] = "fr_expression.onnx",
    [KA_M_FR_FEATURE] = "fr_feature.onnx",
    [KA_M_FR_GENDER] = "fr_gender.onnx",
    [KA_M_YUNET] = "face_detection_yunet_2022mar.onnx",
    [KA_M_ULTRAFACE] = "version-RFB-320.onnx",
    [KA_M_NANODET] = "object_detection_nanodet_2022nov.onnx",
};

static const char *const ka_opencv_data[] = {
    "/usr/share/opencv4", "/usr/local/share/opencv4", "/usr/share/opencv",
};

const char *ka_vision_model_file(int model)
{
    return model >= 0 && model < KA_M_COUNT ? ka_model_files[model] : "";
}

/* Whether the running program lies inside the build tree this library was built in:
 * the tests, the benchmarks and scripts/analyze.sh run keyart from there. */
static int ka_in_build_tree(void)
{
    char exe[PATH_MAX], root[PATH_MAX];
    if (!realpath("/proc/self/exe", exe) || !realpath(KA_BUILD_ROOT, root))
        return 0;
    size_t n = strlen(root);
    return !strncmp(exe, root, n) && exe[n] == '/';
}

static const char *ka_default_models;
static pthread_once_t ka_default_models_once = PTHREAD_ONCE_INIT;

static void ka_default_models_init(void)
{
    ka_default_models = ka_in_build_tree() ? KA_SOURCE_MODELS_DIR ":" KA_MODELS_DIR
                                           : KA_MODELS_DIR;
}

/* The models path when neither --models nor $KEYART_MODELS gives one. Run from its
 * build tree, keyart finds the face pack scripts/setup.sh put into the source tree
 * (the tests and the Quick start need no setting); installed, it looks only where
 * `meson install` puts models, never into a source tree that may be gone. */
const char *ka_vision_default_models(void)
{
    pthread_once(&ka_default_models_once, ka_default_models_init);
    return ka_default_models;
}

static int ka_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* file in dir or in one of dir's subfolders. */
static int ka_find_in(const char *dir, const char *file, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", dir, file);
    if (ka_is_file(out))
        return 1;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    int found = 0;
    while (!found && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        int n = snprintf(out, size, "%s/%s/%s", dir, e->d_name, file);
        found = n > 0 && (size_t)n < size && ka_is_file(out);
    }
    closedir(d);
    return found;
}

int ka_vision_find_model(const char *search, const char *file, char *out, size_t size)
{
    if (!search || !file || !*file)
        return 0;
    const char *p = search;
    while (*p) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > 0 && len < 2048) {
            char dir[2048];
            memcpy(dir, p, len);
            dir[len] = '\0';
            if (ka_find_in(dir, file, out, size))
                return 1;
        }
        p += len + (end ? 1 : 0);
    }
    return 0;
}

/* ---- options ---- */

void ka_vision_opts_default(ka_vision_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->detector = KA_DET_AUTO;
    o->attributes = KA_ATTR_ALL;
    o->objects = 1;
    o->brisque = 1;
    o->max_side = 960;
    o->enabled = 1;
}

/* ---- loading ---- */

float *ka_vision_blob(ka_vision *v, size_t n)
{
    if (n > v->blob_cap) {
        float *b = realloc(v->blob, n * sizeof(float));
        if (!b)
            return NULL;
        v->blob = b;
        v->blob_cap = n;
    }
    return v->blob;
}

/* ---- costs ---- */

static const char *const ka_cost_names[KA_T_COUNT] = {
    "prepare", "detect", "landmarks", "eyes", "expression", "gender", "identity", "objects",
    "brisque",
};

const char *ka_vision_cost_name(int part)
{
    return part >= 0 && part < KA_T_COUNT ? ka_cost_names[part] : "unknown";
}

double ka_vision_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void ka_vision_cost_add(ka_vision *v, int part, double t0)
{
    v->costs.cpu_s[part] += ka_vision_clock() - t0;
    v->costs.calls[part]++;
}

static ka_cv_cascade *ka_load_cascade(const char *sub, const char *file)
{
    char path[4096];
    for (size_t i = 0; i < sizeof(ka_opencv_data) / sizeof(ka_opencv_data[0]); i++) {
        snprintf(path, sizeof path, "%s/%s/%s", ka_opencv_data[i], sub, file);
        if (ka_is_file(path)) {
            ka_cv_cascade *c = ka_cv_cascade_load(path);
            if (!c)
                ka_log(KA_LOG_WARN, "%s", ka_error_message());
            return c;
        }
    }
    ka_log(KA_LOG_WARN, "OpenCV cascade %s not found (install opencv-data)", file);
    return NULL;
}

/* Loads model m when its file is in the path; warns when it is there but broken,
 * or when it was asked for (required) and is missing. */
static int ka_load_net(ka_vision *v, int m, int required)
{
    char path[4096];
    if (!ka_vision_find_model(v->models, ka_model_files[m], path, sizeof path)) {
        if (required)
            ka_log(KA_LOG_WARN, "model %s not found in %s", ka_model_files[m], v->models);
        return 0;
    }
    int ok;
    if (m == KA_M_YUNET)
        ok = (v->yunet = ka_cv_yunet_load(path, 0.7f)) != NULL;
    else
        ok = (v->net[m] = ka_cv_net_load(path)) != NULL;
    if (!ok) {
        ka_log(KA_LOG_WARN, "model %s cannot be used: %s", path, ka_error_message());
        return 0;
    }
    return 1;
}

/* Detector preference for AUTO: the face pack (the product's), then YuNet (five
 * landmarks, any input size), UltraFace, and the cascades. */
static const ka_face_detector ka_auto_order[] = {
    KA_DET_FACEPLUGIN, KA_DET_YUNET, KA_DET_ULTRAFACE, KA_DET_CASCADE,
};

static int ka_detector_model(ka_face_detector d)
{
    return d == KA_DET_FACEPLUGIN ? KA_M_FR_DETECT : d == KA_DET_YUNET ? KA_M_YUNET
           : d == KA_DET_ULTRAFACE ? KA_M_ULTRAFACE : -1;
}

static void ka_choose_detector(ka_vision *v)
{
    ka_face_detector want = v->opts.detector;
    if (want != KA_DET_AUTO && want != KA_DET_CASCADE) {
        if (ka_load_net(v, ka_detector_model(want), 1)) {
            v->detector = want;
            return;
        }
        ka_log(KA_LOG_WARN, "face detector %s is not available: using the best available one",
               ka_vision_detector_name(want));
    }
    if (want == KA_DET_CASCADE) {
        v->detector = KA_DET_CASCADE;
        return;
    }
    for (size_t i = 0; i < sizeof(ka_auto_order) / sizeof(ka_auto_order[0]); i++) {
        ka_face_detector d = ka_auto_order[i];
        if (d == want)
            continue;           /* already failed above */
        if (d == KA_DET_CASCADE || ka_load_net(v, ka_detector_model(d), 0)) {
            v->detector = d;
            break;
        }
    }
    if (v->detector == KA_DET_CASCADE)
        ka_log(KA_LOG_WARN, "no deep face detector in %s (scripts/setup.sh installs the face "
               "pack): using OpenCV's cascades", v->models);
}

static void ka_load_brisque(ka_vision *v)
{
    char model[4096], range[4096];
    for (size_t i = 0; i < sizeof(ka_opencv_data) / sizeof(ka_opencv_data[0]); i++) {
        snprintf(model, sizeof model, "%s/quality/brisque_model_live.yml", ka_opencv_data[i]);
        snprintf(range, sizeof range, "%s/quality/brisque_range_live.yml", ka_opencv_data[i]);
        if (ka_is_file(model) && ka_is_file(range)) {
            if (!(v->brisque = ka_cv_brisque_load(model, range)))
                ka_log(KA_LOG_WARN, "BRISQUE disabled: %s", ka_error_message());
            return;
        }
    }
    ka_log(KA_LOG_WARN, "BRISQUE model not found (install opencv-data): quality without it");
}

int ka_vision_open(const ka_vision_opts *o, ka_vision **out)
{
    *out = NULL;
    ka_vision_opts def;
    if (!o) {
        ka_vision_opts_default(&def);
        o = &def;
    }
    if ((unsigned)o->detector >= KA_DET_COUNT)
        return ka_error(KA_EINVAL, "unknown face detector %d", (int)o->detector);
    ka_vision *v = calloc(1, sizeof(*v));
    if (!v)
        return ka_error(KA_ENOMEM, "no memory for vision");
    v->opts = *o;
    if (v->opts.max_side < 160)
        v->opts.max_side = 960;
    const char *env = getenv("KEYART_MODELS");
    const char *models = o->models ? o->models : env && *env ? env : ka_vision_default_models();
    v->models = strdup(models);
    v->opts.models = v->models;
    if (!v->models) {
        free(v);
        return ka_error(KA_ENOMEM, "no memory for vision");
    }
    ka_cv_init();
    if (v->opts.threads > 0)
        ka_cv_set_threads(v->opts.threads);
    ka_choose_detector(v);
    if (v->detector == KA_DET_CASCADE) {    /* a deep detector has no use for them */
        v->frontal = ka_load_cascade("haarcascades", "haarcascade_frontalface_alt2.xml");
        v->profile = ka_load_cascade("lbpcascades", "lbpcascade_profileface.xml");
    }
    int at = v->opts.attributes, pack = v->detector == KA_DET_FACEPLUGIN;
    if (at)
        ka_load_net(v, KA_M_FR_LANDMARK, pack);
    if (at & KA_ATTR_EYES)
        ka_load_net(v, KA_M_FR_EYE, pack);
    if (at & KA_ATTR_EXPRESSION)
        ka_load_net(v, KA_M_FR_EXPRESSION, pack);
    if (at & KA_ATTR_IDENTITY)
        ka_load_net(v, KA_M_FR_FEATURE, pack);
    if (at & KA_ATTR_GENDER)
        ka_load_net(v, KA_M_FR_GENDER, 0);
    if ((at & KA_ATTR_EYES) && (!v->net[KA_M_FR_EYE] || !v->net[KA_M_FR_LANDMARK]))
        v->eye = ka_load_cascade("haarcascades", "haarcascade_eye.xml");
    if ((at & KA_ATTR_EXPRESSION) && !v->net[KA_M_FR_EXPRESSION])
        v->smile = ka_load_cascade("haarcascades", "haarcascade_smile.xml");
    if (v->opts.objects && !ka_load_net(v, KA_M_NANODET, 0) && !(v->hog = ka_cv_hog_new()))
        ka_log(KA_LOG_WARN, "people detection disabled: %s", ka_error_message());
    if (v->opts.brisque)
        ka_load_brisque(v);
    *out = v;
    return 0;
}

void ka_vision_close(ka_vision **pv)
{
    ka_vision *v = pv ? *pv : NULL;
    if (!v)
        return;
    ka_cv_cascade_free(v->frontal);
    ka_cv_cascade_free(v->profile);
    ka_cv_cascade_free(v->eye);
    ka_cv_cascade_free(v->smile);
    for (int i = 0; i < KA_M_COUNT; i++)
        ka_cv_net_free(v->net[i]);
    ka_cv_yunet_free(v->yunet);
    ka_cv_hog_free(v->hog);
    ka_cv_brisque_free(v->brisque);
    free(v->blob);
    free(v->models);
    free(v);
    *pv = NULL;
}

ka_face_detector ka_vision_detector(const ka_vision *v)
{
    return v ? v->detector : KA_DET_CASCADE;
}

int ka_vision_has_identity(const ka_vision *v)
{
    return v && v->net[KA_M_FR_FEATURE] != NULL;
}
