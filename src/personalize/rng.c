/* rng.c: the seeded random number generators (GSL MT19937; GSL taus2 where one is
 * reseeded for every decision) that policies, bootstrap and simulations draw from, the switch that keeps GSL from aborting, the event type
 * names, and the little-endian byte cursor that saved state is written with. */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <strings.h>

#include "personalize_priv.h"

struct ka_rng {
    gsl_rng *g;
};

static pthread_once_t ka_gsl_once = PTHREAD_ONCE_INIT;

static void ka_gsl_quiet_once(void)
{
    gsl_set_error_handler_off();
}

void ka_gsl_quiet(void)
{
    pthread_once(&ka_gsl_once, ka_gsl_quiet_once);
}

static ka_rng *rng_new(const gsl_rng_type *type, uint64_t seed)
{
    ka_gsl_quiet();
    ka_rng *r = malloc(sizeof *r);
    if (!r)
        return NULL;
    r->g = gsl_rng_alloc(type);
    if (!r->g) {
        free(r);
        return NULL;
    }
    ka_rng_seed(r, seed);
    return r;
}

ka_rng *ka_rng_new(uint64_t seed)
{
    return rng_new(gsl_rng_mt19937, seed);
}

/* Seeding MT19937 fills 624 words, and its first draw makes 624 more: ~4.5 us, more than
 * a decision costs. taus2 (L'Ecuyer's, period 2^88) keeps three words, set in a few ns. */
ka_rng *ka_rng_new_light(uint64_t seed)
{
    return rng_new(gsl_rng_taus2, seed);
}

void ka_rng_seed(ka_rng *r, uint64_t seed)
{
    /* GSL takes an unsigned long, and both generators keep 32 bits of it: fold the
     * high half in so 64-bit seeds differ. */
    gsl_rng_set(r->g, (unsigned long)(seed ^ (seed >> 32) * 0x9E3779B97F4A7C15ull));
}

void ka_rng_free(ka_rng *r)
{
    if (!r)
        return;
    gsl_rng_free(r->g);
    free(r);
}

gsl_rng *ka_rng_gsl(ka_rng *r)
{
    return r->g;
}

double ka_rng_uniform(ka_rng *r)
{
    return gsl_rng_uniform(r->g);
}

unsigned long ka_rng_int(ka_rng *r, unsigned long n)
{
    return n <= 1 ? 0 : gsl_rng_uniform_int(r->g, n);
}

double ka_rng_beta(ka_rng *r, double a, double b)
{
    return gsl_ran_beta(r->g, a, b);
}

double ka_rng_gaussian(ka_rng *r, double sigma)
{
    return gsl_ran_gaussian_ziggurat(r->g, sigma);
}

/* ---- events ---- */

static const char *const ka_event_names[KA_EVENT_COUNT] = {
    "impression", "click", "play", "complete", "skip", "dwell",
};

const char *ka_event_type_name(ka_event_type t)
{
    return (unsigned)t < KA_EVENT_COUNT ? ka_event_names[t] : "unknown";
}

int ka_event_type_parse(const char *name, ka_event_type *out)
{
    for (int i = 0; name && i < KA_EVENT_COUNT; i++)
        if (!strcasecmp(name, ka_event_names[i])) {
            *out = (ka_event_type)i;
            return 0;
        }
    return ka_error(KA_EINVAL, "unknown event type '%s' (impression, click, play, "
                    "complete, skip, dwell)", name ? name : "(null)");
}

/* ---- bytes ---- */

void ka_put_u32(ka_bytes *b, uint32_t v)
{
    if (b->buf && b->pos + 4 <= b->cap)
        for (int i = 0; i < 4; i++)
            b->buf[b->pos + i] = (uint8_t)(v >> (8 * i));
    b->pos += 4;
}

void ka_put_f64(ka_bytes *b, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    if (b->buf && b->pos + 8 <= b->cap)
        for (int i = 0; i < 8; i++)
            b->buf[b->pos + i] = (uint8_t)(u >> (8 * i));
    b->pos += 8;
}

void ka_put_f32(ka_bytes *b, float v)
{
    uint32_t u;
    memcpy(&u, &v, 4);
    ka_put_u32(b, u);
}

uint32_t ka_get_u32(ka_bytes *b)
{
    if (b->err || b->pos + 4 > b->cap) {
        b->err = 1;
        return 0;
    }
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)b->in[b->pos + i] << (8 * i);
    b->pos += 4;
    return v;
}

double ka_get_f64(ka_bytes *b)
{
    if (b->err || b->pos + 8 > b->cap) {
        b->err = 1;
        return 0;
    }
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u |= (uint64_t)b->in[b->pos + i] << (8 * i);
    b->pos += 8;
    double v;
    memcpy(&v, &u, 8);
    return v;
}

float ka_get_f32(ka_bytes *b)
{
    uint32_t u = ka_get_u32(b);
    float v;
    memcpy(&v, &u, 4);
    return v;
}

/* ---- ties ---- */

int ka_argmax_ties(const double *v, int n, double tol, int *ties)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[best])
            best = i;
    if (!ties)                      /* the count is a second pass: only when asked */
        return best;
    int t = 0;
    for (int i = 0; i < n; i++)
        if (fabs(v[i] - v[best]) <= tol)
            t++;
    *ties = t;
    return best;
}

int ka_nth_tie(const double *v, int n, double best, double tol, int k)
{
    for (int i = 0; i < n; i++)
        if (fabs(v[i] - best) <= tol && k-- == 0)
            return i;
    return 0;
}

int ka_sample_index(const double *p, int n, double u)
{
    double acc = 0;
    int last = 0;
    for (int i = 0; i < n; i++) {
        if (!(p[i] > 0))
            continue;
        last = i;
        acc += p[i];
        if (u < acc)
            return i;
    }
    return last;
}
