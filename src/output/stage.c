/* stage.c: an output folder is the old result or the new one, never a mix. A run
 * writes into a hidden sibling (.NAME.tmp.PID) and swaps it with the folder in one
 * rename (RENAME_EXCHANGE; where the filesystem lacks it, two renames), then removes
 * the old result; a run killed half way leaves its sibling, which the next run clears
 * (its process being gone). A folder that holds files keyart did not write is refused:
 * swapping it away would lose them. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyart/common.h"
#include "output/output_internal.h"

/* Whether name is one of the files an analysis writes (or a temp file of one). */
static int ours(const char *name)
{
    static const char *const fixed[] = { "metadata.json", "shots.json", "shots.csv",
                                         "contact_sheet.jpg", "report.html" };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (!strcmp(name, fixed[i]))
            return 1;
    int n = 0, end = 0;
    char shape[8] = "";
    if (sscanf(name, "variant_%2d%n", &n, &end) == 1 && end == 10) {
        if (!strcmp(name + end, ".jpg"))
            return 1;
        if (sscanf(name + end, "_%5[0-9x].jpg", shape) == 1)
            return !strcmp(shape, "16x9") || !strcmp(shape, "2x3") || !strcmp(shape, "1x1");
    }
    return name[0] == '.' && strstr(name, ".tmp.") != NULL;     /* an old run's temp file */
}

/* Every entry of dir is ours: 0, else KA_EIO naming one that is not. ENOENT: 0. */
static int only_ours(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : ka_error(KA_EIO, "cannot read the output folder %s: %s",
                                              dir, strerror(errno));
    struct dirent *e;
    char foreign[256] = "";
    while ((e = readdir(d)) && !*foreign)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && !ours(e->d_name))
            snprintf(foreign, sizeof foreign, "%s", e->d_name);
    closedir(d);
    if (*foreign)
        return ka_error(KA_EIO, "the output folder %s holds files keyart did not write (%s): "
                        "give a new or empty folder (-o), or remove them", dir, foreign);
    return 0;
}

/* rm -r of a folder this module wrote (files only, one level). */
static void remove_folder(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[PATH_MAX];
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
            ka_out_path(path, sizeof path, dir, e->d_name) == 0)
            unlink(path);
    closedir(d);
    rmdir(dir);
}

/* The parent folder and the folder's name. */
static int split(const char *dir, char *parent, size_t psize, const char **base)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    size_t cut = n;
    while (cut > 0 && dir[cut - 1] != '/')
        cut--;
    if (cut == n || (n - cut == 1 && dir[cut] == '.') ||
        (n - cut == 2 && !strncmp(dir + cut, "..", 2)))
        return ka_error(KA_EINVAL, "%s cannot be an output folder: name a folder", dir);
    if (snprintf(parent, psize, "%.*s", cut ? (int)cut : 1, cut ? dir : ".") >= (int)psize)
        return ka_error(KA_EINVAL, "output folder path too long: %s", dir);
    *base = dir + cut;
    return (int)(n - cut);
}

/* Removes siblings .BASE.tmp.PID of processes that are gone (runs killed half way). */
static void clear_stale(const char *parent, const char *base, int blen)
{
    DIR *d = opendir(parent);
    if (!d)
        return;
    struct dirent *e;
    char path[PATH_MAX];
    while ((e = readdir(d))) {
        const char *s = e->d_name;
        long pid;
        char *end;
        if (s[0] != '.' || strncmp(s + 1, base, (size_t)blen) || strncmp(s + 1 + blen, ".tmp.", 5))
            continue;
        pid = strtol(s + 6 + blen, &end, 10);
        if (*end || pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno == ESRCH)) {
            if (ka_out_path(path, sizeof path, parent, s) == 0)
                remove_folder(path);
        }
    }
    closedir(d);
}

int ka_out_stage_open(const char *dir, char *stage, size_t size)
{
    char parent[PATH_MAX];
    const char *base;
    int blen = split(dir, parent, sizeof parent, &base);
    int rc = blen < 0 ? blen : only_ours(dir);
    if (rc)
        return rc;
    if ((rc = ka_out_mkdirs(parent))) {
        char why[512];
        snprintf(why, sizeof why, "%s", ka_error_message());
        return ka_error(rc, "cannot create output folder %s: %s", dir, why);
    }
    clear_stale(parent, base, blen);
    if (snprintf(stage, size, "%s/.%.*s.tmp.%ld", parent, blen, base, (long)getpid()) >= (int)size)
        return ka_error(KA_EINVAL, "output folder path too long: %s", dir);
    remove_folder(stage);           /* a pid used again */
    if (mkdir(stage, 0777) != 0)
        return ka_error(KA_EIO, "cannot create output folder %s (writing %s first): %s", dir,
                        stage, strerror(errno));
    return 0;
}

void ka_out_stage_abort(const char *stage)
{
    remove_folder(stage);
}

static void sync_folder(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

int ka_out_stage_commit(const char *stage, const char *dir)
{
    char parent[PATH_MAX];
    const char *base;
    int blen = split(dir, parent, sizeof parent, &base);
    if (blen < 0)
        return blen;
    sync_folder(stage);
    if (rename(stage, dir) == 0 || (errno != EEXIST && errno != ENOTEMPTY)) {
        int err = errno;
        sync_folder(parent);
        if (access(stage, F_OK) == 0) {     /* rename failed for another reason */
            remove_folder(stage);
            return ka_error(KA_EIO, "cannot put the results in %s: %s", dir, strerror(err));
        }
        return 0;
    }
    /* the folder exists: swap old and new at once; the old is then in stage's place */
    if (renameat2(AT_FDCWD, stage, AT_FDCWD, dir, RENAME_EXCHANGE) != 0) {
        char old[PATH_MAX];                 /* no exchange here: two renames */
        snprintf(old, sizeof old, "%s.old", stage);
        if (rename(dir, old) != 0 || rename(stage, dir) != 0) {
            int err = errno;
            rename(old, dir);
            remove_folder(stage);
            return ka_error(KA_EIO, "cannot put the results in %s: %s", dir, strerror(err));
        }
        remove_folder(old);
    } else {
        remove_folder(stage);
    }
    sync_folder(parent);
    return 0;
}
