/* cmd_serve.c: `keyart serve`: runs the HTTP service until SIGINT or SIGTERM, then
 * stops in order (requests in flight finish, a last snapshot is written). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char serve_usage[] =
    "usage: keyart serve [--db URL] [--listen ADDR:PORT] [--artwork DIR] [--token TOKEN]\n"
    "                    [--policy NAME] [--threads N] [--refresh S] [--snapshot S]\n"
    "                    [--attribution S] [--seed N] [--create] [--quiet]\n"
    "\n"
    "Serves, per user, the variant of each title to show, and learns from events.\n"
    "  --db URL          sqlite:PATH or postgresql://... (default $KEYART_DB, else\n"
    "                    sqlite:keyart.db); it must exist (keyart analyze makes one)\n"
    "  --create          make a new, empty SQLite database when there is none\n"
    "  --listen A:P      address and port (default 127.0.0.1:8080; port 0 = any free one)\n"
    "  --artwork DIR     the artwork folder images are served from (default\n"
    "                    $KEYART_ARTWORK, else artwork)\n"
    "  --token T         bearer token of write and admin routes (default $KEYART_TOKEN;\n"
    "                    without one those routes answer 401)\n"
    "  --policy NAME     policy outside experiments: seed, egreedy, thompson (default),\n"
    "                    linucb, uniform\n"
    "  --threads N       request threads (default: one per core)\n"
    "  --refresh S       fold new events and reload titles every S seconds (1)\n"
    "  --snapshot S      write policy and profile snapshots every S seconds (30; 0 never)\n"
    "  --attribution S   a click counts for an impression up to S seconds after it (600)\n"
    "  --seed N          seed the random choices (default: the clock); with --threads 1\n"
    "                    and requests in order, the same choices every run\n"
    "  --quiet           no log lines (without it: one line per request, method, path,\n"
    "                    status and milliseconds, on stderr)\n"
    "\n"
    "routes: GET /v1/artwork?user=U&title=T[&shape=2x3], POST /v1/artwork:batch,\n"
    "POST /v1/events, GET /v1/titles[/ID[/variants|/policies]], GET /v1/users[/ID],\n"
    "GET|POST /v1/experiments, GET /v1/experiments/NAME[/report],\n"
    "POST /v1/experiments/NAME/start|stop|ship, GET /artwork/..., /metrics, /healthz\n";

static int number(const char *opt, const char *arg, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(arg, &end);
    if (*end || end == arg || !(v >= lo && v <= hi)) {
        fprintf(stderr, "keyart serve: %s wants a number in [%g, %g], not '%s'\n", opt, lo,
                hi, arg);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse(int argc, char **argv, ka_serve_opts *o)
{
    static const struct option longopts[] = {
        { "db", required_argument, NULL, 'd' }, { "listen", required_argument, NULL, 'l' },
        { "artwork", required_argument, NULL, 'a' }, { "token", required_argument, NULL, 't' },
        { "policy", required_argument, NULL, 'p' }, { "threads", required_argument, NULL, 'n' },
        { "refresh", required_argument, NULL, 'r' }, { "snapshot", required_argument, NULL, 's' },
        { "attribution", required_argument, NULL, 'w' }, { "quiet", no_argument, NULL, 'q' },
        { "create", no_argument, NULL, 'c' }, { "seed", required_argument, NULL, 'e' },
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
    };
    int c;
    double v;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'd': o->db_url = optarg; break;
        case 'l': o->listen = optarg; break;
        case 'a': o->artwork_dir = optarg; break;
        case 't': o->token = optarg; break;
        case 'p': o->policy = optarg; break;
        case 'q': o->quiet = 1; break;
        case 'c': o->create = 1; break;
        case 'n': bad = number("--threads", optarg, 0, 256, &v); o->threads = (int)v; break;
        case 'r': bad = number("--refresh", optarg, 0.01, 3600, &o->refresh_s); break;
        case 's': bad = number("--snapshot", optarg, 0, 86400, &o->snapshot_s); break;
        case 'w': bad = number("--attribution", optarg, 0.001, 1e7, &o->attribution_s); break;
        case 'e': bad = number("--seed", optarg, 1, 9007199254740992.0, &v);
                  o->seed = (uint64_t)v; break;
        case 'h': printf("%s", serve_usage); return 1;
        default:
            fprintf(stderr, "keyart serve: unknown or incomplete option '%s'\n%s",
                    argv[optind - 1], serve_usage);
            return -1;
        }
        if (bad)
            return -1;
    }
    if (optind < argc) {
        fprintf(stderr, "keyart serve: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    return 0;
}

int ka_cmd_serve(int argc, char **argv)
{
    ka_serve_opts o;
    ka_serve_opts_default(&o);
    o.token = getenv("KEYART_TOKEN");
    int p = parse(argc, argv, &o);
    if (p)
        return p > 0 ? KA_EXIT_OK : KA_EXIT_USAGE;
    /* Block the stop signals in every thread; this one waits for them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    ka_server *s;
    int err = ka_serve_start(&o, &s);
    if (err) {
        fprintf(stderr, "keyart serve: %s\n", ka_error_message());
        return err == KA_EINVAL ? KA_EXIT_USAGE : err == KA_ENOMEM ? KA_EXIT_INTERNAL
                                                                   : KA_EXIT_OUTPUT;
    }
    if (!o.quiet) {
        const char *host = o.listen;
        const char *colon = strrchr(host, ':');
        fprintf(stderr, "keyart serve: listening on http://%.*s:%d (%s)%s\n",
                (int)(colon - host), host, ka_server_port(s), o.policy,
                o.token && *o.token ? "" : "; no token: write and admin routes are closed");
    }
    int sig = 0;
    sigwait(&set, &sig);
    if (!o.quiet)
        fprintf(stderr, "keyart serve: %s: stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    ka_serve_stop(&s);
    return KA_EXIT_OK;
}
