/* options.c: setting a part's options struct from its option table (keyart/options.h):
 * defaults, and one "name=value" at a time with a message that says what is allowed. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "keyart/common.h"
#include "keyart/options.h"

const ka_option *ka_option_find(const ka_option *t, const char *name)
{
    for (; t && t->name; t++)
        if (name && !strcmp(t->name, name))
            return t;
    return NULL;
}

static int parse_bool(const char *v, int *out)
{
    static const char *const yes[] = { "1", "true", "yes", "on" }, *const no[] = { "0",
        "false", "no", "off" };
    for (size_t i = 0; i < 4; i++) {
        if (!strcasecmp(v, yes[i]))
            return *out = 1, 0;
        if (!strcasecmp(v, no[i]))
            return *out = 0, 0;
    }
    return -1;
}

static int parse_choice(const ka_option *o, const char *v, int *out)
{
    for (int i = 0; o->choices && o->choices[i]; i++)
        if (!strcmp(o->choices[i], v))
            return *out = i, 0;
    return -1;
}

/* The choices or names of t as "a, b, c" into buf. */
static const char *list(const char *const *names, const ka_option *t, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; names ? names[i] != NULL : t[i].name != NULL; i++)
        n += (size_t)snprintf(buf + (n < size ? n : size), n < size ? size - n : 0, "%s%s",
                              i ? ", " : "", names ? names[i] : t[i].name);
    return buf;
}

static int set(const ka_option *o, void *obj, const char *v)
{
    char *field = (char *)obj + o->offset, buf[256];
    int i;
    double d;
    switch (o->type) {
    case KA_OPT_BOOL:
        if (parse_bool(v, &i))
            return ka_error(KA_EINVAL, "%s wants true or false, not '%s'", o->name, v);
        memcpy(field, &i, sizeof i);
        return 0;
    case KA_OPT_INT:
        if (ka_parse_int(v, (int)o->lo, (int)o->hi, &i))
            return ka_error(KA_EINVAL, "%s wants a whole number in %g..%g, not '%s'", o->name,
                            o->lo, o->hi, v);
        memcpy(field, &i, sizeof i);
        return 0;
    case KA_OPT_DOUBLE:
        if (ka_parse_double(v, o->lo, o->hi, &d))
            return ka_error(KA_EINVAL, "%s wants a number in %g..%g, not '%s'", o->name, o->lo,
                            o->hi, v);
        memcpy(field, &d, sizeof d);
        return 0;
    case KA_OPT_STRING:
        if (v && !*v)
            return ka_error(KA_EINVAL, "%s wants a value", o->name);
        memcpy(field, &v, sizeof v);
        return 0;
    case KA_OPT_CHOICE:
        if (parse_choice(o, v, &i))
            return ka_error(KA_EINVAL, "%s is one of %s, not '%s'", o->name,
                            list(o->choices, NULL, buf, sizeof buf), v);
        memcpy(field, &i, sizeof i);
        return 0;
    }
    return ka_error(KA_EINTERNAL, "option %s has an unknown type", o->name);
}

void ka_options_defaults(const ka_option *t, void *obj)
{
    for (; t && t->name; t++) {
        if (t->type == KA_OPT_STRING) {
            const char *v = t->def;
            memcpy((char *)obj + t->offset, &v, sizeof v);
        } else if (t->def) {
            set(t, obj, t->def);
        }
    }
}

int ka_option_set(const ka_option *t, void *obj, const char *name, const char *value)
{
    char buf[256];
    const ka_option *o = ka_option_find(t, name);
    if (!o)
        return ka_error(KA_EINVAL, "unknown option '%s' (there are: %s)", name ? name : "",
                        t && t->name ? list(NULL, t, buf, sizeof buf) : "none");
    return set(o, obj, value ? value : "");
}
