/* fuzz_ope_files.c: the other files of off-policy evaluation (experiment/obd.c,
 * experiment/ope_target.c): OBD's prior_bts.yaml (campaign "all"), whose priors are
 * then drawn from as `keyart ope --policy bts` does, and a target policy file
 * (`keyart ope --db --target FILE`). Each input is read as both. */
#include <math.h>
#include <unistd.h>

#include "keyart/experiment.h"
#include "fuzz.h"

static void prior(const char *path)
{
    double *alpha, *beta;
    int n;
    if (ka_ope_read_bts_prior(path, "all", &alpha, &beta, &n))
        return;
    FUZZ_CHECK(n > 0);
    for (int i = 0; i < n; i++)
        FUZZ_CHECK(alpha[i] > 0 && beta[i] > 0);
    int slots = n < 3 ? n : 3;
    double *dist = malloc(sizeof *dist * (size_t)n * (size_t)slots);
    if (dist && ka_ope_bts_slate_dist(alpha, beta, n, slots, 16, 1, dist) == 0)
        for (int k = 0; k < slots; k++) {
            double sum = 0;             /* every slot holds one item */
            for (int i = 0; i < n; i++)
                sum += dist[i * slots + k];
            FUZZ_CHECK(fabs(sum - 1) < 1e-9);
        }
    free(dist);
    free(alpha);
    free(beta);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[32];
    int fd = ka_fuzz_file(data, size, path);
    if (fd < 0)
        return 0;
    prior(path);
    ka_ope_fixed *fixed = NULL;
    if (ka_ope_fixed_read(path, &fixed) == 0)
        FUZZ_CHECK(fixed && ka_ope_fixed_name(fixed));
    ka_ope_fixed_free(fixed);
    close(fd);
    return 0;
}
