/* fuzz_experiment.c: POST /v1/experiments bodies (serve/api_experiments.c and the
 * config checks of serve/experiments.c and exp_guards.c) through the real handler
 * of a real server (serve_fixture.c). An experiment made is read back as a server
 * loads a running one, and users are assigned to its arms. */
#include <jansson.h>
#include <string.h>

#include "serve/serve_priv.h"
#include "fuzz.h"
#include "serve_fixture.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ka_fuzz_serve_init();
    return 0;
}

/* Whatever the API made, a server can load and assign. */
static void load_made(struct ka_store *db, int status)
{
    json_t *list;
    if (status != 201)
        return;
    FUZZ_CHECK(ka_store_experiments_json(db, &list) == 0);
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o) {
        const char *name = json_string_value(json_object_get(o, "name"));
        if (!name || !strcmp(name, KA_FUZZ_EXPERIMENT))
            continue;
        ka_sexp e;
        char why[256];
        int err = ka_sexp_parse(&e, name, "running", json_object_get(o, "config"), why,
                                sizeof why);
        if (err)
            fprintf(stderr, "fuzz_experiment: made but not loadable: %s\n", why);
        FUZZ_CHECK(err == 0);
        static const char *const users[] = { "u1", "u2", "someone", "x", "" };
        for (size_t u = 0; u < sizeof users / sizeof *users; u++) {
            int arm;
            FUZZ_CHECK(ka_exp_assign(&e.exp, users[u], &arm) == 0);
            FUZZ_CHECK(arm >= -1 && arm < e.exp.n_arms);
        }
        ka_sexp_clear(&e);
    }
    json_decref(list);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int status = ka_fuzz_serve_request("experiment_create", NULL, data, size, load_made);
    /* made, refused (400, 422), or a name taken (409): never a server error */
    FUZZ_CHECK(status == 201 || status == 400 || status == 409 || status == 422);
    return 0;
}
