/* cli.h: what the keyart command's files share: subcommands, exit codes, option
 * parsing helpers and the progress bar. */
#ifndef KA_CLI_H
#define KA_CLI_H

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

/* Maps an error code from analysis to an exit code. */
int ka_exit_for_input_error(int err);
/* Prints "keyart: <what>: <message>" on stderr. */
void ka_cli_error(const char *what);
void ka_cli_stdout_error(void);

/* Strict number parsing: the whole string, within [lo, hi]. */
int ka_parse_int(const char *s, int lo, int hi, int *out);
int ka_parse_double(const char *s, double lo, double hi, double *out);

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
