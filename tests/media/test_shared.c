/* test_shared.c: every clip in ../shared/media (and media/pyscenedetect) decodes to
 * the frame count, size and first timestamp labelled in labels/shots.json (clips
 * without labels: ffprobe's count), with 0-based indexes and times frame / fps. */
#include <dirent.h>
#include <unistd.h>

#include <jansson.h>

#include "media_test_util.h"

static json_t *labels;

static void check_clip(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    json_t *lab = json_object_get(labels, name);
    long want = lab ? (long)json_integer_value(json_object_get(lab, "frame_count"))
                    : mt_probe_count(path, "v:0");
    mt_result r;
    double t0 = ka_now();
    mt_decode(path, NULL, &r);
    fprintf(stderr, "   %-28s %ld frames (want %ld) %dx%d %s %.2fs\n", name, r.frames, want,
            r.info.width, r.info.height, r.info.codec, ka_now() - t0);
    CHECK_MSG(r.open_ret == 0 && r.read_ret == 0, "%s: %s", name, r.message);
    CHECK_MSG(r.frames == want, "%s: %ld frames, want %ld", name, r.frames, want);
    CHECK(r.index_ok && r.time_ok);
    CHECK_NEAR(r.first_time, 0, 1e-9);
    CHECK_EQ_INT(r.stats.corrupt_packets + r.stats.decode_errors + r.stats.truncated, 0);
    if (!lab)
        return;
    CHECK_EQ_INT(r.info.width, json_integer_value(json_object_get(lab, "width")));
    CHECK_EQ_INT(r.info.height, json_integer_value(json_object_get(lab, "height")));
    CHECK_NEAR(r.first_pts, json_number_value(json_object_get(lab, "first_frame_pts_s")), 1e-3);
    double fps = json_number_value(json_object_get(json_object_get(lab, "fps"), "float"));
    CHECK_NEAR(r.info.fps, fps, 1e-3);
    int off = 0;
    for (long i = 0; i < r.frames && i < 512; i++)
        off += fabs(r.pts[i] - r.first_pts - i / fps) > 0.5 / fps;
    CHECK_MSG(off == 0, "%s: %d frames off the frame / fps grid", name, off);
}

static int is_video_name(const char *n)
{
    size_t l = strlen(n);
    return l > 4 && (!strcmp(n + l - 4, ".mp4") || !strcmp(n + l - 4, ".mkv"));
}

static int scan(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    CHECK_MSG(d != NULL, "cannot list %s", dir);
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (is_video_name(e->d_name)) {
            check_clip(dir, e->d_name);
            n++;
        }
    closedir(d);
    return n;
}

static void test_shared_clips(void)
{
    char path[1024];
    json_error_t err;
    snprintf(path, sizeof path, "%s/labels/shots.json", ka_test_shared());
    labels = json_load_file(path, 0, &err);
    CHECK_MSG(labels != NULL, "%s: %s", path, err.text);
    snprintf(path, sizeof path, "%s/media", ka_test_shared());
    int n = scan(path);
    snprintf(path, sizeof path, "%s/media/pyscenedetect", ka_test_shared());
    n += scan(path);
    CHECK(n >= 10);
    /* every labelled clip was found */
    const char *key;
    json_t *val;
    json_object_foreach(labels, key, val) {
        if (key[0] == '_')
            continue;
        char a[1024], b[1024];
        snprintf(a, sizeof a, "%s/media/%s", ka_test_shared(), key);
        snprintf(b, sizeof b, "%s/media/pyscenedetect/%s", ka_test_shared(), key);
        CHECK_MSG(access(a, R_OK) == 0 || access(b, R_OK) == 0, "labelled clip %s missing", key);
    }
    json_decref(labels);
}

int main(void)
{
    RUN(test_shared_clips);
    TEST_END();
}
