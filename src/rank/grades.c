/* grades.c: editors' grade files, and the graded frames measured as the analysis
 * measures candidates, ready for training.
 *
 * A grade file (../shared/grades/editor_dev.json's shape) is
 *   {"clips": {"NAME": {"path": "media/NAME", "grades": {"FRAME": {"grade": G,
 *    "why": "..."}, ...}, ...}, ...}}
 * with FRAME a 0-based decoded frame and G 0..3. A clip's video is looked for at its
 * "path" under each media folder given, then under the grade file's folder and the
 * folder above it, then by its name alone in those folders. Each clip is analysed
 * once with its graded frames forced as candidates (and no others), through the same
 * stages as `keyart analyze`, so a graded frame gets exactly the features a
 * candidate of that picture would. Frames the analysis marks as defects (black,
 * blank, a flash, inside a transition) never compete for artwork and are left out.
 *
 * Features can be saved and read back (a "keyart-features" JSON file), so that
 * evaluations that train many times measure the clips once. */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyart/rank.h"

static int ka_is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static void ka_folder_of(const char *path, char *out, size_t size)
{
    snprintf(out, size, "%s", path);
    char *slash = strrchr(out, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(out, size, ".");
}

/* The clip's video (see the top of the file) into out; 0 or KA_EIO. */
static int ka_clip_video(const char *grades_path, const char *media, const char *name,
                         const char *rel, char *out, size_t size)
{
    char dirs[8][PATH_MAX];
    int nd = 0;
    for (const char *p = media ? media : ""; *p && nd < 6;) {
        size_t len = strcspn(p, ":");
        if (len > 0 && len < PATH_MAX)
            snprintf(dirs[nd++], PATH_MAX, "%.*s", (int)len, p);
        p += len + (p[len] == ':');
    }
    ka_folder_of(grades_path, dirs[nd++], PATH_MAX);
    snprintf(dirs[nd], PATH_MAX, "%.*s/..", PATH_MAX - 8, dirs[nd - 1]);
    nd++;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < nd; i++) {
            const char *leaf = pass ? name : rel;
            if (!leaf || !*leaf || strstr(leaf, ".."))
                continue;
            snprintf(out, size, "%.*s/%.*s", PATH_MAX / 2, dirs[i], PATH_MAX / 2 - 2, leaf);
            if (ka_is_file(out))
                return 0;
        }
    return ka_error(KA_EIO, "%s: the video of clip '%s' is not found (path '%s'; give its "
                    "folder with --media)", grades_path, name, rel ? rel : name);
}

static int ka_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void ka_grade_clip_free(ka_grade_clip *c)
{
    free(c->name);
    free(c->video);
    free(c->frames);
    free(c->grades);
}

/* One clip of a grade file; its frames sorted. */
static int ka_grade_clip_read(const char *gpath, const char *media, const char *name, json_t *j,
                              ka_grade_clip *c)
{
    memset(c, 0, sizeof *c);
    json_t *grades = json_object_get(j, "grades");
    if (!json_is_object(grades) || json_object_size(grades) == 0)
        return ka_error(KA_EFORMAT, "%s: clip '%s' has no \"grades\"", gpath, name);
    char video[PATH_MAX];
    int err = ka_clip_video(gpath, media, name, json_string_value(json_object_get(j, "path")),
                            video, sizeof video);
    if (err)
        return err;
    size_t n = json_object_size(grades);
    c->name = strdup(name);
    c->video = strdup(video);
    c->frames = malloc(n * sizeof *c->frames);
    c->grades = malloc(n * sizeof *c->grades);
    if (!c->name || !c->video || !c->frames || !c->grades)
        return ka_error(KA_ENOMEM, "no memory for the grades of %s", name);
    int64_t *pairs = malloc(n * 2 * sizeof *pairs);    /* (frame, grade), sorted together */
    if (!pairs)
        return ka_error(KA_ENOMEM, "no memory for the grades of %s", name);
    const char *key;
    json_t *g;
    json_object_foreach(grades, key, g) {
        int frame, grade;
        json_t *gv = json_object_get(g, "grade");
        if (ka_parse_int(key, 0, INT_MAX - 1, &frame) || !json_is_integer(gv) ||
            (grade = (int)json_integer_value(gv)) < 0 || grade > KA_GRADE_MAX) {
            free(pairs);
            return ka_error(KA_EFORMAT, "%s: clip '%s', frame '%s': a grade is a frame number "
                            "with {\"grade\": 0..3}", gpath, name, key);
        }
        pairs[2 * c->n] = frame;
        pairs[2 * c->n + 1] = grade;
        c->n++;
    }
    qsort(pairs, (size_t)c->n, 2 * sizeof *pairs, ka_cmp_i64);
    for (int i = 0; i < c->n; i++) {
        c->frames[i] = pairs[2 * i];
        c->grades[i] = (int)pairs[2 * i + 1];
    }
    free(pairs);
    return 0;
}

int ka_grades_load(const char *path, const char *media, ka_grade_set *set)
{
    json_error_t e;
    json_t *root = json_load_file(path, 0, &e);
    if (!root)
        return ka_error(strstr(e.text, "unable to open") ? KA_EIO : KA_EFORMAT,
                        "%s: %s (line %d)", path, e.text, e.line);
    json_t *clips = json_object_get(root, "clips");
    int err = json_is_object(clips) && json_object_size(clips) > 0
                  ? 0 : ka_error(KA_EFORMAT, "%s: no \"clips\" object", path);
    const char *name;
    json_t *j;
    json_object_foreach(clips, name, j) {
        if (err)
            break;
        for (int i = 0; i < set->n; i++)
            if (!strcmp(set->clips[i].name, name))
                err = ka_error(KA_EFORMAT, "%s: clip '%s' is graded twice", path, name);
        if (!err)
            err = ka_array_grow((void **)&set->clips, &set->cap, set->n + 1, sizeof *set->clips);
        if (!err) {
            err = ka_grade_clip_read(path, media, name, j, &set->clips[set->n]);
            if (err)
                ka_grade_clip_free(&set->clips[set->n]);
            else
                set->n++;
        }
    }
    json_decref(root);
    return err;
}

void ka_grades_free(ka_grade_set *set)
{
    for (int i = 0; i < set->n; i++)
        ka_grade_clip_free(&set->clips[i]);
    free(set->clips);
    memset(set, 0, sizeof *set);
}

int ka_grades_find(const ka_grade_set *set, const char *name)
{
    for (int i = 0; i < set->n; i++)
        if (!strcmp(set->clips[i].name, name))
            return i;
    return -1;
}

static int ka_rows_add(ka_graded **rows, int *n, int *cap, const ka_graded *r)
{
    int err = ka_array_grow((void **)rows, cap, *n + 1, sizeof **rows);
    if (!err)
        (*rows)[(*n)++] = *r;
    return err;
}

int ka_grades_measure(const ka_grade_set *set, int clip, const ka_analysis_opts *base,
                      ka_graded **rows, int *n, int *cap)
{
    const ka_grade_clip *c = &set->clips[clip];
    ka_analysis_opts o;
    if (base)
        o = *base;
    else
        ka_analysis_opts_default(&o);
    o.force_frames = c->frames;
    o.n_force_frames = c->n;
    o.force_only = 1;
    ka_title *t = NULL;
    int err = ka_analyze(c->video, c->name, &o, &t);
    if (err)
        return ka_error(err, "%s (clip '%s'): %s", c->video, c->name, ka_error_message());
    for (int i = 0, k = 0; i < t->n_cands && !err; i++) {
        const ka_candidate *cand = &t->cands[i];
        while (k < c->n && c->frames[k] < cand->frame)
            k++;
        if (k >= c->n || c->frames[k] != cand->frame || ka_frame_unusable(cand->sig.flags))
            continue;
        ka_graded r = { .clip = clip, .frame = cand->frame, .grade = c->grades[k] };
        ka_rank_features(t, cand, r.x);
        err = ka_rows_add(rows, n, cap, &r);
    }
    ka_title_free(&t);
    return err;
}

/* ---- feature files ---- */

int ka_features_save(const ka_grade_set *set, const ka_graded *rows, int n, const char *path)
{
    const ka_feature_info *info = ka_feature_list();
    json_t *clips = json_array(), *jr = json_array();
    for (int i = 0; i < set->n; i++)
        json_array_append_new(clips, json_string(set->clips[i].name));
    for (int i = 0; i < n; i++) {
        json_t *x = json_object();
        for (int k = 0; k < KA_F_COUNT; k++)
            json_object_set_new(x, info[k].name, json_real(rows[i].x[k]));
        json_array_append_new(jr, json_pack("{s:i, s:I, s:i, s:o}", "clip", rows[i].clip,
                                            "frame", (json_int_t)rows[i].frame, "grade",
                                            rows[i].grade, "x", x));
    }
    json_t *root = json_pack("{s:s, s:o, s:o}", "format", "keyart-features", "clips", clips,
                             "rows", jr);
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    int rc = root ? json_dump_file(root, tmp, JSON_COMPACT | JSON_REAL_PRECISION(9)) : -1;
    json_decref(root);
    if (rc != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return ka_error(KA_EIO, "cannot write %s", path);
    }
    return 0;
}

static int ka_features_row(json_t *jr, const char *path, int n_clips, ka_graded *r)
{
    json_t *x = json_object_get(jr, "x"), *c = json_object_get(jr, "clip");
    json_t *f = json_object_get(jr, "frame"), *g = json_object_get(jr, "grade");
    if (!json_is_object(x) || !json_is_integer(c) || !json_is_integer(f) || !json_is_integer(g) ||
        json_integer_value(c) < 0 || json_integer_value(c) >= n_clips ||
        json_integer_value(g) < 0 || json_integer_value(g) > KA_GRADE_MAX)
        return ka_error(KA_EFORMAT, "%s: a row needs clip, frame, grade and x", path);
    memset(r, 0, sizeof *r);
    r->clip = (int)json_integer_value(c);
    r->frame = json_integer_value(f);
    r->grade = (int)json_integer_value(g);
    const char *key;
    json_t *v;
    json_object_foreach(x, key, v) {
        int k = ka_feature_find(key);
        if (k < 0 || !json_is_number(v))
            return ka_error(KA_EFORMAT, "%s: feature '%s' is unknown or not a number", path, key);
        r->x[k] = (float)json_number_value(v);
    }
    return 0;
}

int ka_features_load(const char *path, char ***names, int *n_clips, ka_graded **rows, int *n)
{
    json_error_t e;
    json_t *root = json_load_file(path, 0, &e);
    if (!root)
        return ka_error(KA_EIO, "%s: %s", path, e.text);
    json_t *clips = json_object_get(root, "clips"), *jr = json_object_get(root, "rows");
    const char *fmt = json_string_value(json_object_get(root, "format"));
    int err = fmt && !strcmp(fmt, "keyart-features") && json_is_array(clips) && json_is_array(jr)
                  ? 0 : ka_error(KA_EFORMAT, "%s: not a keyart features file", path);
    size_t nc = err ? 0 : json_array_size(clips), nr = err ? 0 : json_array_size(jr);
    *names = calloc(nc + 1, sizeof **names);
    *rows = calloc(nr + 1, sizeof **rows);
    *n_clips = 0;
    *n = 0;
    if (!err && (!*names || !*rows))
        err = ka_error(KA_ENOMEM, "no memory for %s", path);
    for (size_t i = 0; !err && i < nc; i++) {
        const char *s = json_string_value(json_array_get(clips, i));
        if (!s || !((*names)[i] = strdup(s)))
            err = ka_error(KA_EFORMAT, "%s: a clip name is not a string", path);
        else
            (*n_clips)++;
    }
    for (size_t i = 0; !err && i < nr; i++)
        if (!(err = ka_features_row(json_array_get(jr, i), path, (int)nc, &(*rows)[i])))
            (*n)++;
    json_decref(root);
    return err;
}
