/* run.c: one simulated world per policy. Every world has the same viewers, who visit
 * at the same times, see the same rows of titles and draw the same random numbers for
 * their responses (each visit reseeds the viewers' generator from the seed, the viewer
 * and the day): only the variant shown differs, so the worlds' differences are the
 * policies', not chance's. A server decides and learns, on the simulated clock, as a
 * client of keyart serve would see it (ka_sim_server): a row's variants are asked at
 * once when it is shown, what the viewer did goes back as the row's events, and the
 * policies learn every learn_every_s simulated seconds (a server's refresh). The
 * server is the engine (keyart/serve.h) in process, or keyart serve over HTTP. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyart/json.h"
#include "sim_priv.h"

#define SIM_EPOCH 1767225600.0      /* 2026-01-01 00:00 UTC: day 0 of every run */
#define SLOT_S 4.0                  /* seconds between the titles of a row */

typedef struct visit {
    double t;                       /* Unix seconds */
    int viewer;
} visit;

enum { ROW_MAX = 100, ROW_EVENTS = 5 * ROW_MAX };

typedef struct world {
    const ka_sim_scenario *s;
    const ka_sim_title *titles;
    int n_titles;
    const ka_sim_viewer *viewers;
    const ka_sim_server *srv;       /* NULL: the oracle decides */
    ka_rng *r;                      /* the viewers' draws */
    ka_sim_result *res;
    ka_exp_counts *arm_counts;      /* an experiment's: control, treatment; or NULL */
    ka_exp_counts *user_counts;     /* with it, each viewer's, */
    signed char *user_arm;          /* and arm (-1: not seen in the experiment) */
    double expected, best;          /* sums of click probabilities: shown, best */
    int64_t day_imps[KA_SIM_MAX_DAYS], day_clicks[KA_SIM_MAX_DAYS];
    double day_expected[KA_SIM_MAX_DAYS];
    double clock, next_learn;
    int64_t n_events;
    ka_store *log;                  /* where the events go too, or NULL */
    struct logged *batch;           /* the events waiting to be stored */
    int n_batch;
    ka_store_event *ev;             /* the row's events, ROW_EVENTS */
    char (*ev_id)[48];              /* and their client ids */
    int n_ev;
} world;

static const char *or_null(const char *s)
{
    return s[0] ? s : NULL;
}

/* An event waiting to be stored, with its strings. */
enum { LOG_BATCH = 1000 };
typedef struct logged {
    ka_store_event e;
    char client_id[48], variant_id[17], policy[32], experiment[72], arm[72];
} logged;

static int log_flush(world *w)
{
    if (!w->n_batch)
        return 0;
    ka_store_event e[LOG_BATCH];
    int added[LOG_BATCH];
    for (int i = 0; i < w->n_batch; i++) {
        e[i] = w->batch[i].e;
        e[i].client_id = w->batch[i].client_id;
        e[i].variant_id = or_null(w->batch[i].variant_id);
        e[i].policy = or_null(w->batch[i].policy);
        e[i].experiment = or_null(w->batch[i].experiment);
        e[i].arm = or_null(w->batch[i].arm);
    }
    int err = ka_store_add_events(w->log, e, w->n_batch, added);
    w->n_batch = 0;
    return err;
}

static int log_event(world *w, const ka_store_event *e)
{
    logged *l = &w->batch[w->n_batch++];
    l->e = *e;
    snprintf(l->client_id, sizeof l->client_id, "%s", e->client_id);
    snprintf(l->variant_id, sizeof l->variant_id, "%s", e->variant_id ? e->variant_id : "");
    snprintf(l->policy, sizeof l->policy, "%s", e->policy ? e->policy : "");
    snprintf(l->experiment, sizeof l->experiment, "%s", e->experiment ? e->experiment : "");
    snprintf(l->arm, sizeof l->arm, "%s", e->arm ? e->arm : "");
    return w->n_batch == LOG_BATCH ? log_flush(w) : 0;
}

static uint64_t visit_seed(uint64_t seed, int viewer, int day)
{
    uint64_t x = seed * 0x9e3779b97f4a7c15ULL + (uint64_t)viewer * 0xbf58476d1ce4e5b9ULL +
                 (uint64_t)day * 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x ? x : 1;
}

/* Whether viewer i visits on day d and when: the first draws of the visit's stream. */
static int visit_time(world *w, int i, int day, double *t)
{
    const ka_sim_viewer *v = &w->viewers[i];
    ka_rng_seed(w->r, visit_seed(w->s->seed, i, day));
    double u = ka_rng_uniform(w->r);
    double hour = fmod(v->hour + ka_rng_gaussian(w->r, 1.5) + 48.0, 24.0);
    *t = SIM_EPOCH + day * 86400.0 + hour * 3600.0;
    return u < w->s->visit_rate;
}

static int by_time(const void *a, const void *b)
{
    const visit *x = a, *y = b;
    return x->t < y->t ? -1 : x->t > y->t ? 1 : x->viewer - y->viewer;
}

/* An event of the row; the server receives the row's together (row_events). */
static void event(world *w, const char *type, const ka_sim_viewer *v, const ka_sim_title *t,
                  const ka_sim_variant *var, const ka_sim_choice *c, double ts, double value)
{
    if (!w->srv)
        return;
    int i = w->n_ev++;
    snprintf(w->ev_id[i], sizeof w->ev_id[i], "sim-%llu-%lld", (unsigned long long)w->s->seed,
             (long long)++w->n_events);
    w->ev[i] = (ka_store_event){
        .client_id = w->ev_id[i], .type = type, .user = v->id, .title_id = t->id,
        .variant_number = var->number, .variant_id = or_null(c->variant_id),
        .experiment = or_null(c->experiment), .arm = or_null(c->arm),
        .policy = or_null(c->policy), .propensity = c->propensity, .value = value, .ts = ts,
    };
    w->clock = ts > w->clock ? ts : w->clock;
    ka_event_type k;
    if (w->user_counts && c->arm[0] && !ka_event_type_parse(type, &k)) {
        ptrdiff_t u = v - w->viewers;
        w->user_arm[u] = (signed char)(strcmp(c->arm, KA_SIM_CONTROL) ? 1 : 0);
        ka_exp_counts_add(&w->user_counts[u], k, value);
    }
}

/* The row's events to the server (and the log), received when the last happened. */
static int row_events(world *w)
{
    int err = 0;
    for (int i = 0; w->log && !err && i < w->n_ev; i++) {
        w->ev[i].received_at = w->clock;
        err = log_event(w, &w->ev[i]);
    }
    if (!err && w->n_ev)
        err = w->srv->events(w->srv->ctx, w->ev, w->n_ev, w->clock);
    w->n_ev = 0;
    return err;
}

/* The variant of t shown to v: the server's choice c (its index in t), or, without a
 * server, the oracle's (the highest click probability; p[] holds every variant's). */
static int choose(world *w, const ka_sim_title *t, const double *p, ka_sim_choice *c)
{
    if (w->srv) {
        for (int k = 0; k < t->n_variants; k++)
            if (t->variants[k].number == c->variant_number)
                return k;
        return ka_error(KA_EINVAL, "the server chose variant %d, which title %s lacks",
                        c->variant_number, t->id);
    }
    int best = 0;
    for (int k = 1; k < t->n_variants; k++)
        best = p[k] > p[best] ? k : best;
    memset(c, 0, sizeof *c);
    c->variant_number = t->variants[best].number;
    c->propensity = 1;
    snprintf(c->policy, sizeof c->policy, "oracle");
    return best;
}

/* One title of a row, c the server's choice: the response, the events, the counts. */
static int show(world *w, const ka_sim_viewer *v, const ka_sim_title *t, ka_sim_choice *c,
                double ts, int day)
{
    double hour = fmod((ts - SIM_EPOCH) / 3600.0, 24.0), p[KA_POLICY_MAX_ARMS], best = 0;
    for (int k = 0; k < t->n_variants; k++) {
        p[k] = ka_sim_click_p(w->s, v, t, &t->variants[k], hour);
        best = p[k] > best ? p[k] : best;
    }
    /* drawn before the choice, so every world draws alike */
    double u_click = ka_rng_uniform(w->r), u_play = ka_rng_uniform(w->r);
    double u_done = ka_rng_uniform(w->r), u_dwell = ka_rng_uniform(w->r);
    int k = choose(w, t, p, c);
    if (k < 0)
        return k;
    const ka_sim_variant *var = &t->variants[k];
    ka_sim_result *r = w->res;
    r->impressions++;
    w->day_imps[day]++;
    w->day_expected[day] += p[k];
    w->expected += p[k];
    w->best += best;
    event(w, "impression", v, t, var, c, ts, NAN);
    if (u_click >= p[k])
        return 0;
    r->clicks++;
    w->day_clicks[day]++;
    double fit = ka_sim_genre_fit(v, t);
    /* to the millisecond, as a server keeps it */
    double dwell = ka_json_round(-log(1 - u_dwell) * w->s->dwell_mean_s * (0.5 + fit), 3);
    r->dwell_s += dwell;
    event(w, "click", v, t, var, c, ts + 1, NAN);
    event(w, "dwell", v, t, var, c, ts + 2, dwell);
    if (u_play >= w->s->play_rate * (0.5 + 0.5 * fit))
        return 0;
    r->plays++;
    int done = u_done < w->s->complete_rate * (0.4 + 0.6 * fit);
    r->completes += done;
    r->skips += !done;
    event(w, "play", v, t, var, c, ts + 3, NAN);
    event(w, done ? "complete" : "skip", v, t, var, c, ts + 3, NAN);
    return 0;
}

/* The titles of v's row, drawn by how much v likes their genres (no title twice). */
static void row_of(world *w, const ka_sim_viewer *v, int *row, int n)
{
    for (int i = 0; i < n; i++) {
        for (int tries = 0; tries < 50; tries++) {
            int t = (int)ka_rng_int(w->r, (unsigned long)w->n_titles);
            double fit = ka_sim_genre_fit(v, &w->titles[t]);
            int seen = 0;
            for (int j = 0; j < i; j++)
                seen |= row[j] == t;
            row[i] = t;
            if (!seen && ka_rng_uniform(w->r) < 0.1 + 0.9 * fit * fit)
                break;
        }
    }
}

static int visit_run(world *w, const visit *x, int day)
{
    const ka_sim_viewer *v = &w->viewers[x->viewer];
    double t0;
    visit_time(w, x->viewer, day, &t0);     /* the same stream, from its start */
    int n = w->s->row_length < w->n_titles ? w->s->row_length : w->n_titles;
    int row[ROW_MAX];
    const char *ids[ROW_MAX];
    ka_sim_choice c[ROW_MAX];
    int err = 0;
    for (int r = 0; !err && r < w->s->rows_per_visit; r++) {
        row_of(w, v, row, n);
        double shown = x->t + r * n * SLOT_S;
        for (int i = 0; i < n; i++)
            ids[i] = w->titles[row[i]].id;
        /* the row is asked for at once, when it is shown, as a client asks a server */
        if (w->srv)
            err = w->srv->decide(w->srv->ctx, v->id, ids, n, shown, c);
        for (int i = 0; !err && i < n; i++)
            err = show(w, v, &w->titles[row[i]], &c[i], shown + i * SLOT_S, day);
        if (!err && w->srv)
            err = row_events(w);
    }
    return err;
}

static int day_run(world *w, int day, visit *visits)
{
    int n = 0;
    for (int i = 0; i < w->s->users; i++) {
        double t;
        if (visit_time(w, i, day, &t))
            visits[n++] = (visit){ t, i };
    }
    qsort(visits, (size_t)n, sizeof *visits, by_time);
    int err = 0;
    for (int i = 0; !err && i < n; i++) {
        while (w->srv && !err && visits[i].t >= w->next_learn) {
            err = w->srv->learn(w->srv->ctx, w->next_learn);
            w->next_learn += w->s->learn_every_s;
        }
        if (!err)
            err = visit_run(w, &visits[i], day);
    }
    return err;
}

static void finish(world *w)
{
    ka_sim_result *r = w->res;
    double n = r->impressions ? (double)r->impressions : 1;
    r->ctr = (double)r->clicks / n;
    r->expected_ctr = w->expected / n;
    r->oracle_ctr = w->best / n;
    r->regret = (w->best - w->expected) / n;
    r->take_fraction = (double)r->plays / n;
    r->completion = r->plays ? (double)r->completes / (double)r->plays : 0;
    r->days = w->s->days;
    for (int d = 0; d < w->s->days; d++) {
        double n_d = w->day_imps[d] ? (double)w->day_imps[d] : 1;
        r->day_ctr[d] = (double)w->day_clicks[d] / n_d;
        r->day_expected_ctr[d] = w->day_expected[d] / n_d;
    }
}

/* An experiment's arms from its viewers' counts: the users are the units. */
static void arms_of_users(world *w)
{
    for (int i = 0; i < w->s->users; i++)
        if (w->user_arm[i] >= 0)
            ka_exp_counts_add_user(&w->arm_counts[w->user_arm[i]], &w->user_counts[i]);
}

static int world_run(world *w)
{
    visit *visits = malloc((size_t)w->s->users * sizeof *visits);
    if (!visits)
        return ka_error(KA_ENOMEM, "no memory for %d visits", w->s->users);
    w->next_learn = SIM_EPOCH + w->s->learn_every_s;
    int err = 0;
    for (int d = 0; !err && d < w->s->days; d++)
        err = day_run(w, d, visits);
    if (!err && w->srv)
        err = w->srv->learn(w->srv->ctx, w->clock);
    if (!err && w->log)
        err = log_flush(w);
    free(visits);
    finish(w);
    if (w->user_counts)
        arms_of_users(w);
    return err;
}

/* ---- the engine in process as a world's server ---- */

static int eng_decide(void *ctx, const char *user, const char *const *titles, int n,
                      double now, ka_sim_choice *out)
{
    for (int i = 0; i < n; i++) {
        ka_engine_choice c;
        int err = ka_engine_decide(ctx, user, titles[i], now, &c);
        if (err)
            return err;
        ka_sim_choice *o = &out[i];
        o->variant_number = c.variant_number;
        o->propensity = c.propensity;
        memcpy(o->variant_id, c.variant_id, sizeof o->variant_id);
        snprintf(o->policy, sizeof o->policy, "%s", c.policy ? c.policy : "");
        snprintf(o->experiment, sizeof o->experiment, "%s", c.experiment ? c.experiment : "");
        snprintf(o->arm, sizeof o->arm, "%s", c.arm ? c.arm : "");
    }
    return 0;
}

static int eng_events(void *ctx, const ka_store_event *ev, int n, double now)
{
    int err = 0;
    for (int i = 0; !err && i < n; i++)
        err = ka_engine_event(ctx, &ev[i], now);
    return err;
}

static int eng_learn(void *ctx, double now)
{
    (void)now;                      /* learning has no clock: its rewards settled by now */
    return ka_engine_learn(ctx);
}

static int engine_make(const ka_sim_scenario *s, const json_t *catalog, const char *policy,
                       json_t *exps, ka_engine **out)
{
    ka_serve_opts o;
    ka_serve_opts_default(&o);
    o.policy = policy;
    o.attribution_s = s->attribution_s;
    o.seed = s->seed;
    int err = ka_engine_new(&o, out);
    if (!err)
        err = ka_engine_set_titles(*out, catalog);
    if (!err && exps)
        err = ka_engine_set_experiments(*out, exps);
    return err;
}

/* What every world of a run shares: the catalogue and the viewers. */
typedef struct setup {
    json_t *synthetic;              /* the scenario's catalogue, when none was given */
    const json_t *cat;
    ka_sim_title *titles;
    int n_titles;
    ka_sim_viewer *viewers;
} setup;

static void setup_free(setup *u)
{
    free(u->titles);
    free(u->viewers);
    json_decref(u->synthetic);
}

static int setup_make(const ka_sim_scenario *s, const json_t *catalog, setup *u)
{
    memset(u, 0, sizeof *u);
    int err = ka_sim_scenario_check(s);
    if (err)
        return err;
    u->synthetic = json_array_size(catalog) ? NULL : ka_sim_catalog(s);
    u->cat = u->synthetic ? u->synthetic : catalog;
    if (!u->cat)
        err = ka_error(KA_ENOMEM, "no memory for a catalogue");
    if (!err)
        err = ka_sim_titles_from(u->cat, &u->titles, &u->n_titles);
    if (!err)
        err = ka_sim_viewers_make(s, &u->viewers);
    if (err)
        setup_free(u);
    return err;
}

/* One world of u under policy (and the experiments exps, when not NULL), served by srv,
 * or when it is NULL by an engine made for it (the oracle needs none). */
static int world_go(const ka_sim_scenario *s, const setup *u, const char *policy, json_t *exps,
                    ka_exp_counts *arm_counts, ka_sim_result *res, ka_store *log,
                    const ka_sim_server *srv)
{
    world w = { .s = s, .titles = u->titles, .n_titles = u->n_titles, .viewers = u->viewers,
                .res = res, .arm_counts = arm_counts, .r = ka_rng_new(1), .log = log,
                .srv = srv };
    ka_engine *eng = NULL;
    ka_sim_server in_process = { .decide = eng_decide, .events = eng_events, .learn = eng_learn };
    memset(res, 0, sizeof *res);
    snprintf(res->policy, sizeof res->policy, "%s", policy);
    int err = w.r ? 0 : ka_error(KA_ENOMEM, "no memory");
    if (!err && !srv && strcmp(policy, "oracle") &&
        !(err = engine_make(s, u->cat, policy, exps, &eng))) {
        in_process.ctx = eng;
        w.srv = &in_process;
    }
    if (!err && log && !(w.batch = malloc(LOG_BATCH * sizeof *w.batch)))
        err = ka_error(KA_ENOMEM, "no memory");
    if (!err && w.srv && (!(w.ev = malloc(ROW_EVENTS * sizeof *w.ev)) ||
                          !(w.ev_id = malloc(ROW_EVENTS * sizeof *w.ev_id))))
        err = ka_error(KA_ENOMEM, "no memory");
    if (!err && arm_counts) {
        w.user_counts = calloc((size_t)s->users, sizeof *w.user_counts);
        w.user_arm = malloc((size_t)s->users);
        if (!w.user_counts || !w.user_arm)
            err = ka_error(KA_ENOMEM, "no memory for %d viewers' counts", s->users);
        else
            memset(w.user_arm, -1, (size_t)s->users);
    }
    if (!err)
        err = world_run(&w);
    ka_engine_free(&eng);
    ka_rng_free(w.r);
    free(w.ev);
    free(w.ev_id);
    free(w.user_counts);
    free(w.user_arm);
    free(w.batch);
    return err;
}

static int policy_ok(const char *name)
{
    if (strcmp(name, "oracle") && !ka_policy_find(name))
        return ka_error(KA_EINVAL, "unknown policy '%s'", name);
    return 0;
}

int ka_sim_run(const ka_sim_scenario *s, const json_t *catalog, const char *const *policies,
               int n_policies, ka_sim_result *results, ka_store *log)
{
    for (int i = 0; i < n_policies; i++)
        if (policy_ok(policies[i]))
            return KA_EINVAL;
    setup u;
    int err = setup_make(s, catalog, &u);
    if (err)
        return err;
    for (int i = 0; !err && i < n_policies; i++)
        err = world_go(s, &u, policies[i], NULL, NULL, &results[i], i == 0 ? log : NULL, NULL);
    setup_free(&u);
    return err;
}

int ka_sim_run_server(const ka_sim_scenario *s, const json_t *catalog, const char *policy,
                      const ka_sim_server *srv, ka_sim_result *result)
{
    if (!ka_policy_find(policy))
        return ka_error(KA_EINVAL, "a server decides by a policy (seed, egreedy, thompson, "
                        "linucb, uniform), not '%s'", policy);
    setup u;
    int err = setup_make(s, catalog, &u);
    if (err)
        return err;
    err = world_go(s, &u, policy, NULL, NULL, result, NULL, srv);
    setup_free(&u);
    return err;
}

/* The experiment of an A/B world: every viewer in it, control and treatment each a
 * policy, half the traffic each. */
static json_t *ab_experiment(const char *control, const char *treatment, uint64_t seed)
{
    char hash_seed[32];
    snprintf(hash_seed, sizeof hash_seed, "simulate-%llu", (unsigned long long)seed);
    return json_pack("[{s:s, s:s, s:{s:[{s:s, s:s}, {s:s, s:s}], s:s, s:s}}]",
                     "name", "simulate", "status", "running", "config",
                     "arms", "name", KA_SIM_CONTROL, "policy", control,
                     "name", KA_SIM_TREATMENT, "policy", treatment,
                     "control", KA_SIM_CONTROL, "seed", hash_seed);
}

int ka_sim_ab_run(const ka_sim_scenario *s, const json_t *catalog, const char *control,
                  const char *treatment, ka_sim_ab *out)
{
    memset(out, 0, sizeof *out);
    if (!ka_policy_find(control) || !ka_policy_find(treatment))
        return ka_error(KA_EINVAL, "an experiment's arms are policies (seed, egreedy, "
                        "thompson, linucb, uniform), not '%s' and '%s'", control, treatment);
    snprintf(out->control, sizeof out->control, "%s", control);
    snprintf(out->treatment, sizeof out->treatment, "%s", treatment);
    json_t *exps = ab_experiment(control, treatment, s->seed);
    setup u;
    int err = exps ? setup_make(s, catalog, &u) : ka_error(KA_ENOMEM, "no memory");
    if (!err) {
        err = world_go(s, &u, control, exps, out->counts, &out->result, NULL, NULL);
        setup_free(&u);
    }
    json_decref(exps);
    ka_exp_report_opts o;
    ka_exp_report_opts_default(&o);
    if (!err)
        err = ka_exp_report_build(out->counts, 2, 0, NULL, &o, &out->report);
    return err;
}
