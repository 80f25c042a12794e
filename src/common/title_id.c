/* title_id.c: what may name a title. An id becomes a folder (keyart-out/<id>), a row
 * key and part of URLs, so it is kept to a safe alphabet: a name can never climb out
 * of its folder ("..", "/"), hide (".x"), look like an option ("-x") or be empty. An
 * id made from a file name is mapped into that alphabet rather than refused. */
#include <stdlib.h>
#include <string.h>

#include "keyart/common.h"

static int safe_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.' || c == '+' || c == ':';
}

int ka_title_id_check(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n < 1 || n > KA_TITLE_ID_MAX)
        return ka_error(KA_EINVAL, "a title id has 1 to %d characters (got %zu)",
                        KA_TITLE_ID_MAX, n);
    if (id[0] == '.' || id[0] == '-')
        return ka_error(KA_EINVAL, "title id '%s' starts with '%c' (a hidden name or an "
                        "option): start it with a letter, digit or '_'", id, id[0]);
    for (size_t i = 0; i < n; i++)
        if (!safe_char(id[i]))
            return ka_error(KA_EINVAL, "title id '%.64s' has '%c' at %zu: use letters, "
                            "digits and _ - . + :", id, id[i] >= 32 && id[i] < 127 ? id[i]
                            : '?', i + 1);
    return 0;
}

char *ka_title_id_from_path(const char *path)
{
    const char *base = path ? strrchr(path, '/') : NULL;
    base = base ? base + 1 : path ? path : "";
    size_t n = strlen(base);
    const char *dot = strrchr(base, '.');
    if (dot && dot != base)
        n = (size_t)(dot - base);
    if (n > KA_TITLE_ID_MAX)
        n = KA_TITLE_ID_MAX;
    char *id = malloc(n + sizeof "title");
    if (!id)
        return NULL;
    for (size_t i = 0; i < n; i++)
        id[i] = safe_char(base[i]) ? base[i] : '_';
    id[n] = '\0';
    if (n && (id[0] == '.' || id[0] == '-'))
        id[0] = '_';
    if (!n)
        strcpy(id, "title");
    return id;
}
