/* train.c: fitting the ranker to graded frames.
 *
 * The score is linear in the standardised features, s = w . z (z held within
 * +-KA_RANK_Z_MAX, as the ranker reads them). The loss, convex in
 * (w, cuts), is the mean over clips of
 *   pairwise  sum over pairs of one clip with different grades of
 *             gap x log(1 + exp(-(s_better - s_worse))) / sum of the gaps
 *             (RankNet's loss: only the order within a title matters to a ranking)
 *   ordinal   pointwise x mean over the clip's frames of the cumulative-logit loss
 *             -sum_k log P(grade >= k or < k as observed), P(>= k) = logistic(s - c_k)
 *             (places the grades' scale, so "good" means the same across titles)
 * plus l2 |w|^2. Each clip weighs the same whatever its length. Minimised by projected
 * gradient descent with a backtracking step: after every step a weight whose feature
 * has a sign (ka_feature_info) is kept on its side and the cuts ascending. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyart/rank.h"

void ka_train_opts_default(ka_train_opts *o)
{
    o->l2 = 0.1;
    o->pointwise = 1.0;
    o->iterations = 3000;
    o->ignore = 0;
}

#define NP (KA_F_COUNT + KA_GRADE_MAX)  /* parameters: weights, then cuts */
_Static_assert(KA_F_COUNT <= 64, "ka_train_opts.ignore holds one bit per feature");

typedef struct ka_fit {
    const ka_graded *rows;
    int n, n_clips;
    int *clip_of;               /* dense clip index of each row, -1 when left out */
    int *clip_n;                /* rows per clip */
    double *gap_sum;            /* sum of grade gaps over each clip's pairs */
    float *z;                   /* standardised features, n x KA_F_COUNT */
    const ka_train_opts *o;
} ka_fit;

static double ka_softplus(double v)
{
    return v > 30 ? v : log1p(exp(v));
}

static double ka_sigmoid(double v)
{
    return 1.0 / (1.0 + exp(-v));
}

/* Loss at p; gradient into g (NP doubles). */
static double ka_fit_loss(const ka_fit *f, const double *p, double *g)
{
    int n = f->n;
    double *s = malloc(sizeof(double) * (size_t)n), *a = calloc((size_t)n, sizeof(double));
    if (!s || !a) {
        free(s);
        free(a);
        return INFINITY;
    }
    memset(g, 0, sizeof(double) * NP);
    for (int i = 0; i < n; i++) {
        s[i] = 0;
        for (int k = 0; k < KA_F_COUNT; k++)
            s[i] += p[k] * f->z[(size_t)i * KA_F_COUNT + k];
    }
    double loss = 0, per_clip = 1.0 / (f->n_clips > 0 ? f->n_clips : 1);
    /* pairwise: a[i] collects d loss / d s_i */
    for (int i = 0; i < n; i++) {
        int ci = f->clip_of[i];
        if (ci < 0 || f->gap_sum[ci] <= 0)
            continue;
        for (int j = i + 1; j < n; j++) {
            if (f->clip_of[j] != ci || f->rows[i].grade == f->rows[j].grade)
                continue;
            int hi = f->rows[i].grade > f->rows[j].grade ? i : j, lo = hi == i ? j : i;
            double gap = abs(f->rows[i].grade - f->rows[j].grade);
            double wgt = per_clip * gap / f->gap_sum[ci], d = s[hi] - s[lo];
            loss += wgt * ka_softplus(-d);
            double dd = -wgt * ka_sigmoid(-d);
            a[hi] += dd;
            a[lo] -= dd;
        }
    }
    /* ordinal */
    for (int i = 0; i < n; i++) {
        int ci = f->clip_of[i];
        if (ci < 0)
            continue;
        double wgt = per_clip * f->o->pointwise / f->clip_n[ci];
        for (int k = 0; k < KA_GRADE_MAX; k++) {
            double m = s[i] - p[KA_F_COUNT + k];
            double sign = f->rows[i].grade >= k + 1 ? 1.0 : -1.0;
            loss += wgt * ka_softplus(-sign * m);
            double dm = -wgt * sign * ka_sigmoid(-sign * m);
            a[i] += dm;
            g[KA_F_COUNT + k] -= dm;
        }
    }
    for (int i = 0; i < n; i++)
        for (int k = 0; a[i] != 0 && k < KA_F_COUNT; k++)
            g[k] += a[i] * f->z[(size_t)i * KA_F_COUNT + k];
    for (int k = 0; k < KA_F_COUNT; k++) {
        loss += f->o->l2 * p[k] * p[k];
        g[k] += 2 * f->o->l2 * p[k];
    }
    free(s);
    free(a);
    return loss;
}

/* Weights on their sign's side (ignored ones 0), cuts ascending. */
static void ka_fit_project(double *p, uint64_t ignore)
{
    const ka_feature_info *info = ka_feature_list();
    for (int k = 0; k < KA_F_COUNT; k++)
        if ((info[k].sign > 0 && p[k] < 0) || (info[k].sign < 0 && p[k] > 0) ||
            (ignore >> k & 1))
            p[k] = 0;
    for (int k = 1; k < KA_GRADE_MAX; k++)
        if (p[KA_F_COUNT + k] < p[KA_F_COUNT + k - 1])
            p[KA_F_COUNT + k] = p[KA_F_COUNT + k - 1];
}

static void ka_fit_minimise(const ka_fit *f, double *p)
{
    double g[NP], q[NP], gq[NP], step = 1.0;
    double loss = ka_fit_loss(f, p, g);
    for (int it = 0; it < f->o->iterations && isfinite(loss); it++) {
        double next = INFINITY;
        for (int tries = 0; tries < 40; tries++) {
            for (int k = 0; k < NP; k++)
                q[k] = p[k] - step * g[k];
            ka_fit_project(q, f->o->ignore);
            next = ka_fit_loss(f, q, gq);
            double dec = 0;         /* sufficient decrease along the projected step */
            for (int k = 0; k < NP; k++)
                dec += g[k] * (p[k] - q[k]);
            if (next <= loss - 0.5 * dec)
                break;
            step *= 0.5;
        }
        if (!(next < loss))
            break;
        double change = loss - next;
        memcpy(p, q, sizeof q);
        memcpy(g, gq, sizeof gq);
        loss = next;
        step *= 1.5;
        if (change < 1e-10)
            break;
    }
}

/* Standardisation from the rows in use. */
static void ka_fit_scale(const ka_fit *f, ka_ranker *r)
{
    for (int k = 0; k < KA_F_COUNT; k++) {
        double sum = 0, sum2 = 0;
        int m = 0;
        for (int i = 0; i < f->n; i++) {
            if (f->clip_of[i] < 0)
                continue;
            sum += f->rows[i].x[k];
            sum2 += (double)f->rows[i].x[k] * f->rows[i].x[k];
            m++;
        }
        double mean = m ? sum / m : 0, var = m ? sum2 / m - mean * mean : 0;
        r->mean[k] = (float)mean;
        r->scale[k] = var > 1e-8 ? (float)sqrt(var) : 1.0f;
    }
}

static int ka_fit_init(ka_fit *f, const ka_graded *rows, int n, int exclude, const ka_train_opts *o)
{
    memset(f, 0, sizeof *f);
    f->rows = rows;
    f->n = n;
    f->o = o;
    int max_clip = -1;
    for (int i = 0; i < n; i++)
        max_clip = rows[i].clip > max_clip ? rows[i].clip : max_clip;
    int *dense = malloc(sizeof(int) * (size_t)(max_clip + 2));
    f->clip_of = malloc(sizeof(int) * (size_t)(n + 1));
    f->clip_n = calloc((size_t)max_clip + 2, sizeof(int));
    f->gap_sum = calloc((size_t)max_clip + 2, sizeof(double));
    f->z = malloc(sizeof(float) * (size_t)(n + 1) * KA_F_COUNT);
    if (!dense || !f->clip_of || !f->clip_n || !f->gap_sum || !f->z) {
        free(dense);
        return ka_error(KA_ENOMEM, "no memory to train on %d frames", n);
    }
    for (int c = 0; c <= max_clip; c++)
        dense[c] = -1;
    for (int i = 0; i < n; i++) {
        int c = rows[i].clip;
        if (c < 0 || c == exclude || rows[i].grade < 0 || rows[i].grade > KA_GRADE_MAX) {
            f->clip_of[i] = -1;
            continue;
        }
        if (dense[c] < 0)
            dense[c] = f->n_clips++;
        f->clip_of[i] = dense[c];
        f->clip_n[dense[c]]++;
    }
    free(dense);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (f->clip_of[i] >= 0 && f->clip_of[i] == f->clip_of[j])
                f->gap_sum[f->clip_of[i]] += abs(rows[i].grade - rows[j].grade);
    return f->n_clips ? 0 : ka_error(KA_EINVAL, "no graded frames to train on");
}

static void ka_fit_free(ka_fit *f)
{
    free(f->clip_of);
    free(f->clip_n);
    free(f->gap_sum);
    free(f->z);
}

int ka_rank_train(const ka_graded *rows, int n, int exclude, const ka_train_opts *opts,
                  ka_ranker *r)
{
    ka_train_opts def;
    if (!opts) {
        ka_train_opts_default(&def);
        opts = &def;
    }
    if (!rows || n <= 0)
        return ka_error(KA_EINVAL, "no graded frames to train on");
    if (!(opts->l2 >= 0) || !(opts->pointwise >= 0) || opts->iterations < 1)
        return ka_error(KA_EINVAL, "training options out of range");
    ka_fit f;
    int err = ka_fit_init(&f, rows, n, exclude, opts);
    if (err) {
        ka_fit_free(&f);
        return err;
    }
    ka_ranker out;
    memset(&out, 0, sizeof out);
    ka_fit_scale(&f, &out);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < KA_F_COUNT; k++)
            f.z[(size_t)i * KA_F_COUNT + k] = ka_ranker_z(&out, k, rows[i].x[k]);
    double p[NP] = { 0 };
    for (int k = 0; k < KA_GRADE_MAX; k++)
        p[KA_F_COUNT + k] = (double)k - 1.0;
    ka_fit_minimise(&f, p);
    for (int k = 0; k < KA_F_COUNT; k++)
        out.weight[k] = (float)p[k];
    for (int k = 0; k < KA_GRADE_MAX; k++)
        out.cut[k] = (float)p[KA_F_COUNT + k];
    for (int i = 0; i < n; i++)
        out.n_frames += f.clip_of[i] >= 0;
    snprintf(out.source, sizeof out.source, "trained");
    ka_fit_free(&f);
    *r = out;
    return 0;
}

/* Index of the largest of v[0..m) not yet taken (and marks it), -1 when none. */
static int ka_take_max(const float *v, unsigned char *taken, int m)
{
    int b = -1;
    for (int i = 0; i < m; i++)
        if (!taken[i] && (b < 0 || v[i] > v[b]))
            b = i;
    if (b >= 0)
        taken[b] = 1;
    return b;
}

void ka_rank_agreement(const ka_ranker *r, const ka_graded *rows, int n, int clip,
                       double *tau, double *ndcg)
{
    long long conc = 0, disc = 0, tie_s = 0, tie_g = 0, pairs = 0;
    int m = 0;
    float *s = malloc(sizeof(float) * (size_t)(n + 1));
    float *g = malloc(sizeof(float) * (size_t)(n + 1));
    unsigned char *ts = calloc((size_t)n + 1, 1), *tg = calloc((size_t)n + 1, 1);
    *tau = *ndcg = 0;
    if (!s || !g || !ts || !tg)
        goto out;
    for (int i = 0; i < n; i++)
        if (rows[i].clip == clip) {
            s[m] = ka_ranker_score(r, rows[i].x);
            g[m++] = (float)rows[i].grade;
        }
    for (int i = 0; i < m; i++)
        for (int j = i + 1; j < m; j++) {
            pairs++;
            int ds = (s[i] > s[j]) - (s[i] < s[j]), dg = (g[i] > g[j]) - (g[i] < g[j]);
            tie_s += ds == 0;
            tie_g += dg == 0;
            conc += ds * dg > 0;
            disc += ds * dg < 0;
        }
    double den = sqrt((double)(pairs - tie_s) * (double)(pairs - tie_g));
    *tau = den > 0 ? (double)(conc - disc) / den : 0;
    /* NDCG at 3: the three best by score against the three best by grade */
    double dcg = 0, ideal = 0;
    for (int k = 0; k < 3 && k < m; k++) {
        dcg += g[ka_take_max(s, ts, m)] / log2(k + 2.0);
        ideal += g[ka_take_max(g, tg, m)] / log2(k + 2.0);
    }
    *ndcg = ideal > 0 ? dcg / ideal : 0;
out:
    free(s);
    free(g);
    free(ts);
    free(tg);
}
