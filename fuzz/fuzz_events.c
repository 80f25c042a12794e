/* fuzz_events.c: POST /v1/events bodies (serve/api_events.c) through the real
 * handler of a real server (serve_fixture.c): every batch is answered, good events
 * are stored, bad ones refused one by one. The events kept are then read back as
 * keyart's own off-policy log (serve/ope_log.c, `keyart ope --db`), with a learned
 * policy's probabilities, and evaluated. */
#include <math.h>

#include "keyart/experiment.h"
#include "keyart/serve.h"
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int status = ka_fuzz_serve_request("events", NULL, data, size, ope_log);
    /* a body is the client's fault or fine: never a server error */
    FUZZ_CHECK(status == 200 || status == 400);
    return 0;
}
