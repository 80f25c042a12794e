/* cli.h: what the keyart command's files share: subcommands, exit codes, option
 * parsing helpers and the progress bar. */
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

int ka_cmd_analyze(int argc, char **argv);
int ka_cmd_shots(int argc, char **argv);
/* cmd_store.c and cmd_queue.c: the database and the work queue. */
int ka_cmd_titles(int argc, char **argv);
int ka_cmd_variants(int argc, char **argv);
int ka_cmd_export(int argc, char **argv);
int ka_cmd_enqueue(int argc, char **argv);
int ka_cmd_worker(int argc, char **argv);
int ka_cmd_jobs(int argc, char **argv);
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

/* cmd_cast.c, cmd_identify.c: faces and the cast database. */
int ka_cmd_cast(int argc, char **argv);
int ka_cmd_identify(int argc, char **argv);
/* cmd_ope.c: off-policy evaluation of a policy from a logged file or (ope_db.c, when
 * the command line has --db) from keyart's own events; the usage text of both. */
int ka_cmd_ope(int argc, char **argv);
int ka_cmd_ope_db(int argc, char **argv);
void ka_ope_usage(FILE *f);
/* cmd_rank.c: training the ranker from editors' grades. */
int ka_cmd_train_ranker(int argc, char **argv);
/* cmd_serve.c: the HTTP service. */
int ka_cmd_serve(int argc, char **argv);
/* Long options the face commands (and analyze) share: --models, --detector, --db,
 * --stage-opt. */
enum { KA_CLI_OPT_MODELS = 0x1000, KA_CLI_OPT_DETECTOR, KA_CLI_OPT_DB, KA_CLI_OPT_STAGE };

/* stage_opts.c: the analysis stages' options ("stage.option=value" strings). */
typedef struct ka_cli_stage_opts {
    char **v;
    int n, cap;
} ka_cli_stage_opts;
/* Adds prefix + value; -1 out of memory (printed). */
int ka_cli_stage_opt_add(ka_cli_stage_opts *s, const char *prefix, const char *value);
/* Applies option c (--stage-opt, --detector, --models); 0 done, 1 not one of these,
 * -1 out of memory. */
int ka_cli_stage_option(int c, const char *arg, ka_cli_stage_opts *s);
/* Checks them against the stages' tables; prints "keyart CMD: why" and returns -1. */
int ka_cli_stage_opts_check(const char *cmd, const ka_cli_stage_opts *s);
void ka_cli_stage_opts_free(ka_cli_stage_opts *s);
/* The --stage-opt, --detector and --models lines of a usage text, with every option. */
void ka_cli_stage_opts_usage(FILE *f);
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
