/* main.c: the keyart command: the list of commands (their tables are in cmd_*.c),
 * dispatch, keyart --help and keyart help --usage made from it, --version. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const ka_cli_cmd *const ka_cli_commands[] = {
    &ka_cli_analyze, &ka_cli_shots, &ka_cli_titles, &ka_cli_variants, &ka_cli_export,
    &ka_cli_enqueue, &ka_cli_worker, &ka_cli_jobs, &ka_cli_cast, &ka_cli_identify,
    &ka_cli_ope, &ka_cli_train_ranker, &ka_cli_serve, &ka_cli_simulate, NULL,
};

static void usage(FILE *f)
{
    fprintf(f,
        "usage: keyart COMMAND [OPTIONS]\n"
        "\n"
        "Picks thumbnail artwork for a film or episode.\n"
        "\n"
        "commands:\n");
    ka_cli_command_list(f, ka_cli_commands);
    fprintf(f,
        "\n"
        "  keyart COMMAND --help   options of a command\n"
        "  keyart help --usage     every command's usage, one a line\n"
        "  keyart --version\n"
        "\n"
        "exit codes:\n"
        "  0  success (also when fewer variants than asked could be chosen: a warning says why)\n"
        "  1  usage error\n"
        "  2  the input is not a usable video (missing, empty, not media, no video stream,\n"
        "     nothing decodable)\n"
        "  3  the results could not be written\n"
        "  4  internal error (out of memory, a bug)\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return KA_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "help") && argc == 3 && !strcmp(argv[2], "--usage")) {
        ka_cli_usage_lines(stdout, ka_cli_commands);
        printf("keyart --help | --version\n");
        return fflush(stdout) ? KA_EXIT_OUTPUT : KA_EXIT_OK;
    }
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return KA_EXIT_OK;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
        printf("keyart %s\n", ka_version());
        return KA_EXIT_OK;
    }
    int rc = ka_cli_dispatch(NULL, ka_cli_commands, argc - 1, argv + 1);
    if (rc >= 0)
        return rc;
    fprintf(stderr, "keyart: unknown command '%s'\n", cmd);
    usage(stderr);
    return KA_EXIT_USAGE;
}
