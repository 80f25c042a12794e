/* vision_test.h: what the vision tests share: the models path (the default folder
 * that scripts/setup.sh fills, then ../shared/models), a vision context on it, and
 * the photos of ../shared/faces. */
#ifndef KA_VISION_TEST_H
#define KA_VISION_TEST_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyart/keyart.h"
#include "ka_test.h"

static inline const char *ka_vt_models(void)
{
    static char path[8192];
    snprintf(path, sizeof path, "%s:%s/models", ka_vision_default_models(), ka_test_shared());
    return path;
}

/* A vision context with detector d on the test models; exits when it cannot open. */
static inline ka_vision *ka_vt_open(ka_face_detector d, int attributes)
{
    ka_vision_opts o;
    ka_vision_opts_default(&o);
    o.models = ka_vt_models();
    o.detector = d;
    o.attributes = attributes;
    o.objects = o.brisque = 0;
    ka_vision *v = NULL;
    if (ka_vision_open(&o, &v)) {
        fprintf(stderr, "cannot open vision: %s\n", ka_error_message());
        exit(1);
    }
    return v;
}

/* The sorted .jpg files of a folder of ../shared/faces; returns the count. */
static inline int ka_vt_list(const char *sub, char ***out)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/faces/%s", ka_test_shared(), sub);
    DIR *d = opendir(dir);
    int n = 0, cap = 0;
    char **v = NULL;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".jpg"))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            v = realloc(v, (size_t)cap * sizeof(*v));
        }
        v[n] = malloc(strlen(dir) + len + 2);
        sprintf(v[n++], "%s/%s", dir, e->d_name);
    }
    if (d)
        closedir(d);
    for (int i = 1; i < n; i++)             /* insertion sort: few files */
        for (int j = i; j > 0 && strcmp(v[j], v[j - 1]) < 0; j--) {
            char *t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    *out = v;
    return n;
}

static inline void ka_vt_free_list(char **v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Reads a JPEG as RGB; exits on failure (the shared data is always there). */
static inline void ka_vt_read(const char *path, ka_image *rgb)
{
    ka_image img = { 0 };
    if (ka_image_read_jpeg(path, &img) || img.channels != 3) {
        fprintf(stderr, "cannot read %s as RGB: %s\n", path, ka_error_message());
        exit(1);
    }
    *rgb = img;
}

#endif
