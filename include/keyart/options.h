/* keyart/options.h: the options of a part of keyart (a pipeline stage) as a table, in
 * the manner of FFmpeg's AVOption: each row a name, a line of help, a type, a default
 * and a range, and where the value goes in the part's own options struct. Front ends
 * (keyart analyze, enqueue, worker, train-ranker) pass options as "name=value"
 * strings; the table checks them and sets the struct, so no front end knows a part's
 * options and no option lives in process-wide state. */
#ifndef KEYART_OPTIONS_H
#define KEYART_OPTIONS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ka_option_type {
    KA_OPT_BOOL,                    /* int field: 0/1 (true, false, yes, no, 1, 0) */
    KA_OPT_INT,                     /* int field, lo..hi */
    KA_OPT_DOUBLE,                  /* double field, lo..hi */
    KA_OPT_STRING,                  /* const char * field, pointing into the value given
                                     * (which must outlive the struct) */
    KA_OPT_CHOICE,                  /* int field: the index of the value in choices */
} ka_option_type;

typedef struct ka_option {
    const char *name;               /* NULL ends a table */
    const char *help;
    ka_option_type type;
    size_t offset;                  /* of the field in the options struct */
    const char *def;                /* the default as text (NULL: a string's NULL) */
    double lo, hi;                  /* KA_OPT_INT, KA_OPT_DOUBLE */
    const char *const *choices;     /* KA_OPT_CHOICE: NULL-terminated */
} ka_option;

/* Sets every field of table t in obj to its default. */
void ka_options_defaults(const ka_option *t, void *obj);
/* Sets option name of table t in obj from value. 0, or KA_EINVAL with the reason
 * (unknown option, the options there are; a value out of range or not a choice). */
int ka_option_set(const ka_option *t, void *obj, const char *name, const char *value);
/* The row of name in t, or NULL. */
const ka_option *ka_option_find(const ka_option *t, const char *name);

#ifdef __cplusplus
}
#endif
#endif
