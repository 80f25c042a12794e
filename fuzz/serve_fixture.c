/* serve_fixture.c: a real server (serve/serve.c) on a scratch SQLite database, for
 * the fuzz targets of the JSON bodies the HTTP API accepts. Requests go straight to
 * the route's handler, skipping the socket: a fuzzed body then reaches the parser in
 * microseconds. There is no connection, so replies are made and dropped (libmicrohttpd
 * refuses to queue them); what a request wrote to the database is undone after it. */
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "serve/serve_priv.h"
#include "store/store_priv.h"
#include "fuzz.h"
#include "serve_fixture.h"

#define EXP_CONFIG "{\"arms\": [{\"name\": \"control\", \"variant_number\": 1}, {\"name\": " \
    "\"ts\", \"policy\": \"thompson\"}], \"control\": \"control\", \"titles\": [\"title1\"], " \
    "\"seed\": \"fuzz\"}"

static ka_server *server;
static char db_url[600];

static void sql(ka_store *s, const char *q)
{
    if (ka_sql_script(s, q)) {
        fprintf(stderr, "fuzz fixture: %s: %s\n", q, ka_error_message());
        abort();
    }
}

/* Two titles of four variants (ids 16 t + v), as tests/serve/test_state.c has them. */
static void fill(ka_store *s)
{
    char q[1024];
    for (int t = 1; t <= 2; t++) {
        snprintf(q, sizeof q, "INSERT INTO titles (id, title_id, genre, analysed_at) VALUES"
                 " (%d, 'title%d', 'romance', 1000)", t, t);
        sql(s, q);
        for (int v = 1; v <= 4; v++) {
            snprintf(q, sizeof q, "INSERT INTO variants (title, number, scene, composition,"
                     " quality_score, image_full, metadata, variant_id) VALUES (%d, %d, '%s',"
                     " 'closeup', 0.7, 'ab/x.jpg', '{\"characters\": [\"Lead %d\"]}',"
                     " '%016x')", t, v, v == 1 ? "romantic" : "landscape", v, 16 * t + v);
            sql(s, q);
        }
    }
    if (ka_store_experiment_create(s, KA_FUZZ_EXPERIMENT, EXP_CONFIG) ||
        ka_store_experiment_set_status(s, KA_FUZZ_EXPERIMENT, "draft", "running", NULL)) {
        fprintf(stderr, "fuzz fixture: %s\n", ka_error_message());
        abort();
    }
}

static void stop(void)
{
    ka_serve_stop(&server);
}

void ka_fuzz_serve_init(void)
{
    if (server)
        return;
    ka_store *db;
    snprintf(db_url, sizeof db_url, "sqlite:%s/serve.db", ka_fuzz_dir());
    if (ka_store_open(db_url, 0, &db)) {
        fprintf(stderr, "fuzz fixture: %s\n", ka_error_message());
        abort();
    }
    fill(db);
    ka_store_close(&db);
    ka_serve_opts o;
    ka_serve_opts_default(&o);
    o.db_url = db_url;
    o.listen = "127.0.0.1:0";
    o.quiet = 1;
    o.seed = 1;
    o.threads = 1;
    o.refresh_s = 3600;             /* the state stays as loaded: inputs alike */
    o.snapshot_s = 0;
    o.max_events = 50;
    o.max_batch = 20;
    if (ka_serve_start(&o, &server)) {
        fprintf(stderr, "fuzz fixture: %s\n", ka_error_message());
        abort();
    }
    atexit(stop);
    for (int i = 0; i < 1000 && !atomic_load(&server->loaded); i++)
        usleep(10000);
    if (!atomic_load(&server->loaded) || !server->st.cat || server->st.cat->n != 2 ||
        server->st.n_exps != 1) {
        fprintf(stderr, "fuzz fixture: the server did not load its titles and experiment\n");
        abort();
    }
}

ka_server *ka_fuzz_server(void)
{
    return server;
}

static const ka_route *route_named(const char *name, int *index)
{
    int n;
    const ka_route *routes = ka_routes(&n);
    for (int i = 0; i < n; i++)
        if (!strcmp(routes[i].name, name))
            return *index = i, &routes[i];
    fprintf(stderr, "fuzz fixture: no route %s\n", name);
    abort();
}

/* The database as fill() left it. */
static void reset(void)
{
    pthread_mutex_lock(&server->db_lock);
    sql(server->db, "DELETE FROM events; DELETE FROM assignments; DELETE FROM variant_controls;"
        " DELETE FROM experiments WHERE name <> '" KA_FUZZ_EXPERIMENT "';"
        " UPDATE experiments SET status = 'running', stopped_at = NULL, config = '"
        EXP_CONFIG "' WHERE name = '" KA_FUZZ_EXPERIMENT "'");
    pthread_mutex_unlock(&server->db_lock);
}

int ka_fuzz_serve_request(const char *route, const char *param, const uint8_t *body,
                          size_t len, void (*after)(ka_store *db, int status))
{
    ka_req r = { .srv = server, .t0 = ka_serve_now_ns() };
    r.route = route_named(route, &r.route_index);
    /* param's segments ('/'-separated: no decoded segment holds one) into r.path */
    snprintf(r.path, sizeof r.path, "%s", param ? param : "");
    char *p = r.path;
    for (int k = 0; param && p && k < KA_REQ_PARAMS; k++) {
        r.params[k] = p;
        if ((p = strchr(p, '/')))
            *p++ = '\0';
    }
    /* the server's body: NUL-terminated, at most max_body */
    if (len > server->o.max_body)
        len = server->o.max_body;
    r.body = ka_fuzz_str(body, len);
    r.len = len;
    r.route->handler(&r);
    free(r.body);
    FUZZ_CHECK(r.replied && r.status >= 200 && r.status < 600);
    if (getenv("KEYART_FUZZ_VERBOSE"))     /* to see what a seed reaches */
        fprintf(stderr, "fuzz fixture: %s: %d\n", route, r.status);
    if (after) {
        pthread_mutex_lock(&server->db_lock);
        after(server->db, r.status);
        pthread_mutex_unlock(&server->db_lock);
    }
    reset();
    return r.status;
}
