/* metrics.c: counters for /metrics (Prometheus text format 0.0.4): requests by route
 * and status class, a latency histogram per route, selections per policy, events per
 * type, requests shed and connections closed under load, and gauges of what the server
 * holds and how loaded it is. Counters are relaxed atomics: request threads never wait
 * for each other to count. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_priv.h"

/* Upper bounds of the latency buckets, seconds (the last is +Inf). */
static const double bucket_le[KA_LAT_BUCKETS - 1] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.1, 0.5, 2.5,
};

#define ADD(x, n) atomic_fetch_add_explicit(&(x), (n), memory_order_relaxed)
#define GET(x) atomic_load_explicit(&(x), memory_order_relaxed)

void ka_metrics_request(ka_metrics *m, int route, int status, uint64_t ns)
{
    int cls = status / 100 - 1;
    cls = cls < 0 ? 0 : cls >= KA_CODE_CLASSES ? KA_CODE_CLASSES - 1 : cls;
    if (route < 0 || route >= KA_ROUTES_MAX) {
        ADD(m->unrouted[cls], 1);
        return;
    }
    double s = (double)ns * 1e-9;
    int b = 0;
    while (b < KA_LAT_BUCKETS - 1 && s > bucket_le[b])
        b++;
    ADD(m->requests[route][cls], 1);
    ADD(m->latency[route][b], 1);
    ADD(m->latency_ns[route], ns);
}

void ka_metrics_selection(ka_metrics *m, int policy)
{
    ADD(m->selections[policy >= 0 && policy < KA_SERVE_POLICIES ? policy
                      : policy == KA_DECISION_PINNED ? KA_SERVE_POLICIES + 1 : KA_SERVE_POLICIES], 1);
}

/* The page is written to a memory stream: libc grows the buffer. */
typedef FILE text;

static void out(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(t, fmt, ap);
    va_end(ap);
}

static void requests(text *t, const ka_metrics *m)
{
    int n;
    const ka_route *routes = ka_routes(&n);
    out(t, "# HELP keyart_http_requests_total HTTP requests by route and status class.\n"
           "# TYPE keyart_http_requests_total counter\n");
    for (int r = 0; r < n && r < KA_ROUTES_MAX; r++)
        for (int c = 0; c < KA_CODE_CLASSES; c++)
            if (GET(m->requests[r][c]))
                out(t, "keyart_http_requests_total{route=\"%s\",code=\"%dxx\"} %llu\n",
                    routes[r].name, c + 1, (unsigned long long)GET(m->requests[r][c]));
    for (int c = 0; c < KA_CODE_CLASSES; c++)
        if (GET(m->unrouted[c]))
            out(t, "keyart_http_requests_total{route=\"none\",code=\"%dxx\"} %llu\n", c + 1,
                (unsigned long long)GET(m->unrouted[c]));
    out(t, "# HELP keyart_http_request_duration_seconds Time from a request's headers to"
           " its reply sent.\n# TYPE keyart_http_request_duration_seconds histogram\n");
    for (int r = 0; r < n && r < KA_ROUTES_MAX; r++) {
        uint64_t cum = 0;
        for (int b = 0; b < KA_LAT_BUCKETS; b++)
            cum += GET(m->latency[r][b]);
        if (!cum)
            continue;
        uint64_t total = cum;
        cum = 0;
        for (int b = 0; b < KA_LAT_BUCKETS - 1; b++) {
            cum += GET(m->latency[r][b]);
            out(t, "keyart_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                routes[r].name, bucket_le[b], (unsigned long long)cum);
        }
        out(t, "keyart_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n"
               "keyart_http_request_duration_seconds_sum{route=\"%s\"} %.9f\n"
               "keyart_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
            routes[r].name, (unsigned long long)total, routes[r].name,
            (double)GET(m->latency_ns[r]) * 1e-9, routes[r].name, (unsigned long long)total);
    }
}

static void learning(text *t, const ka_metrics *m)
{
    int n;
    const ka_policy_type *const *list = ka_policy_list(&n);
    out(t, "# HELP keyart_selections_total Variants chosen, by the policy that chose.\n"
           "# TYPE keyart_selections_total counter\n");
    for (int k = 0; k < n && k < KA_SERVE_POLICIES; k++)
        out(t, "keyart_selections_total{policy=\"%s\"} %llu\n", list[k]->name,
            (unsigned long long)GET(m->selections[k]));
    out(t, "keyart_selections_total{policy=\"fixed\"} %llu\n",
        (unsigned long long)GET(m->selections[KA_SERVE_POLICIES]));
    out(t, "keyart_selections_total{policy=\"pinned\"} %llu\n",
        (unsigned long long)GET(m->selections[KA_SERVE_POLICIES + 1]));
    out(t, "# HELP keyart_events_total Events stored, by type.\n"
           "# TYPE keyart_events_total counter\n");
    for (int e = 0; e < KA_EVENT_COUNT; e++)
        out(t, "keyart_events_total{type=\"%s\"} %llu\n", ka_event_type_name((ka_event_type)e),
            (unsigned long long)GET(m->events[e]));
    out(t, "# HELP keyart_events_duplicate_total Events sent again (stored once).\n"
           "# TYPE keyart_events_duplicate_total counter\n"
           "keyart_events_duplicate_total %llu\n"
           "# HELP keyart_events_rejected_total Malformed events refused.\n"
           "# TYPE keyart_events_rejected_total counter\n"
           "keyart_events_rejected_total %llu\n",
        (unsigned long long)GET(m->events_duplicate), (unsigned long long)GET(m->events_rejected));
}

static void load(text *t, ka_server *s)
{
    out(t, "# HELP keyart_http_shed_total Requests refused with 503 because --max-inflight"
           " were in flight.\n# TYPE keyart_http_shed_total counter\n"
           "keyart_http_shed_total %llu\n"
           "# HELP keyart_http_closed_crowded_total Replies that closed their connection"
           " because the connections neared --max-connections.\n"
           "# TYPE keyart_http_closed_crowded_total counter\n"
           "keyart_http_closed_crowded_total %llu\n"
           "# HELP keyart_http_inflight Requests being answered (probes not counted).\n"
           "# TYPE keyart_http_inflight gauge\nkeyart_http_inflight %u\n"
           "# HELP keyart_http_max_inflight The most requests answered at once.\n"
           "# TYPE keyart_http_max_inflight gauge\nkeyart_http_max_inflight %u\n"
           "# HELP keyart_http_connections Open connections.\n"
           "# TYPE keyart_http_connections gauge\nkeyart_http_connections %u\n",
        (unsigned long long)GET(s->metrics.shed),
        (unsigned long long)GET(s->metrics.closed_crowded), GET(s->inflight), s->max_inflight,
        GET(s->connections));
}

static void holdings(text *t, ka_server *s)
{
    pthread_rwlock_rdlock(&s->st.lock);
    out(t, "# HELP keyart_titles Titles served.\n# TYPE keyart_titles gauge\nkeyart_titles %d\n"
           "# HELP keyart_profiles User profiles held.\n# TYPE keyart_profiles gauge\n"
           "keyart_profiles %zu\n"
           "# HELP keyart_experiments_active Running and shipped experiments.\n"
           "# TYPE keyart_experiments_active gauge\nkeyart_experiments_active %d\n"
           "# HELP keyart_events_folded_total Stored events folded into profiles and policies.\n"
           "# TYPE keyart_events_folded_total counter\nkeyart_events_folded_total %llu\n"
           "# HELP keyart_rewards_total Impressions turned into rewards.\n"
           "# TYPE keyart_rewards_total counter\nkeyart_rewards_total %llu\n"
           "# HELP keyart_fold_watermark Id of the last event folded.\n"
           "# TYPE keyart_fold_watermark gauge\nkeyart_fold_watermark %lld\n",
        s->st.cat ? s->st.cat->n : 0, s->st.users.n, s->st.n_exps,
        (unsigned long long)s->st.folded, (unsigned long long)s->st.rewards,
        (long long)s->st.watermark);
    pthread_rwlock_unlock(&s->st.lock);
}

enum MHD_Result ka_api_metrics(ka_req *r)
{
    char *buf = NULL;
    size_t len = 0;
    text *t = open_memstream(&buf, &len);
    int bad = !t;
    if (t) {
        requests(t, &r->srv->metrics);
        learning(t, &r->srv->metrics);
        load(t, r->srv);
        holdings(t, r->srv);
        bad = ferror(t);
        bad |= fclose(t) != 0;      /* the buffer is complete only once closed */
    }
    if (bad || !buf) {
        free(buf);
        return ka_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
    }
    return ka_reply_buffer(r, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", buf, len);
}
