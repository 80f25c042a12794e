/* fuzz_db_url.c: database URLs (--db, $KEYART_DB) as store/store.c reads them before
 * any connection: which backend, which SQLite file, and the name with the password
 * hidden that every message about the database quotes. Nothing is opened. */
#include <string.h>

#include "store/store_priv.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *url = ka_fuzz_str(data, size);
    char *name = ka_store_url_mask(url);
    FUZZ_CHECK(name);
    /* "***" stands for a password: the name grows by at most 3 bytes for the user
     * info's and 2 for each short password= value (10 bytes and more) */
    FUZZ_CHECK(strlen(name) <= strlen(url) + 3 + strlen(url) / 5);
    /* every password= parameter is hidden, whatever its length */
    for (const char *pw = strstr(name, "password="); pw; pw = strstr(pw + 9, "password="))
        FUZZ_CHECK(!strncmp(pw + 9, "***", 3) || !pw[9] || pw[9] == '&' || pw[9] == ' ');
    const char *path = NULL;
    /* (ka_store_open takes "" for the default URL: never parsed) */
    if (*url && ka_store_url_parse(url, name, &path) == 0 && path) {
        /* the file is the end of the URL itself */
        FUZZ_CHECK(*path && path >= url && path <= url + strlen(url));
    }
    free(name);
    free(url);
    return 0;
}
