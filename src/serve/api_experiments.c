/* api_experiments.c: experiments as resources. POST /v1/experiments creates one (a
 * draft; the body is its name and config, see experiments.c); .../start, .../stop
 * and .../ship move it along draft -> running -> stopped -> shipped (ship names an arm,
 * or takes the one whose CTR beats control significantly after Holm's correction);
 * .../report computes every metric of every arm against control from the stored
 * events, with users as the units (a user's impressions are alike: counted as
 * independent, differences look surer than they are). Servers pick the changes up on their next refresh. Every answer about one
 * experiment says which of its arms show a picture a later analysis retired
 * ("retired_arms": their users see what the next rule shows until the arm changes). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "serve_priv.h"

/* o["retired_arms"] for the experiment o (stored JSON), against the titles served. */
static void add_retired(ka_req *r, json_t *o)
{
    ka_sexp e;
    char why[256];
    json_t *a = NULL;
    if (!ka_sexp_parse(&e, json_string_value(json_object_get(o, "name")),
                       json_string_value(json_object_get(o, "status")),
                       json_object_get(o, "config"), why, sizeof why)) {
        pthread_rwlock_rdlock(&r->srv->st.lock);
        a = ka_exp_retired_arms(&e, r->srv->st.cat);
        pthread_rwlock_unlock(&r->srv->st.lock);
    }
    ka_sexp_clear(&e);
    json_object_set_new(o, "retired_arms", a ? a : json_array());
}

/* The reply of one experiment's resource, with its retired arms. */
static enum MHD_Result reply_experiment(ka_req *r, unsigned status, json_t *o)
{
    add_retired(r, o);
    return ka_reply_json(r, status, o);
}

enum MHD_Result ka_api_experiments(ka_req *r)
{
    ka_page p;
    json_t *a, *next;
    if (ka_req_page(r, &p))
        return MHD_YES;
    int err = WITH_DB(r, ka_store_experiments_json(r->srv->db, &a));
    if (err)
        return ka_reply_store_error(r, err);
    a = ka_page_of(a, "name", "/v1/experiments", &p, &next);
    size_t i;
    json_t *o;
    json_array_foreach(a, i, o)
        add_retired(r, o);
    return ka_reply_json(r, MHD_HTTP_OK, json_pack("{s:o, s:o}", "experiments",
                                                   a ? a : json_array(), "next", next));
}

enum MHD_Result ka_api_experiment(ka_req *r)
{
    json_t *o;
    int err = WITH_DB(r, ka_store_experiment_json(r->srv->db, r->params[0], &o));
    return err ? ka_reply_store_error(r, err) : reply_experiment(r, MHD_HTTP_OK, o);
}

enum MHD_Result ka_api_experiment_create(ka_req *r)
{
    json_t *body = ka_req_json(r);
    if (!body)
        return MHD_YES;
    const char *name = json_string_value(json_object_get(body, "name"));
    char why[256] = "";
    ka_sexp e = { 0 };
    json_t *config = json_deep_copy(body);
    json_object_del(config, "name");
    int bad = !ka_serve_name_ok(name) ? (snprintf(why, sizeof why, "name must be 1-64 letters,"
                                                  " digits, _ - . :"), 1)
            : json_object_get(config, "shipped") ? (snprintf(why, sizeof why, "a new"
                                                    " experiment has no shipped arm"), 1)
            : ka_sexp_parse(&e, name, "draft", config, why, sizeof why) != 0;
    json_t *catalog = NULL;
    int unfit = 0;                  /* a well-formed config the catalogue cannot serve */
    if (!bad) {
        int err = WITH_DB(r, ka_store_catalog_json(r->srv->db, &catalog));
        if (err) {
            ka_sexp_clear(&e);
            json_decref(config);
            json_decref(body);
            return ka_reply_store_error(r, err);
        }
        /* arms by number keep their pictures: pinned to the titles' ids now */
        if (ka_exp_pin_variants(config, catalog)) {
            bad = 1;
            snprintf(why, sizeof why, "no memory");
        } else {
            ka_sexp_clear(&e);
            bad = ka_sexp_parse(&e, name, "draft", config, why, sizeof why) != 0;
        }
        unfit = !bad && ka_exp_check_variants(&e, catalog, why, sizeof why) != 0;
        json_decref(catalog);
    }
    ka_sexp_clear(&e);
    if (unfit) {
        json_decref(config);
        json_decref(body);
        return ka_reply_error(r, MHD_HTTP_UNPROCESSABLE_CONTENT, "experiment: %s", why);
    }
    char *text = bad ? NULL : json_dumps(config, JSON_COMPACT | JSON_SORT_KEYS |
                                                 KA_JSON_REAL);
    char saved[72];
    snprintf(saved, sizeof saved, "%s", name ? name : "");
    json_decref(config);
    json_decref(body);
    if (bad)
        return ka_reply_error(r, MHD_HTTP_BAD_REQUEST, "experiment: %s", why);
    int err = text ? WITH_DB(r, ka_store_experiment_create(r->srv->db, saved, text))
                   : ka_error(KA_ENOMEM, "no memory");
    free(text);
    json_t *o = NULL;
    if (!err)
        err = WITH_DB(r, ka_store_experiment_json(r->srv->db, saved, &o));
    if (err)
        return ka_reply_store_error(r, err);
    r->header = MHD_HTTP_HEADER_LOCATION;   /* names are URL-safe (ka_serve_name_ok) */
    snprintf(r->header_value, sizeof r->header_value, "/v1/experiments/%s", saved);
    return reply_experiment(r, MHD_HTTP_CREATED, o);
}

static enum MHD_Result move(ka_req *r, const char *from, const char *to, const char *config)
{
    int err = WITH_DB(r, ka_store_experiment_set_status(r->srv->db, r->params[0], from, to,
                                                        config));
    json_t *o = NULL;
    if (!err)
        err = WITH_DB(r, ka_store_experiment_json(r->srv->db, r->params[0], &o));
    return err ? ka_reply_store_error(r, err) : reply_experiment(r, MHD_HTTP_OK, o);
}

/* Before a start: the arms' variants exist in the titles as they are now (422), and no
 * other running experiment shares a title unless a namespace keeps them apart (409). */
static enum MHD_Result start_guarded(ka_req *r)
{
    json_t *meta = NULL, *catalog = NULL, *list = NULL;
    ka_sexp e = { 0 };
    char why[256] = "";
    int err = WITH_DB(r, ka_store_experiment_json(r->srv->db, r->params[0], &meta));
    if (!err && ka_sexp_parse(&e, r->params[0], json_string_value(json_object_get(meta, "status")),
                              json_object_get(meta, "config"), why, sizeof why))
        err = ka_error(KA_EINTERNAL, "stored experiment unreadable: %s", why);
    if (!err)
        err = WITH_DB(r, ka_store_catalog_json(r->srv->db, &catalog));
    if (!err)
        err = WITH_DB(r, ka_store_experiments_json(r->srv->db, &list));
    int status = 0;
    if (!err && ka_exp_check_variants(&e, catalog, why, sizeof why))
        status = MHD_HTTP_UNPROCESSABLE_CONTENT;
    else if (!err && ka_exp_check_overlap(&e, list, why, sizeof why))
        status = MHD_HTTP_CONFLICT;
    ka_sexp_clear(&e);
    json_decref(meta);
    json_decref(catalog);
    json_decref(list);
    if (err)
        return ka_reply_store_error(r, err);
    if (status)
        return ka_reply_error(r, (unsigned)status, "experiment '%s' cannot start: %s",
                              r->params[0], why);
    return move(r, "draft,stopped", "running", NULL);
}

enum MHD_Result ka_api_experiment_start(ka_req *r)
{
    return ka_req_empty_body(r) ? start_guarded(r) : MHD_YES;
}

enum MHD_Result ka_api_experiment_stop(ka_req *r)
{
    return ka_req_empty_body(r) ? move(r, "running", "stopped", NULL) : MHD_YES;
}

/* ---- reports ---- */

/* The arms' counts with users as the units: the store's rows come per arm and user,
 * each user's together; a user's counts are folded into the arm when the next user's
 * begin (ka_exp_counts_add_user), as the simulator folds its viewers'. */
typedef struct tally {
    const ka_sexp *e;
    ka_exp_counts counts[KA_EXP_MAX_ARMS];
    ka_exp_counts user;             /* the user being read */
    int user_arm;                   /* and their arm, -1 none */
    char user_key[300];
} tally;

static void tally_user(tally *t)
{
    if (t->user_arm >= 0)
        ka_exp_counts_add_user(&t->counts[t->user_arm], &t->user);
    memset(&t->user, 0, sizeof t->user);
    t->user_arm = -1;
}

static int tally_row(void *arg, const char *arm, const char *user, const char *type, double n,
                     double n_value, double sum, double sumsq)
{
    tally *t = arg;
    int a = ka_sexp_arm(t->e, arm);
    ka_event_type ty;
    if (a < 0 || ka_event_type_parse(type, &ty))
        return 0;                   /* events of an arm no longer in the config */
    if (a != t->user_arm || strncmp(t->user_key, user ? user : "", sizeof t->user_key)) {
        tally_user(t);
        t->user_arm = a;
        snprintf(t->user_key, sizeof t->user_key, "%s", user ? user : "");
    }
    ka_exp_counts *c = &t->user;
    switch (ty) {
    case KA_EVENT_IMPRESSION: c->impressions += n; break;
    case KA_EVENT_CLICK: c->clicks += n; break;
    case KA_EVENT_PLAY: c->plays += n; break;
    case KA_EVENT_COMPLETE: c->completes += n; break;
    case KA_EVENT_SKIP: c->skips += n; break;
    default: break;
    }
    c->dwell_n += n_value;          /* any event may carry a dwell time */
    c->dwell_sum += sum;
    c->dwell_sumsq += sumsq;
    return 0;
}

/* The experiment (parsed), its report and JSON. */
static int build_report(ka_req *r, ka_sexp *e, json_t **meta, ka_exp_report **rep,
                        json_t **out)
{
    char why[256];
    int err = WITH_DB(r, ka_store_experiment_json(r->srv->db, r->params[0], meta));
    if (err)
        return err;
    if (ka_sexp_parse(e, r->params[0], json_string_value(json_object_get(*meta, "status")),
                      json_object_get(*meta, "config"), why, sizeof why))
        return ka_error(KA_EINTERNAL, "stored experiment unreadable: %s", why);
    tally *t = calloc(1, sizeof *t);
    *rep = calloc(1, sizeof **rep);
    if (!t || !*rep) {
        free(t);
        return ka_error(KA_ENOMEM, "no memory");
    }
    t->e = e;
    t->user_arm = -1;
    err = WITH_DB(r, ka_store_experiment_counts(r->srv->db, e->name, tally_row, t));
    tally_user(t);
    double w[KA_EXP_MAX_ARMS], sum = 0;
    for (int a = 0; a < e->exp.n_arms; a++)
        sum += w[a] = e->arms[a].weight;
    ka_exp_report_opts o;
    ka_exp_report_opts_default(&o);
    if (!err)
        err = ka_exp_report_build(t->counts, e->exp.n_arms, e->exp.control, sum > 0 ? w : NULL,
                                  &o, *rep);
    const char *names[KA_EXP_MAX_ARMS];
    for (int a = 0; a < e->exp.n_arms; a++)
        names[a] = e->arms[a].name;
    if (!err && !(*out = ka_exp_report_json(*rep, t->counts, names)))
        err = ka_error(KA_ENOMEM, "no memory");
    free(t);
    return err;
}

enum MHD_Result ka_api_experiment_report(ka_req *r)
{
    ka_sexp e = { 0 };
    json_t *meta = NULL, *rep_json = NULL;
    ka_exp_report *rep = NULL;
    int err = build_report(r, &e, &meta, &rep, &rep_json);
    ka_sexp_clear(&e);
    free(rep);
    if (err) {
        json_decref(meta);
        return ka_reply_store_error(r, err);
    }
    json_object_set_new(meta, "report", rep_json);
    return reply_experiment(r, MHD_HTTP_OK, meta);
}

/* The arm whose CTR beats control by the most with Holm-adjusted p < 0.05, or -1. */
static int winner(const ka_exp_report *rep)
{
    int best = -1;
    double best_diff = 0;
    for (int i = 0; i < rep->n_results; i++) {
        const ka_exp_result *x = &rep->results[i];
        if (x->metric == KA_METRIC_CTR && x->p_holm < 0.05 && x->test.diff > best_diff) {
            best = x->arm;
            best_diff = x->test.diff;
        }
    }
    return best;
}

/* Whether arm a of e shows a retired picture in a title it covers. */
static int arm_retired(ka_req *r, const ka_sexp *e, int a)
{
    pthread_rwlock_rdlock(&r->srv->st.lock);
    json_t *list = ka_exp_retired_arms(e, r->srv->st.cat);
    pthread_rwlock_unlock(&r->srv->st.lock);
    size_t i;
    json_t *x;
    int found = 0;
    json_array_foreach(list, i, x)
        found |= !strcmp(json_string_value(json_object_get(x, "arm")), e->arms[a].name);
    json_decref(list);
    return found;
}

static enum MHD_Result ship(ka_req *r, const char *arm_name)
{
    ka_sexp e = { 0 };
    json_t *meta = NULL, *rep_json = NULL;
    ka_exp_report *rep = NULL;
    int err = build_report(r, &e, &meta, &rep, &rep_json);
    int arm = err ? -1 : arm_name ? ka_sexp_arm(&e, arm_name) : winner(rep);
    char *text = NULL;
    int retired = !err && arm >= 0 && arm_retired(r, &e, arm);
    if (!err && arm >= 0 && !retired) {
        json_t *config = json_deep_copy(json_object_get(meta, "config"));
        json_object_set_new(config, "shipped", json_string(e.arms[arm].name));
        text = json_dumps(config, JSON_COMPACT | JSON_SORT_KEYS | KA_JSON_REAL);
        json_decref(config);
    }
    ka_sexp_clear(&e);
    free(rep);
    json_decref(meta);
    json_decref(rep_json);
    if (err)
        return ka_reply_store_error(r, err);
    if (retired)
        return ka_reply_error(r, MHD_HTTP_UNPROCESSABLE_CONTENT, "arm '%s' shows a picture the "
                              "title's latest analysis retired: it cannot be shipped", arm_name
                              ? arm_name : "(the winner)");
    if (arm < 0)
        return arm_name ? ka_reply_error(r, MHD_HTTP_BAD_REQUEST, "no arm '%s'", arm_name)
                        : ka_reply_error(r, MHD_HTTP_CONFLICT, "no arm beats control on CTR"
                                         " significantly yet: name one with {\"arm\": NAME}");
    enum MHD_Result ok = move(r, "running,stopped", "shipped", text);
    free(text);
    return ok;
}

enum MHD_Result ka_api_experiment_ship(ka_req *r)
{
    static const char *const fields[] = { "arm", NULL };
    if (!r->len)
        return ship(r, NULL);
    json_t *b = ka_req_json(r);
    if (!b || ka_req_only_fields(r, b, "ship", fields)) {
        json_decref(b);
        return MHD_YES;
    }
    const json_t *arm = json_object_get(b, "arm");
    enum MHD_Result ok = arm && !json_is_string(arm)
        ? ka_reply_error(r, MHD_HTTP_BAD_REQUEST, "arm must be a string")
        : ship(r, json_string_value(arm));
    json_decref(b);
    return ok;
}
