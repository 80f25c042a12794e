/* policy.c: the policy table and the generic policy object. Policies are listed in
 * one table (like FFmpeg's filters): the rest of the program finds them by name and
 * knows none of them; adding one is one file and one row. The object checks
 * parameters and contexts, owns the state, and saves it as bytes:
 *   "KAPS" u32 version, u32 name length, name, parameters, u32 body length, body
 * (integers u32 and reals IEEE doubles, little-endian). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "personalize_priv.h"

#define KA_POLICY_MAGIC 0x5350414Bu    /* "KAPS" */
#define KA_POLICY_VERSION 1u

static const ka_policy_type *const ka_policies[] = {
    &ka_policy_seed,
    &ka_policy_egreedy,
    &ka_policy_thompson,
    &ka_policy_linucb,
    &ka_policy_uniform,
    &ka_policy_contextual,
};

#define N_POLICIES ((int)(sizeof ka_policies / sizeof ka_policies[0]))

struct ka_policy {
    const ka_policy_type *type;
    ka_policy_params params;
    void *state;
};

const ka_policy_type *const *ka_policy_list(int *count)
{
    if (count)
        *count = N_POLICIES;
    return ka_policies;
}

const ka_policy_type *ka_policy_find(const char *name)
{
    for (int i = 0; name && i < N_POLICIES; i++)
        if (!strcmp(ka_policies[i]->name, name))
            return ka_policies[i];
    return NULL;
}

void ka_policy_params_default(ka_policy_params *p)
{
    memset(p, 0, sizeof *p);
    p->n_arms = 8;
    p->n_segments = 1;
    p->epsilon = 0.1;
    p->temperature = 0;
    p->prior_alpha = 1;
    p->prior_beta = 1;
    p->alpha = 1;
    p->user_dim = 4;
    p->variant_dim = 4;
    p->ridge = 1;
    p->mc_draws = 0;
}

static int check_params(const ka_policy_params *p)
{
    if (p->n_arms < 1 || p->n_arms > KA_POLICY_MAX_ARMS)
        return ka_error(KA_EINVAL, "policy: %d arms (1..%d)", p->n_arms, KA_POLICY_MAX_ARMS);
    if (p->n_segments < 1 || p->n_segments > KA_POLICY_MAX_SEGMENTS)
        return ka_error(KA_EINVAL, "policy: %d segments (1..%d)", p->n_segments,
                        KA_POLICY_MAX_SEGMENTS);
    if (!(p->epsilon >= 0 && p->epsilon <= 1))
        return ka_error(KA_EINVAL, "policy: epsilon %g is not in 0..1", p->epsilon);
    if (!(p->temperature >= 0) || isinf(p->temperature))
        return ka_error(KA_EINVAL, "policy: temperature %g must be >= 0", p->temperature);
    if (!(p->prior_alpha > 0 && p->prior_beta > 0) || isinf(p->prior_alpha) ||
        isinf(p->prior_beta))
        return ka_error(KA_EINVAL, "policy: Beta prior (%g, %g) must be positive",
                        p->prior_alpha, p->prior_beta);
    if (!(p->prior_strength >= 0 && p->prior_strength <= 1e6))
        return ka_error(KA_EINVAL, "policy: prior strength %g is not in 0..1e6",
                        p->prior_strength);
    for (int i = 0; i < p->n_arms; i++)
        if (!(p->prior_worth[i] >= 0 && p->prior_worth[i] <= 1))
            return ka_error(KA_EINVAL, "policy: arm %d's prior worth %g is not in 0..1", i,
                            p->prior_worth[i]);
    if (!(p->alpha >= 0) || isinf(p->alpha) || !(p->ridge > 0) || isinf(p->ridge))
        return ka_error(KA_EINVAL, "policy: LinUCB alpha %g / ridge %g", p->alpha, p->ridge);
    if (p->user_dim < 1 || p->variant_dim < 1 ||
        p->user_dim * p->variant_dim > KA_POLICY_MAX_DIM)
        return ka_error(KA_EINVAL, "policy: LinUCB dimension %d x %d (product 1..%d)",
                        p->user_dim, p->variant_dim, KA_POLICY_MAX_DIM);
    if (p->mc_draws < 0)
        return ka_error(KA_EINVAL, "policy: mc_draws %d", p->mc_draws);
    return 0;
}

static int policy_alloc(const ka_policy_type *t, const ka_policy_params *p, ka_policy **out)
{
    ka_policy *pol = calloc(1, sizeof *pol);
    void *st = calloc(1, t->state_size ? t->state_size : 1);
    if (!pol || !st) {
        free(pol);
        free(st);
        return ka_error(KA_ENOMEM, "policy %s: out of memory", t->name);
    }
    pol->type = t;
    pol->params = *p;
    pol->state = st;
    *out = pol;
    return 0;
}

int ka_policy_clone(const ka_policy *p, ka_policy **out)
{
    *out = NULL;
    if (!p)
        return ka_error(KA_EINVAL, "ka_policy_clone: no policy");
    int err = policy_alloc(p->type, &p->params, out);
    if (!err)
        memcpy((*out)->state, p->state, p->type->state_size);
    return err;
}

int ka_policy_new(const char *name, const ka_policy_params *p, ka_policy **out)
{
    *out = NULL;
    const ka_policy_type *t = ka_policy_find(name);
    if (!t)
        return ka_error(KA_EINVAL, "unknown policy '%s'", name ? name : "(null)");
    ka_policy_params def;
    if (!p) {
        ka_policy_params_default(&def);
        p = &def;
    }
    int err = check_params(p);
    if (err)
        return err;
    ka_gsl_quiet();
    ka_policy *pol;
    if ((err = policy_alloc(t, p, &pol)))
        return err;
    if ((err = t->init(pol->state, p)) < 0) {
        ka_policy_free(pol);
        return err;
    }
    *out = pol;
    return 0;
}

int ka_policy_remap(const ka_policy *old, const ka_policy_params *arms, const int *from,
                    ka_policy **out)
{
    *out = NULL;
    if (!old || !arms || !from)
        return ka_error(KA_EINVAL, "ka_policy_remap: no policy, arms or map");
    ka_policy_params p = old->params;
    p.n_arms = arms->n_arms;
    p.prior_strength = arms->prior_strength;
    memcpy(p.prior_worth, arms->prior_worth, sizeof p.prior_worth);
    for (int i = 0; i < p.n_arms && i < KA_POLICY_MAX_ARMS; i++)
        if (from[i] >= old->params.n_arms)
            return ka_error(KA_EINVAL, "policy %s: arm %d maps to arm %d of %d", old->type->name,
                            i, from[i], old->params.n_arms);
    ka_policy *pol;
    int err = ka_policy_new(old->type->name, &p, &pol);
    if (err)
        return err;
    if (old->type->remap)
        old->type->remap(pol->state, old->state, from);
    if ((err = ka_policy_prepare(pol))) {
        ka_policy_free(pol);
        return err;
    }
    *out = pol;
    return 0;
}

void ka_policy_free(ka_policy *p)
{
    if (!p)
        return;
    free(p->state);
    free(p);
}

const ka_policy_type *ka_policy_type_of(const ka_policy *p)
{
    return p->type;
}

const ka_policy_params *ka_policy_params_of(const ka_policy *p)
{
    return &p->params;
}

const void *ka_policy_state_of(const ka_policy *p)
{
    return p->state;
}

/* The arms a context gives p (a shared policy takes any title's). */
static int ctx_arms(const ka_policy *p, const ka_policy_ctx *c)
{
    return p->type->shared ? c->n_variants : p->params.n_arms;
}

static int check_ctx(const ka_policy *p, const ka_policy_ctx *c)
{
    if (!c || !c->variants || c->n_variants != ctx_arms(p, c) || c->n_variants < 1 ||
        c->n_variants > KA_POLICY_MAX_ARMS)
        return ka_error(KA_EINVAL, "policy %s: %d variants given, the policy has %d arms",
                        p->type->name, c && c->variants ? c->n_variants : 0, p->params.n_arms);
    if (c->segment < 0 || c->segment >= p->params.n_segments)
        return ka_error(KA_EINVAL, "policy %s: segment %d (0..%d)", p->type->name, c->segment,
                        p->params.n_segments - 1);
    return 0;
}

int ka_policy_choose(const ka_policy *p, const ka_policy_ctx *c, ka_rng *rng, ka_choice *out)
{
    int err = check_ctx(p, c);
    if (err)
        return err;
    if (!rng)
        return ka_error(KA_EINVAL, "policy %s: no random generator", p->type->name);
    if ((err = p->type->choose(p->state, c, rng, out)) < 0)
        return err;
    out->variant = c->variants[out->arm].number;
    return 0;
}

int ka_policy_probs(const ka_policy *p, const ka_policy_ctx *c, double *probs)
{
    int err = check_ctx(p, c);
    return err ? err : p->type->probs(p->state, c, probs);
}

int ka_policy_update(ka_policy *p, const ka_policy_ctx *c, int arm, double reward)
{
    int err = check_ctx(p, c);
    if (err)
        return err;
    if (arm < 0 || arm >= c->n_variants)
        return ka_error(KA_EINVAL, "policy %s: arm %d (0..%d)", p->type->name, arm,
                        c->n_variants - 1);
    if (!(reward >= 0 && reward <= 1))
        return ka_error(KA_EINVAL, "policy %s: reward %g is not in 0..1", p->type->name, reward);
    return p->type->update ? p->type->update(p->state, c, arm, reward) : 0;
}

int ka_policy_prepare(ka_policy *p)
{
    return p->type->prepare ? p->type->prepare(p->state) : 0;
}

/* ---- bytes ---- */

static void put_params(ka_bytes *b, const ka_policy_params *p)
{
    ka_put_u32(b, (uint32_t)p->n_arms);
    ka_put_u32(b, (uint32_t)p->n_segments);
    ka_put_f64(b, p->epsilon);
    ka_put_f64(b, p->temperature);
    ka_put_f64(b, p->prior_alpha);
    ka_put_f64(b, p->prior_beta);
    ka_put_f64(b, p->alpha);
    ka_put_u32(b, (uint32_t)p->user_dim);
    ka_put_u32(b, (uint32_t)p->variant_dim);
    ka_put_f64(b, p->ridge);
    ka_put_u32(b, (uint32_t)p->mc_draws);
}

/* The params a policy was made with; the priors per arm are not among them (the
 * state carries them from the start), so a loaded policy has strength 0. */
static void get_params(ka_bytes *b, ka_policy_params *p)
{
    memset(p, 0, sizeof *p);
    p->n_arms = (int)ka_get_u32(b);
    p->n_segments = (int)ka_get_u32(b);
    p->epsilon = ka_get_f64(b);
    p->temperature = ka_get_f64(b);
    p->prior_alpha = ka_get_f64(b);
    p->prior_beta = ka_get_f64(b);
    p->alpha = ka_get_f64(b);
    p->user_dim = (int)ka_get_u32(b);
    p->variant_dim = (int)ka_get_u32(b);
    p->ridge = ka_get_f64(b);
    p->mc_draws = (int)ka_get_u32(b);
}

static void put_header(ka_bytes *b, const ka_policy *p, size_t body)
{
    size_t nl = strlen(p->type->name);
    ka_put_u32(b, KA_POLICY_MAGIC);
    ka_put_u32(b, KA_POLICY_VERSION);
    ka_put_u32(b, (uint32_t)nl);
    if (b->buf && b->pos + nl <= b->cap)
        memcpy(b->buf + b->pos, p->type->name, nl);
    b->pos += nl;
    put_params(b, &p->params);
    ka_put_u32(b, (uint32_t)body);
}

int ka_policy_save(const ka_policy *p, uint8_t **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    size_t body = p->type->serialize(p->state, NULL, 0);
    ka_bytes b = { 0 };
    put_header(&b, p, body);
    size_t total = b.pos + body;
    uint8_t *out = malloc(total);
    if (!out)
        return ka_error(KA_ENOMEM, "policy save: out of memory");
    b = (ka_bytes){ .buf = out, .cap = total };
    put_header(&b, p, body);
    if (p->type->serialize(p->state, out + b.pos, body) != body) {
        free(out);
        return ka_error(KA_EINTERNAL, "policy %s: state size changed while saving",
                        p->type->name);
    }
    *buf = out;
    *len = total;
    return 0;
}

/* KA_EFORMAT with "policy load: NAME: <the last message>" (copied: no overlap). */
static int load_error(const char *name)
{
    char why[512];
    snprintf(why, sizeof why, "%s", ka_error_message());
    return ka_error(KA_EFORMAT, "policy load: %s: %s", name, why);
}

int ka_policy_load(const uint8_t *buf, size_t len, ka_policy **out)
{
    *out = NULL;
    ka_bytes b = { .in = buf, .cap = buf ? len : 0 };
    if (ka_get_u32(&b) != KA_POLICY_MAGIC || ka_get_u32(&b) != KA_POLICY_VERSION)
        return ka_error(KA_EFORMAT, "policy load: not a saved policy (%zu bytes)", len);
    uint32_t nl = ka_get_u32(&b);
    char name[64];
    if (b.err || nl == 0 || nl >= sizeof name || b.pos + nl > len)
        return ka_error(KA_EFORMAT, "policy load: bad policy name");
    memcpy(name, buf + b.pos, nl);
    name[nl] = 0;
    b.pos += nl;
    const ka_policy_type *t = ka_policy_find(name);
    if (!t)
        return ka_error(KA_EFORMAT, "policy load: unknown policy '%s'", name);
    ka_policy_params prm;
    get_params(&b, &prm);
    uint32_t body = ka_get_u32(&b);
    if (b.err || body != len - b.pos)
        return ka_error(KA_EFORMAT, "policy load: %s: truncated or oversized", name);
    int err = check_params(&prm);
    if (err)
        return load_error(name);
    ka_gsl_quiet();
    ka_policy *pol;
    if ((err = policy_alloc(t, &prm, &pol)))
        return err;
    if ((err = t->init(pol->state, &prm)) < 0 ||
        (err = t->deserialize(pol->state, &prm, buf + b.pos, body)) < 0) {
        ka_policy_free(pol);
        return err == KA_ENOMEM ? err : load_error(name);
    }
    *out = pol;
    return 0;
}
