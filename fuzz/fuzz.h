/* fuzz.h: what the fuzz targets share (docs/fuzzing.md). Each fuzz_<name>.c defines
 * LLVMFuzzerTestOneInput (and may define LLVMFuzzerInitialize); it is linked either
 * with libFuzzer (suite fuzz, clang) or with replay.c's main, which runs the files of
 * its corpus and regression folders once (suite fuzz_replay, any compiler). */
#ifndef KA_FUZZ_H
#define KA_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A property keyart promises was broken: abort, so libFuzzer keeps the input and the
 * replay test fails. */
#define FUZZ_CHECK(cond) do { if (!(cond)) { \
    fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond); \
    abort(); } } while (0)

/* data as a NUL-terminated string (malloc'd; an embedded NUL ends it early). */
char *ka_fuzz_str(const uint8_t *data, size_t size);
/* The bytes as the contents of a file only this process sees (a memfd), for the
 * readers that take a path: the path is "/proc/self/fd/N" in path (32 bytes); close
 * the fd when done. -1 when it cannot be made. */
int ka_fuzz_file(const uint8_t *data, size_t size, char path[32]);
/* A private scratch folder, made once and removed at exit (for readers that want a
 * real folder around a file, and for databases). */
const char *ka_fuzz_dir(void);
/* Writes a file into ka_fuzz_dir(); its full path in path. 0 or -1. */
int ka_fuzz_write(const char *name, const void *data, size_t size, char *path, size_t cap);

#endif
