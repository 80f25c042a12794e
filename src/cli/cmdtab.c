/* cmdtab.c: the declarative command line. A command is a table (ka_cli_cmd: name,
 * synopsis, summary, description, option rows, run function); from it come getopt's
 * option array, the parsing with one set of messages for every command, the command's
 * --help, `keyart --help`, `keyart help --usage` (the README's Usage block) and, via
 * --help, the man page (docs/mkman.py reads the layout printed here). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { WIDTH = 80, HELP_COL = 25, VAL_BASE = 0x10000, NOT_COMMON = 2 };

_Static_assert(KA_MAX_PIXELS_DEFAULT == 35389440, "KA_CLI_ROW_MAX_PIXELS's help states it");

/* Prints text from column col (the first line starts at column first), filled to
 * width; with groups, breaks only at spaces outside brackets and parentheses, so that
 * a usage's "[--db URL]" never splits. */
static void fill(FILE *f, const char *text, int first, int col, int width, int groups)
{
    int at = first, depth = 0, words = 0;
    const char *p = text;
    for (;;) {
        while (*p == ' ' || *p == '\n')
            p++;
        const char *w = p;
        for (; *p && !((*p == ' ' || *p == '\n') && depth <= 0); p++)
            depth += groups * ((*p == '[' || *p == '(') - (*p == ']' || *p == ')'));
        int len = (int)(p - w);
        if (!len)
            break;
        if (at > col && at + !!words + len > width) {
            fprintf(f, "\n%*s", col, "");
            at = col;
        } else if (words) {
            fputc(' ', f);
            at++;
        } else if (at < col) {
            fprintf(f, "%*s", col - at, "");
            at = col;
        }
        fwrite(w, 1, (size_t)len, f);
        at += len;
        words++;
    }
    fputc('\n', f);
}

/* Paragraphs separated by blank lines, each filled at column 0. */
static void paragraphs(FILE *f, const char *text)
{
    char *copy = strdup(text);
    for (char *p = copy, *end; p && *p; p = end ? end + 2 : NULL) {
        end = strstr(p, "\n\n");
        if (end)
            *end = '\0';
        if (p != copy)
            fputc('\n', f);
        fill(f, p, 0, 0, WIDTH, 0);
    }
    free(copy);
}

/* "-o, --output DIR" */
static int opt_tag(const ka_cli_opt *o, char *buf, size_t size)
{
    char s[8] = "";
    if (o->short_name)
        snprintf(s, sizeof s, "-%c, ", o->short_name);
    return snprintf(buf, size, "%s--%s%s%s", s, o->name, o->metavar ? " " : "",
                    o->metavar ? o->metavar : "");
}

/* The synopsis lines of c after "PREFIX keyart NAME ", each filled under itself. */
static void usages(FILE *f, const ka_cli_cmd *c, const char *first, const char *more,
                   int width)
{
    const char *s = c->synopsis;
    for (int i = 0; s && *s; i++) {
        size_t len = strcspn(s, "\n");
        char *line = strndup(s, len);
        int n = fprintf(f, "%skeyart %s ", i ? more : first, c->name);
        fill(f, line, n, n, width, 1);
        free(line);
        s += len + (s[len] == '\n');
    }
}

static void options(FILE *f, const ka_cli_opt *opts)
{
    for (const ka_cli_opt *o = opts; o && o->help; o++) {
        if (!o->name) {                 /* a heading: options of one use */
            if (o != opts)
                fputc('\n', f);
            fill(f, o->help, 0, 0, WIDTH, 0);
            continue;
        }
        char tag[128];
        int n = opt_tag(o, tag, sizeof tag) + 2;
        fprintf(f, "  %s", tag);
        if (n + 2 > HELP_COL) {
            fputc('\n', f);
            n = 0;
        }
        fill(f, o->help, n, HELP_COL, WIDTH, 0);
        if (o->more)
            o->more(f);
    }
}

void ka_cli_help(FILE *f, const ka_cli_cmd *c)
{
    const ka_cli_cmd *const *s = c->subs;
    usages(f, s ? s[0] : c, "usage: ", "       ", WIDTH);
    for (int i = 1; s && s[i]; i++)
        usages(f, s[i], "       ", "       ", WIDTH);
    if (c->description) {
        fputc('\n', f);
        paragraphs(f, c->description);
    }
    if (c->opts && c->opts[0].help)
        fputc('\n', f);
    options(f, c->opts);
    for (int i = 0; s && s[i]; i++) {   /* each subcommand's options under its summary */
        fprintf(f, "\nkeyart %s: ", s[i]->name);
        fill(f, s[i]->summary, (int)strlen(s[i]->name) + 9, 0, WIDTH, 0);
        options(f, s[i]->opts);
    }
}

void ka_cli_usage_lines(FILE *f, const ka_cli_cmd *const *cmds)
{
    for (int i = 0; cmds[i]; i++) {
        if (cmds[i]->subs)
            for (const ka_cli_cmd *const *s = cmds[i]->subs; *s; s++)
                usages(f, *s, "", "", 88);
        else
            usages(f, cmds[i], "", "", 88);
    }
}

void ka_cli_command_list(FILE *f, const ka_cli_cmd *const *cmds)
{
    enum { COL = 17 };
    for (int i = 0; cmds[i]; i++) {
        int n = fprintf(f, "  %s", cmds[i]->name);
        fill(f, cmds[i]->summary, n, n + 2 > COL ? n + 2 : COL, WIDTH, 0);
    }
}

/* The row of getopt's val v, or of short option ch. */
static const ka_cli_opt *row_of(const ka_cli_opt *opts, int v)
{
    if (v >= VAL_BASE)
        return &opts[v - VAL_BASE];
    for (const ka_cli_opt *o = opts; o && o->help; o++)
        if (o->name && o->short_name == v)
            return o;
    return NULL;
}

/* The options every command handles the same way, into com; NOT_COMMON for the
 * command's own. */
static int common_option(const ka_cli_opt *o, const char *arg, ka_cli_common *com)
{
    int n;
    switch (o->id) {
    case KA_CLI_OPT_MAX_PIXELS:
        if (ka_parse_int(arg, 1, INT32_MAX, &n))
            return KA_CLI_BADVAL;
        com->max_pixels = n;
        return 0;
    case KA_CLI_OPT_DB: com->db = arg; return 0;
    case KA_CLI_OPT_ARTWORK: com->artwork = arg; return 0;
    case KA_CLI_OPT_JSON: com->json = 1; return 0;
    case KA_CLI_OPT_QUIET: com->quiet = 1; return 0;
    case KA_CLI_OPT_STAGE:
    case KA_CLI_OPT_DETECTOR:
    case KA_CLI_OPT_MODELS:
        return ka_cli_stage_option(o->id, arg, &com->stages) ? KA_CLI_BAD : 0;
    default: return NOT_COMMON;
    }
}

/* Checks the n operands against c->operands; -1 after saying what is wrong. */
static int operands(const ka_cli_cmd *c, int n, char **v)
{
    const char *want = c->operands;
    if (want && !strcmp(want, "*"))
        return 0;
    size_t len = want ? strlen(want) : 0;
    int many = len > 3 && !strcmp(want + len - 3, "...");
    if (!want && n)
        fprintf(stderr, "keyart %s: unexpected argument '%s'\n", c->name, v[0]);
    else if (want && (n == 0 || (n > 1 && !many)))
        fprintf(stderr, "keyart %s: expected %s%s\n", c->name, many ? "" : "one ", want);
    else
        return 0;
    return -1;
}

int ka_cli_parse(const ka_cli_cmd *c, int argc, char **argv, void *ctx, ka_cli_common *com)
{
    int n = 0;
    while (c->opts && c->opts[n].help)
        n++;
    struct option *lo = calloc((size_t)n + 2, sizeof *lo);
    char shorts[2 * 32 + 4] = ":h";     /* ':' first: a missing value is told apart */
    size_t ns = strlen(shorts), k = 0;
    if (!lo) {
        fprintf(stderr, "keyart: out of memory\n");
        return KA_CLI_BAD;
    }
    for (int i = 0; i < n; i++) {
        const ka_cli_opt *o = &c->opts[i];
        if (!o->name)
            continue;
        lo[k++] = (struct option){ o->name, o->metavar ? required_argument : no_argument,
                                   NULL, VAL_BASE + i };
        if (o->short_name && ns + 2 < sizeof shorts) {
            shorts[ns++] = (char)o->short_name;
            if (o->metavar)
                shorts[ns++] = ':';
        }
    }
    lo[k++] = (struct option){ "help", no_argument, NULL, 'h' };
    shorts[ns] = '\0';
    int ch, rc = 0;
    optind = 1;
    opterr = 0;
    while (!rc && (ch = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
        const ka_cli_opt *o = ch == '?' || ch == ':' ? NULL : row_of(c->opts, ch);
        if (ch == 'h' && !o) {
            ka_cli_help(stdout, c);
            rc = KA_CLI_HELP;
        } else if (ch == ':') {
            const ka_cli_opt *m = row_of(c->opts, optopt);
            if (m && optopt < VAL_BASE)
                fprintf(stderr, "keyart %s: missing value for -%c\n", c->name, optopt);
            else
                fprintf(stderr, "keyart %s: missing value for --%s\n", c->name,
                        m ? m->name : "?");
            rc = KA_CLI_BAD;
        } else if (!o) {
            if (optopt)
                fprintf(stderr, "keyart %s: unknown option '-%c'\n", c->name, optopt);
            else
                fprintf(stderr, "keyart %s: unknown option '%.*s'\n", c->name,
                        (int)strcspn(argv[optind - 1], "="), argv[optind - 1]);
            rc = KA_CLI_BAD;
        } else {
            int r = common_option(o, optarg, com);
            if (r == NOT_COMMON)
                r = c->opt ? c->opt(ctx, o->id, optarg) : KA_CLI_BAD;
            if (r == KA_CLI_BADVAL)
                fprintf(stderr, "keyart %s: bad value '%s' for --%s (see --help)\n", c->name,
                        optarg, o->name);
            if (r)
                rc = KA_CLI_BAD;
        }
    }
    free(lo);
    if (!rc && operands(c, argc - optind, argv + optind))
        rc = KA_CLI_BAD;
    if (!rc && com && ka_cli_stage_opts_check(c->name, &com->stages))
        rc = KA_CLI_BAD;
    if (rc && com)
        ka_cli_stage_opts_free(&com->stages);
    return rc ? rc : optind;
}

int ka_cli_dispatch(const char *prog, const ka_cli_cmd *const *cmds, int argc, char **argv)
{
    const char *name = argv[0];
    for (int i = 0; cmds[i]; i++) {
        const char *cn = cmds[i]->name;
        size_t pl = prog ? strlen(prog) + 1 : 0;    /* "cast add": after "cast " */
        if (!strcmp(cn + pl, name) || (cmds[i]->alias && !strcmp(cmds[i]->alias, name)))
            return cmds[i]->run(cmds[i], argc, argv);
    }
    return -1;
}

int ka_cli_run_subs(const ka_cli_cmd *self, int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        ka_cli_help(argc < 2 ? stderr : stdout, self);
        return argc < 2 ? KA_EXIT_USAGE : KA_EXIT_OK;
    }
    int rc = ka_cli_dispatch(self->name, self->subs, argc - 1, argv + 1);
    if (rc >= 0)
        return rc;
    fprintf(stderr, "keyart %s: unknown subcommand '%s' (", self->name, argv[1]);
    for (int i = 0; self->subs[i]; i++)
        fprintf(stderr, "%s%s", i ? ", " : "", self->subs[i]->name + strlen(self->name) + 1);
    fprintf(stderr, ")\n");
    return KA_EXIT_USAGE;
}
