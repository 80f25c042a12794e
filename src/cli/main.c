/* main.c: the keyart command: dispatches to a subcommand; --help and --version. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: keyart COMMAND [OPTIONS]\n"
        "\n"
        "Picks thumbnail artwork for a film or episode.\n"
        "\n"
        "commands:\n"
        "  analyze VIDEO [-o DIR] [--title-id ID] [--genre G] [--variants N] [--json]\n"
        "                   one pass over VIDEO: shots, candidates, 4-12 diverse variants,\n"
        "                   their crops, metadata.json, shots.json/csv, a contact sheet\n"
        "  shots VIDEO [--format json|csv]\n"
        "                   shot boundaries (cuts, fades, dissolves) of VIDEO\n"
        "\n"
        "  keyart COMMAND --help   options of a command\n"
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
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return KA_EXIT_OK;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
        printf("keyart %s\n", ka_version());
        return KA_EXIT_OK;
    }
    if (!strcmp(cmd, "analyze") || !strcmp(cmd, "analyse"))
        return ka_cmd_analyze(argc - 1, argv + 1);
    if (!strcmp(cmd, "shots"))
        return ka_cmd_shots(argc - 1, argv + 1);
    fprintf(stderr, "keyart: unknown command '%s'\n", cmd);
    usage(stderr);
    return KA_EXIT_USAGE;
}
