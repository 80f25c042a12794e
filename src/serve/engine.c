/* engine.c: a server's state driven in process (keyart/serve.h: ka_engine): the
 * catalogue and experiments given as JSON, decisions by ka_serve_decide, events
 * folded by ka_fold_event and learned by ka_fold_learn, exactly as `keyart serve`
 * does between requests, but on the caller's clock, each decision's random numbers
 * drawn from (seed, user, title, time) as a server's with --clock request (by a
 * generator cheap to reseed, ka_rng_new_light). */
#include <stdlib.h>
#include <string.h>

#include "serve_priv.h"

struct ka_engine {
    ka_serve_state st;
    ka_rng *rng;
    uint64_t seed;
    int64_t next_id;                /* the events' ids, as a store would give them */
    double last_received;
};

int ka_engine_new(const ka_serve_opts *o, ka_engine **out)
{
    *out = NULL;
    ka_engine *e = calloc(1, sizeof *e);
    if (!e)
        return ka_error(KA_ENOMEM, "no memory for an engine");
    int err = ka_state_init(&e->st, o);
    if (err) {
        free(e);
        return err;
    }
    e->st.quiet = 1;
    e->seed = o->seed ? o->seed : (uint64_t)(ka_now() * 1e6);
    if (!(e->rng = ka_rng_new_light(e->seed))) {
        ka_engine_free(&e);
        return ka_error(KA_ENOMEM, "no memory for an engine");
    }
    *out = e;
    return 0;
}

void ka_engine_free(ka_engine **pe)
{
    ka_engine *e = *pe;
    if (!e)
        return;
    ka_state_free(&e->st);
    ka_rng_free(e->rng);
    free(e);
    *pe = NULL;
}

int ka_engine_set_titles(ka_engine *e, const json_t *catalog)
{
    if (!json_is_array(catalog))
        return ka_error(KA_EINVAL, "a catalogue is an array of titles");
    return ka_state_set_titles(&e->st, catalog, 0, 0);
}

int ka_engine_set_experiments(ka_engine *e, json_t *list)
{
    if (!json_is_array(list))
        return ka_error(KA_EINVAL, "experiments are an array");
    return ka_state_set_exps(&e->st, list);
}

int ka_engine_decide(ka_engine *e, const char *user, const char *title_id, double now,
                     ka_engine_choice *out)
{
    memset(out, 0, sizeof *out);
    const ka_stitle *t = e->st.cat ? ka_catalog_find(e->st.cat, title_id) : NULL;
    if (!t || !t->n_variants)
        return ka_error(KA_ENOTFOUND, "no title '%s' with variants", title_id ? title_id : "");
    ka_decision d;
    ka_rng_seed(e->rng, ka_decision_seed(e->seed, user, title_id, now));
    int err = ka_serve_decide(&e->st, t, user, e->rng, &d);
    if (err)
        return err;
    out->variant_number = d.variant;
    memcpy(out->variant_id, t->vid[d.arm], sizeof out->variant_id);
    out->propensity = d.propensity;
    out->policy = ka_decision_policy(&d);
    if (d.exp) {
        out->experiment = d.exp->name;
        out->arm = d.exp->arms[d.exp_arm].name;
    }
    return 0;
}

int ka_engine_event(ka_engine *e, const ka_store_event *ev, double received_at)
{
    if (!(received_at >= e->last_received))
        return ka_error(KA_EINVAL, "events must come in the order they are received");
    e->last_received = received_at;
    ka_store_event_row row = { .id = ++e->next_id, .received_at = received_at, .e = *ev };
    return ka_fold_event(&e->st, &row);
}

int ka_engine_learn(ka_engine *e)
{
    return ka_fold_learn(&e->st);
}
