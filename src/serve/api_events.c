/* api_events.c: POST /v1/events {"events": [{"id", "type", "user", "title_id",
 * "variant_number", "variant_id", "ts", "dwell_s", "policy", "propensity", "experiment",
 * "arm", "context"}, ...]} (docs/schemas/http-events-request.schema.json).
 * Each event is checked on its own: the bad ones are refused with their reason, the
 * good ones of the same batch are stored (in one transaction), and an id already
 * stored is a duplicate, not an error, so clients may resend freely. An event names
 * the picture by variant_id (as the artwork answer gave it: right even when the title
 * was analysed again since, and a retired variant's events are still taken) or by its
 * number in the title's current analysis; both are stored. Events without an
 * experiment get the arm the user is assigned in the running experiment that covers
 * the title, so reports count them, unless that arm shows another picture. With
 * --clock request, ?now= is when they are received, and they are folded at once. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve_priv.h"

enum { KA_EVENT_ID_MAX = 128, KA_EVENT_STR_MAX = 256, KA_CONTEXT_MAX = 4096 };

typedef struct checked {
    ka_store_event e;
    char *data;                     /* context, serialised */
    ka_event_type type;
    char experiment[72], arm[72];   /* copies: the state may change once unlocked */
    char variant_id[KA_VARIANT_ID_LEN + 1];
    char why[96];
} checked;

static const char *str_field(const json_t *ev, const char *name, int required, size_t max,
                             checked *c, const char **why)
{
    const json_t *v = json_object_get(ev, name);
    if (!v && !required)
        return NULL;
    const char *s = json_string_value(v);
    if ((!s || !*s || strlen(s) > max) && !*why) {
        snprintf(c->why, sizeof c->why, "%s must be a string of 1-%zu characters", name, max);
        *why = c->why;
    }
    return s;
}

/* The variant an event is about, by id or number (both stored). */
static const char *check_variant(const json_t *ev, checked *c, const ka_stitle *t)
{
    const json_t *variant = json_object_get(ev, "variant_number");
    const json_t *vid = json_object_get(ev, "variant_id");
    int need_variant = c->type == KA_EVENT_IMPRESSION || c->type == KA_EVENT_CLICK;
    if (variant && !json_is_integer(variant))
        return "variant_number must be an integer";
    if (vid && !ka_variant_id_ok(json_string_value(vid)))
        return "variant_id must be 16 lowercase hex digits, as the artwork answer gave it";
    if (!variant && !vid)
        return need_variant ? "impressions and clicks need the variant_number or variant_id "
                              "shown" : NULL;
    c->e.variant_number = variant ? (int)json_integer_value(variant) : 0;
    int arm = vid ? ka_stitle_arm(t, json_string_value(vid))
                  : ka_stitle_arm_number(t, c->e.variant_number);
    if (vid && arm < 0 && !ka_stitle_retired(t, json_string_value(vid)))
        return "the title has no variant of that variant_id";
    if (!vid && arm < 0)
        return "the title has no such variant_number";
    snprintf(c->variant_id, sizeof c->variant_id, "%s", vid ? json_string_value(vid) : t->vid[arm]);
    c->e.variant_id = c->variant_id[0] ? c->variant_id : NULL;
    if (!variant && arm >= 0)
        c->e.variant_number = t->pv[arm].number;
    return NULL;
}

static const char *check_numbers(const json_t *ev, checked *c, double now)
{
    const json_t *ts = json_object_get(ev, "ts");
    const json_t *dwell = json_object_get(ev, "dwell_s"), *prop = json_object_get(ev, "propensity");
    if (ts && (!json_is_number(ts) || !(json_number_value(ts) > 946684800.0)))
        return "ts must be a number of seconds since 1970 (after 2000)";
    if (ts && json_number_value(ts) > now + 86400)
        return json_number_value(ts) > 1e11 ? "ts is in seconds, not milliseconds"
                                             : "ts is more than a day in the future";
    c->e.ts = ts ? json_number_value(ts) : 0;
    /* seconds, as every time of the vocabulary (docs/json.md); kept to the millisecond */
    if (dwell && (!json_is_number(dwell) || !(json_number_value(dwell) >= 0) ||
                  json_number_value(dwell) > 86400))
        return "dwell_s must be a number of seconds in 0..86400";
    c->e.value = dwell ? ka_json_round(json_number_value(dwell), 3) : NAN;
    if (prop && (!json_is_number(prop) || !(json_number_value(prop) > 0) ||
                 json_number_value(prop) > 1))
        return "propensity must be a number in (0, 1]";
    c->e.propensity = prop ? json_number_value(prop) : -1;
    return NULL;
}

/* The arm user is in for title t, from the running experiments; none when that arm
 * shows another picture than the event's (it was not shown by the arm). */
static void assign(const ka_serve_state *st, const ka_stitle *t, checked *c)
{
    for (int i = 0; i < st->n_exps; i++) {
        const ka_sexp *x = &st->exps[i];
        int arm;
        if (strcmp(x->status, "running") || !ka_sexp_covers(x, c->e.title_id) ||
            ka_exp_assign(&x->exp, c->e.user, &arm) || arm < 0)
            continue;               /* (an experiment that cannot assign counts nobody) */
        if (x->arm_policy[arm] < 0 && c->e.variant_id) {
            int shows = ka_sexp_arm_variant(x, arm, t);
            if (shows < 0 || strcmp(t->vid[shows], c->e.variant_id))
                return;
        }
        snprintf(c->experiment, sizeof c->experiment, "%s", x->name);
        snprintf(c->arm, sizeof c->arm, "%s", x->arms[arm].name);
        c->e.experiment = c->experiment;
        c->e.arm = c->arm;
        return;
    }
}

/* NULL when ev is good (c filled), else why not. State read-locked. */
static const char *check(const ka_serve_state *st, const json_t *ev, double now, checked *c)
{
    static const char *const fields[] = { "id", "type", "user", "title_id", "variant_number",
        "variant_id", "ts", "dwell_s", "policy", "propensity", "experiment", "arm", "context",
        NULL };
    const char *why = NULL, *key;
    memset(c, 0, sizeof *c);
    if (!json_is_object(ev))
        return "an event is a JSON object";
    if ((key = ka_json_unknown_field(ev, fields))) {
        snprintf(c->why, sizeof c->why, "unknown field '%.40s'", key);
        ka_utf8_scrub(c->why);      /* else the rejection is no JSON: the event vanished */
        return c->why;
    }
    c->e.client_id = str_field(ev, "id", 1, KA_EVENT_ID_MAX, c, &why);
    c->e.type = str_field(ev, "type", 1, 16, c, &why);
    c->e.user = str_field(ev, "user", 1, KA_EVENT_STR_MAX, c, &why);
    c->e.title_id = str_field(ev, "title_id", 1, KA_EVENT_STR_MAX, c, &why);
    c->e.policy = str_field(ev, "policy", 0, 64, c, &why);
    c->e.experiment = str_field(ev, "experiment", 0, 64, c, &why);
    c->e.arm = str_field(ev, "arm", 0, 64, c, &why);
    if (why)
        return why;
    if (ka_event_type_parse(c->e.type, &c->type))
        return "type must be impression, click, play, complete, skip or dwell";
    const ka_stitle *t = ka_catalog_find(st->cat, c->e.title_id);
    if (!t)
        return "no such title";
    if ((why = check_variant(ev, c, t)) || (why = check_numbers(ev, c, now)))
        return why;
    if (!c->e.experiment != !c->e.arm)
        return "experiment and arm go together";
    const json_t *ctx = json_object_get(ev, "context");
    if (ctx && (!json_is_object(ctx) || !(c->data = json_dumps(ctx, JSON_COMPACT)) ||
                strlen(c->data) > KA_CONTEXT_MAX))
        return "context must be a JSON object of at most 4096 bytes";
    c->e.data_json = c->data;
    if (!c->e.experiment)
        assign(st, t, c);
    return NULL;
}

static json_t *rejection(size_t i, const json_t *ev, const char *why)
{
    const json_t *id = json_object_get(ev, "id");
    return json_pack("{s:I, s:O, s:s}", "index", (json_int_t)i, "id",
                     json_is_string(id) ? id : json_null(), "reason", why);
}

/* Stores the good events; fills accepted and duplicates. */
static int store(ka_server *s, checked *c, int n, int *accepted, int *duplicates)
{
    ka_store_event *ev = calloc((size_t)n + 1, sizeof *ev);
    int *added = calloc((size_t)n + 1, sizeof *added);
    int err = ev && added ? 0 : ka_error(KA_ENOMEM, "no memory");
    for (int i = 0; !err && i < n; i++)
        ev[i] = c[i].e;
    if (!err) {
        pthread_mutex_lock(&s->db_lock);
        err = ka_store_add_events(s->db, ev, n, added);
        pthread_mutex_unlock(&s->db_lock);
    }
    for (int i = 0; !err && i < n; i++) {
        if (added[i]) {
            ++*accepted;
            atomic_fetch_add_explicit(&s->metrics.events[c[i].type], 1, memory_order_relaxed);
        } else {
            ++*duplicates;
        }
    }
    atomic_fetch_add_explicit(&s->metrics.events_duplicate, (uint64_t)*duplicates,
                              memory_order_relaxed);
    free(ev);
    free(added);
    return err;
}

enum MHD_Result ka_api_events(ka_req *r)
{
    static const char *const fields[] = { "events", NULL };
    double now;
    if (ka_req_now(r, &now))
        return MHD_YES;
    json_t *body = ka_req_json(r);
    if (!body || ka_req_only_fields(r, body, "events", fields)) {
        json_decref(body);
        return r->replied ? MHD_YES : MHD_NO;
    }
    const json_t *events = json_object_get(body, "events");
    size_t n = json_array_size(events);
    if (!json_is_array(events) || n < 1 || n > (size_t)r->srv->o.max_events) {
        json_decref(body);
        return ka_reply_error(r, MHD_HTTP_BAD_REQUEST, "events must be a list of 1-%d events",
                              r->srv->o.max_events);
    }
    checked *good = calloc(n, sizeof *good);
    json_t *rejected = json_array();
    int n_good = 0, accepted = 0, duplicates = 0;
    size_t i;
    json_t *ev;
    pthread_rwlock_rdlock(&r->srv->st.lock);
    json_array_foreach(events, i, ev) {
        const char *why = good ? check(&r->srv->st, ev, now, &good[n_good]) : "out of memory";
        if (!why && r->srv->o.clock_request)
            good[n_good].e.received_at = now;
        if (why) {
            free(good ? good[n_good].data : NULL);
            json_array_append_new(rejected, rejection(i, ev, why));
        } else {
            n_good++;
        }
    }
    pthread_rwlock_unlock(&r->srv->st.lock);
    atomic_fetch_add_explicit(&r->srv->metrics.events_rejected, json_array_size(rejected),
                              memory_order_relaxed);
    int err = n_good ? store(r->srv, good, n_good, &accepted, &duplicates) : 0;
    for (int k = 0; good && k < n_good; k++)
        free(good[k].data);
    free(good);
    json_decref(body);
    /* on the client's clock, what it sent counts before its next request, as in
     * ka_engine: folded now, learned at the next refresh */
    if (!err && n_good && r->srv->o.clock_request && ka_server_fold(r->srv, 0)) {
        json_decref(rejected);
        return ka_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "events stored, not folded: "
                              "%s", ka_error_message());
    }
    if (err) {
        json_decref(rejected);
        r->header = "Retry-After";  /* a busy or failing database: nothing was stored */
        snprintf(r->header_value, sizeof r->header_value, "1");
        return ka_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "events not stored (send them"
                              " again): %s", ka_error_message());
    }
    json_t *reply = json_pack("{s:i, s:i, s:o}", "accepted", accepted, "duplicates", duplicates,
                              "rejected", rejected);
    if (n_good)
        return ka_reply_json(r, MHD_HTTP_OK, reply);
    /* None kept: a 400 of the usual error shape, beside the per-event reasons. */
    const json_t *first = json_array_get(json_object_get(reply, "rejected"), 0);
    const char *reason = json_string_value(json_object_get(first, "reason"));
    char why[256];
    snprintf(why, sizeof why, "no event was kept: events[%d]: %s",
             (int)json_integer_value(json_object_get(first, "index")), reason ? reason : "?");
    json_object_set_new(reply, "error", json_pack("{s:i, s:s}", "status", MHD_HTTP_BAD_REQUEST,
                                                  "message", why));
    return ka_reply_json(r, MHD_HTTP_BAD_REQUEST, reply);
}
