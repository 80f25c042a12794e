/* util.c: the command line's small helpers: option values several commands share,
 * error reporting, exit codes, and the progress bar. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int ka_cli_parse_min_quality(const char *cmd, const char *arg, double *out)
{
    if (!ka_parse_double(arg, 0, 1, out))
        return 0;
    fprintf(stderr, "keyart %s: bad value '%s' for --min-quality (see --help)\n", cmd, arg);
    return -1;
}

int ka_cli_parse_weights(const char *cmd, const char *arg, ka_quality_weights *out)
{
    if (!ka_quality_weights_parse(arg, out))
        return 0;
    fprintf(stderr, "keyart %s: bad value '%s' for --quality-weights: %s (six numbers "
            "0..1000 for brightness,contrast,sharpness,saturation,brisque,face, not all 0)\n",
            cmd, arg, ka_error_message());
    return -1;
}

int ka_exit_for_input_error(int err)
{
    switch (err) {
    case KA_ENOMEM:
    case KA_EINTERNAL:
        return KA_EXIT_INTERNAL;
    case KA_EINVAL:
        return KA_EXIT_USAGE;
    default:
        return KA_EXIT_INPUT;
    }
}

void ka_cli_error(const char *what)
{
    const char *msg = ka_error_message();
    fprintf(stderr, "keyart: %s%s%s\n", what, *msg ? ": " : "", msg);
}

void ka_cli_stdout_error(void)
{
    fprintf(stderr, "keyart: cannot write to standard output: %s\n",
            errno ? strerror(errno) : "write error");
}

void ka_progress_init(ka_progress *p, const char *label, int quiet)
{
    p->enabled = !quiet && isatty(STDERR_FILENO);
    p->last_draw = 0;
    p->label = label;
}

void ka_progress_update(void *ud, double done_s, double total_s)
{
    ka_progress *p = ud;
    if (!p->enabled)
        return;
    double now = ka_now();
    if (now - p->last_draw < 0.1)
        return;
    p->last_draw = now;
    enum { WIDTH = 30 };
    double frac = total_s > 0 ? fmin(1.0, done_s / total_s) : 0;
    char bar[WIDTH + 1];
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < (int)(frac * WIDTH) ? '#' : '.';
    bar[WIDTH] = '\0';
    if (total_s > 0)
        fprintf(stderr, "\r%s [%s] %3d%%  %.1f / %.1f s", p->label, bar, (int)(frac * 100),
                done_s, total_s);
    else
        fprintf(stderr, "\r%s %.1f s", p->label, done_s);
    fflush(stderr);
}

void ka_progress_end(ka_progress *p)
{
    if (p->enabled)
        fprintf(stderr, "\r\033[K");
}

int ka_cli_read_text(const char *cmd, const char *path, char **out)
{
    enum { MAX_TEXT = 4 << 20 };
    *out = NULL;
    FILE *f = fopen(path, "rb");
    char *buf = f ? malloc(MAX_TEXT + 1) : NULL;
    size_t n = buf ? fread(buf, 1, MAX_TEXT + 1, f) : 0;
    int bad = !f || !buf || ferror(f) || n > MAX_TEXT || memchr(buf, 0, n);
    if (bad)
        fprintf(stderr, "keyart %s: %s: %s\n", cmd, path, !f ? strerror(errno) : !buf ?
                "out of memory" : n > MAX_TEXT ? "larger than 4 MiB" : ferror(f) ?
                "cannot be read" : "not text");
    if (f)
        fclose(f);
    if (bad) {
        free(buf);
        return -1;
    }
    buf[n] = '\0';
    *out = buf;
    return 0;
}
