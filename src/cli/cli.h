/* cli.h: what the keyart command's files share: exit codes, the command tables and
 * their parser (cmdtab.c), option value helpers and the progress bar. */
#ifndef KA_CLI_H
#define KA_CLI_H

#include <stdio.h>

#include "keyart/keyart.h"

/* Exit codes, documented in the README and in `keyart --help`. */
enum {
    KA_EXIT_OK = 0,
    KA_EXIT_USAGE = 1,      /* bad command line */
    KA_EXIT_INPUT = 2,      /* the input is not a usable video */
    KA_EXIT_OUTPUT = 3,     /* results could not be written */
    KA_EXIT_INTERNAL = 4,   /* out of memory, a bug */
};

/* cmd_store.c and cmd_queue.c: the database and the work queue. */
/* Opens the database (url NULL: $KEYART_DB, else sqlite:keyart.db); on failure prints
 * "keyart CMD: <why>" and returns the exit code (1 bad URL, 3 cannot open or use). */
int ka_cli_store_open(const char *cmd, const char *url, int flags, ka_store **out);
/* Stores an analysis with its images in artwork (NULL: the default); prints the error
 * and returns an exit code. */
int ka_cli_store_save(ka_store *s, const ka_title *t, const ka_selection *sel,
                      const char *genre, const char *artwork);
/* The exit code for a store error. */
int ka_cli_store_exit(int err);
/* Prints j (taking it) on stdout, indented; returns an exit code. */
int ka_cli_print_json(struct json_t *j);

/* sim_http.c: a running keyart serve (--clock request) at url as the server of a
 * simulated world (keyart simulate --over-http), deciding by policy; token: the
 * bearer token of its write routes. Checks the server answers (KA_EIO saying why). */
int ka_cli_sim_http_open(const char *url, const char *token, const char *policy,
                         ka_sim_server *out);
void ka_cli_sim_http_close(ka_sim_server *srv);

/* sim_plot.c: a PNG of width x height at path: the expected click rate per day of each
 * result (a line each, a legend, axes with ticks). KA_EIO, KA_ENOMEM. */
int ka_cli_sim_plot(const char *path, const ka_sim_result *r, int n, int width, int height);

/* cmd_ope.c: ope's command line, parsed once for both kinds of log; ope_db.c evaluates
 * on keyart's own events (--db) and returns an exit code. */
typedef struct ka_cli_ope_args {
    const char *db, *title, *experiment, *arm;      /* keyart's own log */
    const char *log, *prior, *campaign, *compare;   /* an Open Bandit Dataset CSV */
    const char *policy;
    double attribution_s;
    int json, sims;
    ka_ope_opts o;
} ka_cli_ope_args;
int ka_cli_ope_db(const ka_cli_ope_args *a);

/* stage_opts.c: the analysis stages' options ("stage.option=value" strings). */
typedef struct ka_cli_stage_opts {
    char **v;
    int n, cap;
} ka_cli_stage_opts;

/* cmdtab.c: the declarative command line. A command is a table; parsing, --help,
 * `keyart --help`, `keyart help --usage` (the README's Usage block) and the man page
 * (docs/mkman.py, from --help) all come from the tables. */
typedef struct ka_cli_opt {
    const char *name;           /* long name; NULL (with help): a heading */
    int short_name;             /* 'o' for -o, or 0 */
    const char *metavar;        /* "DIR"; NULL: a flag */
    const char *help;           /* filled at print time; NULL ends the table */
    int id;                     /* what the handler is given */
    void (*more)(FILE *f);      /* lines printed under the help (stage options) */
} ka_cli_opt;

typedef struct ka_cli_cmd {
    const char *name;           /* "analyze", "cast add" */
    const char *alias;          /* another name it answers to, or NULL */
    const char *synopsis;       /* after "keyart NAME ": one usage a line */
    const char *summary;        /* for keyart --help */
    const char *description;    /* paragraphs, blank-line separated; or NULL */
    /* The operands the parser checks: NULL none, "VIDEO" exactly one, "VIDEO..." one or
     * more; "*": the command checks them itself. */
    const char *operands;
    const ka_cli_opt *opts;
    /* An option of the command's own; 0, KA_CLI_BAD (said why) or KA_CLI_BADVAL (the
     * parser says "bad value 'ARG' for --NAME"). */
    int (*opt)(void *ctx, int id, const char *arg);
    int (*run)(const struct ka_cli_cmd *self, int argc, char **argv);
    const struct ka_cli_cmd *const *subs;   /* subcommands (cast add, cast list) */
} ka_cli_cmd;

/* The options several commands share: the parser stores them in ka_cli_common; the
 * KA_CLI_ROW_* macros are their rows (the argument ends the help text). */
enum { KA_CLI_OPT_MODELS = 0x1000, KA_CLI_OPT_DETECTOR, KA_CLI_OPT_DB, KA_CLI_OPT_STAGE,
       KA_CLI_OPT_JSON, KA_CLI_OPT_QUIET, KA_CLI_OPT_ARTWORK, KA_CLI_OPT_RANKER,
       KA_CLI_OPT_FACE_MODELS, KA_CLI_OPT_FACE_DETECTOR, KA_CLI_OPT_MAX_PIXELS };
typedef struct ka_cli_common {
    const char *db, *artwork;   /* --db URL, --artwork DIR */
    int json, quiet;
    int64_t max_pixels;         /* --max-pixels N; 0 = KA_MAX_PIXELS_DEFAULT */
    ka_cli_stage_opts stages;   /* --stage-opt, --models, --detector (checked) */
} ka_cli_common;

#define KA_CLI_DB_HELP "sqlite:PATH or postgresql://... (default $KEYART_DB, else " \
    "sqlite:keyart.db)"
#define KA_CLI_ROW_DB(more) { "db", 0, "URL", "the database: " KA_CLI_DB_HELP more, \
    KA_CLI_OPT_DB, NULL }
#define KA_CLI_ROW_JSON(help) { "json", 0, NULL, help, KA_CLI_OPT_JSON, NULL }
#define KA_CLI_ROW_QUIET(help) { "quiet", 'q', NULL, help, KA_CLI_OPT_QUIET, NULL }
#define KA_CLI_ROW_ARTWORK(more) { "artwork", 0, "DIR", "the artwork folder stored " \
    "images go to (default $KEYART_ARTWORK, else artwork)" more, KA_CLI_OPT_ARTWORK, NULL }
#define KA_CLI_ROW_RANKER(more) { "ranker", 0, "FILE", "the ranker that orders " \
    "candidates as artwork (keyart train-ranker; default: the one built in)" more, \
    KA_CLI_OPT_RANKER, NULL }
/* The help states KA_MAX_PIXELS_DEFAULT (cmdtab.c asserts that they agree). */
#define KA_CLI_ROW_MAX_PIXELS(more) { "max-pixels", 0, "N", "refuse a video whose frames " \
    "have more than N pixels, coded or as displayed, before decoding any (1..2147483647; " \
    "default 35389440, 8192x4320; 10-bit, 4:4:4 and RGB pixels count twice): it bounds " \
    "the memory a frame takes" more, \
    KA_CLI_OPT_MAX_PIXELS, NULL }
#define KA_CLI_MODELS_HELP "face and object models, ':'-separated folders (default " \
    "$KEYART_MODELS, else PREFIX/share/keyart/models, after the source tree's models/ " \
    "when run from the build tree)"
/* The analysis stages' options (analyze, enqueue, train-ranker). */
#define KA_CLI_ROWS_STAGE \
    { "stage-opt", 0, "STAGE.OPTION=VALUE", "an option of an analysis stage " \
      "(repeatable):", KA_CLI_OPT_STAGE, ka_stage_opts_print }, \
    { "detector", 0, "D", "the same as --stage-opt faces.detector=D", \
      KA_CLI_OPT_DETECTOR, NULL }, \
    { "models", 0, "DIR", "the same as --stage-opt faces.models=DIR: " KA_CLI_MODELS_HELP \
      "; without them OpenCV's cascades find the faces", KA_CLI_OPT_MODELS, NULL }
/* The face commands' own (cast, identify): into ka_vision_opts (ka_cli_face_option). */
#define KA_CLI_ROWS_FACE \
    { "models", 0, "DIR", KA_CLI_MODELS_HELP, KA_CLI_OPT_FACE_MODELS, NULL }, \
    { "detector", 0, "D", "auto (default), faceplugin, yunet, ultraface, cascade", \
      KA_CLI_OPT_FACE_DETECTOR, NULL }

enum { KA_CLI_HELP = -2, KA_CLI_BAD = -1, KA_CLI_BADVAL = 1 };
/* Parses c's options (ctx goes to c->opt; com gets the shared ones and may be NULL
 * when c has none); unknown options, missing and bad values are said the same way
 * for every command. Returns the index of the first operand, or KA_CLI_HELP (--help
 * printed) or KA_CLI_BAD (said why; com's stage options freed): see ka_cli_exit. */
int ka_cli_parse(const ka_cli_cmd *c, int argc, char **argv, void *ctx, ka_cli_common *com);
static inline int ka_cli_exit(int parsed)
{
    return parsed == KA_CLI_HELP ? KA_EXIT_OK : KA_EXIT_USAGE;
}
void ka_cli_help(FILE *f, const ka_cli_cmd *c);
/* Runs the command of cmds named argv[0] (after "PROG " for subcommands); -1 if none. */
int ka_cli_dispatch(const char *prog, const ka_cli_cmd *const *cmds, int argc, char **argv);
/* A run function for a command made of subcommands (self->subs). */
int ka_cli_run_subs(const ka_cli_cmd *self, int argc, char **argv);
/* `keyart help --usage`: every command's usages, one a line (filled to 88). */
void ka_cli_usage_lines(FILE *f, const ka_cli_cmd *const *cmds);
/* The "commands:" list of keyart --help: name and summary. */
void ka_cli_command_list(FILE *f, const ka_cli_cmd *const *cmds);

/* The commands, one table each (cmd_*.c), and their list (main.c). */
extern const ka_cli_cmd ka_cli_analyze, ka_cli_shots, ka_cli_titles, ka_cli_variants,
    ka_cli_export, ka_cli_enqueue, ka_cli_worker, ka_cli_jobs, ka_cli_cast,
    ka_cli_identify, ka_cli_ope, ka_cli_train_ranker, ka_cli_serve, ka_cli_simulate;
extern const ka_cli_cmd *const ka_cli_commands[];

/* Adds prefix + value; -1 out of memory (printed). */
int ka_cli_stage_opt_add(ka_cli_stage_opts *s, const char *prefix, const char *value);
/* Applies option c (--stage-opt, --detector, --models); 0 done, 1 not one of these,
 * -1 out of memory. */
int ka_cli_stage_option(int c, const char *arg, ka_cli_stage_opts *s);
/* Checks them against the stages' tables; prints "keyart CMD: why" and returns -1. */
int ka_cli_stage_opts_check(const char *cmd, const ka_cli_stage_opts *s);
void ka_cli_stage_opts_free(ka_cli_stage_opts *s);
/* The vision options of the face commands: faces and identities only. */
void ka_cli_face_opts_default(ka_vision_opts *o);
/* Applies option c; 0 done, 1 not a face option, -1 bad value (message printed). */
int ka_cli_face_option(int c, const char *arg, ka_vision_opts *o);
/* The cast of title (every title when NULL) from the database at url (read only;
 * NULL: the default); prints "keyart CMD: <why>" and returns an exit code. */
int ka_cli_cast_load(const char *cmd, const char *url, const char *title, ka_cast **out);
/* A JPEG photo as RGB; prints why not and returns < 0. */
int ka_cli_read_photo(const char *path, ka_image *rgb);
/* Opens vision; with need_identity, fails (exit code 2) without the identity model. */
int ka_cli_open_vision(const ka_vision_opts *o, ka_vision **v, int need_identity);

/* The whole of a text file (at most 4 MiB, no NUL) into *out (malloc'd); prints
 * "keyart CMD: PATH: why" and returns -1. */
int ka_cli_read_text(const char *cmd, const char *path, char **out);

/* Maps an error code from analysis to an exit code. */
int ka_exit_for_input_error(int err);
/* Prints "keyart: <what>: <message>" on stderr. */
void ka_cli_error(const char *what);
void ka_cli_stdout_error(void);

/* Option values that several commands take, with the same messages: each prints
 * "keyart CMD: bad value ..." and returns -1 when the value is bad (out unchanged).
 * Numbers: ka_parse_int and ka_parse_double (keyart/common.h). */
/* --min-quality Q: 0..1. */
int ka_cli_parse_min_quality(const char *cmd, const char *arg, double *out);
/* --quality-weights B,C,S,X,R,F (ka_quality_weights_parse). */
int ka_cli_parse_weights(const char *cmd, const char *arg, ka_quality_weights *out);

/* A progress bar on stderr when it is a terminal; silent otherwise. */
typedef struct ka_progress {
    int enabled;
    double last_draw;
    const char *label;
} ka_progress;

void ka_progress_init(ka_progress *p, const char *label, int quiet);
void ka_progress_update(void *p, double done_s, double total_s);
void ka_progress_end(ka_progress *p);

#endif
