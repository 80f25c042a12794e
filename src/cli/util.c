/* util.c: the command line's small helpers: strict number parsing, error
 * reporting, exit codes, and the progress bar. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int ka_parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || !*s || *end || errno || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

int ka_parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = s ? strtod(s, &end) : 0;
    if (!s || !*s || *end || errno || !isfinite(v) || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
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
