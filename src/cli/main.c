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
        "                   one pass over VIDEO: shots, candidates ranked as artwork, up to\n"
        "                   N good, distinct variants (variant 1 the best), their crops,\n"
        "                   metadata.json, shots.json/csv, a contact sheet\n"
        "  shots VIDEO [--format json|csv]\n"
        "                   shot boundaries (cuts, fades, dissolves) of VIDEO\n"
        "  titles [--json]  the titles stored in the database (every command that uses it\n"
        "                   takes --db URL: sqlite:PATH or postgresql://..., default\n"
        "                   $KEYART_DB, else sqlite:keyart.db)\n"
        "  variants TITLE [--json]\n"
        "                   the stored variants of TITLE\n"
        "  export TITLE     the stored metadata of TITLE, in metadata.json's shape\n"
        "  enqueue VIDEO... [--genre G] [--segment S]\n"
        "                   add titles to the work queue\n"
        "  worker [--once | --drain] [--lease S]\n"
        "                   take jobs from the queue and analyse them\n"
        "  jobs [--json]    the work queue\n"
        "  cast add --title ID --name NAME --role ROLE IMAGE...\n"
        "                   enrol the faces of a title's characters (hero, heroine,\n"
        "                   villain, supporting); cast list [--title ID]\n"
        "  identify IMAGE [--title ID] [--json]\n"
        "                   the faces of a photo and who they are in the cast\n"
        "  ope --db URL (--title ID | --experiment NAME) --policy P [--json]\n"
        "                   off-policy evaluation (replay, IPS, SNIPS, DR) of a policy on\n"
        "                   the impressions serving logged (uniform, variant:N, a file of\n"
        "                   probabilities, or seed, egreedy, thompson, linucb as learned)\n"
        "  ope --log FILE --policy uniform|bts [--json]\n"
        "                   the same from an Open Bandit Dataset CSV\n"
        "  train-ranker GRADES.json... -o FILE [--loco]\n"
        "                   train the ranker that orders candidates as artwork from\n"
        "                   editors' grades of frames\n"
        "  serve [--listen ADDR:PORT] [--token T] [--policy NAME]\n"
        "                   the HTTP service: per user, the variant of a title to show;\n"
        "                   events, experiments and their reports, /metrics\n"
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
    static const struct { const char *name; int (*fn)(int, char **); } store_cmds[] = {
        { "titles", ka_cmd_titles }, { "variants", ka_cmd_variants },
        { "export", ka_cmd_export }, { "enqueue", ka_cmd_enqueue },
        { "worker", ka_cmd_worker }, { "jobs", ka_cmd_jobs },
        { "cast", ka_cmd_cast }, { "identify", ka_cmd_identify },
        { "ope", ka_cmd_ope }, { "serve", ka_cmd_serve },
        { "train-ranker", ka_cmd_train_ranker },
    };
    for (size_t i = 0; i < sizeof store_cmds / sizeof store_cmds[0]; i++)
        if (!strcmp(cmd, store_cmds[i].name))
            return store_cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "keyart: unknown command '%s'\n", cmd);
    usage(stderr);
    return KA_EXIT_USAGE;
}
