/* serve_fixture.h: a real keyart server for the fuzz targets of the HTTP API's JSON
 * bodies (serve_fixture.c). */
#ifndef KA_SERVE_FIXTURE_H
#define KA_SERVE_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

/* The name of the running experiment the fixture's database holds. */
#define KA_FUZZ_EXPERIMENT "exp1"
/* A title and one of its variants, as the control routes take them. */
#define KA_FUZZ_VARIANT "title1/0000000000000011"

/* Starts the server once (on a scratch SQLite database with two titles of four
 * variants and one running experiment); aborts when it cannot. */
void ka_fuzz_serve_init(void);
struct ka_store;
struct ka_server;

/* The fixture's server (its metrics count what requests did). */
struct ka_server *ka_fuzz_server(void);

/* Hands body to the handler of route (its name in routes.c, e.g. "events"), as
 * libmicrohttpd would after the headers were admitted, with param as the route's {}
 * segments ('/'-separated); calls after (when not NULL) with the database and the status replied;
 * then puts the database back as it was, so inputs do not depend on each other.
 * Returns the status; aborts when the handler did not reply. */
int ka_fuzz_serve_request(const char *route, const char *param, const uint8_t *body,
                          size_t len, void (*after)(struct ka_store *db, int status));

#endif
