/* identity.c: who the faces are, over a whole title.
 *
 * Every face with an embedding is first matched against the title's cast
 * (cosine similarity >= KA_FACE_MATCH_THRESHOLD to a reference face). The faces
 * no one claims are clustered: agglomerative, average linkage on cosine distance,
 * merging while the closest clusters are nearer than KA_FACE_CLUSTER_DISTANCE
 * (nearest-neighbour caching keeps it about O(n^2)); two faces of one frame never
 * merge, and faces that stay in place across nearby frames of a shot count as
 * closer (a tracking prior). Characters (cast members
 * present and clusters) are ranked by screen time: the number of candidates they
 * appear in, then their total face area.
 *
 * Roles: cast members keep theirs. A cluster is a main character when it is among
 * the first six and appears in at least max(2, a quarter of the leader's) frames
 * (the leader always is); main clusters are "lead N" (N counts main clusters by
 * rank), others "person N". Without a cast hero, the first male-or-unknown lead is
 * the hero; without a cast heroine, the first lead the gender model calls female
 * (mean over its faces) is the heroine; other leads are LEAD. Non-main characters
 * seen twice or more are SUPPORTING, the rest BACKGROUND. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vision/vision_priv.h"

#define KA_CLUSTER_MAX 2000         /* faces clustered per title (the largest) */

float ka_face_similarity(const float *a, const float *b)
{
    double s = 0;
    for (int i = 0; i < KA_FACE_EMBED_DIM; i++)
        s += (double)a[i] * b[i];
    return (float)s;
}

int ka_cast_match(const ka_cast_entry *e, int n, const float *emb, float *sim)
{
    int best = -1;
    float bs = -1.0f;
    for (int i = 0; i < n; i++) {
        if (!e[i].embedding)
            continue;
        float s = ka_face_similarity(e[i].embedding, emb);
        if (s > bs) {
            bs = s;
            best = i;
        }
    }
    if (sim)
        *sim = bs;
    return bs >= KA_FACE_MATCH_THRESHOLD ? best : -1;
}

/* Nearest active neighbour of i that may merge with it. */
static void ka_nn(const float *d, const unsigned char *active, const unsigned char *conflict, int n,
                  int i, int *nn, float *nd)
{
    *nn = -1;
    *nd = INFINITY;
    for (int k = 0; k < n; k++)
        if (k != i && active[k] && !(conflict && conflict[(size_t)i * n + k]) &&
            d[(size_t)i * n + k] < *nd) {
            *nd = d[(size_t)i * n + k];
            *nn = k;
        }
}

int ka_vision_cluster_matrix(float *d, int n, float max_dist, const int *group, int *label)
{
    if (n <= 0)
        return 0;
    float *nd = malloc((size_t)n * sizeof(float));
    int *nn = malloc((size_t)n * sizeof(int)), *size = malloc((size_t)n * sizeof(int));
    int *root = malloc((size_t)n * sizeof(int));
    unsigned char *active = malloc((size_t)n);
    unsigned char *conflict = group ? calloc((size_t)n * n, 1) : NULL;
    if (!nd || !nn || !size || !root || !active || (group && !conflict)) {
        free(nd), free(nn), free(size), free(root), free(active), free(conflict);
        return ka_error(KA_ENOMEM, "no memory to cluster %d faces", n);
    }
    for (int i = 0; i < n; i++) {
        size[i] = 1;
        root[i] = i;
        active[i] = 1;
        for (int k = 0; group && k < n; k++)
            conflict[(size_t)i * n + k] = k != i && group[k] == group[i];
    }
    for (int i = 0; i < n; i++)
        ka_nn(d, active, conflict, n, i, &nn[i], &nd[i]);
    for (;;) {
        int a = -1;
        for (int i = 0; i < n; i++)
            if (active[i] && nn[i] >= 0 && (a < 0 || nd[i] < nd[a]))
                a = i;
        if (a < 0 || nd[a] >= max_dist)
            break;
        int b = nn[a];
        /* merge b into a (Lance-Williams, average linkage); conflicts add up */
        for (int k = 0; k < n; k++) {
            if (!active[k] || k == a || k == b)
                continue;
            float v = (size[a] * d[(size_t)a * n + k] + size[b] * d[(size_t)b * n + k]) /
                      (float)(size[a] + size[b]);
            d[(size_t)a * n + k] = d[(size_t)k * n + a] = v;
            if (conflict && conflict[(size_t)b * n + k])
                conflict[(size_t)a * n + k] = conflict[(size_t)k * n + a] = 1;
        }
        size[a] += size[b];
        active[b] = 0;
        for (int i = 0; i < n; i++)
            if (root[i] == b)
                root[i] = a;
        for (int k = 0; k < n; k++) {
            if (!active[k])
                continue;
            if (k == a || nn[k] == a || nn[k] == b)
                ka_nn(d, active, conflict, n, k, &nn[k], &nd[k]);
            else if (d[(size_t)k * n + a] < nd[k] && !(conflict && conflict[(size_t)k * n + a])) {
                nd[k] = d[(size_t)k * n + a];
                nn[k] = a;
            }
        }
    }
    /* labels in order of first appearance */
    int k = 0;
    for (int i = 0; i < n; i++)
        nn[i] = -1;
    for (int i = 0; i < n; i++) {
        if (nn[root[i]] < 0)
            nn[root[i]] = k++;
        label[i] = nn[root[i]];
    }
    free(nd), free(nn), free(size), free(root), free(active), free(conflict);
    return k;
}

int ka_vision_cluster(const float *const *emb, int n, float max_dist, int *label)
{
    float *d = malloc((size_t)(n > 0 ? n : 1) * (size_t)(n > 0 ? n : 1) * sizeof(float));
    if (!d)
        return ka_error(KA_ENOMEM, "no memory to cluster %d faces", n);
    for (int i = 0; i < n; i++) {
        d[(size_t)i * n + i] = 0.0f;
        for (int k = i + 1; k < n; k++)
            d[(size_t)i * n + k] = d[(size_t)k * n + i] = 1.0f - ka_face_similarity(emb[i], emb[k]);
    }
    int r = ka_vision_cluster_matrix(d, n, max_dist, NULL, label);
    free(d);
    return r;
}

/* ---- the title pass ---- */

typedef struct ka_char {
    const char *cast_name;          /* NULL for a cluster */
    ka_role cast_role;
    int count, last_cand;
    double area, male_sum;
    int male_n;
    int rank, main;
    ka_role role;
    char name[KA_NAME_MAX];
} ka_char;

typedef struct ka_fref {
    ka_face *f;
    int cand;
} ka_fref;

static int ka_char_cmp(const void *a, const void *b)
{
    const ka_char *x = *(const ka_char *const *)a, *y = *(const ka_char *const *)b;
    if (x->count != y->count)
        return y->count - x->count;
    return (x->area < y->area) - (x->area > y->area);
}

static void ka_assign_roles(ka_char *ch, int nc)
{
    ka_char **order = malloc((size_t)(nc > 0 ? nc : 1) * sizeof(*order));
    if (!order)
        return;
    for (int i = 0; i < nc; i++)
        order[i] = &ch[i];
    qsort(order, (size_t)nc, sizeof(*order), ka_char_cmp);
    int top = nc ? order[0]->count : 0, hero = 0, heroine = 0, leads = 0, persons = 0;
    for (int r = 0; r < nc; r++) {
        ka_char *c = order[r];
        c->rank = r + 1;
        if (c->cast_name) {
            c->role = c->cast_role;
            c->main = c->cast_role != KA_ROLE_SUPPORTING;
            hero |= c->role == KA_ROLE_HERO;
            heroine |= c->role == KA_ROLE_HEROINE;
            snprintf(c->name, sizeof c->name, "%s", c->cast_name);
        } else {
            c->main = r == 0 || (r < 6 && c->count >= 2 && 4 * c->count >= top);
        }
    }
    for (int r = 0; r < nc; r++) {
        ka_char *c = order[r];
        if (c->cast_name)
            continue;
        if (!c->main) {
            c->role = c->count >= 2 ? KA_ROLE_SUPPORTING : KA_ROLE_BACKGROUND;
            snprintf(c->name, sizeof c->name, "person %d", ++persons);
            continue;
        }
        snprintf(c->name, sizeof c->name, "lead %d", ++leads);
        float male = c->male_n ? (float)(c->male_sum / c->male_n) : -1.0f;
        c->role = KA_ROLE_LEAD;
        if (!heroine && male >= 0.0f && male < 0.5f) {
            c->role = KA_ROLE_HEROINE;
            heroine = 1;
        } else if (!hero && (male < 0.0f || male >= 0.5f)) {
            c->role = KA_ROLE_HERO;
            hero = 1;
        }
    }
    free(order);
}

static void ka_count(ka_char *c, const ka_fref *r)
{
    if (c->last_cand != r->cand) {
        c->count++;
        c->last_cand = r->cand;
    }
    c->area += (double)r->f->box.w * r->f->box.h;
    if (r->f->male >= 0) {
        c->male_sum += r->f->male;
        c->male_n++;
    }
}

static int ka_fref_prominence(const void *a, const void *b)
{
    const ka_fref *x = a, *y = b;
    double ax = (double)x->f->box.w * x->f->box.h, ay = (double)y->f->box.w * y->f->box.h;
    return (ax < ay) - (ax > ay);
}

static int ka_fref_cand(const void *a, const void *b)
{
    const ka_fref *x = a, *y = b;
    return (x->cand > y->cand) - (x->cand < y->cand);
}

/* Faces in nearby frames of one shot at about the same place are likely one person
 * followed by the camera: their distance shrinks (x0.6). */
static float ka_track_prior(const ka_title *t, const ka_fref *a, const ka_fref *b)
{
    const ka_candidate *ca = &t->cands[a->cand], *cb = &t->cands[b->cand];
    if (ca->shot < 0 || ca->shot != cb->shot || fabs(ca->time_s - cb->time_s) > 1.5)
        return 1.0f;
    ka_rect ra = a->f->box, rb = b->f->box;
    float dx = (float)(ra.x + ra.w / 2 - (rb.x + rb.w / 2));
    float dy = (float)(ra.y + ra.h / 2 - (rb.y + rb.h / 2));
    float w = 0.5f * (float)(ra.w + rb.w);
    float hr = (float)ra.h / (float)(rb.h > 0 ? rb.h : 1);
    return sqrtf(dx * dx + dy * dy) < 0.6f * w && hr > 0.7f && hr < 1.4f ? 0.6f : 1.0f;
}

/* Embeddings of small faces (upsampled, blurred) tell people apart less well: a
 * pair whose smaller face is under 64 px must be more alike (up to +0.12 distance
 * at 32 px). */
static float ka_small_penalty(const ka_face *a, const ka_face *b)
{
    float h = (float)(a->box.h < b->box.h ? a->box.h : b->box.h);
    float r = (h - 32.0f) / 32.0f;
    return 0.12f * (1.0f - (r < 0.0f ? 0.0f : r > 1.0f ? 1.0f : r));
}

/* Clusters the unmatched faces (the largest KA_CLUSTER_MAX); faces of one frame
 * never share a cluster. Returns the number of clusters or < 0. */
static int ka_cluster_rest(const ka_title *t, ka_fref *un, int nu, int *label)
{
    if (nu > KA_CLUSTER_MAX) {
        qsort(un, (size_t)nu, sizeof(*un), ka_fref_prominence);
        nu = KA_CLUSTER_MAX;        /* the smallest faces stay without a character */
    }
    size_t n = nu > 0 ? (size_t)nu : 1;
    float *d = malloc(n * n * sizeof(float));
    int *group = malloc(n * sizeof(int));
    if (!d || !group) {
        free(d), free(group);
        return ka_error(KA_ENOMEM, "no memory to cluster %d faces", nu);
    }
    for (int i = 0; i < nu; i++) {
        group[i] = un[i].cand;
        d[(size_t)i * n + i] = 0.0f;
        for (int k = i + 1; k < nu; k++)
            d[(size_t)i * n + k] = d[(size_t)k * n + i] =
                (1.0f - ka_face_similarity(un[i].f->embedding, un[k].f->embedding) +
                 ka_small_penalty(un[i].f, un[k].f)) * ka_track_prior(t, &un[i], &un[k]);
    }
    int k = ka_vision_cluster_matrix(d, nu, KA_FACE_CLUSTER_DISTANCE, group, label);
    free(d), free(group);
    return k;
}

int ka_vision_identities(ka_title *t, const ka_cast_entry *e, int ne)
{
    int nf = 0;
    for (int i = 0; t && i < t->n_cands; i++) {
        const ka_vision_cand *vc = ka_vision_of(&t->cands[i]);
        nf += vc ? vc->n_faces : 0;
    }
    ka_fref *all = malloc((size_t)(nf ? nf : 1) * sizeof(*all));
    ka_fref *un = malloc((size_t)(nf ? nf : 1) * sizeof(*un));
    int *label = malloc((size_t)(nf ? nf : 1) * sizeof(int));
    ka_char *ch = calloc((size_t)nf + (size_t)ne + 1, sizeof(*ch));
    if (!all || !un || !label || !ch) {
        free(all), free(un), free(label), free(ch);
        return ka_error(KA_ENOMEM, "no memory for the identities of %d faces", nf);
    }
    int na = 0, nu = 0, nc = 0;
    for (int i = 0; t && i < t->n_cands; i++) {
        ka_vision_cand *vc = ka_vision_edit(&t->cands[i]);
        for (int j = 0; vc && j < vc->n_faces; j++) {
            ka_face *f = &vc->faces[j];
            f->character = -1, f->rank = 0, f->main_character = 0, f->role = KA_ROLE_NONE;
            f->name[0] = '\0';
            if (f->has_embedding)
                all[na++] = (ka_fref){ f, i };
        }
    }
    /* cast members: one character per name */
    for (int i = 0; i < na; i++) {
        float sim;
        int m = ka_cast_match(e, ne, all[i].f->embedding, &sim);
        if (m < 0) {
            un[nu++] = all[i];
            continue;
        }
        int c = 0;
        while (c < nc && strcmp(ch[c].cast_name, e[m].name))
            c++;
        if (c == nc) {
            ch[nc] = (ka_char){ .cast_name = e[m].name, .cast_role = e[m].role, .last_cand = -1 };
            nc++;
        }
        all[i].f->character = c;
        all[i].f->match = sim;
        ka_count(&ch[c], &all[i]);
    }
    int k = ka_cluster_rest(t, un, nu, label);
    if (k < 0) {
        free(all), free(un), free(label), free(ch);
        return k;
    }
    for (int c = 0; c < k; c++)
        ch[nc + c] = (ka_char){ .last_cand = -1 };
    /* count in candidate order so each frame counts once */
    int nclu = nu > KA_CLUSTER_MAX ? KA_CLUSTER_MAX : nu;
    for (int i = 0; i < nclu; i++)
        un[i].f->character = nc + label[i];
    qsort(un, (size_t)nclu, sizeof(*un), ka_fref_cand);
    for (int i = 0; i < nclu; i++)
        ka_count(&ch[un[i].f->character], &un[i]);
    nc += k;
    ka_assign_roles(ch, nc);
    for (int i = 0; i < na; i++) {
        ka_face *f = all[i].f;
        if (f->character < 0)
            continue;
        const ka_char *c = &ch[f->character];
        f->rank = c->rank;
        f->main_character = c->main;
        f->role = c->role;
        snprintf(f->name, sizeof f->name, "%s", c->name);
    }
    free(all), free(un), free(label), free(ch);
    return nc;
}

int ka_vision_character_types(const ka_vision_cand *vc, ka_rect content, const char **types,
                              int max)
{
    if (!vc || max <= 0)
        return 0;
    float largest = 0;
    for (int i = 0; i < vc->n_faces; i++)
        largest = fmaxf(largest, (float)vc->faces[i].box.h);
    int has[KA_ROLE_COUNT] = { 0 }, mains[16], n_main = 0;
    for (int i = 0; i < vc->n_faces; i++) {
        const ka_face *f = &vc->faces[i];
        int matters = ka_face_matters(f, content, largest);
        has[matters ? f->role : KA_ROLE_BACKGROUND] |= f->role != KA_ROLE_NONE;
        int seen = 0;
        for (int k = 0; k < n_main && !seen; k++)
            seen = mains[k] == f->character;
        if (matters && f->main_character && !seen && n_main < 16)
            mains[n_main++] = f->character;
    }
    static const struct { ka_role role; const char *name; } order[] = {
        { KA_ROLE_HERO, "hero" }, { KA_ROLE_HEROINE, "heroine" }, { KA_ROLE_VILLAIN, "villain" },
        { KA_ROLE_LEAD, "lead" }, { KA_ROLE_COUNT, "ensemble" },
        { KA_ROLE_SUPPORTING, "supporting" }, { KA_ROLE_BACKGROUND, "background" },
    };
    int n = 0;
    for (size_t i = 0; i < sizeof order / sizeof order[0] && n < max; i++)
        if (order[i].role == KA_ROLE_COUNT ? n_main >= 3 : has[order[i].role])
            types[n++] = order[i].name;
    return n;
}
