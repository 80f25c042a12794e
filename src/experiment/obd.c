/* obd.c: the Open Bandit Dataset (Saito et al. 2021, ZOZOTOWN) for off-policy
 * evaluation: its CSV logs (item_id, position, click, propensity_score per row),
 * the Beta priors of its Bernoulli Thompson sampling policy (prior_bts.yaml, a small
 * mapping read by hand), and that policy's probability of putting each item in each
 * position, by seeded Monte Carlo draws. */
#include <ctype.h>
#include <errno.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "keyart/experiment.h"
#include "personalize/personalize_priv.h"

enum { COL_ITEM, COL_POS, COL_CLICK, COL_PSCORE, N_COLS };
static const char *const col_names[N_COLS] = { "item_id", "position", "click", "propensity_score" };

/* Splits line in place at commas; returns the number of fields (at most max). */
static int split(char *line, char **f, int max)
{
    int n = 0;
    char *s = line;
    while (n < max) {
        f[n++] = s;
        char *comma = strchr(s, ',');
        if (!comma)
            break;
        *comma = 0;
        s = comma + 1;
    }
    return n;
}

static void chomp(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = 0;
}

static int parse_num(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return end != s && !*end && !errno && isfinite(*v) ? 0 : -1;
}

static int grow(ka_ope_log *L, int *cap)
{
    int nc = *cap ? *cap * 2 : 4096;
    int *a = realloc(L->action, sizeof(int) * (size_t)nc);
    if (a) L->action = a;
    int *s = realloc(L->slot, sizeof(int) * (size_t)nc);
    if (s) L->slot = s;
    double *r = realloc(L->reward, sizeof(double) * (size_t)nc);
    if (r) L->reward = r;
    double *p = realloc(L->pscore, sizeof(double) * (size_t)nc);
    if (p) L->pscore = p;
    if (!a || !s || !r || !p)
        return -1;
    *cap = nc;
    return 0;
}

int ka_ope_read_obd(const char *path, ka_ope_log *L)
{
    memset(L, 0, sizeof *L);
    FILE *f = fopen(path, "r");
    if (!f)
        return ka_error(KA_EIO, "cannot open %s: %s", path, strerror(errno));
    char *line = NULL, *fields[512];
    size_t lcap = 0;
    int col[N_COLS], err = 0, cap = 0, nf, min_pos = 1 << 30, lineno = 1;
    if (getline(&line, &lcap, f) < 0) {
        err = ka_error(KA_EFORMAT, "%s: empty file", path);
        goto done;
    }
    chomp(line);
    nf = split(line, fields, 512);
    for (int c = 0; c < N_COLS; c++) {
        col[c] = -1;
        for (int i = 0; i < nf; i++)
            if (!strcmp(fields[i], col_names[c]))
                col[c] = i;
        if (col[c] < 0) {
            err = ka_error(KA_EFORMAT, "%s: no column '%s' in the header", path, col_names[c]);
            goto done;
        }
    }
    while (getline(&line, &lcap, f) >= 0) {
        lineno++;
        chomp(line);
        if (!*line)
            continue;
        nf = split(line, fields, 512);
        double v[N_COLS];
        for (int c = 0; c < N_COLS; c++)
            if (col[c] >= nf || parse_num(fields[col[c]], &v[c])) {
                err = ka_error(KA_EFORMAT, "%s:%d: column %s is not a number", path, lineno,
                               col_names[c]);
                goto done;
            }
        if (v[COL_ITEM] < 0 || v[COL_ITEM] > 1e6 || v[COL_ITEM] != floor(v[COL_ITEM]) ||
            v[COL_POS] < 0 || v[COL_POS] > 1000 || v[COL_POS] != floor(v[COL_POS]) ||
            !(v[COL_PSCORE] > 0 && v[COL_PSCORE] <= 1)) {
            err = ka_error(KA_EFORMAT, "%s:%d: item %g, position %g, propensity %g", path,
                           lineno, v[COL_ITEM], v[COL_POS], v[COL_PSCORE]);
            goto done;
        }
        if (L->n == cap && grow(L, &cap)) {
            err = ka_error(KA_ENOMEM, "%s: out of memory", path);
            goto done;
        }
        L->action[L->n] = (int)v[COL_ITEM];
        L->slot[L->n] = (int)v[COL_POS];
        L->reward[L->n] = v[COL_CLICK];
        L->pscore[L->n] = v[COL_PSCORE];
        if (L->action[L->n] >= L->n_actions)
            L->n_actions = L->action[L->n] + 1;
        if (L->slot[L->n] < min_pos)
            min_pos = L->slot[L->n];
        L->n++;
    }
    if (ferror(f)) {
        err = ka_error(KA_EIO, "%s: read error", path);
        goto done;
    }
    if (!L->n) {
        err = ka_error(KA_EFORMAT, "%s: no rows", path);
        goto done;
    }
    /* OBD numbers positions from 1; a log that uses 0 is taken as 0-based */
    int base = min_pos >= 1 ? 1 : 0;
    for (int i = 0; i < L->n; i++) {
        L->slot[i] -= base;
        if (L->slot[i] >= L->n_slots)
            L->n_slots = L->slot[i] + 1;
    }
done:
    free(line);
    fclose(f);
    if (err)
        ka_ope_log_free(L);
    return err;
}

/* ---- prior_bts.yaml: campaign: { alpha: [- x ...], beta: [- x ...] } ---- */

static int push(double **v, int *n, int *cap, double x)
{
    if (*n == *cap) {
        int nc = *cap ? *cap * 2 : 64;
        double *p = realloc(*v, sizeof(double) * (size_t)nc);
        if (!p)
            return -1;
        *v = p;
        *cap = nc;
    }
    (*v)[(*n)++] = x;
    return 0;
}

int ka_ope_read_bts_prior(const char *path, const char *campaign, double **alpha,
                          double **beta, int *n)
{
    *alpha = *beta = NULL;
    *n = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return ka_error(KA_EIO, "cannot open %s: %s", path, strerror(errno));
    char *line = NULL;
    size_t lcap = 0;
    int err = 0, in_campaign = 0, which = -1, na = 0, nb = 0, ca = 0, cb = 0, lineno = 0;
    double *a = NULL, *b = NULL;
    while (getline(&line, &lcap, f) >= 0) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = 0;
        chomp(line);
        size_t ind = strspn(line, " ");
        char *s = line + ind, *e = s + strlen(s);
        while (e > s && isspace((unsigned char)e[-1]))
            *--e = 0;
        if (!*s)
            continue;
        if (ind == 0) {                         /* campaign: */
            in_campaign = e[-1] == ':' && (size_t)(e - s - 1) == strlen(campaign) &&
                          !strncmp(s, campaign, strlen(campaign));
            which = -1;
        } else if (s[0] != '-') {               /* alpha: / beta: */
            which = !strcmp(s, "alpha:") ? 0 : !strcmp(s, "beta:") ? 1 : -1;
        } else if (in_campaign && which >= 0) { /* - 47.0 */
            double x;
            s++;
            s += strspn(s, " ");
            if (parse_num(s, &x) || !(x > 0)) {
                err = ka_error(KA_EFORMAT, "%s:%d: '%s' is not a positive number", path, lineno, s);
                break;
            }
            if (which == 0 ? push(&a, &na, &ca, x) : push(&b, &nb, &cb, x)) {
                err = ka_error(KA_ENOMEM, "%s: out of memory", path);
                break;
            }
        }
    }
    free(line);
    fclose(f);
    if (!err && (na == 0 || na != nb))
        err = ka_error(KA_EFORMAT, "%s: campaign '%s': %d alpha and %d beta values", path,
                       campaign, na, nb);
    if (err) {
        free(a);
        free(b);
        return err;
    }
    *alpha = a;
    *beta = b;
    *n = na;
    return 0;
}

int ka_ope_bts_slate_dist(const double *alpha, const double *beta, int n_items, int n_slots,
                          int n_sims, uint64_t seed, double *dist)
{
    if (n_items < 1 || n_slots < 1 || n_slots > n_items || n_sims < 1)
        return ka_error(KA_EINVAL, "BTS slate: %d items, %d slots, %d draws", n_items,
                        n_slots, n_sims);
    ka_gsl_quiet();
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    double *draw = malloc(sizeof(double) * (size_t)n_items);
    int *top = malloc(sizeof(int) * (size_t)n_slots);
    if (!r || !draw || !top) {
        if (r)
            gsl_rng_free(r);
        free(draw);
        free(top);
        return ka_error(KA_ENOMEM, "BTS slate: out of memory");
    }
    gsl_rng_set(r, (unsigned long)seed);
    memset(dist, 0, sizeof(double) * (size_t)n_items * (size_t)n_slots);
    for (int d = 0; d < n_sims; d++) {
        for (int i = 0; i < n_items; i++)
            draw[i] = gsl_ran_beta(r, alpha[i], beta[i]);
        /* the n_slots largest, in order: slot 0 gets the largest */
        for (int k = 0; k < n_slots; k++) {
            int best = -1;
            for (int i = 0; i < n_items; i++)
                if (draw[i] >= 0 && (best < 0 || draw[i] > draw[best]))
                    best = i;
            top[k] = best;
            draw[best] = -1;
        }
        for (int k = 0; k < n_slots; k++)
            dist[top[k] * n_slots + k] += 1;
    }
    for (int i = 0; i < n_items * n_slots; i++)
        dist[i] /= n_sims;
    gsl_rng_free(r);
    free(draw);
    free(top);
    return 0;
}

int ka_ope_pi_from_slots(const ka_ope_log *L, const double *dist, double **pi)
{
    size_t K = (size_t)L->n_actions;
    double *p = malloc(sizeof(double) * (size_t)L->n * K);
    if (!p)
        return ka_error(KA_ENOMEM, "policy table: out of memory");
    for (int i = 0; i < L->n; i++)
        for (size_t a = 0; a < K; a++)
            p[(size_t)i * K + a] = dist ? dist[a * (size_t)L->n_slots + (size_t)L->slot[i]]
                                        : 1.0 / (double)K;
    *pi = p;
    return 0;
}
