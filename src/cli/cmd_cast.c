/* cmd_cast.c: `keyart cast add|list`: the cast of a title, in the database (--db).
 *   keyart cast add --title ID --name NAME --role hero|heroine|villain|supporting IMAGE...
 *       adds the identity embedding of the largest face of each photo to NAME's
 *       references; a photo without a face refuses the whole command (nothing is added)
 *   keyart cast list [--title ID] [--json]
 *       the cast members, one line (or JSON object) per title and name */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "keyart/vision.h"

static void cast_usage(FILE *f)
{
    fprintf(f,
        "usage: keyart cast add --title ID --name NAME --role ROLE IMAGE... [options]\n"
        "       keyart cast list [--title ID] [--json] [--db URL]\n"
        "\n"
        "add stores the face of each photo (JPEG; the largest face when there are several)\n"
        "as a reference for NAME in title ID, beside those NAME has; ROLE is hero, heroine,\n"
        "villain or supporting. A photo without a face is refused and then nothing is added.\n"
        "  --db URL         the database holding the cast (default $KEYART_DB, else\n"
        "                   sqlite:keyart.db)\n"
        "  --models DIR     model folders, ':'-separated (default $KEYART_MODELS, else\n"
        "                   PREFIX/share/keyart/models: see keyart analyze --help)\n"
        "  --detector D     auto (default), faceplugin, yunet, ultraface, cascade\n");
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

static int cast_add(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "title", required_argument, NULL, 't' },
        { "name", required_argument, NULL, 'n' },
        { "role", required_argument, NULL, 'r' },
        { "db", required_argument, NULL, KA_CLI_OPT_DB },
        { "models", required_argument, NULL, KA_CLI_OPT_MODELS },
        { "detector", required_argument, NULL, KA_CLI_OPT_DETECTOR },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    ka_vision_opts o;
    ka_vision_opts_default(&o);
    o.objects = o.brisque = 0;
    o.attributes = KA_ATTR_IDENTITY;
    const char *title = NULL, *name = NULL, *role = NULL, *db = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 't')
            title = optarg;
        else if (c == 'n')
            name = optarg;
        else if (c == 'r')
            role = optarg;
        else if (c == KA_CLI_OPT_DB)
            db = optarg;
        else if (c == 'h') {
            cast_usage(stdout);
            return KA_EXIT_OK;
        } else if (ka_cli_face_option(c, optarg, &o) != 0) {
            cast_usage(stderr);
            return KA_EXIT_USAGE;
        }
    }
    ka_role r = KA_ROLE_NONE;
    if (!title || !*title || !name || !*name || !role || optind >= argc) {
        fprintf(stderr, "keyart cast add: --title, --name, --role and at least one IMAGE are "
                "needed\n");
        return KA_EXIT_USAGE;
    }
    if (ka_role_parse(role, &r)) {
        fprintf(stderr, "keyart cast add: %s\n", ka_error_message());
        return KA_EXIT_USAGE;
    }
    int n = argc - optind;
    float (*emb)[KA_FACE_EMBED_DIM] = malloc((size_t)n * sizeof(*emb));
    ka_store *s = NULL;
    int rc = emb ? ka_cli_store_open("cast add", db, 0, &s) : KA_EXIT_INTERNAL;
    ka_vision *v = NULL;
    if (!rc)
        rc = ka_cli_open_vision(&o, &v, 1);
    if (!rc)
        rc = cast_embed(v, argv + optind, n, emb);
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

static int cast_list(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "title", required_argument, NULL, 't' },
        { "json", no_argument, NULL, 'j' },
        { "db", required_argument, NULL, KA_CLI_OPT_DB },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *title = NULL, *db = NULL;
    int json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 't': title = optarg; break;
        case 'j': json = 1; break;
        case KA_CLI_OPT_DB: db = optarg; break;
        case 'h': cast_usage(stdout); return KA_EXIT_OK;
        default: cast_usage(stderr); return KA_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        cast_usage(stderr);
        return KA_EXIT_USAGE;
    }
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

int ka_cmd_cast(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        cast_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? KA_EXIT_USAGE : KA_EXIT_OK;
    }
    if (!strcmp(argv[1], "add"))
        return cast_add(argc - 1, argv + 1);
    if (!strcmp(argv[1], "list"))
        return cast_list(argc - 1, argv + 1);
    fprintf(stderr, "keyart cast: unknown subcommand '%s' (add, list)\n", argv[1]);
    cast_usage(stderr);
    return KA_EXIT_USAGE;
}
