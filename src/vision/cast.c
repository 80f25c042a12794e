/* cast.c: the cast database, one reference face per entry. Until the store module
 * gives it a table, it is a JSON file (keyart-cast.json by default):
 *
 *   {"version": 1, "entries": [{"title": ID, "name": NAME, "role": "hero",
 *     "source": PHOTO, "embedding": BASE64}]}
 *
 * where the embedding is KA_FACE_EMBED_DIM little-endian float32, base64-encoded.
 * ka_cast_add re-reads the file under an exclusive lock (flock on the file itself),
 * appends and writes a temporary file renamed into place, so concurrent adds lose
 * nothing and a crash leaves the old file. A database backend implements the same
 * four calls (open, add, list, close) behind ka_cast_open. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vision/vision_priv.h"

typedef struct ka_cast_item {
    char *title, *name, *source;
    ka_role role;
    float emb[KA_FACE_EMBED_DIM];
} ka_cast_item;

struct ka_cast {
    char *path;
    ka_cast_item *items;
    int n, cap;
    ka_cast_entry *view;            /* what ka_cast_list hands out */
};

static const char ka_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *ka_b64_encode(const uint8_t *in, size_t n)
{
    char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
    for (size_t i = 0; out && i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
                     (i + 2 < n ? in[i + 2] : 0);
        *o++ = ka_b64[v >> 18 & 63];
        *o++ = ka_b64[v >> 12 & 63];
        *o++ = i + 1 < n ? ka_b64[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? ka_b64[v & 63] : '=';
    }
    if (out)
        *o = '\0';
    return out;
}

/* Decodes exactly n bytes; -1 on malformed input or another length. */
static int ka_b64_decode(const char *s, uint8_t *out, size_t n)
{
    size_t len = strlen(s), k = 0;
    if (len % 4)
        return -1;
    for (size_t i = 0; i < len; i += 4) {
        uint32_t v = 0;
        int pad = 0;
        for (int j = 0; j < 4; j++) {
            const char *p = s[i + j] == '=' ? NULL : strchr(ka_b64, s[i + j]);
            if (s[i + j] == '=')
                pad++;
            else if (!p || !s[i + j] || pad)
                return -1;
            v = v << 6 | (p ? (uint32_t)(p - ka_b64) : 0);
        }
        for (int j = 0; j < 3 - pad; j++) {
            if (k >= n)
                return -1;
            out[k++] = (uint8_t)(v >> (16 - 8 * j));
        }
    }
    return k == n ? 0 : -1;
}

static void ka_item_free(ka_cast_item *it)
{
    free(it->title);
    free(it->name);
    free(it->source);
}

static void ka_cast_clear(ka_cast *c)
{
    for (int i = 0; i < c->n; i++)
        ka_item_free(&c->items[i]);
    c->n = 0;
}

static int ka_cast_push(ka_cast *c, const char *title, const char *name, const char *source,
                        ka_role role, const float *emb)
{
    if (c->n == c->cap) {
        int cap = c->cap ? 2 * c->cap : 16;
        ka_cast_item *p = realloc(c->items, (size_t)cap * sizeof(*p));
        if (!p)
            return ka_error(KA_ENOMEM, "no memory for the cast");
        c->items = p;
        c->cap = cap;
    }
    ka_cast_item *it = &c->items[c->n];
    it->title = strdup(title);
    it->name = strdup(name);
    it->source = strdup(source ? source : "");
    it->role = role;
    memcpy(it->emb, emb, sizeof(it->emb));
    if (!it->title || !it->name || !it->source) {
        ka_item_free(it);
        return ka_error(KA_ENOMEM, "no memory for the cast");
    }
    c->n++;
    return 0;
}

/* Reads the file behind fd (empty: no entries). */
static int ka_cast_read(ka_cast *c, FILE *f)
{
    ka_cast_clear(c);
    json_error_t je;
    fseek(f, 0, SEEK_END);
    if (ftell(f) == 0)
        return 0;
    rewind(f);
    json_t *root = json_loadf(f, 0, &je);
    if (!root)
        return ka_error(KA_EFORMAT, "%s: not a cast file: %s (line %d)", c->path, je.text, je.line);
    json_t *entries = json_object_get(root, "entries"), *e;
    size_t i;
    int err = json_is_array(entries) ? 0 : ka_error(KA_EFORMAT, "%s: no \"entries\" array", c->path);
    json_array_foreach(entries, i, e) {
        const char *title = json_string_value(json_object_get(e, "title"));
        const char *name = json_string_value(json_object_get(e, "name"));
        const char *role = json_string_value(json_object_get(e, "role"));
        const char *b64 = json_string_value(json_object_get(e, "embedding"));
        const char *src = json_string_value(json_object_get(e, "source"));
        uint8_t raw[KA_FACE_EMBED_DIM * 4];
        float emb[KA_FACE_EMBED_DIM];
        ka_role r = KA_ROLE_NONE;
        if (!title || !name || !b64 || (role && strcmp(role, "none") && ka_role_parse(role, &r)) ||
            ka_b64_decode(b64, raw, sizeof raw)) {
            err = ka_error(KA_EFORMAT, "%s: entry %zu is malformed", c->path, i);
            break;
        }
        for (int k = 0; k < KA_FACE_EMBED_DIM; k++) {
            uint32_t u = (uint32_t)raw[4 * k] | (uint32_t)raw[4 * k + 1] << 8 |
                         (uint32_t)raw[4 * k + 2] << 16 | (uint32_t)raw[4 * k + 3] << 24;
            memcpy(&emb[k], &u, 4);
        }
        if ((err = ka_cast_push(c, title, name, src, r, emb)))
            break;
    }
    json_decref(root);
    return err;
}

static json_t *ka_item_json(const ka_cast_item *it)
{
    uint8_t raw[KA_FACE_EMBED_DIM * 4];
    for (int k = 0; k < KA_FACE_EMBED_DIM; k++) {
        uint32_t u;
        memcpy(&u, &it->emb[k], 4);
        for (int b = 0; b < 4; b++)
            raw[4 * k + b] = (uint8_t)(u >> (8 * b));
    }
    char *b64 = ka_b64_encode(raw, sizeof raw);
    json_t *o = b64 ? json_pack("{s:s, s:s, s:s, s:s, s:s}", "title", it->title, "name", it->name,
                                "role", ka_role_name(it->role), "source", it->source,
                                "embedding", b64) : NULL;
    free(b64);
    return o;
}

static int ka_cast_write(ka_cast *c)
{
    json_t *arr = json_array();
    for (int i = 0; arr && i < c->n; i++)
        if (json_array_append_new(arr, ka_item_json(&c->items[i])) < 0) {
            json_decref(arr);
            arr = NULL;
        }
    json_t *root = arr ? json_pack("{s:i, s:o}", "version", 1, "entries", arr) : NULL;
    if (!root)
        return ka_error(KA_ENOMEM, "no memory to write the cast");
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", c->path, (int)getpid());
    int err = 0;
    if (json_dump_file(root, tmp, JSON_INDENT(1)) < 0)
        err = ka_error(KA_EIO, "cannot write %s: %s", tmp, strerror(errno));
    else if (rename(tmp, c->path) < 0)
        err = ka_error(KA_EIO, "cannot replace %s: %s", c->path, strerror(errno));
    if (err)
        unlink(tmp);
    json_decref(root);
    return err;
}

/* Opens (creating when create) and locks the file; NULL with ka_error set. A writer
 * replaces the file by rename, so after waiting for the lock the path may name a
 * newer file than the one locked: then lock that one. */
static FILE *ka_cast_lock(const ka_cast *c, int create, int exclusive)
{
    int fd = -1;
    for (int tries = 0; tries < 100; tries++) {
        fd = open(c->path, (exclusive ? O_RDWR : O_RDONLY) | (create ? O_CREAT : 0) | O_CLOEXEC,
                  0644);
        if (fd < 0) {
            ka_error(KA_EIO, "cannot open %s: %s", c->path, strerror(errno));
            return NULL;
        }
        if (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
            ka_error(KA_EIO, "cannot lock %s: %s", c->path, strerror(errno));
            close(fd);
            return NULL;
        }
        struct stat a, b;
        if (fstat(fd, &a) == 0 && stat(c->path, &b) == 0 && a.st_ino == b.st_ino &&
            a.st_dev == b.st_dev)
            break;
        close(fd);
        fd = -1;
    }
    if (fd < 0) {
        ka_error(KA_EIO, "cannot lock %s: it keeps being replaced", c->path);
        return NULL;
    }
    FILE *f = fdopen(fd, "r");
    if (!f) {
        ka_error(KA_ENOMEM, "cannot read %s", c->path);
        close(fd);
    }
    return f;
}

int ka_cast_open(const char *path, ka_cast **out)
{
    *out = NULL;
    if (!path || !*path)
        return ka_error(KA_EINVAL, "no cast file given");
    ka_cast *c = calloc(1, sizeof(*c));
    if (!c || !(c->path = strdup(path))) {
        free(c);
        return ka_error(KA_ENOMEM, "no memory for the cast");
    }
    int err = 0;
    if (access(path, F_OK) == 0) {
        FILE *f = ka_cast_lock(c, 0, 0);
        err = f ? ka_cast_read(c, f) : KA_EIO;
        if (f)
            fclose(f);
    }
    if (err) {
        ka_cast_close(&c);
        return err;
    }
    *out = c;
    return 0;
}

int ka_cast_add(ka_cast *c, const ka_cast_entry *e)
{
    if (!c || !e || !e->title || !*e->title || !e->name || !*e->name || !e->embedding)
        return ka_error(KA_EINVAL, "a cast entry needs a title, a name and an embedding");
    FILE *f = ka_cast_lock(c, 1, 1);
    if (!f)
        return KA_EIO;
    int err = ka_cast_read(c, f);   /* what other processes added meanwhile */
    if (!err)
        err = ka_cast_push(c, e->title, e->name, e->source, e->role, e->embedding);
    if (!err)
        err = ka_cast_write(c);
    fclose(f);                      /* releases the lock after the rename */
    return err;
}

int ka_cast_list(ka_cast *c, const char *title, const ka_cast_entry **entries)
{
    *entries = NULL;
    if (!c)
        return ka_error(KA_EINVAL, "no cast");
    free(c->view);
    c->view = calloc((size_t)(c->n ? c->n : 1), sizeof(*c->view));
    if (!c->view)
        return ka_error(KA_ENOMEM, "no memory for the cast");
    int k = 0;
    for (int i = 0; i < c->n; i++) {
        const ka_cast_item *it = &c->items[i];
        if (title && strcmp(title, it->title))
            continue;
        c->view[k++] = (ka_cast_entry){ it->title, it->name, it->role, it->source, it->emb };
    }
    *entries = c->view;
    return k;
}

void ka_cast_close(ka_cast **pc)
{
    ka_cast *c = pc ? *pc : NULL;
    if (!c)
        return;
    ka_cast_clear(c);
    free(c->items);
    free(c->view);
    free(c->path);
    free(c);
    *pc = NULL;
}

static const char *const ka_role_names[KA_ROLE_COUNT] = {
    "none", "hero", "heroine", "villain", "supporting", "lead", "background",
};

const char *ka_role_name(ka_role r)
{
    return (unsigned)r < KA_ROLE_COUNT ? ka_role_names[r] : "unknown";
}

int ka_role_parse(const char *name, ka_role *out)
{
    for (int r = KA_ROLE_HERO; name && r <= KA_ROLE_SUPPORTING; r++)
        if (!strcmp(name, ka_role_names[r])) {
            *out = (ka_role)r;
            return 0;
        }
    return ka_error(KA_EINVAL, "unknown role '%s' (hero, heroine, villain, supporting)",
                    name ? name : "");
}
