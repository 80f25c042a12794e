/* artwork.c: the artwork folder. Every image is stored once under the SHA-256 of its
 * bytes (DIR/ab/ab12...ef.jpg, nettle's sha2), written to a temp file and renamed, so
 * any number of workers on any number of machines can share the folder: the same
 * picture always gets the same name, and a reader never sees half a file. Images
 * are written before the database transaction that refers to them; a failed
 * transaction leaves at most an unreferenced file, never a dangling reference. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_priv.h"

void ka_store_sha256_hex(const void *buf, size_t size, char hex[65])
{
    struct sha256_ctx c;
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_init(&c);
    sha256_update(&c, size, buf);
    sha256_digest(&c, sizeof d, d);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

/* mkdir -p */
static int make_dirs(const char *dir)
{
    char p[PATH_MAX];
    if (snprintf(p, sizeof p, "%s", dir) >= (int)sizeof p)
        return ka_error(KA_EINVAL, "artwork folder name is too long: %.64s...", dir);
    for (char *c = p + 1;; c++) {
        if (*c && *c != '/')
            continue;
        char keep = *c;
        *c = '\0';
        struct stat st;
        if (mkdir(p, 0777) != 0 && (errno != EEXIST || stat(p, &st) != 0 || !S_ISDIR(st.st_mode)))
            return ka_error(KA_EIO, "cannot create the artwork folder %s: %s: %s", dir, p,
                            errno == EEXIST ? "not a folder" : strerror(errno));
        *c = keep;
        if (!keep)
            return 0;
    }
}

static int write_all(int fd, const void *buf, size_t size)
{
    const char *p = buf;
    while (size) {
        ssize_t w = write(fd, p, size);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        size -= (size_t)w;
    }
    return 0;
}

int ka_store_artwork_put(const char *dir, const void *buf, size_t size,
                         char name[KA_ARTWORK_NAME_MAX])
{
    char hex[65], sub[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX];
    ka_store_sha256_hex(buf, size, hex);
    snprintf(name, KA_ARTWORK_NAME_MAX, "%.2s/%s.jpg", hex, hex);
    if (snprintf(sub, sizeof sub, "%s/%.2s", dir, hex) >= (int)sizeof sub ||
        snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path ||
        snprintf(tmp, sizeof tmp, "%s/.tmp-XXXXXX", sub) >= (int)sizeof tmp)
        return ka_error(KA_EINVAL, "artwork folder name is too long: %.64s...", dir);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == size)
        return 0;               /* already there: same name, same bytes */
    int err = make_dirs(sub);
    if (err)
        return err;
    int fd = mkstemp(tmp);
    if (fd < 0)
        return ka_error(KA_EIO, "cannot write artwork into %s: %s", sub, strerror(errno));
    int bad = fchmod(fd, 0644) != 0 || write_all(fd, buf, size) != 0 || fsync(fd) != 0;
    int why = errno;
    if (close(fd) != 0 && !bad) {
        bad = 1;
        why = errno;
    }
    if (!bad && rename(tmp, path) != 0) {
        bad = 1;
        why = errno;
    }
    if (bad) {
        unlink(tmp);
        return ka_error(KA_EIO, "cannot write artwork %s: %s", path, strerror(why));
    }
    return 0;
}

/* ---- a variant's images: the full frame without bars and the three crops ---- */

static int put_crop(const char *dir, const ka_image *full, ka_rect r, int quality,
                    char name[KA_ARTWORK_NAME_MAX])
{
    ka_image img = { 0 };
    uint8_t *buf = NULL;
    size_t size = 0;
    int err = ka_image_crop(full, r, &img);
    if (!err)
        err = ka_image_encode_jpeg(&img, quality, &buf, &size);
    if (!err)
        err = ka_store_artwork_put(dir, buf, size, name);
    free(buf);
    ka_image_free(&img);
    return err;
}

int ka_store_variant_images(const char *dir, const ka_title *t, const ka_variant *v,
                            int quality, char names[4][KA_ARTWORK_NAME_MAX])
{
    const ka_candidate *c = &t->cands[v->cand];
    if (!c->spool_path)
        return ka_error(KA_EINTERNAL, "variant %d: frame %lld has no picture", v->number,
                        (long long)c->frame);
    ka_image full = { 0 };
    int err = ka_image_read_jpeg(c->spool_path, &full);
    if (err)
        return ka_store_errctx(KA_EIO, "variant %d: cannot read %s", v->number, c->spool_path);
    int fw = c->width > 0 ? c->width : t->info.width;
    int fh = c->height > 0 ? c->height : t->info.height;
    ka_rect content = t->content.w > 0 && t->content.h > 0 ? t->content
                                                          : (ka_rect){ 0, 0, fw, fh };
    err = put_crop(dir, &full, ka_rect_map(content, fw, fh, full.width, full.height), quality,
                   names[0]);
    for (int s = 0; !err && s < KA_SHAPE_COUNT; s++) {
        ka_rect r = v->crops[s];
        if (r.w <= 0 || r.h <= 0) {
            int aw, ah;
            ka_shape_aspect(s, &aw, &ah);
            r = ka_crop_place(content, c->salient, aw, ah);
        }
        err = put_crop(dir, &full, ka_rect_map(r, fw, fh, full.width, full.height), quality,
                       names[1 + s]);
    }
    ka_image_free(&full);
    return err;
}

int ka_store_file_put(const char *dir, const char *path, char name[KA_ARTWORK_NAME_MAX])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ka_error(KA_EIO, "cannot read %s: %s", path, strerror(errno));
    char *buf = NULL;
    size_t size = 0, cap = 0;
    int err = 0;
    for (;;) {
        if (size == cap) {
            char *nb = realloc(buf, cap = cap ? cap * 2 : 1 << 16);
            if (!nb) {
                err = ka_error(KA_ENOMEM, "no memory to read %s", path);
                break;
            }
            buf = nb;
        }
        size_t got = fread(buf + size, 1, cap - size, f);
        size += got;
        if (got == 0) {
            if (ferror(f))
                err = ka_error(KA_EIO, "cannot read %s: %s", path, strerror(errno));
            break;
        }
    }
    fclose(f);
    if (!err)
        err = ka_store_artwork_put(dir, buf, size, name);
    free(buf);
    return err;
}
