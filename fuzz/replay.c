/* replay.c: a fuzz target without libFuzzer. Runs every file of the folders (or the
 * files) it is given through the target once, in name order, so the seed corpus and
 * every crash ever found are checked by the ordinary sanitizer build (suite
 * fuzz_replay). Fails when a target aborts (a sanitizer report, a broken fuzz check)
 * or when there was nothing to run. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Declared here, not through fuzz.h: the initializer is optional (weak). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? 2 * cap : 4096;
            uint8_t *p = realloc(buf, cap);
            if (!p)
                abort();
            buf = p;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        if (!got)
            break;
        n += got;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        fprintf(stderr, "replay: cannot read %s\n", path);
        return -1;
    }
    /* the exact size, so that ASan sees a read past the input as libFuzzer would */
    uint8_t *exact = malloc(n ? n : 1);
    if (!exact)
        abort();
    memcpy(exact, buf, n);
    free(buf);
    fprintf(stderr, "replay: %s (%zu bytes)\n", path, n);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* Runs the regular files of dir; their count, or -1. */
static int run_dir(const char *dir)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, by_name), ran = 0, err = 0;
    if (n < 0) {
        fprintf(stderr, "replay: cannot read folder %s\n", dir);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        if (names[i]->d_name[0] != '.' && !stat(path, &st) && S_ISREG(st.st_mode)) {
            if (run_file(path))
                err = 1;
            else
                ran++;
        }
        free(names[i]);
    }
    free(names);
    return err ? -1 : ran;
}

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    int total = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        int n = stat(argv[i], &st) ? -1 : S_ISDIR(st.st_mode) ? run_dir(argv[i])
              : run_file(argv[i]) ? -1 : 1;
        if (n < 0)
            return 1;
        total += n;
    }
    if (!total) {
        fprintf(stderr, "replay: no input to run\n");
        return 1;
    }
    fprintf(stderr, "replay: %d inputs ran\n", total);
    return 0;
}
