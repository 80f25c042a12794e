/* cmd_identify.c: `keyart identify IMAGE [--title ID] [--db URL] [--json]`: the faces
 * of a photo and who they are in the cast stored in the database (cosine similarity
 * of identity embeddings, the calibrated threshold; name null when no one matches).
 * Also the helpers the face commands share: the vision options, reading a photo,
 * loading the cast. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "keyart/vision.h"

void ka_cli_face_opts_default(ka_vision_opts *o)
{
    ka_vision_opts_default(o);
    o->objects = o->brisque = 0;
    o->attributes = KA_ATTR_IDENTITY;
}

int ka_cli_face_option(int c, const char *arg, ka_vision_opts *o)
{
    switch (c) {
    case KA_CLI_OPT_FACE_MODELS:
        o->models = arg;
        return 0;
    case KA_CLI_OPT_FACE_DETECTOR:
        if (ka_vision_detector_parse(arg, &o->detector)) {
            fprintf(stderr, "keyart: %s\n", ka_error_message());
            return -1;
        }
        return 0;
    default:
        return 1;
    }
}

int ka_cli_cast_load(const char *cmd, const char *url, const char *title, ka_cast **out)
{
    ka_store *s = NULL;
    int rc = ka_cli_store_open(cmd, url, KA_STORE_NOCREATE | KA_STORE_READ, &s);
    if (rc)
        return rc;
    int err = ka_cast_new(out);
    if (!err)
        err = ka_store_cast_load(s, title, *out);
    ka_store_close(&s);
    if (!err)
        return KA_EXIT_OK;
    fprintf(stderr, "keyart %s: %s\n", cmd, ka_error_message());
    ka_cast_free(out);
    return ka_cli_store_exit(err);
}

int ka_cli_read_photo(const char *path, ka_image *rgb)
{
    ka_image img = { 0 };
    int err = ka_image_read_jpeg(path, &img);
    if (err) {
        fprintf(stderr, "keyart: %s: cannot read the photo (JPEG): %s\n", path, ka_error_message());
        return err;
    }
    if (img.channels == 3) {
        *rgb = img;
        return 0;
    }
    err = ka_image_alloc(rgb, img.width, img.height, 3);
    for (int y = 0; !err && y < img.height; y++)
        for (int x = 0; x < img.width; x++)
            memset(rgb->data + (size_t)y * rgb->stride + 3 * (size_t)x,
                   img.data[(size_t)y * img.stride + x], 3);
    ka_image_free(&img);
    return err;
}

int ka_cli_open_vision(const ka_vision_opts *o, ka_vision **v, int need_identity)
{
    if (ka_vision_open(o, v)) {
        fprintf(stderr, "keyart: %s\n", ka_error_message());
        return KA_EXIT_INTERNAL;
    }
    if (need_identity && !ka_vision_has_identity(*v)) {
        fprintf(stderr, "keyart: the identity model fr_feature.onnx is not in %s: run "
                "scripts/setup.sh (or give --models DIR)\n",
                o->models ? o->models : ka_vision_default_models());
        ka_vision_close(v);
        return KA_EXIT_INPUT;
    }
    return 0;
}

typedef struct identify_args {
    ka_vision_opts o;
    const char *title;
} identify_args;

static const ka_cli_opt identify_opts[] = {
    { "title", 0, "ID", "match the cast of this title only (default: every title)", 't',
      NULL },
    KA_CLI_ROW_JSON("{\"faces\": [{\"box\": [x, y, w, h], \"name\", \"role\", "
                    "\"confidence\"}]}; name and role are null for no match"),
    KA_CLI_ROW_DB(": it holds the cast"),
    KA_CLI_ROWS_FACE,
    { 0 },
};

static int identify_option(void *ctx, int id, const char *arg)
{
    identify_args *a = ctx;
    if (id == 't')
        a->title = arg;
    return id == 't' ? 0 : ka_cli_face_option(id, arg, &a->o) ? KA_CLI_BAD : 0;
}

typedef struct ka_match {
    int entry;
    float sim;
} ka_match;

/* Greedy one-to-one assignment: the best (face, name) pairs first, each name at
 * most once per photo (one person cannot be in two places). */
static void assign(const ka_face *f, int n, const ka_cast_entry *e, int ne, ka_match *m)
{
    for (int i = 0; i < n; i++)
        m[i] = (ka_match){ -1, f[i].has_embedding ? -1.0f : 0.0f };
    for (int i = 0; i < n; i++)
        for (int k = 0; f[i].has_embedding && k < ne; k++) {
            float s = ka_face_similarity(f[i].embedding, e[k].embedding);
            m[i].sim = s > m[i].sim ? s : m[i].sim;
        }
    unsigned char *done = calloc((size_t)n + 1, 1);
    for (int round = 0; done && round < n; round++) {
        int bi = -1, bk = -1;
        float bs = KA_FACE_MATCH_THRESHOLD;
        for (int i = 0; i < n; i++)
            for (int k = 0; !done[i] && f[i].has_embedding && k < ne; k++) {
                float s = ka_face_similarity(f[i].embedding, e[k].embedding);
                int taken = 0;
                for (int j = 0; j < n && !taken; j++)
                    taken = done[j] && m[j].entry >= 0 && !strcmp(e[m[j].entry].name, e[k].name);
                if (!taken && s >= bs) {
                    bs = s;
                    bi = i;
                    bk = k;
                }
            }
        if (bi < 0)
            break;
        done[bi] = 1;
        m[bi] = (ka_match){ bk, bs };
    }
    free(done);
}

static int print_faces(const ka_face *f, int n, const ka_cast_entry *e, const ka_match *m,
                       int json)
{
    if (!json) {
        for (int i = 0; i < n; i++)
            printf("%d,%d %dx%d  %s%s%s%s  %.2f\n", f[i].box.x, f[i].box.y, f[i].box.w,
                   f[i].box.h, m[i].entry >= 0 ? e[m[i].entry].name : "unknown",
                   m[i].entry >= 0 ? " (" : "", m[i].entry >= 0 ? ka_role_name(e[m[i].entry].role) : "",
                   m[i].entry >= 0 ? ")" : "", m[i].sim < 0 ? 0.0 : (double)m[i].sim);
        return fflush(stdout) ? KA_EXIT_OUTPUT : KA_EXIT_OK;
    }
    json_t *arr = json_array();
    for (int i = 0; arr && i < n; i++) {
        const ka_cast_entry *x = m[i].entry >= 0 ? &e[m[i].entry] : NULL;
        double conf = m[i].sim < 0 ? 0.0 : m[i].sim > 1 ? 1.0 : (double)m[i].sim;
        json_array_append_new(arr, json_pack("{s:[i,i,i,i], s:o, s:o, s:f, s:f}",
            "box", f[i].box.x, f[i].box.y, f[i].box.w, f[i].box.h,
            "name", x ? json_string(x->name) : json_null(),
            "role", x ? json_string(ka_role_name(x->role)) : json_null(),
            "confidence", (double)((int)(conf * 10000 + 0.5)) / 10000,
            "detector_score", (double)((int)(f[i].score * 10000 + 0.5)) / 10000));
    }
    json_t *root = arr ? json_pack("{s:o}", "faces", arr) : NULL;
    if (!root)
        return KA_EXIT_INTERNAL;
    int bad = json_dumpf(root, stdout, JSON_INDENT(2) | KA_JSON_REAL) || fputc('\n', stdout) == EOF ||
              fflush(stdout);
    json_decref(root);
    if (bad)
        ka_cli_stdout_error();
    return bad ? KA_EXIT_OUTPUT : KA_EXIT_OK;
}

static int identify_run(const ka_cli_cmd *self, int argc, char **argv)
{
    identify_args a = { 0 };
    ka_cli_common com = { 0 };
    ka_cli_face_opts_default(&a.o);
    int first = ka_cli_parse(self, argc, argv, &a, &com);
    if (first < 0)
        return ka_cli_exit(first);
    const ka_vision_opts o = a.o;
    const char *title = a.title, *db = com.db, *photo = argv[first];
    int json = com.json;
    ka_cast *cast = NULL;
    int rc = ka_cli_cast_load("identify", db, title, &cast);
    if (rc)
        return rc;
    const ka_cast_entry *e = NULL;
    int ne = ka_cast_list(cast, NULL, &e);
    ka_image img = { 0 };
    ka_vision *v = NULL;
    ka_face *f = NULL;
    int n = 0;
    rc = ne < 0 ? KA_EXIT_INTERNAL : 0;
    if (!rc)
        rc = ka_cli_read_photo(photo, &img) ? KA_EXIT_INPUT : 0;
    if (!rc)
        rc = ka_cli_open_vision(&o, &v, 1);
    if (!rc && ka_vision_faces(v, &img, (ka_rect){ 0, 0, 0, 0 }, &f, &n)) {
        fprintf(stderr, "keyart identify: %s: %s\n", photo, ka_error_message());
        rc = KA_EXIT_INTERNAL;
    }
    ka_match *m = rc ? NULL : calloc((size_t)n + 1, sizeof(*m));
    if (!rc && !m)
        rc = KA_EXIT_INTERNAL;
    if (!rc) {
        assign(f, n, e, ne, m);
        rc = print_faces(f, n, e, m, json);
    }
    free(m);
    free(f);
    ka_vision_close(&v);
    ka_image_free(&img);
    ka_cast_free(&cast);
    return rc;
}

const ka_cli_cmd ka_cli_identify = {
    .name = "identify", .operands = "IMAGE", .synopsis = "IMAGE [--title ID] [--json] [options]",
    .summary = "the faces of a photo and who they are in the cast",
    .description = "Finds the faces in IMAGE (JPEG) and names them from the cast (keyart "
        "cast add).",
    .opts = identify_opts, .opt = identify_option, .run = identify_run,
};
