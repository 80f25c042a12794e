/* array.c: growing a heap array by doubling, the one way every module does it. */
#include <stdlib.h>

#include "keyart/common.h"

int ka_array_grow(void **arr, int *cap, int need, size_t elem)
{
    if (need <= *cap)
        return 0;
    if (need < 0 || (size_t)need > SIZE_MAX / 2 / (elem ? elem : 1))
        return ka_error(KA_ENOMEM, "array of %d elements is too large", need);
    int nc = *cap > 0 ? *cap : 8;
    while (nc < need)
        nc *= 2;
    void *p = realloc(*arr, (size_t)nc * elem);
    if (!p)
        return ka_error(KA_ENOMEM, "no memory for %d elements", nc);
    *arr = p;
    *cap = nc;
    return 0;
}
