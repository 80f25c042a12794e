/* test_state.c: how a server's state follows a real (SQLite) store: titles and
 * experiments load, events fold into profiles and policies with the reward rules
 * (a click rewards the impression before it, an unclicked impression counts 0 after
 * the attribution window, a second impression closes the first, a click dated before
 * its impression rewards nothing), every event counts
 * once, and a snapshot plus the events after it rebuild exactly the same state; what
 * each picture learned follows it when its title is analysed again; an editor's
 * controls decide (a pin for everyone with propensity 1, exclusions never served and
 * the draws' propensities renormalised over the rest), survive a new catalogue, reach
 * a server started later and the in-process engine. */
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "../ka_test.h"
#include "serve/serve_priv.h"
#include "store/store_priv.h"

#define RUN_ARG(fn, a) do { fprintf(stderr, "-- %s\n", #fn); fn(a); } while (0)

static char db_url[300];
static int n_events;

static void sql(ka_store *s, const char *q)
{
    int err = ka_sql_script(s, q);
    CHECK_MSG(err == 0, "%s: %s", q, ka_error_message());
}

/* Two titles, 4 variants each, with characters in their metadata. */
static void add_titles(ka_store *s)
{
    for (int t = 1; t <= 2; t++) {
        char q[1024];
        snprintf(q, sizeof q, "INSERT INTO titles (id, title_id, genre, analysed_at) VALUES"
                 " (%d, 'title%d', 'romance', 1000)", t, t);
        sql(s, q);
        for (int v = 1; v <= 4; v++) {
            snprintf(q, sizeof q, "INSERT INTO variants (title, number, scene, composition,"
                     " quality_score, image_full, metadata, variant_id) VALUES (%d, %d, '%s',"
                     " 'closeup', 0.7, 'ab/x.jpg', '{\"characters\": [\"Lead %d\"], \"vision\":"
                     " {\"faces\": [{\"name\": \"Lead %d\", \"role\": \"lead\"}]}}',"
                     " '%016x')", t, v, v == 1 ? "romantic" : "landscape", v, v, 16 * t + v);
            sql(s, q);
        }
    }
}

/* An event received at time `at` (seconds; the store's clock is not used) about the
 * picture first stored as variant `variant` of title `title` (its id is 16 t + v). */
static void event(ka_store *s, const char *type, const char *user, int title, int variant,
                  double at)
{
    char q[512];
    snprintf(q, sizeof q, "INSERT INTO events (client_id, type, user_key, title_id,"
             " variant_number, ts, received_at, variant_id) VALUES ('c%d', '%s', '%s',"
             " 'title%d', %d, %f, %f, '%016x')", ++n_events, type, user, title, variant, at, at,
             16 * title + variant);
    sql(s, q);
}

static void probs(ka_serve_state *st, const char *title, const char *policy, double *p)
{
    const ka_stitle *t = ka_catalog_find(st->cat, title);
    ka_policy_ctx c = { .variants = t->pv, .n_variants = t->n_variants,
                        .profile_opts = &st->popts };
    CHECK_EQ_INT(ka_policy_probs(t->policy[ka_policy_index(policy)], &c, p), 0);
}

static void new_state(ka_serve_state *st)
{
    ka_serve_opts o;
    ka_serve_opts_default(&o);
    o.attribution_s = 60;
    CHECK_EQ_INT(ka_state_init(st, &o), 0);
}

static void test_fold(ka_store *s)
{
    ka_serve_state st;
    new_state(&st);
    CHECK_EQ_INT(ka_state_load(&st, s, 0), 0);
    CHECK(st.cat && st.cat->n == 2);
    double p[4];
    probs(&st, "title1", "thompson", p);
    CHECK_NEAR(p[0], 0.25, 1e-9);

    /* Clicked impressions on variant 2, unclicked ones on variant 3. */
    double t0 = 1.6e9;         /* in the past: only events received by now fold */
    for (int u = 0; u < 6; u++) {
        char user[16];
        snprintf(user, sizeof user, "u%d", u);
        event(s, "impression", user, 1, 2, t0 + u);
        event(s, "click", user, 1, 2, t0 + u + 1);
        event(s, "impression", user, 1, 3, t0 + u + 2);
    }
    CHECK_EQ_INT(ka_state_refresh(&st, s, 0), 0);
    CHECK_EQ_INT(st.rewards, 6);           /* the clicks; the others still wait */
    CHECK_EQ_INT(st.watermark, n_events);
    event(s, "play", "late", 1, 1, t0 + 1000);    /* later than the window: all expire */
    CHECK_EQ_INT(ka_state_refresh(&st, s, 0), 0);
    CHECK_EQ_INT(st.rewards, 12);
    CHECK(st.pend_head == NULL);
    probs(&st, "title1", "thompson", p);
    CHECK_MSG(p[1] > p[0] && p[0] > p[2] && p[3] == p[0], "%g %g %g %g", p[0], p[1], p[2], p[3]);

    /* A second impression before a click closes the first with 0; the click then
     * rewards the second only. A click on another variant rewards nothing. */
    uint64_t before = st.rewards;
    event(s, "impression", "v", 2, 1, t0 + 2000);
    event(s, "impression", "v", 2, 4, t0 + 2001);
    event(s, "click", "v", 2, 1, t0 + 2002);
    event(s, "click", "v", 2, 4, t0 + 2003);
    CHECK_EQ_INT(ka_state_refresh(&st, s, 0), 0);
    CHECK_EQ_INT(st.rewards - before, 2);
    probs(&st, "title2", "thompson", p);
    CHECK_MSG(p[3] > p[1] && p[1] > p[0], "%g %g %g %g", p[0], p[1], p[2], p[3]);

    /* Profiles: u0 clicked a landscape with Lead 2. */
    const ka_suser *u = ka_strmap_get(&st.users, "u0");
    CHECK(u && u->p.events > 0);
    CHECK(u && u->p.scene[KA_SCENE_LANDSCAPE] > 0 && u->p.scene[KA_SCENE_ROMANTIC] == 0);
    CHECK(u && u->p.char_id[0] != 0);
    CHECK(ka_strmap_get(&st.users, "nobody") == NULL);

    /* A click dated before the impression it would settle settles nothing (the
     * impression keeps waiting); one dated after it does. */
    before = st.rewards;
    event(s, "impression", "early", 2, 2, t0 + 2500);
    char q[512];
    snprintf(q, sizeof q, "INSERT INTO events (client_id, type, user_key, title_id,"
             " variant_number, ts, received_at, variant_id) VALUES ('c%d', 'click', 'early',"
             " 'title2', 2, %f, %f, '%016x')", ++n_events, t0 + 2490, t0 + 2501, 16 * 2 + 2);
    sql(s, q);
    CHECK_EQ_INT(ka_state_refresh(&st, s, 0), 0);
    CHECK_EQ_INT(st.rewards - before, 0);
    event(s, "click", "early", 2, 2, t0 + 2502);
    CHECK_EQ_INT(ka_state_refresh(&st, s, 0), 0);
    CHECK_EQ_INT(st.rewards - before, 1);

    /* Events about unknown titles or variants move the watermark and nothing else. */
    size_t users = st.users.n;
    event(s, "click", "ghost", 9, 1, t0 + 3000);
    event(s, "click", "ghost2", 1, 99, t0 + 3001);
    CHECK_EQ_INT(ka_state_refresh(&st, s, 0), 0);
    CHECK_EQ_INT(st.users.n, users);
    CHECK_EQ_INT(st.watermark, n_events);
    ka_state_free(&st);
}

/* Two states hold the same knowledge (the policies', and the profiles' unless
 * policies_only). */
static void check_same_parts(ka_serve_state *a, ka_serve_state *b, int policies_only)
{
    double pa[4], pb[4];
    for (int t = 1; t <= 2; t++) {
        char title[16];
        snprintf(title, sizeof title, "title%d", t);
        probs(a, title, "thompson", pa);
        probs(b, title, "thompson", pb);
        for (int i = 0; i < 4; i++)
            CHECK_MSG(pa[i] == pb[i], "%s arm %d: %.17g vs %.17g", title, i, pa[i], pb[i]);
    }
    CHECK_EQ_INT(a->users.n, b->users.n);
    for (size_t i = 0; !policies_only && i < a->users.cap; i++) {
        if (!a->users.keys[i])
            continue;
        const ka_suser *ua = a->users.vals[i], *ub = ka_strmap_get(&b->users, a->users.keys[i]);
        uint8_t ba[KA_PROFILE_BYTES], bb[KA_PROFILE_BYTES];
        CHECK_MSG(ub != NULL, "user %s missing", a->users.keys[i]);
        if (!ub)
            continue;
        ka_profile_save(&ua->p, ba, sizeof ba);
        ka_profile_save(&ub->p, bb, sizeof bb);
        CHECK_MSG(!memcmp(ba, bb, sizeof ba), "profile of %s differs", a->users.keys[i]);
    }
}

static void check_same(ka_serve_state *a, ka_serve_state *b)
{
    check_same_parts(a, b, 0);
}

static void test_snapshot(ka_store *s)
{
    ka_serve_state a, b, c;
    new_state(&a);
    CHECK_EQ_INT(ka_state_load(&a, s, 0), 0);
    CHECK_EQ_INT(ka_state_snapshot(&a, s), 0);
    CHECK_EQ_INT(a.snapshot_mark, n_events);

    /* More events after the snapshot: a server starting now loads the snapshot and
     * folds only those, and agrees with one that folded everything. */
    for (int u = 0; u < 5; u++) {
        char user[16];
        snprintf(user, sizeof user, "w%d", u);
        event(s, "impression", user, 1, 4, 1.7e9 + u);
        event(s, "click", user, 1, 4, 1.7e9 + u + 0.5);
        event(s, "impression", "u1", 2, 2, 1.7e9 + u + 0.7);
    }
    CHECK_EQ_INT(ka_state_refresh(&a, s, 0), 0);
    new_state(&b);
    CHECK_EQ_INT(ka_state_load(&b, s, 0), 0);
    CHECK(b.folded < a.folded);            /* b started from the snapshot */
    CHECK_EQ_INT(b.watermark, a.watermark);
    check_same(&a, &b);

    /* A state that ignores the snapshots (fresh database copy of the events) agrees too. */
    sql(s, "DELETE FROM policy_state");
    new_state(&c);
    CHECK_EQ_INT(ka_state_load(&c, s, 0), 0);
    CHECK_EQ_INT(c.folded, n_events);
    check_same(&a, &c);
    ka_state_free(&a);
    ka_state_free(&b);
    ka_state_free(&c);
}

/* Title 1 analysed again: its pictures renumbered (first ids 4, 2, 1 now numbers 1, 2,
 * 3), picture 3 retired, a new one (id ...99) number 4. What each picture learned must
 * follow it: in the server that was running, in one started from a snapshot taken
 * before, and in one that folds every event onto the new numbers, alike. */
static void reanalyse_title1(ka_store *s)
{
    sql(s, "INSERT INTO retired_variants (title, variant_id, number) VALUES (1,"
           " '0000000000000013', 3)");
    sql(s, "DELETE FROM variants WHERE title = 1 AND number = 3");
    sql(s, "UPDATE variants SET number = 10 + number WHERE title = 1");
    sql(s, "UPDATE variants SET number = CASE number WHEN 14 THEN 1 WHEN 12 THEN 2 ELSE 3 END"
           " WHERE title = 1");
    sql(s, "INSERT INTO variants (title, number, scene, composition, quality_score, image_full,"
           " metadata, variant_id) VALUES (1, 4, 'landscape', 'wide', 0.7, 'ab/y.jpg', '{}',"
           " '0000000000000099')");
    sql(s, "UPDATE titles SET analysed_at = 2000 WHERE id = 1");
}

static void test_reanalysis(ka_store *s)
{
    ka_serve_state a, b, c;
    new_state(&a);
    CHECK_EQ_INT(ka_state_load(&a, s, 0), 0);
    const ka_stitle *t = ka_catalog_find(a.cat, "title1");
    double p[4];
    probs(&a, "title1", "thompson", p);
    CHECK_MSG(p[3] > p[0] && p[1] > p[0] && p[1] > p[2], "%g %g %g %g", p[0], p[1], p[2], p[3]);
    double p_first4 = p[3];
    CHECK_EQ_INT(ka_state_snapshot(&a, s), 0);
    /* shown before the new analysis, clicked after it */
    event(s, "impression", "pend", 1, 4, 1.76e9);
    CHECK_EQ_INT(ka_state_refresh(&a, s, 0), 0);
    reanalyse_title1(s);
    CHECK_EQ_INT(ka_state_refresh(&a, s, 0), 0);
    t = ka_catalog_find(a.cat, "title1");
    CHECK(t && t->n_variants == 4 && !strcmp(t->vid[0], "0000000000000014") &&
          !strcmp(t->vid[3], "0000000000000099"));
    CHECK(t && ka_stitle_retired(t, "0000000000000013") && ka_stitle_arm(t, "0000000000000013") < 0);
    probs(&a, "title1", "thompson", p);
    CHECK_MSG(fabs(p[0] - p_first4) < 0.2 && p[0] > p[2] && p[1] > p[2] && p[3] < p[0],
              "first 4 had %g; now %g %g %g %g", p_first4, p[0], p[1], p[2], p[3]);
    uint64_t before = a.rewards;
    event(s, "click", "pend", 1, 4, 1.76e9 + 1);
    event(s, "impression", "late", 1, 3, 1.76e9 + 2);    /* a retired picture: nothing */
    CHECK_EQ_INT(ka_state_refresh(&a, s, 0), 0);
    CHECK_EQ_INT(a.rewards - before, 1);
    CHECK_MSG(a.pend_head == NULL || strcmp(a.pend_tail->user, "late"),
              "an impression of a retired picture waits for a click");

    new_state(&b);                  /* from the snapshot written before the analysis */
    CHECK_EQ_INT(ka_state_load(&b, s, 0), 0);
    CHECK(b.folded < a.folded);
    check_same(&a, &b);
    sql(s, "DELETE FROM policy_state");
    new_state(&c);                  /* every event, folded onto the new numbers */
    CHECK_EQ_INT(ka_state_load(&c, s, 0), 0);
    /* (not the profiles: events about the retired picture no longer say what it showed) */
    check_same_parts(&a, &c, 1);
    ka_state_free(&a);
    ka_state_free(&b);
    ka_state_free(&c);
}

static char *vid_of(int title, int variant, char *buf)
{
    snprintf(buf, KA_VARIANT_ID_LEN + 1, "%016x", 16 * title + variant);
    return buf;
}

/* n decisions for title2 by st (its thompson policy); counts per arm in seen. */
static void decide_many(ka_serve_state *st, int n, int *seen, double *p_arm)
{
    ka_rng *rng = ka_rng_new(7);
    const ka_stitle *t = ka_catalog_find(st->cat, "title2");
    CHECK(t != NULL);
    for (int i = 0; t && i < n; i++) {
        char user[32];
        snprintf(user, sizeof user, "user%d", i);
        ka_decision d;
        CHECK_EQ_INT(ka_serve_decide(st, t, user, rng, &d), 0);
        seen[d.arm]++;
        p_arm[d.arm] = d.propensity;
    }
    ka_rng_free(rng);
}

static void test_controls(ka_store *s)
{
    ka_serve_state st;
    char id[4][KA_VARIANT_ID_LEN + 1];
    for (int v = 0; v < 4; v++)
        vid_of(2, v + 1, id[v]);
    new_state(&st);
    CHECK_EQ_INT(ka_state_load(&st, s, 0), 0);
    CHECK_EQ_INT(ka_state_control(&st, s, "title2", id[2], KA_CONTROL_PIN), 0);
    const ka_stitle *t = ka_catalog_find(st.cat, "title2");
    CHECK(t && t->pinned == ka_stitle_arm(t, id[2]));
    int seen[4] = { 0 };
    double p[4] = { 0 };
    decide_many(&st, 50, seen, p);
    CHECK_EQ_INT(seen[2], 50);
    CHECK(p[2] == 1);
    ka_decision d;
    ka_rng *rng = ka_rng_new(1);
    CHECK_EQ_INT(ka_serve_decide(&st, t, "x", rng, &d), 0);
    CHECK(!strcmp(ka_decision_policy(&d), "pinned") && !d.exp);
    ka_rng_free(rng);

    CHECK_EQ_INT(ka_state_control(&st, s, "title2", id[2], KA_CONTROL_UNPIN), 0);
    CHECK_EQ_INT(ka_state_control(&st, s, "title2", id[0], KA_CONTROL_EXCLUDE), 0);
    CHECK_EQ_INT(ka_state_control(&st, s, "title2", id[1], KA_CONTROL_EXCLUDE), 0);
    CHECK_EQ_INT(ka_state_control(&st, s, "title2", id[2], KA_CONTROL_EXCLUDE), 0);
    CHECK_EQ_INT(ka_state_control(&st, s, "title2", id[3], KA_CONTROL_EXCLUDE), KA_ECONFLICT);
    CHECK_EQ_INT(ka_state_control(&st, s, "title2", id[2], KA_CONTROL_INCLUDE), 0);
    t = ka_catalog_find(st.cat, "title2");
    CHECK(t->pinned < 0 && t->n_excluded == 2);

    /* The draws: never an excluded arm; each propensity the renormalised probability,
     * and the frequencies near it (a fixed seed: the same draws every run). */
    double want[4];
    probs(&st, "title2", "thompson", want);
    ka_stitle_controlled_probs(t, want);
    CHECK(want[0] == 0 && want[1] == 0 && fabs(want[2] + want[3] - 1) < 1e-12);
    int n = 4000;
    memset(seen, 0, sizeof seen);
    decide_many(&st, n, seen, p);
    CHECK(seen[0] == 0 && seen[1] == 0);
    for (int a = 2; a < 4; a++) {
        CHECK_MSG(!seen[a] || fabs(p[a] - want[a]) < 1e-12, "arm %d: propensity %g, want %g",
                  a, p[a], want[a]);
        CHECK_MSG(fabs((double)seen[a] / n - want[a]) < 0.03, "arm %d: %d of %d, want %g", a,
                  seen[a], n, want[a]);
    }

    /* A new catalogue (the title analysed again) keeps the controls. */
    sql(s, "UPDATE titles SET analysed_at = 5000 WHERE title_id = 'title2'");
    CHECK_EQ_INT(ka_state_refresh(&st, s, 0), 0);
    t = ka_catalog_find(st.cat, "title2");
    CHECK(t && t->n_excluded == 2 && t->excluded[ka_stitle_arm(t, id[0])]);

    /* A server started later, and the engine given the store's catalogue. */
    ka_serve_state later;
    new_state(&later);
    CHECK_EQ_INT(ka_state_load(&later, s, 0), 0);
    t = ka_catalog_find(later.cat, "title2");
    CHECK(t && t->n_excluded == 2 && t->pinned < 0);
    ka_state_free(&later);
    ka_serve_opts o;
    ka_serve_opts_default(&o);
    o.seed = 3;
    ka_engine *e = NULL;
    json_t *cat = NULL;
    CHECK_EQ_INT(ka_engine_new(&o, &e), 0);
    CHECK_EQ_INT(ka_store_catalog_json(s, &cat), 0);
    CHECK_EQ_INT(ka_engine_set_titles(e, cat), 0);
    json_decref(cat);
    for (int i = 0; e && i < 200; i++) {
        char user[32];
        ka_engine_choice c;
        snprintf(user, sizeof user, "sim%d", i);
        CHECK_EQ_INT(ka_engine_decide(e, user, "title2", 1767225600.0 + i, &c), 0);
        CHECK_MSG(strcmp(c.variant_id, id[0]) && strcmp(c.variant_id, id[1]),
                  "the engine served excluded variant %s", c.variant_id);
    }
    ka_engine_free(&e);
    ka_state_free(&st);
}

int main(void)
{
    char dir[] = "/tmp/keyart-serve-state.XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    snprintf(db_url, sizeof db_url, "sqlite:%s/state.db", dir);
    ka_store *s = NULL;
    CHECK_EQ_INT(ka_store_open(db_url, 0, &s), 0);
    if (!s)
        TEST_END();
    add_titles(s);
    RUN_ARG(test_fold, s);
    RUN_ARG(test_snapshot, s);
    RUN_ARG(test_reanalysis, s);
    RUN_ARG(test_controls, s);
    ka_store_close(&s);
    char path[400];
    snprintf(path, sizeof path, "%s/state.db", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/state.db-wal", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/state.db-shm", dir);
    unlink(path);
    rmdir(dir);
    TEST_END();
}
