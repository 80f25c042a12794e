/* fuzz_util.c: inputs as strings and files for the fuzz targets (fuzz.h), and a
 * scratch folder that does not outlive the process. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

char *ka_fuzz_str(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

int ka_fuzz_file(const uint8_t *data, size_t size, char path[32])
{
    int fd = memfd_create("keyart-fuzz", 0);
    if (fd < 0)
        return -1;
    for (size_t done = 0; done < size;) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0) {
            close(fd);
            return -1;
        }
        done += (size_t)n;
    }
    snprintf(path, 32, "/proc/self/fd/%d", fd);
    return fd;
}

static char scratch[256];

/* Removes the scratch folder and what the targets put in it (one level deep, and
 * the files of its sub-folders). */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[512];
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (unlink(p) && e->d_type == DT_DIR)
            remove_tree(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

static void remove_scratch(void)
{
    if (scratch[0])
        remove_tree(scratch);
}

const char *ka_fuzz_dir(void)
{
    if (scratch[0])
        return scratch;
    /* tmpfs when there is one: SQLite's commits then cost no disk syncs */
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
    snprintf(scratch, sizeof scratch, "%s/keyart-fuzz.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(scratch)) {
        perror("keyart fuzz: mkdtemp");
        abort();
    }
    atexit(remove_scratch);
    return scratch;
}

int ka_fuzz_write(const char *name, const void *data, size_t size, char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s", ka_fuzz_dir(), name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t n = size ? fwrite(data, 1, size, f) : 0;
    return fclose(f) || n != size ? -1 : 0;
}
