/* ka_test.h: the few macros our C tests use, and helpers several tests share. A test
 * program runs its cases, prints one line per failed check, and exits non-zero when
 * any check failed. */
#ifndef KA_TEST_H
#define KA_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "keyart/common.h"

static int ka_test_failures;
static int ka_test_checks;

#define CHECK(cond) do { ka_test_checks++; if (!(cond)) { ka_test_failures++; \
    fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_MSG(cond, ...) do { ka_test_checks++; if (!(cond)) { ka_test_failures++; \
    fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)
#define CHECK_NEAR(a, b, eps) CHECK_MSG(fabs((double)(a) - (double)(b)) <= (eps), \
    "%g vs %g (eps %g)", (double)(a), (double)(b), (double)(eps))
#define CHECK_EQ_INT(a, b) CHECK_MSG((long long)(a) == (long long)(b), "%lld vs %lld", \
    (long long)(a), (long long)(b))
#define RUN(fn) do { fprintf(stderr, "-- %s\n", #fn); fn(); } while (0)
#define TEST_END() do { fprintf(stderr, "%d checks, %d failed\n", ka_test_checks, \
    ka_test_failures); return ka_test_failures ? 1 : 0; } while (0)

/* Where box f stands against crop c: 0 outside, 1 wholly inside, 2 cut by an edge. */
static inline int ka_test_rect_rel(ka_rect c, ka_rect f)
{
    ka_rect i = ka_rect_intersect(f, c);
    if (!i.w || !i.h)
        return 0;
    return i.x == f.x && i.y == f.y && i.w == f.w && i.h == f.h ? 1 : 2;
}

/* ../shared, from KA_SHARED_DIR (set by meson) or the environment. */
static inline const char *ka_test_shared(void)
{
    const char *e = getenv("KEYART_SHARED");
    if (e && *e)
        return e;
#ifdef KA_SHARED_DIR
    return KA_SHARED_DIR;
#else
    return "../shared";
#endif
}

#endif
