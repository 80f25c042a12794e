/* test_shots_synthetic.c: the shot detector on constructed sequences with known
 * truth: a cut, a flash, a dissolve, a fade through black, a fast pan, a dip to
 * black on the same picture, and the minimum shot length. */
#include "keyart/keyart.h"
#include "ka_test.h"
#include "small_fixture.h"

#define W 128
#define H 72
#define FPS 25.0

typedef void (*frame_fn)(int i, ka_small *out, void *ud);

typedef struct seq {
    ka_shot_detector *d;
    ka_shot *shots;
    int n_shots;
    uint32_t flags[600];
} seq;

/* Runs n frames made by fn through signals and the detector. */
static void run(seq *q, int n, frame_fn fn, void *ud, double min_shot_s)
{
    ka_shot_opts o = { .min_shot_s = min_shot_s, .fps = FPS };
    CHECK(ka_shot_detector_new(&o, &q->d) == 0);
    ka_small cur, prev;
    fx_alloc(&cur, W, H);
    fx_alloc(&prev, W, H);
    ka_signals s, ps;
    for (int i = 0; i < n; i++) {
        fn(i, &cur, ud);
        memset(&s, 0, sizeof s);
        s.frame = i;
        s.time_s = i / FPS;
        ka_signals_compute(&cur, i ? &prev : NULL, i ? &ps : NULL, &s);
        CHECK(ka_shot_detector_push(q->d, &s, &cur) == 0);
        ps = s;
        ka_small t = prev;
        prev = cur;
        cur = t;
    }
    CHECK(ka_shot_detector_finish(q->d) == 0);
    const ka_shot *sh = ka_shot_detector_shots(q->d, &q->n_shots);
    q->shots = malloc(sizeof *q->shots * (size_t)(q->n_shots ? q->n_shots : 1));
    memcpy(q->shots, sh, sizeof *sh * (size_t)q->n_shots);
    for (int i = 0; i < n && i < 600; i++) {
        q->flags[i] = 0;
        ka_shot_detector_frame_info(q->d, i, NULL, &q->flags[i]);
    }
    fx_free(&cur);
    fx_free(&prev);
}

static void done(seq *q)
{
    ka_shot_detector_free(&q->d);
    free(q->shots);
}

static void print_shots(const seq *q)
{
    for (int k = 0; k < q->n_shots; k++)
        fprintf(stderr, "  shot %d: %lld-%lld %s [%lld, %lld]\n", k,
                (long long)q->shots[k].start_frame, (long long)q->shots[k].end_frame,
                ka_transition_name(q->shots[k].transition_in),
                (long long)q->shots[k].span_first, (long long)q->shots[k].span_last);
}

/* Two textured shots with gentle motion; cut at 40. */
static void cut_frames(int i, ka_small *o, void *ud)
{
    fx_texture(o, i < 40 ? 11 : 22, i / 3);
}

static void test_cut(void)
{
    seq q;
    run(&q, 80, cut_frames, NULL, 0.4);
    print_shots(&q);
    CHECK_EQ_INT(q.n_shots, 2);
    if (q.n_shots == 2) {
        CHECK_EQ_INT(q.shots[0].start_frame, 0);
        CHECK_EQ_INT(q.shots[0].end_frame, 39);
        CHECK(q.shots[0].transition_in == KA_TRANSITION_START);
        CHECK_EQ_INT(q.shots[1].start_frame, 40);
        CHECK(q.shots[1].transition_in == KA_TRANSITION_CUT);
        CHECK_NEAR(q.shots[1].start_s, 40 / FPS, 1e-9);
        CHECK_EQ_INT(q.shots[1].end_frame, 79);
        CHECK_NEAR(q.shots[1].end_s, 80 / FPS, 1e-9);
    }
    done(&q);
}

/* One shot; frames 30 and 31 are a bright flash. */
static void flash_frames(int i, ka_small *o, void *ud)
{
    fx_texture(o, 33, i / 3);
    if (i == 30 || i == 31)
        for (int k = 0; k < o->w * o->h; k++)
            o->y[k] = (uint8_t)(o->y[k] / 4 + 190);
}

static void test_flash(void)
{
    seq q;
    run(&q, 70, flash_frames, NULL, 0.4);
    print_shots(&q);
    CHECK_EQ_INT(q.n_shots, 1);
    CHECK(q.flags[30] & KA_FRAME_FLASH);
    CHECK(q.flags[31] & KA_FRAME_FLASH);
    CHECK(!(q.flags[20] & KA_FRAME_FLASH));
    done(&q);
}

typedef struct two {
    ka_small a, b;
} two;

/* A for 30 frames, a 20-frame dissolve to B (frames 30..49), B after. */
static void dissolve_frames(int i, ka_small *o, void *ud)
{
    two *t = ud;
    if (i < 30)
        memcpy(o->y, t->a.y, W * H), memcpy(o->u, t->a.u, W * H / 4), memcpy(o->v, t->a.v, W * H / 4);
    else if (i >= 50)
        memcpy(o->y, t->b.y, W * H), memcpy(o->u, t->b.u, W * H / 4), memcpy(o->v, t->b.v, W * H / 4);
    else
        fx_blend(o, &t->a, &t->b, 1.0 - (i - 29) / 21.0);
}

static void test_dissolve(void)
{
    two t;
    fx_alloc(&t.a, W, H);
    fx_alloc(&t.b, W, H);
    fx_texture(&t.a, 44, 0);
    fx_texture(&t.b, 55, 0);
    for (int k = 0; k < W * H; k++)
        t.b.y[k] = (uint8_t)(255 - t.b.y[k]);
    seq q;
    run(&q, 90, dissolve_frames, &t, 0.4);
    print_shots(&q);
    CHECK_EQ_INT(q.n_shots, 2);
    if (q.n_shots == 2) {
        const ka_shot *s = &q.shots[1];
        CHECK(s->transition_in == KA_TRANSITION_DISSOLVE);
        CHECK(s->span_first >= 28 && s->span_first <= 33);
        CHECK(s->span_last >= 46 && s->span_last <= 51);
        CHECK_EQ_INT(s->start_frame, s->span_first);
    }
    CHECK(q.flags[40] & KA_FRAME_TRANSITION);
    CHECK(!(q.flags[10] & KA_FRAME_TRANSITION));
    CHECK(!(q.flags[70] & KA_FRAME_TRANSITION));
    done(&q);
    fx_free(&t.a);
    fx_free(&t.b);
}

/* A (0..29), fade out 30..39, black 40..47, fade in B 48..57, B to 89. */
static void fade_frames(int i, ka_small *o, void *ud)
{
    two *t = ud;
    if (i < 30)
        fx_fade(o, &t->a, 1.0, 16);
    else if (i < 40)
        fx_fade(o, &t->a, 1.0 - (i - 29) / 11.0, 16);
    else if (i < 48)
        fx_fill(o, 16, 128, 128);
    else if (i < 58)
        fx_fade(o, &t->b, (i - 47) / 11.0, 16);
    else
        fx_fade(o, &t->b, 1.0, 16);
}

static void test_fade(void)
{
    two t;
    fx_alloc(&t.a, W, H);
    fx_alloc(&t.b, W, H);
    fx_texture(&t.a, 66, 0);
    fx_texture(&t.b, 77, 0);
    seq q;
    run(&q, 90, fade_frames, &t, 0.4);
    print_shots(&q);
    CHECK_EQ_INT(q.n_shots, 2);
    if (q.n_shots == 2) {
        const ka_shot *s = &q.shots[1];
        CHECK(s->transition_in == KA_TRANSITION_FADE);
        CHECK(s->start_frame >= 47 && s->start_frame <= 49);
        CHECK(s->span_first >= 29 && s->span_first <= 31);
        CHECK(s->span_last >= 55 && s->span_last <= 58);
    }
    CHECK(q.flags[35] & KA_FRAME_TRANSITION);
    CHECK(q.flags[44] & KA_FRAME_BLACK);
    CHECK(q.flags[52] & KA_FRAME_TRANSITION);
    done(&q);
    fx_free(&t.a);
    fx_free(&t.b);
}

/* A whip pan: the picture moves 6 pixels a frame. */
static void pan_frames(int i, ka_small *o, void *ud)
{
    fx_texture(o, 88, i * 6);
}

static void test_pan(void)
{
    seq q;
    run(&q, 100, pan_frames, NULL, 0.4);
    print_shots(&q);
    CHECK_EQ_INT(q.n_shots, 1);
    done(&q);
}

/* Three frames of black inside one picture: a dip, not a boundary. */
static void dip_frames(int i, ka_small *o, void *ud)
{
    if (i >= 30 && i < 33)
        fx_fill(o, 16, 128, 128);
    else
        fx_texture(o, 99, 0);
}

static void test_dip(void)
{
    seq q;
    run(&q, 60, dip_frames, NULL, 0.4);
    print_shots(&q);
    CHECK_EQ_INT(q.n_shots, 1);
    done(&q);
}

/* Cuts at 30 and 33: closer than the minimum shot length, so one boundary. */
static void close_cut_frames(int i, ka_small *o, void *ud)
{
    fx_texture(o, i < 30 ? 1 : i < 33 ? 2 : 3, 0);
}

static void test_min_shot(void)
{
    seq q;
    run(&q, 70, close_cut_frames, NULL, 0.4);
    print_shots(&q);
    CHECK_EQ_INT(q.n_shots, 2);
    done(&q);
    run(&q, 70, close_cut_frames, NULL, 0.0);
    print_shots(&q);
    CHECK_EQ_INT(q.n_shots, 3);
    done(&q);
}

int main(void)
{
    RUN(test_cut);
    RUN(test_flash);
    RUN(test_dissolve);
    RUN(test_fade);
    RUN(test_pan);
    RUN(test_dip);
    RUN(test_min_shot);
    TEST_END();
}
