/* fuzz_events.c: POST /v1/events bodies (serve/api_events.c) through the real
 * handler of a real server (serve_fixture.c): every batch is answered, and every
 * event of a batch is accepted, a duplicate or refused with its reason (the
 * server's metrics count each as the reply does). The events kept are then read back as
 * keyart's own off-policy log (serve/ope_log.c, `keyart ope --db`), with a learned
 * policy's probabilities, and evaluated. */
#include <math.h>

#include "keyart/experiment.h"
#include "serve/serve_priv.h"
#include "fuzz.h"
#include "serve_fixture.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ka_fuzz_serve_init();
    return 0;
}

static void evaluate(const ka_ope_store_log *l, const double *pi)
{
    ka_ope_opts o;
    ka_ope_opts_default(&o);
    o.n_boot = 8;
    o.replay_passes = 4;
    ka_ope_estimate est[KA_OPE_COUNT];
    if (ka_ope_evaluate(&l->log, pi, &o, est) == 0)
        for (int m = 0; m < KA_OPE_COUNT; m++)
            FUZZ_CHECK(!isinf(est[m].value));
}

/* The fixed targets of `keyart ope --db --target`. */
static void fixed_targets(const ka_ope_store_log *l)
{
    static const char *const specs[] = { "uniform", "variant:2" };
    for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
        ka_ope_fixed *p;
        double *pi = NULL;
        FUZZ_CHECK(ka_ope_fixed_parse(specs[i], &p) == 0);
        if (ka_ope_fixed_pi(p, l, &pi) == 0)
            evaluate(l, pi);
        free(pi);
        ka_ope_fixed_free(p);
    }
}

static void ope_log(struct ka_store *db, int status)
{
    static const char *const learned[] = { NULL, "thompson", "linucb" };
    if (status != 200)
        return;                     /* nothing was stored */
    for (size_t i = 0; i < sizeof learned / sizeof *learned; i++) {
        ka_ope_store_opts o = { .learned = learned[i] };
        ka_ope_store_log l;
        if (ka_ope_log_from_store(db, &o, &l))
            continue;
        /* every impression in scope is used or counted as why not */
        FUZZ_CHECK(l.seen == l.used + l.no_propensity + l.unknown_variant + l.unsettled);
        FUZZ_CHECK(l.log.n == l.used && (!learned[i] || !l.used || l.pi));
        for (int k = 0; k < l.log.n; k++)
            FUZZ_CHECK(l.log.pscore[k] > 0 && l.log.pscore[k] <= 1 &&
                       l.log.action[k] >= 0 && l.log.action[k] < l.log.n_actions);
        if (l.used && l.pi)
            evaluate(&l, l.pi);
        if (l.used && !learned[i])
            fixed_targets(&l);
        ka_ope_store_log_free(&l);
    }
}

/* The events of a batch the server takes one by one: a JSON object with only
 * "events", a list of 1..max_events (api_events.c refuses anything else whole). */
static size_t batch_size(const uint8_t *data, size_t size, int max_events)
{
    json_t *j = size ? json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES |
                                  JSON_DECODE_ANY, NULL) : NULL;
    const json_t *events = json_object_get(j, "events");
    size_t n = json_is_object(j) && json_object_size(j) == 1 && json_is_array(events)
             ? json_array_size(events) : 0;
    json_decref(j);
    return n <= (size_t)max_events ? n : 0;
}

/* Events the reply counted: accepted (per type), duplicates, refused. */
static uint64_t counted(const ka_metrics *m)
{
    uint64_t n = atomic_load(&m->events_duplicate) + atomic_load(&m->events_rejected);
    for (int k = 0; k < KA_EVENT_COUNT; k++)
        n += atomic_load(&m->events[k]);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ka_server *s = ka_fuzz_server();
    uint64_t before = counted(&s->metrics);
    int status = ka_fuzz_serve_request("events", NULL, data, size, ope_log);
    /* a body is the client's fault or fine: never a server error */
    FUZZ_CHECK(status == 200 || status == 400);
    FUZZ_CHECK(counted(&s->metrics) - before == batch_size(data, size, s->o.max_events));
    return 0;
}
