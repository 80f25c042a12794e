/* sim_http.c: keyart simulate --over-http URL: a simulated world's server is a running
 * `keyart serve --clock request`, reached through its HTTP API with libcurl, one
 * request at a time on one kept-alive connection: a row's variants from
 * POST /v1/artwork:batch, the row's events to POST /v1/events (with the bearer token),
 * a refresh by POST /v1/admin/refresh, each carrying the simulated time (?now=). The
 * HTTP client lives here, in the command, so that simulate/ (which knows only
 * ka_sim_server) and serve/ stay free of it. A server that cannot be reached, says no,
 * or answers anything but the JSON it should ends the run with a message saying so. */
#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct http {
    CURL *curl;
    char *base;                     /* the URL without its trailing '/' */
    struct curl_slist *json_hdr, *auth_hdr;
    char policy[32];                /* the one the server must decide by */
    char *buf;                      /* the last answer */
    size_t len, cap;
} http;

static size_t take(char *data, size_t size, size_t n, void *arg)
{
    http *h = arg;
    size_t add = size * n;
    if (h->len + add + 1 > h->cap) {
        size_t cap = (h->len + add + 1) * 2;
        char *b = realloc(h->buf, cap);
        if (!b)
            return 0;               /* curl stops: CURLE_WRITE_ERROR */
        h->buf = b;
        h->cap = cap;
    }
    memcpy(h->buf + h->len, data, add);
    h->len += add;
    h->buf[h->len] = '\0';
    return add;
}

/* One request: POST path with body (NULL: a GET); the answer's JSON in *out. Anything
 * but 200 with a JSON object is an error that says what the server said. */
static int request(http *h, const char *path, const char *body, int auth, json_t **out)
{
    char url[2048];
    snprintf(url, sizeof url, "%s%s", h->base, path);
    h->len = 0;
    curl_easy_setopt(h->curl, CURLOPT_URL, url);
    curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
    if (body) {
        curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, auth ? h->auth_hdr : h->json_hdr);
    CURLcode rc = curl_easy_perform(h->curl);
    const char *what = body ? "POST" : "GET";
    char *q = strchr(url, '?');
    if (q)
        *q = '\0';                  /* the messages name the route, not the time */
    if (rc != CURLE_OK)
        return ka_error(KA_EIO, "cannot reach keyart serve: %s %s: %s", what, url,
                        curl_easy_strerror(rc));
    long status = 0;
    curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
    json_error_t e;
    json_t *j = h->len ? json_loadb(h->buf, h->len, 0, &e) : NULL;
    if (!json_is_object(j)) {
        json_decref(j);
        for (size_t i = 0; i < h->len && i < 80; i++)
            h->buf[i] = h->buf[i] == '\n' || h->buf[i] == '\r' ? ' ' : h->buf[i];
        return ka_error(KA_EIO, "%s %s: HTTP %ld and an answer that is no JSON object: "
                        "'%.80s'", what, url, status, h->len ? h->buf : "");
    }
    if (status != 200) {
        const char *msg = json_string_value(json_object_get(json_object_get(j, "error"),
                                                            "message"));
        int err = ka_error(KA_EIO, "%s %s: HTTP %ld: %s", what, url, status,
                           msg ? msg : "(no message)");
        json_decref(j);
        return err;
    }
    *out = j;
    return 0;
}

static const char *str_of(const json_t *o, const char *name)
{
    const char *s = json_string_value(json_object_get(o, name));
    return s ? s : "";
}

/* One answer of a batch into c. */
static int choice_of(http *h, const json_t *a, const char *title, ka_sim_choice *c)
{
    const json_t *err = json_object_get(a, "error");
    if (err)
        return ka_error(KA_EIO, "POST /v1/artwork:batch: title %s: %s", title,
                        str_of(err, "message"));
    const json_t *num = json_object_get(a, "variant_number"), *p = json_object_get(a, "propensity");
    if (!json_is_integer(num) || !json_is_number(p) || strcmp(str_of(a, "title_id"), title))
        return ka_error(KA_EIO, "POST /v1/artwork:batch: the answer for title %s lacks its "
                        "title_id, variant_number or propensity", title);
    memset(c, 0, sizeof *c);
    c->variant_number = (int)json_integer_value(num);
    c->propensity = json_number_value(p);
    snprintf(c->variant_id, sizeof c->variant_id, "%s", str_of(a, "variant_id"));
    snprintf(c->policy, sizeof c->policy, "%s", str_of(a, "policy"));
    snprintf(c->experiment, sizeof c->experiment, "%s", str_of(a, "experiment"));
    snprintf(c->arm, sizeof c->arm, "%s", str_of(a, "arm"));
    if (strcmp(c->policy, h->policy))
        return ka_error(KA_EINVAL, "keyart serve decides by '%s', not '%s' (start it with "
                        "--policy %s)", c->policy, h->policy, h->policy);
    return 0;
}

/* POSTs req (taken; NULL: no memory) to route at the simulated time now. Every digit of
 * a time: the server must fold the same numbers the engine would. */
static int post(http *h, const char *route, double now, json_t *req, int auth, json_t **ans)
{
    char *body = req ? json_dumps(req, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
    json_decref(req);
    if (!body)
        return ka_error(KA_ENOMEM, "no memory");
    char path[96];
    snprintf(path, sizeof path, "%s?now=%.17g", route, now);
    int err = request(h, path, body, auth, ans);
    free(body);
    return err;
}

static int http_decide(void *ctx, const char *user, const char *const *titles, int n,
                       double now, ka_sim_choice *out)
{
    http *h = ctx;
    json_t *ids = json_array();
    for (int i = 0; ids && i < n; i++)
        json_array_append_new(ids, json_string(titles[i]));
    json_t *ans = NULL;
    int err = post(h, "/v1/artwork:batch", now, json_pack("{s:s, s:o}", "user", user, "titles",
                                                          ids), 0, &ans);
    const json_t *list = json_object_get(ans, "artwork");
    if (!err && json_array_size(list) != (size_t)n)
        err = ka_error(KA_EIO, "POST /v1/artwork:batch: %zu answers for %d titles",
                       json_array_size(list), n);
    for (int i = 0; !err && i < n; i++)
        err = choice_of(h, json_array_get(list, (size_t)i), titles[i], &out[i]);
    json_decref(ans);
    return err;
}

static json_t *event_json(const ka_store_event *e)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:f}", "id", e->client_id, "type", e->type,
                          "user", e->user, "title_id", e->title_id,
                          "variant_number", e->variant_number, "ts", e->ts);
    if (o && e->variant_id)
        json_object_set_new(o, "variant_id", json_string(e->variant_id));
    if (o && e->policy)
        json_object_set_new(o, "policy", json_string(e->policy));
    if (o && e->propensity > 0)
        json_object_set_new(o, "propensity", json_real(e->propensity));
    if (o && e->experiment && e->arm) {
        json_object_set_new(o, "experiment", json_string(e->experiment));
        json_object_set_new(o, "arm", json_string(e->arm));
    }
    if (o && !isnan(e->value))
        json_object_set_new(o, "dwell_s", json_real(e->value));
    return o;
}

static int http_events(void *ctx, const ka_store_event *ev, int n, double now)
{
    http *h = ctx;
    json_t *list = json_array();
    int bad = !list;
    for (int i = 0; !bad && i < n; i++)
        bad = json_array_append_new(list, event_json(&ev[i]));
    json_t *req = json_pack("{s:o}", "events", list);     /* (takes list, even NULL) */
    if (bad) {
        json_decref(req);
        req = NULL;
    }
    json_t *ans = NULL;
    int err = post(h, "/v1/events", now, req, 1, &ans);
    const json_t *rejected = json_object_get(ans, "rejected");
    json_int_t dup = json_integer_value(json_object_get(ans, "duplicates"));
    if (!err && json_array_size(rejected))
        err = ka_error(KA_EIO, "POST /v1/events: the server refused an event: %s",
                       str_of(json_array_get(rejected, 0), "reason"));
    else if (!err && dup)
        err = ka_error(KA_EIO, "POST /v1/events: the server already had %lld of these "
                       "events: a run over HTTP needs a server with a store of its own",
                       (long long)dup);
    else if (!err && json_integer_value(json_object_get(ans, "accepted")) != n)
        err = ka_error(KA_EIO, "POST /v1/events: %d events sent, %lld accepted", n,
                       (long long)json_integer_value(json_object_get(ans, "accepted")));
    json_decref(ans);
    return err;
}

static int http_learn(void *ctx, double now)
{
    (void)now;                      /* what settled by now was folded with the events */
    json_t *ans = NULL;
    int err = request(ctx, "/v1/admin/refresh", "", 1, &ans);
    json_decref(ans);
    return err;
}

int ka_cli_sim_http_open(const char *url, const char *token, const char *policy,
                         ka_sim_server *out)
{
    memset(out, 0, sizeof *out);
    static int curl_ready;
    if (!curl_ready++ && curl_global_init(CURL_GLOBAL_DEFAULT))
        return ka_error(KA_EINTERNAL, "libcurl cannot start");
    http *h = calloc(1, sizeof *h);
    char auth[512];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token ? token : "");
    if (!h || !(h->curl = curl_easy_init()) || !(h->base = strdup(url)) ||
        !(h->json_hdr = curl_slist_append(NULL, "Content-Type: application/json")) ||
        !(h->json_hdr = curl_slist_append(h->json_hdr, "Expect:")) ||
        !(h->auth_hdr = curl_slist_append(NULL, "Content-Type: application/json")) ||
        !(h->auth_hdr = curl_slist_append(h->auth_hdr, "Expect:")) ||
        !(h->auth_hdr = curl_slist_append(h->auth_hdr, auth))) {
        ka_cli_sim_http_close(&(ka_sim_server){ .ctx = h });
        return ka_error(KA_ENOMEM, "no memory");
    }
    size_t len = strlen(h->base);
    while (len && h->base[len - 1] == '/')
        h->base[--len] = '\0';
    snprintf(h->policy, sizeof h->policy, "%s", policy);
    curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, take);
    curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, 120L);
    curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    *out = (ka_sim_server){ .ctx = h, .decide = http_decide, .events = http_events,
                            .learn = http_learn };
    json_t *ans = NULL;
    int err = request(h, "/healthz", NULL, 0, &ans);
    json_decref(ans);
    if (err)
        ka_cli_sim_http_close(out);
    return err;
}

void ka_cli_sim_http_close(ka_sim_server *srv)
{
    http *h = srv->ctx;
    if (!h)
        return;
    if (h->curl)
        curl_easy_cleanup(h->curl);
    curl_slist_free_all(h->json_hdr);
    curl_slist_free_all(h->auth_hdr);
    free(h->base);
    free(h->buf);
    free(h);
    srv->ctx = NULL;
}
