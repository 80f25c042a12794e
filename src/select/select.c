/* select.c: ka_select, the title-level choice of variants. It classifies every
 * candidate, scores its quality and its appeal (the ranker's score over its
 * features, rank/), then runs the picker (pick.c) at the requested quality
 * threshold; when that yields fewer variants than asked, the threshold is relaxed in
 * steps (x0.8, x0.6, x0.5 of min_quality, never lower) and the run repeated, keeping
 * the run with the most variants. why_fewer then says what happened in words, and
 * reason in one word. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyart/select.h"
#include "select/select_priv.h"

static const float ka_select_relax[] = { 1.0f, 0.8f, 0.6f, 0.5f };

void ka_select_opts_default(ka_select_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->genre = "drama";
    o->n_variants = 8;
    o->min_quality = 0.35f;
    o->weights = ka_quality_weights_default;
    o->dup_distance = 10;
    o->mmr_lambda = 0.7f;
}

static int ka_select_unknown_genre(const char *name)
{
    char known[256] = "";
    int n;
    const ka_genre *const *list = ka_genre_list(&n);
    for (int i = 0; i < n; i++) {
        size_t len = strlen(known);
        snprintf(known + len, sizeof(known) - len, "%s%s", i ? ", " : "", list[i]->name);
    }
    return ka_error(KA_EINVAL, "unknown genre '%s' (known: %s)", name, known);
}

static int ka_select_validate(const ka_title *t, const ka_select_opts *o, const ka_genre **g)
{
    if (!t || (t->n_cands > 0 && !t->cands))
        return ka_error(KA_EINVAL, "select: no title analysis given");
    if (o->n_variants < 4 || o->n_variants > 12)
        return ka_error(KA_EINVAL, "number of variants must be 4..12, got %d", o->n_variants);
    const char *name = o->genre ? o->genre : "drama";
    *g = ka_genre_find(name);
    if (!*g)
        return ka_select_unknown_genre(name);
    if (!(o->min_quality >= 0.0f && o->min_quality <= 1.0f))
        return ka_error(KA_EINVAL, "minimum quality must be 0..1, got %g", (double)o->min_quality);
    if (!(o->mmr_lambda >= 0.0f && o->mmr_lambda <= 1.0f))
        return ka_error(KA_EINVAL, "MMR lambda must be 0..1, got %g", (double)o->mmr_lambda);
    if (o->dup_distance < 0 || o->dup_distance > 64)
        return ka_error(KA_EINVAL, "duplicate distance must be 0..64, got %d", o->dup_distance);
    if (!ka_quality_weights_valid(&o->weights))
        return ka_error(KA_EINVAL, "quality weights must be >= 0 with a positive sum");
    return 0;
}

/* "only 3 of 8 variants: 3 good, distinct moments among 9 usable candidates in 3
 * shots (the others would be poor artwork); 4 near-duplicates, 6 below quality 0.35,
 * 2 defect frames" (zero parts left out). */
static void ka_select_fewer(char *w, size_t sz, const ka_pick *p, const ka_selection *out,
                            int asked, int below, int defective, const char *relaxed)
{
    int usable = 0, good = 0, dups = ka_pick_count_dups(p);
    for (int i = 0; i < p->t->n_cands; i++) {
        usable += p->usable[i];
        good += p->good[i];
    }
    int shots = ka_pick_count_shots(p, p->usable);
    int got = out->n_variants, moments = out->good_moments;
    int len = snprintf(w, sz, "only %d of %d variants: %d good, distinct moment%s among %d "
                       "usable candidate%s in %d shot%s", got, asked, moments,
                       moments == 1 ? "" : "s", usable, usable == 1 ? "" : "s", shots,
                       shots == 1 ? "" : "s");
    if (usable > good && len >= 0 && (size_t)len < sz)
        len += snprintf(w + len, sz - (size_t)len, " (%d would be poor artwork)", usable - good);
    const char *sep = "; ";
    if (dups > 0 && len >= 0 && (size_t)len < sz) {
        len += snprintf(w + len, sz - (size_t)len, "%s%d near-duplicate%s", sep, dups,
                        dups == 1 ? "" : "s");
        sep = ", ";
    }
    if (below > 0 && len >= 0 && (size_t)len < sz) {
        len += snprintf(w + len, sz - (size_t)len, "%s%d below quality %.2f", sep, below,
                        (double)p->threshold);
        sep = ", ";
    }
    if (defective > 0 && len >= 0 && (size_t)len < sz)
        len += snprintf(w + len, sz - (size_t)len, "%s%d defect frames", sep, defective);
    if (relaxed[0] && len >= 0 && (size_t)len < sz)
        snprintf(w + len, sz - (size_t)len, " (%s)", relaxed);
}

static void ka_select_explain(const ka_pick *p, ka_selection *out, int asked, float min_q)
{
    const ka_title *t = p->t;
    int defective = 0, below = 0, below_asked = 0;
    for (int i = 0; i < t->n_cands; i++) {
        int bad = ka_pick_defective(&t->cands[i]);
        defective += bad;
        below += !bad && t->cands[i].quality_score < p->threshold;
        below_asked += !bad && t->cands[i].quality_score < min_q;
    }
    char relaxed[96] = "";
    if (p->threshold < min_q)
        snprintf(relaxed, sizeof(relaxed), "quality threshold relaxed from %.2f to %.2f",
                 (double)min_q, (double)p->threshold);
    out->good_moments = 0;
    for (int i = 0; i < out->n_variants; i++)
        out->good_moments += out->variants[i].good;
    char *w = out->why_fewer;
    size_t sz = sizeof(out->why_fewer);
    if (out->n_variants == 0) {
        out->reason = "no_candidates";
        snprintf(w, sz, "%s", t->n_cands == 0 ? "no candidate frames: the video gave no usable "
                 "frame" : "no usable candidate: every frame is a defect or below quality");
    } else if (out->n_variants < asked) {
        out->reason = "few_good_moments";
        ka_select_fewer(w, sz, p, out, asked, below, defective, relaxed);
    } else if (relaxed[0]) {
        snprintf(w, sz, "%s to reach %d variants (%d candidates below %.2f)", relaxed,
                 asked, below_asked, (double)min_q);
    }
}

/* Best run over the relaxation steps; leaves p holding it. */
static void ka_select_runs(ka_pick *p, const ka_select_opts *o)
{
    int steps = (int)(sizeof(ka_select_relax) / sizeof(ka_select_relax[0]));
    int best_step = 0, best_n = -1;
    for (int k = 0; k < steps; k++) {
        int n = ka_pick_run(p, o->min_quality * ka_select_relax[k]);
        if (n > best_n) {
            best_n = n;
            best_step = k;
        }
        if (n >= o->n_variants || o->min_quality <= 0.0f)
            break;
    }
    if (p->threshold != o->min_quality * ka_select_relax[best_step])
        ka_pick_run(p, o->min_quality * ka_select_relax[best_step]);
}

int ka_select(ka_title *t, const ka_select_opts *opts, ka_selection *out)
{
    ka_select_opts def;
    const ka_genre *g = NULL;
    if (!out)
        return ka_error(KA_EINVAL, "select: no output given");
    memset(out, 0, sizeof(*out));
    if (!opts) {
        ka_select_opts_default(&def);
        opts = &def;
    }
    int err = ka_select_validate(t, opts, &g);
    if (err)
        return err;
    ka_content *content = calloc(t->n_cands > 0 ? (size_t)t->n_cands : 1, sizeof(*content));
    if (!content)
        return ka_error(KA_ENOMEM, "no memory to classify %d candidates", t->n_cands);
    out->ranker = opts->ranker ? *opts->ranker : *ka_ranker_default();
    for (int i = 0; i < t->n_cands; i++) {
        float x[KA_F_COUNT];
        ka_cand_quality cq = ka_cand_quality_of(&t->cands[i]);
        ka_quality_score(&cq, &opts->weights);
        t->cands[i].quality_score = cq.score;
        ka_classify(t, &t->cands[i], &content[i]);
        ka_rank_features(t, &t->cands[i], x);
        t->cands[i].appeal = ka_ranker_score(&out->ranker, x);
    }
    ka_pick p;
    err = ka_pick_init(&p, t, opts, g, content, &out->ranker);
    if (err) {
        free(content);
        return err;
    }
    ka_select_runs(&p, opts);
    out->n_requested = opts->n_variants;
    out->weights = opts->weights;
    out->min_quality_used = p.threshold;
    out->n_variants = p.n;
    out->variants = p.v;            /* ownership moves to out */
    ka_select_explain(&p, out, opts->n_variants, opts->min_quality);
    p.v = NULL;
    ka_pick_free(&p);
    free(content);
    return 0;
}

void ka_selection_free(ka_selection *s)
{
    if (!s)
        return;
    free(s->variants);
    s->variants = NULL;
    s->n_variants = 0;
}
