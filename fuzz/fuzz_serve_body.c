/* fuzz_serve_body.c: the other JSON bodies of the HTTP API, each input sent to every
 * route that takes one (serve/api_artwork.c, api_experiments.c): POST
 * /v1/artwork:batch, and .../ship, .../start and .../stop of the fixture's running
 * experiment (serve_fixture.c). */
#include "fuzz.h"
#include "serve_fixture.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ka_fuzz_serve_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const routes[] = { "experiment_ship", "experiment_start",
                                          "experiment_stop" };
    int status = ka_fuzz_serve_request("artwork_batch", NULL, data, size, NULL);
    FUZZ_CHECK(status == 200 || status == 400);
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
        status = ka_fuzz_serve_request(routes[i], KA_FUZZ_EXPERIMENT, data, size, NULL);
        FUZZ_CHECK(status < 500);
    }
    return 0;
}
