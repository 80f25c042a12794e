/* fuzz_serve_body.c: the other JSON bodies of the HTTP API, each input sent to every
 * route that takes one (serve/api_artwork.c, api_experiments.c, api_dashboard.c): POST
 * /v1/artwork:batch, .../ship, .../start and .../stop of the fixture's running
 * experiment (serve_fixture.c), and an editor's pin, unpin, exclude and include of one
 * of its variants (an empty body or {}: 200; anything else 400). */
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
    static const char *const controls[] = { "variant_pin", "variant_unpin", "variant_exclude",
                                            "variant_include" };
    for (size_t i = 0; i < sizeof controls / sizeof *controls; i++) {
        status = ka_fuzz_serve_request(controls[i], KA_FUZZ_VARIANT, data, size, NULL);
        FUZZ_CHECK(status == 200 || status == 400);
    }
    return 0;
}
