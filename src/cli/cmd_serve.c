/* cmd_serve.c: `keyart serve`: runs the HTTP service until SIGINT or SIGTERM, then
 * stops in order (requests in flight finish, a last snapshot is written). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

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

enum { O_LISTEN, O_TOKEN, O_POLICY, O_THREADS, O_REFRESH, O_SNAPSHOT, O_ATTRIBUTION, O_SEED,
       O_CREATE, O_MAX_INFLIGHT, O_MAX_CONNECTIONS, O_CLOCK };

static const ka_cli_opt serve_opts[] = {
    KA_CLI_ROW_DB("; it must exist (keyart analyze makes one)"),
    { "create", 0, NULL, "make a new, empty SQLite database when there is none", O_CREATE,
      NULL },
    { "listen", 0, "A:P", "address and port (default 127.0.0.1:8080; port 0 = any free one)",
      O_LISTEN, NULL },
    KA_CLI_ROW_ARTWORK(": images are served from it"),
    { "token", 0, "T", "bearer token of write and admin routes (default $KEYART_TOKEN; "
      "without one those routes answer 401)", O_TOKEN, NULL },
    { "policy", 0, "NAME", "policy outside experiments: seed, egreedy, thompson (default), "
      "linucb, uniform", O_POLICY, NULL },
    { "threads", 0, "N", "request threads (default: one per core)", O_THREADS, NULL },
    { "max-inflight", 0, "N", "requests in flight at once, from their headers to their "
      "reply sent (default 32 per thread, at least 64); more get 503 with Retry-After: 1 at "
      "once; /livez, /healthz, /metrics are exempt",
      O_MAX_INFLIGHT, NULL },
    { "max-connections", 0, "N", "open connections at most (1024); past 7/8 of them replies "
      "close their connection", O_MAX_CONNECTIONS, NULL },
    { "refresh", 0, "S", "fold new events and reload titles every S seconds (1)", O_REFRESH,
      NULL },
    { "snapshot", 0, "S", "write policy and profile snapshots every S seconds (30; 0 never)",
      O_SNAPSHOT, NULL },
    { "attribution", 0, "S", "a click counts for an impression up to S seconds after it "
      "(600)", O_ATTRIBUTION, NULL },
    { "seed", 0, "N", "seed the random choices (default: the clock); with --threads 1 and "
      "requests in order, the same choices every run", O_SEED, NULL },
    { "clock", 0, "request", "for simulations and tests: the clients say the time (?now= "
      "on artwork and event requests), each decision draws from (--seed, user, title, now), "
      "events are folded as they arrive and the policies learn only at POST "
      "/v1/admin/refresh (keyart simulate --over-http)", O_CLOCK, NULL },
    KA_CLI_ROW_QUIET("no log lines (without it: one line per request, method, path, status "
                     "and milliseconds, on stderr)"),
    { 0 },
};

static int serve_option(void *ctx, int id, const char *arg)
{
    ka_serve_opts *o = ctx;
    double v;
    int bad = 0;
    switch (id) {
    case O_LISTEN: o->listen = arg; break;
    case O_TOKEN: o->token = arg; break;
    case O_POLICY: o->policy = arg; break;
    case O_CREATE: o->create = 1; break;
    case O_CLOCK:
        if (strcmp(arg, "request") && strcmp(arg, "wall")) {
            fprintf(stderr, "keyart serve: --clock is request or wall, not '%s'\n", arg);
            bad = 1;
        }
        o->clock_request = !strcmp(arg, "request");
        break;
    case O_THREADS: bad = number("--threads", arg, 0, 256, &v); o->threads = (int)v; break;
    case O_MAX_INFLIGHT:
        bad = number("--max-inflight", arg, 1, 65536, &v);
        o->max_inflight = (unsigned)v;
        break;
    case O_MAX_CONNECTIONS:
        bad = number("--max-connections", arg, 4, 65536, &v);
        o->max_connections = (unsigned)v;
        break;
    case O_REFRESH: bad = number("--refresh", arg, 0.01, 3600, &o->refresh_s); break;
    case O_SNAPSHOT: bad = number("--snapshot", arg, 0, 86400, &o->snapshot_s); break;
    case O_ATTRIBUTION: bad = number("--attribution", arg, 0.001, 1e7, &o->attribution_s); break;
    default: bad = number("--seed", arg, 1, 9007199254740992.0, &v); o->seed = (uint64_t)v;
    }
    return bad ? KA_CLI_BAD : 0;
}

static int serve_run(const ka_cli_cmd *self, int argc, char **argv)
{
    ka_serve_opts o;
    ka_cli_common com = { 0 };
    ka_serve_opts_default(&o);
    o.token = getenv("KEYART_TOKEN");
    int first = ka_cli_parse(self, argc, argv, &o, &com);
    if (first < 0)
        return ka_cli_exit(first);
    if (com.db)
        o.db_url = com.db;
    if (com.artwork)
        o.artwork_dir = com.artwork;
    o.quiet = com.quiet;
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

const ka_cli_cmd ka_cli_serve = {
    .name = "serve",
    .synopsis = "[--db URL] [--listen ADDR:PORT] [--artwork DIR] [--token TOKEN] "
        "[--policy NAME] [--threads N] [--max-inflight N] [--max-connections N] "
        "[--refresh S] [--snapshot S] [--attribution S] [--seed N] [--clock request] "
        "[--create] [--quiet]",
    .summary = "the HTTP service: per user, the variant of a title to show; events, "
        "experiments and their reports, /metrics",
    .description = "Serves, per user, the variant of each title to show, and learns from "
        "events.\n\n"
        "Routes: GET /v1/artwork?user=U&title=T[&shape=2x3], POST /v1/artwork:batch, "
        "POST /v1/events, GET /v1/titles[/ID[/variants|/policies]], GET /v1/users[/ID], "
        "GET|POST /v1/experiments, GET /v1/experiments/NAME[/report], "
        "POST /v1/experiments/NAME/start|stop|ship, GET /artwork/..., /metrics, /healthz.\n\n"
        "Under load: beyond --max-inflight requests at once, the next get 503 with "
        "Retry-After: 1 before any work (events in them are not stored: send them again); "
        "/livez, /healthz and /metrics always answer.",
    .opts = serve_opts, .opt = serve_option, .run = serve_run,
};
