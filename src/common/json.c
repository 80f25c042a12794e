/* json.c: the number formats of keyart's JSON outputs (keyart/json.h, docs/json.md).
 * Every output builds its times, counts and intervals here, so one rule holds. */
#include <jansson.h>
#include <math.h>

#include "keyart/json.h"

double ka_json_round(double x, int decimals)
{
    if (!isfinite(x))
        return 0.0;
    double p = pow(10.0, decimals);
    double r = round(x * p) / p;
    return r == 0.0 ? 0.0 : r;      /* no "-0.0" */
}

json_t *ka_json_time(double s)
{
    return isfinite(s) ? json_real(ka_json_round(s, 3)) : json_null();
}

json_t *ka_json_count(double n)
{
    return json_integer(isfinite(n) ? (json_int_t)llround(n) : 0);
}

json_t *ka_json_real(double x, int decimals)
{
    return isfinite(x) ? json_real(ka_json_round(x, decimals)) : json_null();
}

json_t *ka_json_number(double x)
{
    return isfinite(x) ? json_real(x == 0.0 ? 0.0 : x) : json_null();
}

json_t *ka_json_interval(double lo, double hi)
{
    return json_pack("{s:o, s:o}", "lo", ka_json_number(lo), "hi", ka_json_number(hi));
}
