/* assign.c: deterministic assignment of users to experiment arms, compatible with
 * GrowthBook's SDKs (spec 0.8.0, ../shared/vectors/growthbook-cases.json): FNV-1a
 * 32-bit hashing (versions 1 and 2), bucket ranges with coverage and weights, the
 * choice of a variation from its range, and namespaces for mutually exclusive
 * experiments. Strings are hashed as the JavaScript SDK does: by UTF-16 code unit
 * (UTF-8 input is decoded; ASCII is unchanged). */
#include <math.h>
#include <stdio.h>

#include "keyart/experiment.h"

#define FNV_OFFSET 0x811c9dc5u
#define FNV_PRIME 0x01000193u

/* Next code point of UTF-8 s (a malformed byte stands for itself). */
static uint32_t utf8_next(const unsigned char **ps)
{
    const unsigned char *s = *ps;
    uint32_t c = s[0];
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len <= 1) {
        *ps = s + 1;
        return c;
    }
    uint32_t cp = c & (0x7Fu >> len);
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *ps = s + 1;
            return c;
        }
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    *ps = s + len;
    return cp;
}

static uint32_t fnv_unit(uint32_t h, uint32_t unit)
{
    h ^= unit;
    return h * FNV_PRIME;
}

static uint32_t fnv_str(uint32_t h, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    while (s && *s) {
        uint32_t cp = utf8_next(&s);
        if (cp >= 0x10000) {            /* a surrogate pair, as JavaScript sees it */
            cp -= 0x10000;
            h = fnv_unit(h, 0xD800 + (cp >> 10));
            h = fnv_unit(h, 0xDC00 + (cp & 0x3FF));
        } else {
            h = fnv_unit(h, cp);
        }
    }
    return h;
}

uint32_t ka_exp_fnv1a32(const char *s)
{
    return fnv_str(FNV_OFFSET, s);
}

int ka_exp_hash(const char *seed, const char *value, int version, double *out)
{
    if (!seed)
        seed = "";
    if (!value)
        value = "";
    if (version == 1) {
        uint32_t h = fnv_str(fnv_str(FNV_OFFSET, value), seed);
        *out = (double)(h % 1000u) / 1000;
        return 0;
    }
    if (version == 2) {
        char dec[16];
        snprintf(dec, sizeof dec, "%u", fnv_str(fnv_str(FNV_OFFSET, seed), value));
        *out = (double)(ka_exp_fnv1a32(dec) % 10000u) / 10000;
        return 0;
    }
    return ka_error(KA_EINVAL, "hash version %d (GrowthBook knows 1 and 2)", version);
}

void ka_exp_equal_weights(int n, double *w)
{
    for (int i = 0; i < n; i++)
        w[i] = 1.0 / n;
}

int ka_exp_bucket_ranges(int n, double coverage, const double *weights, int n_weights,
                         double (*ranges)[2])
{
    if (n < 1)
        return ka_error(KA_EINVAL, "bucket ranges: %d variations", n);
    if (!(coverage >= 0))               /* also NaN */
        coverage = 0;
    else if (coverage > 1)
        coverage = 1;
    int equal = !weights || n_weights != n;
    if (!equal) {
        double total = 0;
        for (int i = 0; i < n; i++)
            total += weights[i];
        equal = !(total >= 0.99 && total <= 1.01);
    }
    double cumulative = 0;
    for (int i = 0; i < n; i++) {
        double w = equal ? 1.0 / n : weights[i];
        ranges[i][0] = cumulative;
        ranges[i][1] = cumulative + coverage * w;
        cumulative += w;
    }
    return 0;
}

int ka_exp_choose_variation(double h, const double (*ranges)[2], int n)
{
    for (int i = 0; i < n; i++)
        if (h >= ranges[i][0] && h < ranges[i][1])
            return i;
    return -1;
}

int ka_exp_in_namespace(const char *user, const char *ns_id, double start, double end)
{
    char seed[256];
    snprintf(seed, sizeof seed, "__%s", ns_id ? ns_id : "");
    double h;
    ka_exp_hash(seed, user, 1, &h);
    return h >= start && h < end;
}

int ka_exp_assign(const ka_experiment *e, const char *user, int *arm)
{
    *arm = -1;
    if (!e || !e->key || e->n_arms < 1 || e->n_arms > KA_EXP_MAX_ARMS || !e->arms)
        return ka_error(KA_EINVAL, "experiment: no key or %d arms (1..%d)",
                        e ? e->n_arms : 0, KA_EXP_MAX_ARMS);
    if (!user || !*user || e->n_arms < 2)
        return 0;                   /* GrowthBook: no hash attribute or a single variation:
                                     * not in the experiment */
    if (e->ns_id && !ka_exp_in_namespace(user, e->ns_id, e->ns_start, e->ns_end))
        return 0;
    double h;
    if (ka_exp_hash(e->seed ? e->seed : e->key, user, e->hash_version ? e->hash_version : 2,
                    &h))
        return ka_error(KA_EINVAL, "experiment %s: hash version %d", e->key, e->hash_version);
    double w[KA_EXP_MAX_ARMS], sum = 0, ranges[KA_EXP_MAX_ARMS][2];
    for (int i = 0; i < e->n_arms; i++) {
        w[i] = e->arms[i].weight;
        if (!(w[i] >= 0) || isinf(w[i]))
            return ka_error(KA_EINVAL, "experiment %s: arm %d weight %g", e->key, i, w[i]);
        sum += w[i];
    }
    for (int i = 0; sum > 0 && i < e->n_arms; i++)
        w[i] /= sum;                /* shares, so that weights 1:1:2 mean 25/25/50 */
    ka_exp_bucket_ranges(e->n_arms, e->coverage, sum > 0 ? w : NULL, e->n_arms, ranges);
    *arm = ka_exp_choose_variation(h, (const double (*)[2])ranges, e->n_arms);
    return 0;
}
