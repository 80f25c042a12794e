/* files.c: output paths, `mkdir -p`, and atomic file writes (temp file beside the
 * target, flushed and synced, then renamed), so a failed run never leaves a
 * half-written metadata.json or image behind. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyart/json.h"
#include "keyart/output.h"
#include "output/output_internal.h"

int ka_out_path(char *buf, size_t size, const char *dir, const char *name)
{
    size_t n = strlen(dir);
    const char *sep = (n > 0 && dir[n - 1] == '/') ? "" : "/";
    int len = snprintf(buf, size, "%s%s%s", dir, sep, name);
    if (len < 0 || (size_t)len >= size)
        return ka_error(KA_EINVAL, "output path %s/%s is too long", dir, name);
    return 0;
}

static int mkdir_one(const char *path, const char *whole)
{
    struct stat st;
    if (mkdir(path, 0777) == 0)
        return 0;
    int err = errno;
    if (err == EEXIST && stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return 0;
        return ka_error(KA_EIO, "cannot create output folder %s: %s is not a folder",
                        whole, path);
    }
    return ka_error(KA_EIO, "cannot create output folder %s: %s: %s", whole, path,
                    strerror(err));
}

int ka_out_mkdirs(const char *dir)
{
    char path[PATH_MAX];
    if (!dir || !*dir)
        return ka_error(KA_EINVAL, "no output folder given");
    if (strlen(dir) >= sizeof path)
        return ka_error(KA_EINVAL, "output folder name is too long: %.64s...", dir);
    strcpy(path, dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/' || p[-1] == '/')
            continue;
        *p = '\0';
        int rc = mkdir_one(path, dir);
        *p = '/';
        if (rc < 0)
            return rc;
    }
    int rc = mkdir_one(path, dir);
    if (rc < 0)
        return rc;
    if (access(dir, W_OK | X_OK) != 0)
        return ka_error(KA_EIO, "cannot write to output folder %s: %s", dir, strerror(errno));
    return 0;
}

/* dir/.name.tmp.PID for target dir/name. */
static int temp_path(char *buf, size_t size, const char *target)
{
    const char *slash = strrchr(target, '/');
    int dirlen = slash ? (int)(slash - target + 1) : 0;
    const char *base = slash ? slash + 1 : target;
    int len = snprintf(buf, size, "%.*s.%s.tmp.%ld", dirlen, target, base, (long)getpid());
    if (len < 0 || (size_t)len >= size)
        return ka_error(KA_EINVAL, "output path %s is too long", target);
    return 0;
}

static int commit_temp(const char *tmp, const char *target)
{
    if (rename(tmp, target) != 0) {
        int err = errno;
        unlink(tmp);
        return ka_error(KA_EIO, "cannot write %s: rename: %s", target, strerror(err));
    }
    return 0;
}

/* Closes f after flushing it to disk; KA_EIO naming target on any failure. */
static int close_synced(FILE *f, const char *tmp, const char *target)
{
    int bad = fflush(f) != 0 || ferror(f);
    int err = errno;
    if (!bad && fsync(fileno(f)) != 0 && errno != EINVAL) {
        bad = 1;
        err = errno;
    }
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        err = errno;
    }
    if (bad) {
        unlink(tmp);
        return ka_error(KA_EIO, "cannot write %s: %s", target, strerror(err ? err : EIO));
    }
    return commit_temp(tmp, target);
}

static FILE *open_temp(const char *tmp, const char *target, int *rc)
{
    FILE *f = fopen(tmp, "w");
    if (!f)
        *rc = ka_error(KA_EIO, "cannot write %s: %s", target, strerror(errno));
    return f;
}

int ka_out_write_json(const char *path, json_t *j)
{
    char tmp[PATH_MAX];
    int rc = temp_path(tmp, sizeof tmp, path);
    if (rc < 0)
        return rc;
    if (!j)
        return ka_error(KA_ENOMEM, "no memory to build %s", path);
    FILE *f = open_temp(tmp, path, &rc);
    if (!f)
        return rc;
    if (json_dumpf(j, f, JSON_INDENT(2) | KA_JSON_REAL) != 0 || fputc('\n', f) == EOF) {
        fclose(f);
        unlink(tmp);
        return ka_error(KA_EIO, "cannot write %s: %s", path, strerror(errno ? errno : EIO));
    }
    return close_synced(f, tmp, path);
}

int ka_out_write_csv(const char *path, const ka_title *t)
{
    char tmp[PATH_MAX];
    int rc = temp_path(tmp, sizeof tmp, path);
    if (rc < 0)
        return rc;
    FILE *f = open_temp(tmp, path, &rc);
    if (!f)
        return rc;
    rc = ka_shots_write_csv(t, f);
    if (rc < 0) {
        fclose(f);
        unlink(tmp);
        return ka_error(rc, "cannot write %s", path);
    }
    return close_synced(f, tmp, path);
}

int ka_out_write_jpeg(const char *path, const ka_image *img, int quality)
{
    char tmp[PATH_MAX];
    int rc = temp_path(tmp, sizeof tmp, path);
    if (rc < 0)
        return rc;
    rc = ka_image_write_jpeg(img, tmp, quality);
    if (rc < 0) {
        char why[512];
        snprintf(why, sizeof why, "%s", ka_error_message());
        unlink(tmp);
        return ka_error(rc == KA_ENOMEM ? rc : KA_EIO, "cannot write %s: %s", path, why);
    }
    return commit_temp(tmp, path);
}
