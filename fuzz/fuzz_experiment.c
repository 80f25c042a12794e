/* fuzz_experiment.c: POST /v1/experiments bodies (serve/api_experiments.c and the
 * config checks of serve/experiments.c and exp_guards.c) through the real handler
 * of a real server (serve_fixture.c). */
#include "fuzz.h"
#include "serve_fixture.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ka_fuzz_serve_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int status = ka_fuzz_serve_request("experiment_create", NULL, data, size, NULL);
    /* made, refused (400, 422), or a name taken (409): never a server error */
    FUZZ_CHECK(status == 201 || status == 400 || status == 409 || status == 422);
    return 0;
}
