/* fuzz_title_id.c: title ids (common/title_id.c), the names that become folders, row
 * keys and parts of URLs. Any text is either refused or accepted as a safe name, and
 * an id made from a file name is always one keyart accepts. */
#include <string.h>

#include "keyart/common.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = ka_fuzz_str(data, size);
    if (ka_title_id_check(s) == 0) {
        size_t n = strlen(s);
        FUZZ_CHECK(n >= 1 && n <= KA_TITLE_ID_MAX);
        FUZZ_CHECK(s[0] != '.' && s[0] != '-' && !strchr(s, '/'));
    }
    char *id = ka_title_id_from_path(s);
    FUZZ_CHECK(id && ka_title_id_check(id) == 0);
    free(id);
    free(s);
    return 0;
}
