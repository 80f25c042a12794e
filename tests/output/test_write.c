/* test_write.c: ka_output_write leaves every file in place (variant pictures without
 * bars, crops of the right shape, JSON that parses back, CSV, a contact sheet of the
 * expected size), removes stale variants, and fails cleanly (KA_EIO, a message naming
 * the path, no half-written or replaced metadata.json) when it cannot write. */
#include <dirent.h>
#include <jansson.h>

#include "../ka_test.h"
#include "output/output_internal.h"
#include "test_output_util.h"

static fake F;

static void out_dir(char *buf, size_t size, const char *sub)
{
    snprintf(buf, size, "%s/%s", F.dir, sub);
}

static int read_image(const char *dir, const char *name, ka_image *img)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return ka_image_read_jpeg(p, img);
}

static double row_mean(const ka_image *img, int y)
{
    double s = 0;
    for (int i = 0; i < img->width * img->channels; i++)
        s += img->data[(size_t)y * img->stride + i];
    return s / (img->width * img->channels);
}

static int temp_files_left(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        n += strstr(e->d_name, ".tmp.") != NULL;
    if (d)
        closedir(d);
    return n;
}

static void check_variant_files(const char *dir, int number)
{
    static const char *shapes[] = { "16x9", "2x3", "1x1" };
    static const double aspect[] = { 16.0 / 9, 2.0 / 3, 1.0 };
    char name[64];
    ka_image img = { 0 };
    snprintf(name, sizeof name, "variant_%02d.jpg", number);
    CHECK_MSG(read_image(dir, name, &img) == 0, "%s: %s", name, ka_error_message());
    CHECK_EQ_INT(img.width, FAKE_W);
    CHECK_EQ_INT(img.height, FAKE_H - 2 * FAKE_BAR);
    if (img.data) {   /* bars removed: the first and last rows are picture, not black */
        CHECK_MSG(row_mean(&img, 0) > 40, "top row mean %g", row_mean(&img, 0));
        CHECK_MSG(row_mean(&img, img.height - 1) > 40, "bottom row mean %g",
                  row_mean(&img, img.height - 1));
    }
    ka_image_free(&img);
    for (int s = 0; s < 3; s++) {
        snprintf(name, sizeof name, "variant_%02d_%s.jpg", number, shapes[s]);
        CHECK_MSG(read_image(dir, name, &img) == 0, "%s: %s", name, ka_error_message());
        CHECK_MSG(img.height > 0 && fabs((double)img.width / img.height - aspect[s]) < 0.02,
                  "%s is %dx%d", name, img.width, img.height);
        CHECK(img.height <= FAKE_H - 2 * FAKE_BAR);
        if (img.data)
            CHECK_MSG(row_mean(&img, 0) > 40, "%s includes a bar", name);
        ka_image_free(&img);
    }
}

static void check_metadata_file(const char *dir, int n_variants)
{
    char p[512];
    json_error_t err;
    snprintf(p, sizeof p, "%s/metadata.json", dir);
    json_t *m = json_load_file(p, 0, &err);
    CHECK_MSG(m != NULL, "metadata.json: %s (line %d)", err.text, err.line);
    json_t *vs = json_object_get(m, "variants");
    CHECK_EQ_INT(json_array_size(vs), n_variants);
    for (size_t i = 0; i < json_array_size(vs); i++) {
        json_t *v = json_array_get(vs, i);
        json_t *images = json_object_get(v, "images");
        const char *key;
        json_t *val;
        json_object_foreach(images, key, val)
            CHECK_MSG(json_is_string(val) && file_exists(dir, json_string_value(val)),
                      "images.%s", key);
        CHECK(json_is_number(json_object_get(v, "time_s")));
        CHECK(json_is_string(json_object_get(v, "scene_type")));
        CHECK(json_is_object(json_object_get(v, "reason")));
    }
    CHECK(json_is_object(json_object_get(m, "title")));
    json_decref(m);
    snprintf(p, sizeof p, "%s/shots.json", dir);
    json_t *s = json_load_file(p, 0, &err);
    CHECK(json_is_array(s) && json_array_size(s) == 3);
    json_decref(s);
}

static void check_sheet(const char *dir, int n)
{
    ka_image img = { 0 };
    int w, h;
    ka_sheet_size(n, ka_sheet_thumb_h(F.t.content.w, F.t.content.h), &w, &h);
    CHECK_MSG(read_image(dir, "contact_sheet.jpg", &img) == 0, "%s", ka_error_message());
    CHECK_EQ_INT(img.width, w);
    CHECK_EQ_INT(img.height, h);
    CHECK(n < 4 || img.width >= 4 * KA_SHEET_THUMB_W);
    ka_image_free(&img);
}

static void test_write_all(void)
{
    char dir[512];
    out_dir(dir, sizeof dir, "a/b/out");           /* created with its parents */
    int rc = ka_output_write(dir, &F.t, &F.sel, "action", NULL);
    CHECK_MSG(rc == 0, "rc %d: %s", rc, ka_error_message());
    const char *files[] = { "metadata.json", "shots.json", "shots.csv", "contact_sheet.jpg" };
    for (int i = 0; i < 4; i++)
        CHECK_MSG(file_exists(dir, files[i]), "%s missing", files[i]);
    for (int i = 1; i <= FAKE_CANDS; i++)
        check_variant_files(dir, i);
    check_metadata_file(dir, FAKE_CANDS);
    check_sheet(dir, FAKE_CANDS);
    CHECK_EQ_INT(temp_files_left(dir), 0);
    char p[600], line[128] = "";
    snprintf(p, sizeof p, "%s/shots.csv", dir);
    FILE *f = fopen(p, "r");
    CHECK(f && fgets(line, sizeof line, f));
    CHECK(strcmp(line, "index,start_frame,end_frame,start_s,end_s,transition_in,"
                       "span_first,span_last\n") == 0);
    if (f)
        fclose(f);
}

/* A second run with fewer variants, no contact sheet and unplaced crops. */
static void test_rewrite_fewer(void)
{
    char dir[512];
    out_dir(dir, sizeof dir, "a/b/out");
    ka_selection sel = F.sel;
    ka_variant vs[2];
    memcpy(vs, F.variants, sizeof vs);
    memset(vs[1].crops, 0, sizeof vs[1].crops);    /* output places them itself */
    sel.variants = vs;
    sel.n_variants = 2;
    snprintf(sel.why_fewer, sizeof sel.why_fewer, "only 2 distinct shots");
    ka_output_opts o = { .jpeg_quality = 80, .contact_sheet = 0 };
    int rc = ka_output_write(dir, &F.t, &sel, "drama", &o);
    CHECK_MSG(rc == 0, "rc %d: %s", rc, ka_error_message());
    CHECK(!file_exists(dir, "variant_03.jpg"));
    CHECK(!file_exists(dir, "variant_03_1x1.jpg"));
    check_variant_files(dir, 2);
    check_metadata_file(dir, 2);
}

static void test_no_variants(void)
{
    char dir[512];
    out_dir(dir, sizeof dir, "empty");
    ka_selection sel = { 0 };
    snprintf(sel.why_fewer, sizeof sel.why_fewer, "no candidate above the quality floor");
    int rc = ka_output_write(dir, &F.t, &sel, NULL, NULL);
    CHECK_MSG(rc == 0, "rc %d: %s", rc, ka_error_message());
    check_metadata_file(dir, 0);
    check_sheet(dir, 0);
}

static void check_fails_eio(const char *dir, const char *what)
{
    ka_error_clear();
    int rc = ka_output_write(dir, &F.t, &F.sel, "action", NULL);
    CHECK_MSG(rc == KA_EIO, "%s: rc %d", what, rc);
    CHECK_MSG(strstr(ka_error_message(), dir) != NULL, "%s: message '%s'", what,
              ka_error_message());
}

static void test_unwritable(void)
{
    char file[512], dir[600];
    out_dir(file, sizeof file, "plain_file");
    FILE *f = fopen(file, "w");
    CHECK(f != NULL);
    if (f)
        fclose(f);
    check_fails_eio(file, "output folder is a file");
    snprintf(dir, sizeof dir, "%s/sub", file);
    check_fails_eio(dir, "parent is a file");
    check_fails_eio("/proc/keyart-cannot-exist/out", "under /proc");
    if (geteuid() != 0) {   /* root ignores permission bits */
        out_dir(dir, sizeof dir, "readonly");
        mkdir(dir, 0500);
        check_fails_eio(dir, "read-only folder");
    }
    CHECK(ka_output_write(NULL, &F.t, &F.sel, NULL, NULL) == KA_EINVAL);
    CHECK(ka_output_write("", &F.t, &F.sel, NULL, NULL) == KA_EINVAL);
}

static void test_bad_variant(void)
{
    char dir[512];
    out_dir(dir, sizeof dir, "bad");
    ka_variant v = F.variants[0];
    v.cand = 7;
    ka_selection sel = { .variants = &v, .n_variants = 1 };
    CHECK(ka_output_write(dir, &F.t, &sel, NULL, NULL) == KA_EINVAL);
    CHECK(strstr(ka_error_message(), "candidate 7") != NULL);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 1 << 20);
    if (buf)
        (void)!fread(buf, 1, (1 << 20) - 1, f);
    fclose(f);
    return buf;
}

/* A spooled frame that vanished: KA_EIO naming it, and the previous run's
 * metadata.json is still there, whole and unchanged. */
static void test_failure_keeps_metadata(void)
{
    char dir[512], meta[600];
    out_dir(dir, sizeof dir, "keep");
    CHECK(ka_output_write(dir, &F.t, &F.sel, "action", NULL) == 0);
    snprintf(meta, sizeof meta, "%s/metadata.json", dir);
    char *before = slurp(meta);
    char *spool = F.cands[1].spool_path;
    char moved[512];
    snprintf(moved, sizeof moved, "%s.away", spool);
    CHECK(rename(spool, moved) == 0);
    int rc = ka_output_write(dir, &F.t, &F.sel, "comedy", NULL);
    CHECK_EQ_INT(rc, KA_EIO);
    CHECK_MSG(strstr(ka_error_message(), spool) != NULL, "message '%s'", ka_error_message());
    char *after = slurp(meta);
    CHECK(before && after && strcmp(before, after) == 0);
    CHECK_EQ_INT(temp_files_left(dir), 0);
    CHECK(rename(moved, spool) == 0);
    free(before);
    free(after);
}

int main(void)
{
    if (fake_init(&F) < 0) {
        fprintf(stderr, "cannot build the fake title: %s\n", ka_error_message());
        return 1;
    }
    RUN(test_write_all);
    RUN(test_rewrite_fewer);
    RUN(test_no_variants);
    RUN(test_unwritable);
    RUN(test_bad_variant);
    RUN(test_failure_keeps_metadata);
    fake_free(&F);
    TEST_END();
}
