/* decide.c: which variant one user sees for one title. An editor's pin decides first
 * (everyone sees the pinned variant: policy "pinned", propensity 1). Then a running
 * experiment that covers the title and holds the user decides by its arm (a fixed
 * variant, or a policy); else a shipped experiment's winning arm; else the server's
 * policy. The propensity is the probability the deciding rule had of showing that
 * variant to this user (assignment is deterministic per user, so a fixed arm's is 1).
 * An excluded variant is never shown: a fixed arm showing one defers to the next
 * rule, and a policy draws from its probabilities renormalised over the variants
 * left, so that the propensity logged is the one the draw had. */
#include <string.h>

#include "serve_priv.h"

/* A draw from p's probabilities with t's excluded arms left out (renormalised). */
static int choose_servable(const ka_policy *p, const ka_stitle *t, const ka_policy_ctx *c,
                           ka_rng *rng, ka_choice *ch)
{
    double probs[KA_POLICY_MAX_ARMS];
    int err = ka_policy_probs(p, c, probs);
    if (err)
        return err;
    ka_stitle_controlled_probs(t, probs);
    double u = ka_rng_uniform(rng), acc = 0;
    ch->arm = -1;
    for (int a = 0; a < t->n_variants; a++) {
        if (probs[a] <= 0)
            continue;
        ch->arm = a;            /* the last one left takes what rounding leaves over */
        acc += probs[a];
        if (u < acc)
            break;
    }
    if (ch->arm < 0)
        return ka_error(KA_EINTERNAL, "title %s has no variant to serve", t->id);
    ch->variant = t->pv[ch->arm].number;
    ch->propensity = probs[ch->arm];
    return 0;
}

static int by_policy(const ka_serve_state *st, const ka_stitle *t, int policy,
                     const ka_profile *profile, ka_rng *rng, ka_decision *d)
{
    const ka_policy *p = ka_state_policy(st, t, policy);
    if (!p)
        return ka_error(KA_EINTERNAL, "title %s has no policy %d", t->id, policy);
    ka_policy_ctx c = { .variants = t->pv, .n_variants = t->n_variants, .profile = profile,
                        .profile_opts = &st->popts };
    ka_choice ch;
    int err = t->n_excluded ? choose_servable(p, t, &c, rng, &ch)
                            : ka_policy_choose(p, &c, rng, &ch);
    if (err)
        return err;
    d->arm = ch.arm;
    d->variant = t->pv[ch.arm].number;
    d->propensity = ch.propensity;
    d->policy = policy;
    return 0;
}

/* Arm i of e for title t: 1 decided, 0 the arm cannot apply (its variant is not in
 * this title, or was retired by a later analysis: the next rule decides, and the
 * experiment reports the arm), < 0 error. */
static int by_arm(const ka_serve_state *st, const ka_stitle *t, const ka_sexp *e, int i,
                  const ka_profile *profile, ka_rng *rng, ka_decision *d)
{
    d->exp = e;
    d->exp_arm = i;
    if (e->arm_policy[i] >= 0) {
        int err = by_policy(st, t, e->arm_policy[i], profile, rng, d);
        return err ? err : 1;
    }
    int k = ka_sexp_arm_variant(e, i, t);
    if (k < 0 || t->excluded[k]) {
        d->exp = NULL;
        return 0;
    }
    d->arm = k;
    d->variant = t->pv[k].number;
    d->propensity = 1;
    d->policy = KA_DECISION_FIXED;
    return 1;
}

int ka_serve_decide(const ka_serve_state *st, const ka_stitle *t, const char *user,
                    ka_rng *rng, ka_decision *d)
{
    memset(d, 0, sizeof *d);
    d->exp_arm = -1;
    const ka_suser *u = user ? ka_strmap_get(&st->users, user) : NULL;
    const ka_profile *profile = u ? &u->p : NULL;
    if (t->pinned >= 0) {
        d->arm = t->pinned;
        d->variant = t->pv[t->pinned].number;
        d->propensity = 1;
        d->policy = KA_DECISION_PINNED;
        return 0;
    }
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < st->n_exps; i++) {
            const ka_sexp *e = &st->exps[i];
            int running = !strcmp(e->status, "running");
            if ((pass == 0 ? !running : e->shipped < 0) || !ka_sexp_covers(e, t->id))
                continue;
            int arm = e->shipped;
            int err = pass == 0 ? ka_exp_assign(&e->exp, user, &arm) : 0;
            if (err)
                return err;         /* a broken experiment says so; it is not "not in it" */
            if (arm < 0)
                continue;
            int r = by_arm(st, t, e, arm, profile, rng, d);
            if (r)
                return r < 0 ? r : 0;
        }
    }
    return by_policy(st, t, st->default_policy, profile, rng, d);
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t hash_str(uint64_t h, const char *s)
{
    return mix(ka_fnv1a_str(h, s));
}

uint64_t ka_decision_seed(uint64_t seed, const char *user, const char *title, double now)
{
    /* the time to the millisecond: what survives a trip through a URL's decimal */
    uint64_t ms = (uint64_t)(int64_t)(now * 1000.0 + (now >= 0 ? 0.5 : -0.5));
    uint64_t h = mix(seed + 0x9e3779b97f4a7c15ULL);
    h = hash_str(h ^ 0xcbf29ce484222325ULL, user);
    h = hash_str(h ^ 0x84222325cbf29ce4ULL, title);
    h = mix(h ^ ms);
    return h ? h : 1;
}

const char *ka_decision_policy(const ka_decision *d)
{
    int n;
    const ka_policy_type *const *list = ka_policy_list(&n);
    return d->policy >= 0 && d->policy < n ? list[d->policy]->name
         : d->policy == KA_DECISION_PINNED ? "pinned" : "fixed";
}
