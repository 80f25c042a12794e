/* test_serving.c: what servers read and write, on both backends: batches of events
 * (duplicates inside and across batches, all-or-nothing), the walk in id order with
 * its limit, lag and early stop, per-arm sums, experiments and their status moves,
 * users, policy-state snapshots (an older version never replaces a newer one), the
 * catalogue with its stamp, and the dashboard's: editor controls (pin, unpin, exclude,
 * include, unknown ones, the last servable variant refused, the stamp), counts per
 * title and per UTC day. */
#include "store_test.h"

#include <jansson.h>
#include <math.h>

#define RUN_S(fn) do { fprintf(stderr, "-- %s\n", #fn); fn(s); } while (0)

static ka_store_event ev(const char *id, const char *type, const char *user, const char *arm,
                         double value)
{
    return (ka_store_event){ .client_id = id, .type = type, .user = user, .title_id = "film",
                             .variant_number = 2, .experiment = arm ? "exp" : NULL, .arm = arm,
                             .propensity = -1, .value = value, .ts = 1.7e9 };
}

typedef struct walk {
    int n, stop_at;
    int64_t last;
    char ids[16][16];
} walk;

static int on_row(void *arg, const ka_store_event_row *row)
{
    walk *w = arg;
    CHECK(row->id > w->last);
    w->last = row->id;
    if (w->n < 16)
        snprintf(w->ids[w->n], sizeof w->ids[0], "%s", row->e.client_id);
    w->n++;
    return w->stop_at && w->n == w->stop_at ? 42 : 0;
}

static void test_events(ka_store *s)
{
    ka_store_event e[4] = { ev("a", "impression", "u1", "ctl", NAN), ev("b", "click", "u1",
        "ctl", 2.5), ev("a", "impression", "u1", "ctl", NAN), ev("c", "impression", "u2",
        "trt", NAN) };
    int added[4] = { -1, -1, -1, -1 };
    CHECK_EQ_INT(ka_store_add_events(s, e, 4, added), 0);
    CHECK(added[0] == 1 && added[1] == 1 && added[2] == 0 && added[3] == 1);
    CHECK_EQ_INT(ka_store_add_events(s, e, 2, added), 0);     /* sent again */
    CHECK(added[0] == 0 && added[1] == 0);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM events"), 3);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM users"), 2);
    CHECK_EQ_INT(st_count(s, "SELECT count(value) FROM events"), 1);   /* NAN = none */

    /* A bad event fails the whole batch: nothing of it is kept. */
    ka_store_event bad[2] = { ev("d", "play", "u3", NULL, NAN), ev("", "play", "u3", NULL, NAN) };
    CHECK(ka_store_add_events(s, bad, 2, added) == KA_EINVAL);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM events"), 3);
    CHECK_EQ_INT(ka_store_add_events(s, NULL, 0, NULL), 0);

    walk w = { 0 };
    CHECK_EQ_INT(ka_store_events_after(s, 0, 100, 0, on_row, &w), 3);
    CHECK(!strcmp(w.ids[0], "a") && !strcmp(w.ids[1], "b") && !strcmp(w.ids[2], "c"));
    walk w2 = { 0 };
    CHECK_EQ_INT(ka_store_events_after(s, 0, 2, 0, on_row, &w2), 2);  /* limit */
    walk w3 = { 0 };
    CHECK_EQ_INT(ka_store_events_after(s, w2.last, 100, 0, on_row, &w3), 1);
    CHECK(!strcmp(w3.ids[0], "c"));
    walk w4 = { .stop_at = 1 };
    CHECK_EQ_INT(ka_store_events_after(s, 0, 100, 0, on_row, &w4), 42);
    walk w5 = { 0 };
    CHECK_EQ_INT(ka_store_events_after(s, 0, 100, 3600, on_row, &w5), 0);  /* too recent */
    walk w6 = { 0 };                /* however recent, and received in the future */
    ka_store_event later = ev("z", "play", "u2", NULL, NAN);
    later.received_at = 4e9;
    CHECK_EQ_INT(ka_store_add_events(s, &later, 1, added), 0);
    CHECK_EQ_INT(ka_store_events_after(s, 0, 100, KA_STORE_ANY_AGE, on_row, &w6), 4);
    CHECK_EQ_INT(ka_store_events_after(s, 0, 100, 0, on_row, &w5), 3);
    CHECK(ka_store_events_after(s, 0, 0, 0, on_row, &w5) == KA_EINVAL);
}

typedef struct sums {
    double imp_ctl, clicks_ctl, imp_trt, n_value, sum;
    char units[8][16];              /* arm/user, in the order they came */
    int n_units;
} sums;

static int on_count(void *arg, const char *arm, const char *user, const char *type, double n,
                    double n_value, double sum, double sumsq)
{
    sums *x = arg;
    char unit[16];
    snprintf(unit, sizeof unit, "%s/%s", arm, user ? user : "?");
    if ((!x->n_units || strcmp(x->units[x->n_units - 1], unit)) && x->n_units < 8)
        snprintf(x->units[x->n_units++], sizeof x->units[0], "%s", unit);
    if (!strcmp(arm, "ctl") && !strcmp(type, "impression"))
        x->imp_ctl += n;
    if (!strcmp(arm, "ctl") && !strcmp(type, "click"))
        x->clicks_ctl += n;
    if (!strcmp(arm, "trt") && !strcmp(type, "impression"))
        x->imp_trt += n;
    x->n_value += n_value;
    x->sum += sum;
    CHECK_NEAR(sumsq, sum * sum / (n_value > 0 ? n_value : 1), 1e-9);   /* one value here */
    return 0;
}

static void test_counts(ka_store *s)
{
    sums x = { 0 };
    CHECK_EQ_INT(ka_store_experiment_counts(s, "exp", on_count, &x), 0);
    CHECK(x.imp_ctl == 1 && x.clicks_ctl == 1 && x.imp_trt == 1);
    CHECK(x.n_value == 1 && x.sum == 2.5);
    /* per user, each user's rows together, arms and users in order (the users the
     * other tests know, in an experiment of their own) */
    ka_store_event more[4] = { ev("e", "impression", "u2", "ctl", NAN),
        ev("f", "impression", "u1", "ctl", NAN), ev("g", "click", "u2", "ctl", NAN),
        ev("h", "impression", "u1", "trt", NAN) };
    for (int i = 0; i < 4; i++)
        more[i].experiment = "per-user";
    int added[4];
    CHECK_EQ_INT(ka_store_add_events(s, more, 4, added), 0);
    sums y = { 0 };
    CHECK_EQ_INT(ka_store_experiment_counts(s, "per-user", on_count, &y), 0);
    CHECK(y.imp_ctl == 2 && y.clicks_ctl == 1 && y.imp_trt == 1);
    CHECK_EQ_INT(y.n_units, 3);
    CHECK(!strcmp(y.units[0], "ctl/u1") && !strcmp(y.units[1], "ctl/u2") &&
          !strcmp(y.units[2], "trt/u1"));
    sums none = { 0 };
    CHECK_EQ_INT(ka_store_experiment_counts(s, "other", on_count, &none), 0);
    CHECK(none.imp_ctl == 0 && none.n_value == 0);
}

static const char *status_of(ka_store *s, const char *name)
{
    static char out[32];
    json_t *o = NULL;
    out[0] = '\0';
    if (!ka_store_experiment_json(s, name, &o))
        snprintf(out, sizeof out, "%s", json_string_value(json_object_get(o, "status")));
    json_decref(o);
    return out;
}

static void test_experiments(ka_store *s)
{
    CHECK_EQ_INT(ka_store_experiment_create(s, "exp", "{\"arms\": [1, 2]}"), 0);
    CHECK_EQ_INT(ka_store_experiment_create(s, "exp", "{}"), KA_ECONFLICT);
    CHECK_EQ_INT(ka_store_experiment_create(s, "exp2", "{}"), 0);
    CHECK(!strcmp(status_of(s, "exp"), "draft"));
    json_t *o = NULL;
    CHECK_EQ_INT(ka_store_experiment_json(s, "nope", &o), KA_ENOTFOUND);
    CHECK_EQ_INT(ka_store_experiment_json(s, "exp", &o), 0);
    CHECK(json_array_size(json_object_get(json_object_get(o, "config"), "arms")) == 2);
    CHECK(json_is_null(json_object_get(o, "started_at")));
    json_decref(o);

    CHECK_EQ_INT(ka_store_experiment_set_status(s, "exp", "running", "stopped", NULL),
                 KA_ECONFLICT);
    CHECK(strstr(ka_error_message(), "is draft"));
    CHECK_EQ_INT(ka_store_experiment_set_status(s, "nope", "draft", "running", NULL),
                 KA_ENOTFOUND);
    CHECK_EQ_INT(ka_store_experiment_set_status(s, "exp", "draft,stopped", "running", NULL), 0);
    CHECK_EQ_INT(ka_store_experiment_set_status(s, "exp", "running", "shipped",
                                                "{\"shipped\": \"b\"}"), 0);
    CHECK(!strcmp(status_of(s, "exp"), "shipped"));
    CHECK_EQ_INT(ka_store_experiment_json(s, "exp", &o), 0);
    CHECK(!strcmp(json_string_value(json_object_get(json_object_get(o, "config"), "shipped")),
                  "b"));
    CHECK(json_is_real(json_object_get(o, "started_at")) &&
          json_is_real(json_object_get(o, "stopped_at")));
    json_decref(o);
    CHECK_EQ_INT(ka_store_experiments_json(s, &o), 0);
    CHECK(json_array_size(o) == 2 &&
          !strcmp(json_string_value(json_object_get(json_array_get(o, 0), "name")), "exp"));
    json_decref(o);

    /* stop, start again, stop: the first start is kept, the last stop is after it, and
     * every run is listed */
    CHECK_EQ_INT(ka_store_experiment_set_status(s, "exp2", "draft,stopped", "running", NULL), 0);
    CHECK_EQ_INT(ka_store_experiment_json(s, "exp2", &o), 0);
    double first = json_real_value(json_object_get(o, "started_at"));
    CHECK(json_is_null(json_object_get(o, "stopped_at")));
    CHECK_EQ_INT(json_array_size(json_object_get(o, "runs")), 1);
    json_decref(o);
    CHECK_EQ_INT(ka_store_experiment_set_status(s, "exp2", "running", "stopped", NULL), 0);
    usleep(20000);
    CHECK_EQ_INT(ka_store_experiment_set_status(s, "exp2", "draft,stopped", "running", NULL), 0);
    CHECK_EQ_INT(ka_store_experiment_json(s, "exp2", &o), 0);
    CHECK(json_is_null(json_object_get(o, "stopped_at")));     /* running again */
    json_decref(o);
    usleep(20000);
    CHECK_EQ_INT(ka_store_experiment_set_status(s, "exp2", "running", "stopped", NULL), 0);
    CHECK_EQ_INT(ka_store_experiment_json(s, "exp2", &o), 0);
    json_t *runs = json_object_get(o, "runs");
    CHECK_NEAR(json_real_value(json_object_get(o, "started_at")), first, 1e-6);
    CHECK(json_real_value(json_object_get(o, "stopped_at")) > first);
    CHECK_EQ_INT(json_array_size(runs), 2);
    for (size_t k = 0; k < json_array_size(runs); k++) {
        json_t *run = json_array_get(runs, k);
        double a = json_real_value(json_object_get(run, "started_at"));
        double b = json_real_value(json_object_get(run, "stopped_at"));
        CHECK_MSG(a >= first && b >= a, "run %zu: %.3f..%.3f", k, a, b);
        if (k)
            CHECK(a >= json_real_value(json_object_get(json_array_get(runs, k - 1), "stopped_at")));
    }
    double stopped = json_real_value(json_object_get(o, "stopped_at"));
    CHECK_NEAR(json_real_value(json_object_get(json_array_get(runs, 1), "stopped_at")), stopped, 1e-6);
    json_decref(o);
    /* shipped once stopped: its times and runs stay */
    CHECK_EQ_INT(ka_store_experiment_set_status(s, "exp2", "running,stopped", "shipped", NULL), 0);
    CHECK_EQ_INT(ka_store_experiment_json(s, "exp2", &o), 0);
    CHECK_NEAR(json_real_value(json_object_get(o, "stopped_at")), stopped, 1e-6);
    CHECK_EQ_INT(json_array_size(json_object_get(o, "runs")), 2);
    json_decref(o);
}

static void test_users(ka_store *s)
{
    json_t *a = NULL;
    CHECK_EQ_INT(ka_store_users_json(s, NULL, 1, &a), 0);
    CHECK(json_array_size(a) == 1 &&
          !strcmp(json_string_value(json_object_get(json_array_get(a, 0), "user")), "u1"));
    CHECK(json_is_number(json_object_get(json_array_get(a, 0), "first_seen_at")));
    json_decref(a);
    CHECK_EQ_INT(ka_store_users_json(s, "u1", 10, &a), 0);
    CHECK(json_array_size(a) == 1 &&
          !strcmp(json_string_value(json_object_get(json_array_get(a, 0), "user")), "u2"));
    json_decref(a);
}

typedef struct states {
    int n;
    int64_t version;
    char first;
} states;

static int on_state(void *arg, const char *policy, const char *scope, const void *state,
                    size_t size, int64_t version)
{
    states *x = arg;
    if (!strcmp(policy, "thompson") && !strcmp(scope, "film")) {
        x->version = version;
        x->first = size ? *(const char *)state : 0;
    }
    x->n++;
    return 0;
}

static void test_policy_state(ka_store *s)
{
    ka_store_state rows[2] = { { "thompson", "film", "A", 1, 10 }, { "profile", "u1", "P", 1, 10 } };
    CHECK_EQ_INT(ka_store_policy_state_put(s, rows, 2), 0);
    ka_store_state older = { "thompson", "film", "B", 1, 5 }, newer = { "thompson", "film", "C", 1, 11 };
    CHECK_EQ_INT(ka_store_policy_state_put(s, &older, 1), 0);
    states x = { 0 };
    CHECK_EQ_INT(ka_store_policy_state_each(s, on_state, &x), 0);
    CHECK(x.n == 2 && x.version == 10 && x.first == 'A');     /* the older did not replace */
    CHECK_EQ_INT(ka_store_policy_state_put(s, &newer, 1), 0);
    states y = { 0 };
    CHECK_EQ_INT(ka_store_policy_state_each(s, on_state, &y), 0);
    CHECK(y.version == 11 && y.first == 'C');
    CHECK_EQ_INT(ka_store_policy_state_put(s, NULL, 0), 0);
}

static void test_catalog(ka_store *s)
{
    int64_t n = -1;
    double latest = -1;
    CHECK_EQ_INT(ka_sql_script(s, "INSERT INTO titles (title_id) VALUES ('film')"), 0);
    CHECK_EQ_INT(ka_store_catalog_stamp(s, &n, &latest), 0);
    CHECK(n == 0);                 /* "film" is only a stub (no analysis) */
    CHECK_EQ_INT(ka_sql_script(s, "UPDATE titles SET analysed_at = 1234, genre = 'drama'"
                               " WHERE title_id = 'film'"), 0);
    CHECK_EQ_INT(ka_sql_script(s, "INSERT INTO variants (title, number, scene, composition,"
        " quality_score, image_full, image_2x3, metadata) SELECT id, 1, 'romantic', 'closeup',"
        " 0.8, 'ab/full.jpg', 'cd/tall.jpg', '{\"characters\": [\"Ann\", \"Bob\"], \"vision\":"
        " {\"faces\": [{\"name\": \"Ann\", \"role\": \"heroine\"}]}}' FROM titles WHERE"
        " title_id = 'film'"), 0);
    CHECK_EQ_INT(ka_store_catalog_stamp(s, &n, &latest), 0);
    CHECK(n == 1 && latest == 1234);
    json_t *a = NULL;
    CHECK_EQ_INT(ka_store_catalog_json(s, &a), 0);
    json_t *v = json_array_get(json_object_get(json_array_get(a, 0), "variants"), 0);
    CHECK(json_array_size(a) == 1 && v);
    CHECK_EQ_INT(json_integer_value(json_object_get(v, "variant_number")), 1);
    CHECK(!strcmp(json_string_value(json_object_get(v, "scene_type")) ?: "", "romantic"));
    json_t *ch = json_object_get(v, "characters");
    CHECK(json_array_size(ch) == 2);
    CHECK(!strcmp(json_string_value(json_object_get(json_array_get(ch, 0), "role")) ?: "",
                  "heroine"));
    CHECK(json_is_null(json_object_get(json_array_get(ch, 1), "role")));
    json_t *img = json_object_get(v, "images");
    CHECK(!strcmp(json_string_value(json_object_get(img, "2x3")) ?: "", "cd/tall.jpg"));
    CHECK(json_is_null(json_object_get(img, "1x1")));
    json_decref(a);
}

static const char *pinned_of(const json_t *controls, const char *title)
{
    return json_string_value(json_object_get(json_object_get(controls, title), "pinned"));
}

static size_t excluded_of(const json_t *controls, const char *title)
{
    return json_array_size(json_object_get(json_object_get(controls, title), "excluded"));
}

/* Runs after test_catalog: "film" has variant 1. */
static void test_controls(ka_store *s)
{
    const char *A = "aaaaaaaaaaaaaaaa", *B = "bbbbbbbbbbbbbbbb";
    CHECK_EQ_INT(ka_sql_script(s, "UPDATE variants SET variant_id = 'aaaaaaaaaaaaaaaa'"), 0);
    CHECK_EQ_INT(ka_sql_script(s, "INSERT INTO variants (title, number, variant_id) SELECT id,"
                               " 2, 'bbbbbbbbbbbbbbbb' FROM titles WHERE title_id = 'film'"), 0);
    int64_t s0 = -1, s1 = -1;
    CHECK_EQ_INT(ka_store_controls_stamp(s, &s0), 0);
    CHECK_EQ_INT(ka_store_control(s, "film", B, KA_CONTROL_PIN), 0);
    CHECK_EQ_INT(ka_store_controls_stamp(s, &s1), 0);
    CHECK(s1 != s0);
    json_t *c = NULL;
    CHECK_EQ_INT(ka_store_controls_json(s, &c), 0);
    CHECK(!strcmp(pinned_of(c, "film") ?: "", B) && excluded_of(c, "film") == 0);
    json_decref(c);
    json_t *cat = NULL;             /* the catalogue carries them (keyart simulate's engine) */
    CHECK_EQ_INT(ka_store_catalog_json(s, &cat), 0);
    CHECK(!strcmp(pinned_of(json_array_get(cat, 0), "controls") ?: "", B));
    json_decref(cat);

    CHECK_EQ_INT(ka_store_control(s, "film", A, KA_CONTROL_PIN), 0);    /* replaces B's */
    CHECK_EQ_INT(ka_store_controls_json(s, &c), 0);
    CHECK(!strcmp(pinned_of(c, "film") ?: "", A));
    json_decref(c);
    CHECK_EQ_INT(ka_store_control(s, "film", A, KA_CONTROL_EXCLUDE), 0); /* and its pin goes */
    CHECK_EQ_INT(ka_store_controls_json(s, &c), 0);
    CHECK(!pinned_of(c, "film") && excluded_of(c, "film") == 1);
    json_decref(c);
    CHECK_EQ_INT(ka_store_control(s, "film", B, KA_CONTROL_EXCLUDE), KA_ECONFLICT);
    CHECK_EQ_INT(st_count(s, "SELECT count(*) FROM variant_controls WHERE control ="
                          " 'excluded'"), 1);   /* refused: nothing written */
    CHECK_EQ_INT(ka_store_control(s, "film", "cccccccccccccccc", KA_CONTROL_PIN), KA_ENOTFOUND);
    CHECK_EQ_INT(ka_store_control(s, "nofilm", A, KA_CONTROL_PIN), KA_ENOTFOUND);
    CHECK_EQ_INT(ka_store_control(s, "film", B, KA_CONTROL_UNPIN), 0);  /* not pinned: no-op */
    CHECK_EQ_INT(ka_store_controls_stamp(s, &s0), 0);
    CHECK_EQ_INT(ka_store_control(s, "film", A, KA_CONTROL_INCLUDE), 0);
    CHECK_EQ_INT(ka_store_controls_stamp(s, &s1), 0);
    CHECK(s1 != s0);
    CHECK_EQ_INT(ka_store_controls_json(s, &c), 0);
    CHECK(json_object_size(c) == 0);    /* cleared rows are kept, but not listed */
    json_decref(c);
}

static int sum_counts(void *arg, const char *title, int64_t imps, int64_t clicks)
{
    int64_t *n = arg;
    if (!strcmp(title, "film")) {
        n[0] += imps;
        n[1] += clicks;
    }
    return 0;
}

static void test_dashboard_counts(ka_store *s)
{
    int64_t n[2] = { 0, 0 };
    CHECK_EQ_INT(ka_store_title_counts(s, INT64_MAX, sum_counts, n), 0);
    CHECK_EQ_INT(n[0], st_count(s, "SELECT count(*) FROM events WHERE title_id = 'film' AND"
                                   " type = 'impression'"));
    CHECK_EQ_INT(n[1], st_count(s, "SELECT count(*) FROM events WHERE title_id = 'film' AND"
                                   " type = 'click'"));
    CHECK(n[0] > 0);
    int64_t none[2] = { 0, 0 };
    CHECK_EQ_INT(ka_store_title_counts(s, 0, sum_counts, none), 0);    /* up to id 0: none */
    CHECK(none[0] == 0 && none[1] == 0);
    json_t *days = NULL;
    CHECK_EQ_INT(ka_store_experiment_daily(s, "exp", &days), 0);
    CHECK_EQ_INT(json_array_size(days), 1);     /* every event of "exp" is at ts 1.7e9 */
    json_t *d = json_array_get(days, 0);
    CHECK(!strcmp(json_string_value(json_object_get(d, "day")) ?: "", "2023-11-14"));
    json_int_t imps = 0;
    const char *arm;
    json_t *x;
    json_object_foreach(json_object_get(d, "arms"), arm, x)
        imps += json_integer_value(json_object_get(x, "impressions"));
    CHECK_EQ_INT(imps, st_count(s, "SELECT count(*) FROM events WHERE experiment = 'exp' AND"
                                   " arm IS NOT NULL AND type = 'impression'"));
    json_decref(days);
}

int main(int argc, char **argv)
{
    int rc = st_setup(argc, argv);
    if (rc)
        return rc;
    ka_store *s = NULL;
    if (ka_store_open(st_fresh_url(), 0, &s)) {
        fprintf(stderr, "cannot open: %s\n", ka_error_message());
        return 1;
    }
    RUN_S(test_events);
    RUN_S(test_counts);
    RUN_S(test_experiments);
    RUN_S(test_users);
    RUN_S(test_policy_state);
    RUN_S(test_catalog);
    RUN_S(test_controls);
    RUN_S(test_dashboard_counts);
    ka_store_close(&s);
    st_teardown();
    TEST_END();
}
