/* fuzz_obd.c: Open Bandit Dataset logs (experiment/obd.c; `keyart ope --log`), read
 * and then evaluated as `keyart ope --policy uniform` does (few bootstrap draws, and
 * only logs small enough that the policy table stays small). A log is refused with a
 * reason or gives rows in range and estimates that are numbers. */
#include <math.h>
#include <unistd.h>

#include "keyart/experiment.h"
#include "fuzz.h"

enum { MAX_CELLS = 1 << 16 };       /* events x actions of the policy table */

static void evaluate(const ka_ope_log *log)
{
    double *pi = NULL;
    ka_ope_opts o;
    ka_ope_opts_default(&o);
    o.n_boot = 8;
    o.replay_passes = 4;
    ka_ope_estimate est[KA_OPE_COUNT];
    if (ka_ope_pi_from_slots(log, NULL, &pi) == 0 && ka_ope_evaluate(log, pi, &o, est) == 0)
        for (int m = 0; m < KA_OPE_COUNT; m++)
            FUZZ_CHECK(!isinf(est[m].value));
    free(pi);
    ka_ope_observed_estimate(log, &o, est);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[32];
    int fd = ka_fuzz_file(data, size, path);
    if (fd < 0)
        return 0;
    ka_ope_log log;
    if (ka_ope_read_obd(path, &log) == 0) {
        FUZZ_CHECK(log.n > 0 && log.n_actions > 0 && log.n_slots > 0);
        for (int i = 0; i < log.n; i++)
            FUZZ_CHECK(log.action[i] >= 0 && log.action[i] < log.n_actions &&
                       log.slot[i] >= 0 && log.slot[i] < log.n_slots &&
                       log.pscore[i] > 0 && log.pscore[i] <= 1);
        if ((double)log.n * log.n_actions <= MAX_CELLS)
            evaluate(&log);
        ka_ope_log_free(&log);
    }
    close(fd);
    return 0;
}
