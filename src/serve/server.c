/* server.c: the HTTP side, on libmicrohttpd: the listening socket, the request
 * lifecycle (route lookup, bearer-token check, body limits, the handler), replies,
 * and the refresher thread that keeps the state in step with the store. Routes are
 * rows of routes.c's table; nothing here knows one by name. */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "serve_priv.h"

uint64_t ka_serve_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- replies ---- */

/* Whether the connections are near their limit: then replies other than probes' close
 * theirs, so that clients keeping theirs alive cannot hold every slot while a health
 * check waits in the listening queue for one. */
static int crowded(const ka_req *r)
{
    unsigned max = r->srv->o.max_connections;
    return !(r->route && (r->route->flags & KA_ROUTE_PROBE)) &&
           atomic_load_explicit(&r->srv->connections, memory_order_relaxed) >= max - max / 8;
}

static enum MHD_Result queue(ka_req *r, unsigned status, struct MHD_Response *resp)
{
    if (!resp)
        return MHD_NO;
    r->status = (int)status;
    r->replied = 1;
    enum MHD_Result ok = MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
    return ok;
}

enum MHD_Result ka_reply_buffer(ka_req *r, unsigned status, const char *type, void *buf,
                                size_t len)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(buf);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (r->header)
        MHD_add_response_header(resp, r->header, r->header_value);
    if (crowded(r)) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
        atomic_fetch_add_explicit(&r->srv->metrics.closed_crowded, 1, memory_order_relaxed);
    }
    if (status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"keyart\"");
    return queue(r, status, resp);
}

enum MHD_Result ka_reply_json(ka_req *r, unsigned status, json_t *json)
{
    char *text = json ? json_dumps(json, JSON_COMPACT | KA_JSON_REAL) : NULL;
    json_decref(json);
    if (!text)
        return ka_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
    size_t len = strlen(text);
    text[len] = '\0';
    char *body = realloc(text, len + 2);   /* end with a newline, for curl users */
    if (body) {
        body[len++] = '\n';
        body[len] = '\0';
        text = body;
    }
    return ka_reply_buffer(r, status, "application/json", text, len);
}

/* The length of the UTF-8 sequence s starts with, 0 when it is not one (RFC 3629). */
static size_t utf8_seq(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3
             : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((n == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f))) ||
        (n == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))))
        return 0;                   /* overlong, surrogate, beyond U+10FFFF */
    return n;
}

void ka_utf8_scrub(char *s)
{
    for (char *c = s; *c;) {
        size_t n = utf8_seq((const unsigned char *)c);
        if (!n)
            *c = '?', n = 1;
        c += n;
    }
}

static int utf8_ok(const char *s)
{
    for (size_t n; *s; s += n)
        if (!(n = utf8_seq((const unsigned char *)s)))
            return 0;
    return 1;
}

enum MHD_Result ka_reply_error(ka_req *r, unsigned status, const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    /* Messages quote what clients sent (URLs, headers): JSON strings must be UTF-8. */
    ka_utf8_scrub(why);
    if (status >= 500 && !r->srv->o.quiet)
        fprintf(stderr, "keyart serve: %s: %s\n", r->route ? r->route->name : "?", why);
    json_t *j = json_pack("{s:{s:i, s:s}}", "error", "status", (int)status, "message", why);
    char *text = j ? json_dumps(j, JSON_COMPACT | KA_JSON_REAL) : NULL;
    json_decref(j);
    if (!text) {
        static const char oom[] = "{\"error\":{\"message\":\"out of memory\"}}\n";
        struct MHD_Response *resp = MHD_create_response_from_buffer(sizeof oom - 1, (void *)oom,
                                                                    MHD_RESPMEM_PERSISTENT);
        return queue(r, MHD_HTTP_INTERNAL_SERVER_ERROR, resp);
    }
    return ka_reply_buffer(r, status, "application/json", text, strlen(text));
}

enum MHD_Result ka_reply_store_error(ka_req *r, int err)
{
    unsigned status = err == KA_ENOTFOUND ? MHD_HTTP_NOT_FOUND
                    : err == KA_ECONFLICT ? MHD_HTTP_CONFLICT
                    : MHD_HTTP_INTERNAL_SERVER_ERROR;
    return ka_reply_error(r, status, "%s", ka_error_message());
}

const char *ka_req_query(ka_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

json_t *ka_req_json(ka_req *r)
{
    json_error_t e;
    json_t *j = r->len ? json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e) : NULL;
    if (!r->len) {
        ka_reply_error(r, MHD_HTTP_BAD_REQUEST, "the request needs a JSON body");
        return NULL;
    }
    if (!j) {
        ka_reply_error(r, MHD_HTTP_BAD_REQUEST, "malformed JSON at line %d, column %d: %s",
                       e.line, e.column, e.text);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        ka_reply_error(r, MHD_HTTP_BAD_REQUEST, "the body must be a JSON object");
        return NULL;
    }
    return j;
}

int ka_req_only_fields(ka_req *r, const json_t *o, const char *what,
                       const char *const *allowed)
{
    const char *key = ka_json_unknown_field(o, allowed);
    if (!key)
        return 0;
    ka_reply_error(r, MHD_HTTP_BAD_REQUEST, "%s: unknown field '%s'", what, key);
    return -1;
}

void ka_artwork_url(const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "/artwork/%s", name);
}

/* ---- random numbers: one generator per request thread ---- */

static pthread_key_t rng_key;
static pthread_once_t rng_once = PTHREAD_ONCE_INIT;

static void rng_free(void *p)
{
    ka_rng_free(p);
}

static pthread_key_t decision_key;

static void rng_key_init(void)
{
    pthread_key_create(&rng_key, rng_free);
    pthread_key_create(&decision_key, rng_free);
}

static uint64_t rng_seed;           /* ka_serve_opts.seed of the server started last */
static _Atomic uint64_t rng_threads;

void ka_serve_rng_seed(uint64_t seed)
{
    rng_seed = seed;
    rng_threads = 0;
}

ka_rng *ka_serve_rng(void)
{
    pthread_once(&rng_once, rng_key_init);
    ka_rng *r = pthread_getspecific(rng_key);
    uint64_t k = r ? 0 : ++rng_threads;
    if (!r && (r = ka_rng_new(rng_seed ? rng_seed + k - 1
                                       : ka_serve_now_ns() ^ (k * 0x9e3779b97f4a7c15ULL))))
        pthread_setspecific(rng_key, r);
    return r;
}

ka_rng *ka_serve_decision_rng(void)
{
    pthread_once(&rng_once, rng_key_init);
    ka_rng *r = pthread_getspecific(decision_key);
    if (!r && (r = ka_rng_new_light(1)))
        pthread_setspecific(decision_key, r);
    return r;
}

/* ---- routing ---- */

/* Matches url against pattern, filling r->params; 1 when it matches. */
static int route_match(const char *pattern, const char *url, ka_req *r)
{
    char *out = r->path, *end = r->path + sizeof r->path;
    int np = 0;
    const char *p = pattern, *u = url;
    while (*p && *u) {
        if (p[0] == '{' && p[1] == '}') {
            size_t n = strcspn(u, "/");
            if (n == 0 || np == KA_REQ_PARAMS || out + n + 1 > end)
                return 0;
            memcpy(out, u, n);
            out[n] = '\0';
            r->params[np++] = out;
            out += n + 1;
            u += n;
            p += 2;
        } else if (*p++ != *u++) {
            return 0;
        }
    }
    return !*p && !*u;
}

/* The route for method and url; *path_known says whether another method has it. */
/* Adds method to the comma-separated list in r->header_value unless it is there. */
static void allow_add(ka_req *r, const char *method)
{
    size_t len = strlen(r->header_value), m = strlen(method);
    for (const char *p = r->header_value; *p;) {
        size_t tok = strcspn(p, ",");
        if (tok == m && !strncmp(p, method, m))
            return;
        p += tok;
        p += strspn(p, ", ");
    }
    snprintf(r->header_value + len, sizeof r->header_value - len, "%s%s", len ? ", " : "",
             method);
}

/* The route of method and url; when the path is known but not the method, *path_known
 * and the Allow header of the 405 (every method of the path, HEAD with GET). */
static int route_find(ka_req *r, const char *method, const char *url, int *path_known)
{
    int n;
    const ka_route *routes = ka_routes(&n);
    *path_known = 0;
    r->header_value[0] = '\0';
    for (int i = 0; i < n; i++)
        if (route_match(routes[i].pattern, url, r)) {
            if (!strcmp(routes[i].method, method) ||
                (!strcmp(method, "HEAD") && !strcmp(routes[i].method, "GET"))) {
                r->route = &routes[i];
                r->route_index = i;
                r->header_value[0] = '\0';
                return 1;
            }
            *path_known = 1;
            allow_add(r, routes[i].method);
            if (!strcmp(routes[i].method, "GET"))
                allow_add(r, "HEAD");
        }
    if (*path_known)
        r->header = MHD_HTTP_HEADER_ALLOW;
    memset(r->params, 0, sizeof r->params);
    return 0;
}

/* 1 when the request carries the server's token (compared in constant time). */
static int authorised(ka_req *r)
{
    const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                                MHD_HTTP_HEADER_AUTHORIZATION);
    const char *tok = r->srv->token;
    if (!h || strncasecmp(h, "Bearer ", 7) || !tok || !*tok)
        return 0;
    h += 7;
    size_t a = strlen(h), b = strlen(tok);
    unsigned diff = (unsigned)(a ^ b);
    for (size_t i = 0; i < b; i++)
        diff |= (unsigned char)tok[i] ^ (unsigned char)(i < a ? h[i] : 0);
    return diff == 0;
}

/* The checks before any body is read: route, method, token, declared size and type. */
/* A query argument is UTF-8 text without a %00 inside (which would cut it short). */
static enum MHD_Result arg_utf8(void *cls, enum MHD_ValueKind kind, const char *key,
                                size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    if (utf8_ok(key) && strlen(key) == key_size &&
        (!value || (utf8_ok(value) && strlen(value) == value_size)))
        return MHD_YES;
    *(int *)cls = 1;
    return MHD_NO;
}

/* Whether a Content-Type names JSON: application/json, parameters allowed. */
static int json_media_type(const char *ct)
{
    return !strncasecmp(ct, "application/json", 16) &&
           (!ct[16] || ct[16] == ';' || ct[16] == ' ' || ct[16] == '\t');
}

/* ---- load shedding ---- */

/* Takes a place among the requests in flight; 0 when all --max-inflight are taken. */
static int take_place(ka_req *r)
{
    unsigned n = atomic_fetch_add(&r->srv->inflight, 1);
    if (n >= r->srv->max_inflight) {
        atomic_fetch_sub(&r->srv->inflight, 1);
        return 0;
    }
    r->inflight = 1;
    return 1;
}

/* A refusal costs no more than reading the headers did (no body, no lock, no store):
 * the excess is answered at once rather than waiting behind the requests in flight. */
static enum MHD_Result shed(ka_req *r)
{
    atomic_fetch_add_explicit(&r->srv->metrics.shed, 1, memory_order_relaxed);
    r->header = "Retry-After";
    snprintf(r->header_value, sizeof r->header_value, "1");
    return ka_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "overloaded: %u requests in flight,"
                          " the most this server takes (--max-inflight): try again shortly",
                          r->srv->max_inflight);
}

static enum MHD_Result admit(ka_req *r, const char *method, const char *url)
{
    int known, bad_utf8 = !utf8_ok(url);
    if (!bad_utf8)
        MHD_get_connection_values_n(r->conn, MHD_GET_ARGUMENT_KIND, arg_utf8, &bad_utf8);
    if (bad_utf8)       /* names and ids are UTF-8, and replies (JSON) quote them */
        return ka_reply_error(r, MHD_HTTP_BAD_REQUEST, "the URL is not UTF-8 once decoded: its"
                              " %%-escapes must encode UTF-8 text (and no %%00)");
    if (!route_find(r, method, url, &known))
        return known ? ka_reply_error(r, MHD_HTTP_METHOD_NOT_ALLOWED,
                                      "%s is not allowed on %s", method, url)
                     : ka_reply_error(r, MHD_HTTP_NOT_FOUND, "no such resource: %s", url);
    if (!(r->route->flags & KA_ROUTE_PROBE) && !take_place(r))
        return shed(r);
    if ((r->route->flags & KA_ROUTE_AUTH) && !authorised(r)) {
        int has = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                              MHD_HTTP_HEADER_AUTHORIZATION) != NULL;
        if (!r->srv->token || !*r->srv->token)
            return ka_reply_error(r, MHD_HTTP_UNAUTHORIZED, "this server has no token: start"
                                  " it with --token or KEYART_TOKEN to use %s", url);
        return ka_reply_error(r, has ? MHD_HTTP_FORBIDDEN : MHD_HTTP_UNAUTHORIZED,
                              has ? "the bearer token is not this server's"
                                  : "%s needs 'Authorization: Bearer TOKEN'", url);
    }
    if (!(r->route->flags & KA_ROUTE_EARLY) && !atomic_load(&r->srv->loaded)) {
        r->header = "Retry-After";
        snprintf(r->header_value, sizeof r->header_value, "1");
        return ka_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "the server is loading its "
                              "state (folding the event log): try again shortly");
    }
    const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && strtoull(cl, NULL, 10) > r->srv->o.max_body)
        return ka_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "the body is larger than %zu bytes",
                              r->srv->o.max_body);
    const char *ct = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_TYPE);
    int has_body = (cl && strtoull(cl, NULL, 10) > 0) ||
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    if ((r->route->flags & KA_ROUTE_BODY) && (ct ? !json_media_type(ct) : has_body))
        return ka_reply_error(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                              "the body must be application/json, not %s",
                              ct ? ct : "untyped (no Content-Type)");
    return MHD_YES;
}

static void body_append(ka_req *r, const char *data, size_t n)
{
    if (r->too_large || r->len + n > r->srv->o.max_body) {
        r->too_large = 1;
        return;
    }
    /* the limit checked above (at most 1 GiB, serve.c) keeps the size an int */
    void *body = r->body;
    if (ka_array_grow(&body, &r->cap, (int)(r->len + n + 1), 1)) {
        r->too_large = 1;
        return;
    }
    r->body = body;
    memcpy(r->body + r->len, data, n);
    r->len += n;
    r->body[r->len] = '\0';
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **ctx)
{
    ka_req *r = *ctx;
    if (!r) {
        if (!(r = calloc(1, sizeof *r)))
            return MHD_NO;
        r->srv = cls;
        r->conn = conn;
        r->route_index = -1;
        r->t0 = ka_serve_now_ns();
        snprintf(r->method, sizeof r->method, "%s", method);
        snprintf(r->url, sizeof r->url, "%s", url);
        *ctx = r;
        /* Replying now makes libmicrohttpd close the connection (it cannot know what
         * follows), so only refusals are sent before the second call. */
        return admit(r, method, url);
    }
    if (r->replied) {               /* refused early: swallow what is still sent */
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size) {
        /* A body may trickle in (each gap under the idle timeout) but not for ever. */
        if (ka_serve_now_ns() - r->t0 > (uint64_t)r->srv->o.timeout_s * 3000000000u)
            return MHD_NO;
        body_append(r, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->too_large)
        return ka_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "the body is larger than %zu bytes",
                              r->srv->o.max_body);
    return r->route->handler(r);
}

/* One line per request on stderr: method, path (without the query, which carries user
 * ids), status, milliseconds. One write(2) each, so lines of threads never mix. */
static void access_log(const ka_req *r, int status, uint64_t ns)
{
    char line[256];
    size_t path = strcspn(r->url, "?");
    int n = snprintf(line, sizeof line, "keyart serve: %s %.*s %d %.3f ms\n", r->method,
                     (int)(path < 128 ? path : 128), r->url, status, (double)ns / 1e6);
    if (n > 0)
        (void)!write(STDERR_FILENO, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **ctx,
                         enum MHD_RequestTerminationCode why)
{
    ka_server *s = cls;
    ka_req *r = *ctx;
    if (!r)
        return;
    uint64_t ns = ka_serve_now_ns() - r->t0;
    int status = r->replied ? r->status : 499;
    ka_metrics_request(&s->metrics, r->route ? r->route_index : -1, status, ns);
    if (!s->o.quiet)
        access_log(r, status, ns);
    if (r->inflight)
        atomic_fetch_sub(&s->inflight, 1);
    free(r->body);
    free(r);
    *ctx = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
                          enum MHD_ConnectionNotificationCode code)
{
    ka_server *s = cls;
    (void)conn;
    (void)socket_ctx;
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        atomic_fetch_add_explicit(&s->connections, 1, memory_order_relaxed);
    else
        atomic_fetch_sub_explicit(&s->connections, 1, memory_order_relaxed);
}

static void on_log(void *cls, const char *fmt, va_list ap)
{
    ka_server *s = cls;
    if (s->o.quiet)
        return;
    fputs("keyart serve: ", stderr);
    vfprintf(stderr, fmt, ap);
}

/* ---- the listening socket ---- */

static int listen_on(ka_server *s)
{
    char host[256];
    const char *colon = strrchr(s->listen, ':');
    size_t hl = colon ? (size_t)(colon - s->listen) : 0;
    if (!colon || hl >= sizeof host || !colon[1])
        return ka_error(KA_EINVAL, "--listen wants ADDR:PORT, not '%s'", s->listen);
    memcpy(host, s->listen, hl);
    host[hl] = '\0';
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {    /* [::1]:8080 */
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = '\0';
    }
    struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICSERV,
                              .ai_socktype = SOCK_STREAM }, *ai = NULL;
    int gai = getaddrinfo(*host ? host : NULL, colon + 1, &hints, &ai);
    if (gai)
        return ka_error(KA_EINVAL, "cannot listen on '%s': %s", s->listen, gai_strerror(gai));
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 1024)) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return ka_error(KA_EIO, "cannot listen on %s: %s", s->listen, strerror(e));
    }
    freeaddrinfo(ai);
    struct sockaddr_storage sa;
    socklen_t len = sizeof sa;
    getsockname(fd, (struct sockaddr *)&sa, &len);
    s->port = ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
                                             : ((struct sockaddr_in *)&sa)->sin_port);
    s->fd = fd;
    return 0;
}

int ka_server_http_start(ka_server *s)
{
    int err = listen_on(s);
    if (err)
        return err;
    unsigned threads = s->o.threads > 0 ? (unsigned)s->o.threads
                                        : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
    /* A thread answers one request at a time; the others in flight are bodies coming
     * in and replies going out, each holding memory (a body up to --max-body). Slow
     * clients hold places too, so the default leaves room for many. */
    s->max_inflight = s->o.max_inflight ? s->o.max_inflight
                    : threads * 32 > 64 ? threads * 32 : 64;
    /* one thread is the daemon's own internal thread: no pool (a pool of one is refused) */
    struct MHD_OptionItem pool[] = {
        { threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, threads, NULL },
        { MHD_OPTION_END, 0, NULL },
    };
    s->mhd = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_TURBO,
        0, NULL, NULL, on_request, s,
        MHD_OPTION_EXTERNAL_LOGGER, on_log, s,
        MHD_OPTION_LISTEN_SOCKET, s->fd,
        MHD_OPTION_ARRAY, pool,
        MHD_OPTION_CONNECTION_TIMEOUT, s->o.timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, s->o.max_connections,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
        MHD_OPTION_END);
    if (!s->mhd) {
        close(s->fd);
        s->fd = -1;
        return ka_error(KA_EIO, "cannot start the HTTP server on %s", s->listen);
    }
    return 0;
}
