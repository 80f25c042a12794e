/* cmd_cast.c: `keyart cast add|list`: the cast of a title, in the database (--db).
 *   keyart cast add --title ID --name NAME --role hero|heroine|villain|supporting IMAGE...
 *       adds the identity embedding of the largest face of each photo to NAME's
 *       references; a photo without a face refuses the whole command (nothing is added)
 *   keyart cast list [--title ID] [--json]
 *       the cast members, one line (or JSON object) per title and name */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "keyart/vision.h"

typedef struct cast_args {
    ka_vision_opts o;
    const char *title, *name, *role;
} cast_args;

static const ka_cli_opt add_opts[] = {
    { "title", 0, "ID", "the title whose cast NAME is in", 't', NULL },
    { "name", 0, "NAME", "the character's name", 'n', NULL },
    { "role", 0, "ROLE", "hero, heroine, villain or supporting", 'r', NULL },
    KA_CLI_ROW_DB(": it holds the cast"),
    KA_CLI_ROWS_FACE,
    { 0 },
};

static const ka_cli_opt list_opts[] = {
    { "title", 0, "ID", "the cast of this title only (default: every title)", 't', NULL },
    KA_CLI_ROW_JSON("as a JSON array"),
    KA_CLI_ROW_DB(""),
    { 0 },
};

static int cast_option(void *ctx, int id, const char *arg)
{
    cast_args *a = ctx;
    switch (id) {
    case 't': a->title = arg; return 0;
    case 'n': a->name = arg; return 0;
    case 'r': a->role = arg; return 0;
    default: return ka_cli_face_option(id, arg, &a->o) ? KA_CLI_BAD : 0;
    }
}

/* The largest face of each photo, before anything is stored. */
static int cast_embed(ka_vision *v, char **photos, int n, float (*emb)[KA_FACE_EMBED_DIM])
{
    for (int i = 0; i < n; i++) {
        ka_image img = { 0 };
        ka_face *f = NULL;
        int nf = 0, best = -1;
        if (ka_cli_read_photo(photos[i], &img))
            return KA_EXIT_INPUT;
        int err = ka_vision_faces(v, &img, (ka_rect){ 0, 0, 0, 0 }, &f, &nf);
        ka_image_free(&img);
        if (err) {
            fprintf(stderr, "keyart cast add: %s: %s\n", photos[i], ka_error_message());
            return KA_EXIT_INTERNAL;
        }
        for (int k = 0; k < nf; k++)
            if (f[k].has_embedding &&
                (best < 0 || (double)f[k].box.w * f[k].box.h > (double)f[best].box.w * f[best].box.h))
                best = k;
        if (best < 0) {
            fprintf(stderr, "keyart cast add: %s: no face found%s: refused, nothing added\n",
                    photos[i], nf ? " large enough to identify" : "");
            free(f);
            return KA_EXIT_INPUT;
        }
        if (nf > 1)
            fprintf(stderr, "keyart cast add: %s: %d faces, using the largest (%d,%d %dx%d)\n",
                    photos[i], nf, f[best].box.x, f[best].box.y, f[best].box.w, f[best].box.h);
        memcpy(emb[i], f[best].embedding, sizeof(emb[i]));
        free(f);
    }
    return 0;
}

static int cast_add(const ka_cli_cmd *self, int argc, char **argv)
{
    cast_args a = { 0 };
    ka_cli_common com = { 0 };
    ka_cli_face_opts_default(&a.o);
    int first = ka_cli_parse(self, argc, argv, &a, &com);
    if (first < 0)
        return ka_cli_exit(first);
    const ka_vision_opts o = a.o;
    const char *title = a.title, *name = a.name, *role = a.role, *db = com.db;
    ka_role r = KA_ROLE_NONE;
    if (!title || !*title || !name || !*name || !role || first >= argc) {
        fprintf(stderr, "keyart cast add: --title, --name, --role and at least one IMAGE are "
                "needed\n");
        return KA_EXIT_USAGE;
    }
    if (ka_role_parse(role, &r)) {
        fprintf(stderr, "keyart cast add: %s\n", ka_error_message());
        return KA_EXIT_USAGE;
    }
    int n = argc - first;
    float (*emb)[KA_FACE_EMBED_DIM] = malloc((size_t)n * sizeof(*emb));
    ka_store *s = NULL;
    int rc = emb ? ka_cli_store_open("cast add", db, 0, &s) : KA_EXIT_INTERNAL;
    ka_vision *v = NULL;
    if (!rc)
        rc = ka_cli_open_vision(&o, &v, 1);
    if (!rc)
        rc = cast_embed(v, argv + first, n, emb);
    ka_vision_close(&v);
    if (!rc && ka_store_cast_add(s, title, name, ka_role_name(r), emb[0], n, KA_FACE_EMBED_DIM)) {
        fprintf(stderr, "keyart cast add: %s\n", ka_error_message());
        rc = KA_EXIT_OUTPUT;
    }
    if (!rc)
        fprintf(stderr, "keyart cast add: %s (%s) in %s: %d reference face%s added to %s\n", name,
                ka_role_name(r), title, n, n == 1 ? "" : "s", ka_store_name(s));
    ka_store_close(&s);
    free(emb);
    return rc;
}

static int cast_list(const ka_cli_cmd *self, int argc, char **argv)
{
    cast_args a = { 0 };
    ka_cli_common com = { 0 };
    int first = ka_cli_parse(self, argc, argv, &a, &com);
    if (first < 0)
        return ka_cli_exit(first);
    const char *title = a.title, *db = com.db;
    int json = com.json;
    ka_cast *cast = NULL;
    int rc = ka_cli_cast_load("cast list", db, title, &cast);
    if (rc)
        return rc;
    const ka_cast_entry *e = NULL;
    int n = ka_cast_list(cast, NULL, &e);
    json_t *arr = json ? json_array() : NULL;
    /* one row per (title, name), with its number of reference faces */
    for (int i = 0; i < n; i++) {
        int seen = 0, refs = 0;
        for (int k = 0; k < i && !seen; k++)
            seen = !strcmp(e[k].title, e[i].title) && !strcmp(e[k].name, e[i].name);
        if (seen)
            continue;
        for (int k = i; k < n; k++)
            refs += !strcmp(e[k].title, e[i].title) && !strcmp(e[k].name, e[i].name);
        if (arr)
            json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:i}", "title_id", e[i].title,
                                  "name", e[i].name, "role", ka_role_name(e[i].role),
                                  "references", refs));
        else
            printf("%s\t%s\t%s\t%d\n", e[i].title, e[i].name, ka_role_name(e[i].role), refs);
    }
    rc = n < 0 ? KA_EXIT_INTERNAL : KA_EXIT_OK;
    if (arr && (json_dumpf(arr, stdout, JSON_INDENT(2) | KA_JSON_REAL) || fputc('\n', stdout) == EOF))
        rc = KA_EXIT_OUTPUT;
    if (fflush(stdout))
        rc = KA_EXIT_OUTPUT;
    json_decref(arr);
    ka_cast_free(&cast);
    return rc;
}

static const ka_cli_cmd cast_add_cmd = {
    .name = "cast add", .operands = "*", .synopsis = "--title ID --name NAME --role ROLE IMAGE... [options]",
    .summary = "stores the face of each photo as a reference for NAME",
    .opts = add_opts, .opt = cast_option, .run = cast_add,
};

static const ka_cli_cmd cast_list_cmd = {
    .name = "cast list", .synopsis = "[--title ID] [--json] [--db URL]",
    .summary = "the cast members, one line (or JSON object) per title and name",
    .opts = list_opts, .opt = cast_option, .run = cast_list,
};

static const ka_cli_cmd *const cast_subs[] = { &cast_add_cmd, &cast_list_cmd, NULL };

const ka_cli_cmd ka_cli_cast = {
    .name = "cast",
    .summary = "enrol the faces of a title's characters (hero, heroine, villain, "
        "supporting); list them",
    .description = "add stores the face of each photo (JPEG; the largest face when there "
        "are several) as a reference for NAME in title ID, beside those NAME has; ROLE is "
        "hero, heroine, villain or supporting. A photo without a face is refused and then "
        "nothing is added.",
    .run = ka_cli_run_subs, .subs = cast_subs,
};
