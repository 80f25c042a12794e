/* model.c: the ranker: a linear score over standardised features, and its place on
 * the grades' scale (a cumulative-logit model: P(grade >= k) = logistic(score -
 * cut_k)). It reads and writes a small JSON file:
 *
 *   {"format": "keyart-ranker", "version": 1,
 *    "features": [{"name", "mean", "scale", "weight"}, ...],
 *    "cuts": [c1, c2, c3], "trained_on": "...", "frames": N}
 *
 * Features are named, so a file stays readable when later builds add features
 * (those weigh 0); a name this build does not know is refused. The default ranker is
 * data/ranker/default.json, compiled in (ranker_default.c, generated at build time). */
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keyart/rank.h"

#define KA_RANKER_FORMAT "keyart-ranker"
#define KA_RANKER_VERSION 1

/* ranker_default.c (generated from data/ranker/default.json) */
extern const char ka_ranker_default_json[];

float ka_ranker_z(const ka_ranker *r, int i, float x)
{
    float z = (x - r->mean[i]) / r->scale[i];
    return z < -KA_RANK_Z_MAX ? -KA_RANK_Z_MAX : z > KA_RANK_Z_MAX ? KA_RANK_Z_MAX : z;
}

float ka_ranker_score(const ka_ranker *r, const float x[KA_F_COUNT])
{
    float s = 0.0f;
    for (int i = 0; i < KA_F_COUNT; i++)
        s += r->weight[i] * ka_ranker_z(r, i, x[i]);
    return s;
}

void ka_ranker_contributions(const ka_ranker *r, const float x[KA_F_COUNT],
                             float contrib[KA_F_COUNT])
{
    for (int i = 0; i < KA_F_COUNT; i++)
        contrib[i] = r->weight[i] * ka_ranker_z(r, i, x[i]);
}

static float ka_logistic(float v)
{
    return 1.0f / (1.0f + expf(-v));
}

float ka_ranker_grade(const ka_ranker *r, float score)
{
    float g = 0.0f;
    for (int k = 0; k < KA_GRADE_MAX; k++)
        g += ka_logistic(score - r->cut[k]);
    return g;
}

float ka_ranker_good(const ka_ranker *r, float score)
{
    return ka_logistic(score - r->cut[1]);
}

static int ka_ranker_bad(const char *source, const char *what)
{
    return ka_error(KA_EFORMAT, "%s: not a keyart ranker: %s", source, what);
}

/* s into out, cut at a character boundary when it is too long: a UTF-8 string cut
 * inside a character is no JSON string (the ranker's file, metadata.json). */
static void ka_ranker_copy(char *out, size_t size, const char *s)
{
    size_t n = strlen(s);
    if (n >= size) {
        n = size - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    memcpy(out, s, n);
    out[n] = '\0';
}

static void ka_ranker_blank(ka_ranker *r, const char *source)
{
    memset(r, 0, sizeof *r);
    for (int i = 0; i < KA_F_COUNT; i++)
        r->scale[i] = 1.0f;
    ka_ranker_copy(r->source, sizeof r->source, source);
}

static int ka_ranker_number(json_t *v, float *out)
{
    if (!json_is_number(v))
        return -1;
    double d = json_number_value(v);
    if (!isfinite(d) || fabs(d) > 1e6)
        return -1;
    *out = (float)d;
    return 0;
}

static int ka_ranker_feature(json_t *f, const char *source, ka_ranker *r)
{
    const char *name = json_string_value(json_object_get(f, "name"));
    if (!name)
        return ka_ranker_bad(source, "a feature without a name");
    int i = ka_feature_find(name);
    if (i < 0)
        return ka_error(KA_EFORMAT, "%s: feature '%s' is not known to this keyart", source, name);
    if (ka_ranker_number(json_object_get(f, "mean"), &r->mean[i]) ||
        ka_ranker_number(json_object_get(f, "scale"), &r->scale[i]) ||
        ka_ranker_number(json_object_get(f, "weight"), &r->weight[i]) || !(r->scale[i] > 0.0f))
        return ka_error(KA_EFORMAT, "%s: feature '%s' needs a mean, a positive scale and a weight",
                        source, name);
    return 0;
}

static int ka_ranker_from_json(json_t *root, const char *source, ka_ranker *r)
{
    if (!json_is_object(root))
        return ka_ranker_bad(source, "not a JSON object");
    const char *fmt = json_string_value(json_object_get(root, "format"));
    if (!fmt || strcmp(fmt, KA_RANKER_FORMAT))
        return ka_ranker_bad(source, "no \"format\": \"" KA_RANKER_FORMAT "\"");
    json_t *ver = json_object_get(root, "version");
    if (!json_is_integer(ver) || json_integer_value(ver) != KA_RANKER_VERSION)
        return ka_error(KA_EFORMAT, "%s: ranker version is not %d", source, KA_RANKER_VERSION);
    json_t *feats = json_object_get(root, "features"), *cuts = json_object_get(root, "cuts");
    if (!json_is_array(feats) || json_array_size(feats) == 0)
        return ka_ranker_bad(source, "no \"features\" list");
    if (!json_is_array(cuts) || json_array_size(cuts) != KA_GRADE_MAX)
        return ka_ranker_bad(source, "\"cuts\" must hold 3 numbers");
    size_t i;
    json_t *f;
    json_array_foreach(feats, i, f) {
        int err = ka_ranker_feature(f, source, r);
        if (err)
            return err;
    }
    for (int k = 0; k < KA_GRADE_MAX; k++)
        if (ka_ranker_number(json_array_get(cuts, (size_t)k), &r->cut[k]) ||
            (k > 0 && r->cut[k] < r->cut[k - 1]))
            return ka_ranker_bad(source, "\"cuts\" must be 3 ascending numbers");
    const char *on = json_string_value(json_object_get(root, "trained_on"));
    ka_ranker_copy(r->trained_on, sizeof r->trained_on, on ? on : "");
    json_t *nf = json_object_get(root, "frames");
    r->n_frames = json_is_integer(nf) ? (int)json_integer_value(nf) : 0;
    return 0;
}

int ka_ranker_parse(const char *text, const char *source, ka_ranker *r)
{
    ka_ranker tmp;
    ka_ranker_blank(&tmp, source ? source : "ranker");
    json_error_t e;
    json_t *root = json_loads(text ? text : "", 0, &e);
    if (!root)
        return ka_error(KA_EFORMAT, "%s: not JSON (line %d: %s)", tmp.source, e.line, e.text);
    int err = ka_ranker_from_json(root, tmp.source, &tmp);
    json_decref(root);
    if (!err)
        *r = tmp;
    return err;
}

int ka_ranker_load(const char *path, ka_ranker *r)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ka_error(KA_EIO, "cannot read ranker %s", path);
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int err = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            if (cap >= (8u << 20)) {
                err = ka_error(KA_EFORMAT, "%s: too large for a ranker", path);
                break;
            }
            char *p = realloc(buf, cap = cap ? 2 * cap : 65536);
            if (!p) {
                err = ka_error(KA_ENOMEM, "no memory to read %s", path);
                break;
            }
            buf = p;
        }
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0)
            break;
    }
    if (!err && ferror(f))
        err = ka_error(KA_EIO, "cannot read ranker %s", path);
    fclose(f);
    if (!err) {
        buf[len] = '\0';
        err = ka_ranker_parse(buf, path, r);
    }
    free(buf);
    return err;
}

static json_t *ka_ranker_to_json(const ka_ranker *r)
{
    json_t *feats = json_array(), *cuts = json_array();
    const ka_feature_info *info = ka_feature_list();
    for (int i = 0; i < KA_F_COUNT; i++)
        json_array_append_new(feats, json_pack("{s:s, s:f, s:f, s:f}", "name", info[i].name,
                                               "mean", (double)r->mean[i], "scale",
                                               (double)r->scale[i], "weight",
                                               (double)r->weight[i]));
    for (int k = 0; k < KA_GRADE_MAX; k++)
        json_array_append_new(cuts, json_real(r->cut[k]));
    return json_pack("{s:s, s:i, s:o, s:o, s:s, s:i}", "format", KA_RANKER_FORMAT, "version",
                     KA_RANKER_VERSION, "features", feats, "cuts", cuts, "trained_on",
                     r->trained_on, "frames", r->n_frames);
}

int ka_ranker_save(const ka_ranker *r, const char *path)
{
    json_t *root = ka_ranker_to_json(r);
    if (!root)
        return ka_error(KA_ENOMEM, "no memory to write a ranker");
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    int rc = json_dump_file(root, tmp, JSON_INDENT(1) | JSON_REAL_PRECISION(9));
    json_decref(root);
    if (rc != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return ka_error(KA_EIO, "cannot write ranker %s", path);
    }
    return 0;
}

static ka_ranker ka_ranker_builtin;
static pthread_once_t ka_ranker_once = PTHREAD_ONCE_INIT;

static void ka_ranker_builtin_init(void)
{
    /* the compiled-in file is checked by the tests (tests/rank); were it broken, a
     * ranker of zeros: every candidate scores alike and the first usable one leads */
    if (ka_ranker_parse(ka_ranker_default_json, "default", &ka_ranker_builtin))
        ka_ranker_blank(&ka_ranker_builtin, "default");
}

const ka_ranker *ka_ranker_default(void)
{
    pthread_once(&ka_ranker_once, ka_ranker_builtin_init);
    return &ka_ranker_builtin;
}
