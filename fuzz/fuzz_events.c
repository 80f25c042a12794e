/* fuzz_events.c: POST /v1/events bodies (serve/api_events.c) through the real
 * handler of a real server (serve_fixture.c): every batch is answered, good events
 * are stored, bad ones refused one by one. */
#include "fuzz.h"
#include "serve_fixture.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ka_fuzz_serve_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int status = ka_fuzz_serve_request("events", NULL, data, size);
    /* a body is the client's fault or fine: never a server error */
    FUZZ_CHECK(status == 200 || status == 400);
    return 0;
}
