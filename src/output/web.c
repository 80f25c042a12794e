/* web.c: finds the dashboard's files that the build put into the library
 * (web_files.c, from web/ by scripts/embed-web.py). */
#include <string.h>

#include "output_internal.h"

const ka_web_file *ka_web_file_find(const char *name)
{
    for (const ka_web_file *f = ka_web_files; name && f->name; f++)
        if (!strcmp(f->name, name))
            return f;
    return NULL;
}
