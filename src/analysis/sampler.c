/* sampler.c: candidate frames. The timeline is cut into stretches (about a second
 * for short titles, longer for long ones so that a title gets its budget of 50-200
 * candidates per hour); each stretch keeps references to its few best frames while
 * the shot detector decides, then gives its best frame that is not black, blank,
 * blurred, a flash or inside a transition, plus, budget allowing, the best frame of
 * a second shot that starts in it. Only those few frames stay at full resolution, so
 * memory does not depend on the title's length.
 *
 * Frames asked for by number (force_frames: the ranker's training measures the
 * frames editors graded) are taken as they are, defects included, their flags
 * saying which; with force_only nothing else is. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline_priv.h"

#define CHANGE_HIST 0.25f        /* a frame change this large may start a shot */
#define CHANGE_DIFF 30.0f
#define NEAR_START_MIN_S 0.25    /* frames this long after a change are preferred ... */
#define NEAR_START_MAX_S 1.5     /* ... up to this long */
#define BLUR_SHARE 0.3f          /* sharpness under this share of recent frames: blurred */
#define KA_FRAME_UNUSABLE (KA_FRAME_TRANSITION | KA_FRAME_FLASH | KA_FRAME_BLACK | KA_FRAME_BLANK)

int ka_sampler_init(ka_sampler *s, const ka_analysis_opts *o, double duration_s)
{
    memset(s, 0, sizeof *s);
    double interval = o->sample_interval_s > 0 ? o->sample_interval_s : 1.0;
    int budget = o->budget_per_hour > 0 ? o->budget_per_hour : 120;
    int min_c = o->min_candidates > 0 ? o->min_candidates : 24;
    if (duration_s <= 0) {
        s->stretch_s = interval;
        s->target = min_c;
    } else {
        double upper = fmax(min_c, budget * duration_s / 3600.0);
        double want = fmin(fmax(duration_s / interval, min_c), upper);
        s->target = (int)ceil(want);
        s->stretch_s = duration_s / want;
    }
    /* Shot starts may add up to half as many again. */
    s->shot_start_budget = s->target / 2 + 1;
    s->stretch_index = -1;
    s->last_change_s = -1e9;
    s->force = o->n_force_frames > 0 ? o->force_frames : NULL;
    s->n_force = s->force ? o->n_force_frames : 0;
    s->force_only = o->force_only;
    return 0;
}

/* Holds f when it is asked for; 1 when it was (the stretches then leave it alone). */
static int hold_forced(ka_sampler *s, const ka_frame *f, const ka_signals *sig)
{
    while (s->next_force < s->n_force && s->force[s->next_force] < f->index)
        s->next_force++;
    if (s->next_force >= s->n_force || s->force[s->next_force] != f->index)
        return 0;
    s->next_force++;
    int err = ka_array_grow((void **)&s->forced, &s->cap_forced, s->n_forced + 1,
                            sizeof *s->forced);
    ka_frame *ref = err ? NULL : ka_frame_ref(f);
    if (!ref)
        return err ? err : ka_error(KA_ENOMEM, "no memory to keep a candidate frame");
    s->forced[s->n_forced++] = (sampler_held){ .frame = ref, .sig = *sig };
    return 1;
}

static float provisional_score(const ka_sampler *s, const ka_signals *sig)
{
    float sharp = sig->sharpness / (sig->sharpness + 200.0f);
    float light = 1.0f - 0.5f * fabsf(sig->luma_mean - 118.0f) / 118.0f;
    float steady = 1.0f - fminf(0.3f, sig->diff_prev / 100.0f);
    double since = sig->time_s - s->last_change_s;
    float near_start = since >= NEAR_START_MIN_S && since <= NEAR_START_MAX_S ? 1.15f : 1.0f;
    return sharp * light * steady * near_start;
}

static int open_stretch(ka_sampler *s, int64_t frame)
{
    int err = ka_array_grow((void **)&s->pending, &s->cap_pending, s->n_pending + 1,
                      sizeof *s->pending);
    if (err)
        return err;
    sampler_stretch *st = &s->pending[s->n_pending++];
    memset(st, 0, sizeof *st);
    st->first = st->last = frame;
    return 0;
}

/* Keeps the frame if it is among the stretch's best, best first. */
static int hold(sampler_stretch *st, const ka_frame *f, const ka_signals *sig, float score)
{
    int pos = st->n;
    while (pos > 0 && st->top[pos - 1].score < score)
        pos--;
    if (pos >= SAMPLER_TOP)
        return 0;
    ka_frame *ref = ka_frame_ref(f);
    if (!ref)
        return ka_error(KA_ENOMEM, "no memory to keep a candidate frame");
    if (st->n == SAMPLER_TOP)
        ka_frame_free(&st->top[SAMPLER_TOP - 1].frame);
    else
        st->n++;
    memmove(&st->top[pos + 1], &st->top[pos], (size_t)(st->n - 1 - pos) * sizeof st->top[0]);
    st->top[pos] = (sampler_held){ .frame = ref, .sig = *sig, .score = score };
    return 0;
}

int ka_sampler_offer(ka_sampler *s, const ka_frame *f, const ka_signals *sig)
{
    s->diffs[f->index % SAMPLER_DIFFS] = sig->diff_prev;
    if (sig->hist_dist > CHANGE_HIST || sig->diff_prev > CHANGE_DIFF)
        s->last_change_s = sig->time_s;
    int forced = s->n_force ? hold_forced(s, f, sig) : 0;
    if (forced < 0)
        return forced;
    if (s->force_only)
        return 0;
    int64_t k = (int64_t)floor(sig->time_s / s->stretch_s);
    if (k != s->stretch_index || s->n_pending == 0) {
        int err = open_stretch(s, f->index);
        if (err)
            return err;
        s->stretch_index = k;
    }
    sampler_stretch *st = &s->pending[s->n_pending - 1];
    st->last = f->index;
    if (forced || sig->flags & (KA_FRAME_BLACK | KA_FRAME_BLANK))
        return 0;
    /* Sharpness is judged against the frames since the last big change, so a soft
     * shot after a detailed one is not taken for a blurred one. */
    if (s->last_change_s == sig->time_s)
        s->sharp_avg = 0;
    int blurred = s->sharp_avg > 0 && sig->sharpness < BLUR_SHARE * s->sharp_avg;
    s->sharp_avg = s->sharp_avg > 0 ? 0.9f * s->sharp_avg + 0.1f * sig->sharpness
                                    : sig->sharpness;
    if (blurred) {
        s->n_blur++;
        return 0;
    }
    return hold(st, f, sig, provisional_score(s, sig));
}

/* Mean frame difference around a frame, 0..1. */
static float motion_at(const ka_sampler *s, int64_t frame, int64_t last)
{
    float sum = 0;
    int n = 0;
    for (int64_t f = frame - 2; f <= frame + 2; f++)
        if (f >= 1 && f <= last && frame - f < SAMPLER_DIFFS) {
            sum += s->diffs[f % SAMPLER_DIFFS];
            n++;
        }
    return n ? sum / n / 255.0f : 0;
}

static void release_stretch(sampler_stretch *st)
{
    for (int i = 0; i < st->n; i++)
        ka_frame_free(&st->top[i].frame);
    st->n = 0;
}

static int decide_stretch(ka_sampler *s, const ka_shot_detector *d, sampler_stretch *st,
                          int64_t last_known, sampler_emit_fn emit, void *ud)
{
    int first_shot = -1, err = 0;
    for (int i = 0; i < st->n && !err; i++) {
        sampler_held *h = &st->top[i];
        if (!h->resolved || h->flags & KA_FRAME_UNUSABLE)
            continue;
        int shot = h->shot;
        if (shot == first_shot)
            continue;
        double start = ka_shot_detector_shot_start(d, shot);
        int near_start = start >= 0 && h->sig.time_s - start <= NEAR_START_MAX_S;
        uint32_t cflags = 0;
        if (first_shot < 0)
            cflags |= KA_CAND_UNIFORM;
        else if (s->emitted_shot_start >= s->shot_start_budget)
            break;
        if (near_start || first_shot >= 0)
            cflags |= KA_CAND_SHOT_START;
        sampler_pick pick = { .frame = h->frame, .sig = h->sig, .shot = shot, .flags = cflags,
                              .motion = motion_at(s, h->frame->index, last_known) };
        h->frame = NULL;
        err = emit(ud, &pick);
        s->emitted++;
        if (first_shot >= 0) {
            s->emitted_shot_start++;
            break;
        }
        first_shot = shot;
    }
    release_stretch(st);
    return err;
}

/* Reads the shot and flags of held frames that have become final, while the detector
 * still remembers them (a stretch can be longer than its memory). */
static void resolve_held(ka_sampler *s, const ka_shot_detector *d, int64_t final_before)
{
    for (int k = 0; k < s->n_pending; k++)
        for (int i = 0; i < s->pending[k].n; i++) {
            sampler_held *h = &s->pending[k].top[i];
            if (h->resolved || h->frame->index >= final_before)
                continue;
            h->resolved = 1;
            if (ka_shot_detector_frame_info(d, h->frame->index, &h->shot, &h->flags) < 0)
                h->flags = KA_FRAME_UNUSABLE;
        }
}

/* Hands on the asked-for frames that have become final, with the detector's flags. */
static int emit_forced(ka_sampler *s, const ka_shot_detector *d, int64_t final_before,
                       sampler_emit_fn emit, void *ud)
{
    int done = 0, err = 0;
    for (; done < s->n_forced && !err; done++) {
        sampler_held *h = &s->forced[done];
        if (h->frame->index >= final_before)
            break;
        int shot = -1;
        uint32_t flags = 0;
        if (ka_shot_detector_frame_info(d, h->frame->index, &shot, &flags) < 0)
            flags = KA_FRAME_UNUSABLE;
        sampler_pick pick = { .frame = h->frame, .sig = h->sig, .shot = shot,
                              .flags = KA_CAND_FORCED,
                              .motion = motion_at(s, h->frame->index, final_before - 1) };
        pick.sig.flags |= flags;
        h->frame = NULL;
        err = emit(ud, &pick);
        s->emitted++;
    }
    memmove(s->forced, s->forced + done, (size_t)(s->n_forced - done) * sizeof *s->forced);
    s->n_forced -= done;
    return err;
}

int ka_sampler_decide(ka_sampler *s, const ka_shot_detector *d, int finished,
                      sampler_emit_fn emit, void *ud)
{
    int64_t final_before = ka_shot_detector_final_before(d);
    resolve_held(s, d, final_before);
    int done = 0, err = s->n_forced ? emit_forced(s, d, final_before, emit, ud) : 0;
    while (done < s->n_pending && !err) {
        sampler_stretch *st = &s->pending[done];
        /* The open stretch waits for the end of the title. */
        if (!finished && (done == s->n_pending - 1 || st->last + 2 >= final_before))
            break;
        err = decide_stretch(s, d, st, final_before - 1, emit, ud);
        done++;
    }
    if (done > 0) {
        memmove(s->pending, s->pending + done, (size_t)(s->n_pending - done) * sizeof *s->pending);
        s->n_pending -= done;
    }
    return err;
}

void ka_sampler_free(ka_sampler *s)
{
    for (int i = 0; i < s->n_pending; i++)
        release_stretch(&s->pending[i]);
    for (int i = 0; i < s->n_forced; i++)
        ka_frame_free(&s->forced[i].frame);
    free(s->forced);
    s->forced = NULL;
    s->n_forced = 0;
    free(s->pending);
    s->pending = NULL;
    s->n_pending = 0;
}
