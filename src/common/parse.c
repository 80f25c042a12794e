/* parse.c: strict number parsing (the whole string, within a range), shared by the
 * command line's options and the library's text formats (the quality weights the
 * work queue stores), so both accept exactly the same numbers. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "keyart/common.h"

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
