/* test_decode.c: decoding every container and codec the Debian ffmpeg can write:
 * frame counts equal ffprobe's, indexes and times are right, the small copy of a
 * solid colour has the expected Y/U/V, ranges, references, RGB, threads, early close. */
#include <unistd.h>

#include "media_test_util.h"

#define SRC "-f lavfi -i testsrc2=s=160x120:r=25 -frames:v 15 "

typedef struct clip {
    const char *name, *args, *codec, *encoder;
} clip;

static const char *av1_args(void)
{
    if (mt_has_encoder("libaom-av1"))
        return SRC "-c:v libaom-av1 -cpu-used 8 -usage realtime -row-mt 1";
    if (mt_has_encoder("libsvtav1"))
        return SRC "-c:v libsvtav1 -preset 12";
    return NULL;
}

static void check_clip(const clip *c, const char *args)
{
    fprintf(stderr, "   %s (%s)\n", c->name, c->codec);
    const char *path = mt_make(c->name, args);
    CHECK_MSG(path != NULL, "cannot make %s", c->name);
    if (!path)
        return;
    long expect = mt_probe_count(path, "v:0");
    mt_result r;
    mt_decode(path, NULL, &r);
    CHECK_MSG(r.open_ret == 0, "%s: %s", c->name, r.message);
    CHECK_EQ_INT(r.read_ret, 0);
    CHECK_EQ_INT(expect, 15);
    CHECK_MSG(r.frames == expect, "%s: %ld frames, ffprobe %ld", c->name, r.frames, expect);
    CHECK_EQ_INT(r.stats.frames, r.frames);
    CHECK(r.index_ok);
    CHECK(r.time_ok);
    CHECK_NEAR(r.first_time, 0, 1e-9);
    CHECK_NEAR(r.last_time, 14 / 25.0, 2e-3);
    CHECK_MSG(!strcmp(r.info.codec, c->codec), "%s: codec %s", c->name, r.info.codec);
    CHECK_EQ_INT(r.info.width, 160);
    CHECK_EQ_INT(r.info.height, 120);
    CHECK_NEAR(r.info.fps, 25, 0.01);
    CHECK_EQ_INT(r.info.rotation, 0);
    CHECK_EQ_INT(r.small_w, 128);
    CHECK_EQ_INT(r.small_h, 96);
    CHECK_EQ_INT(r.stats.corrupt_packets + r.stats.decode_errors + r.stats.truncated, 0);
}

static void test_containers_and_codecs(void)
{
    const clip clips[] = {
        { "h264.mp4", SRC "-c:v libx264 -preset veryfast -pix_fmt yuv420p", "h264", "libx264" },
        { "h264.mov", SRC "-c:v libx264 -preset veryfast -pix_fmt yuv420p", "h264", "libx264" },
        { "h264.ts", SRC "-c:v libx264 -preset veryfast -pix_fmt yuv420p", "h264", "libx264" },
        { "h264.mkv", SRC "-c:v libx264 -preset veryfast -pix_fmt yuv420p", "h264", "libx264" },
        { "hevc.mkv", SRC "-c:v libx265 -preset ultrafast -x265-params log-level=none",
          "hevc", "libx265" },
        { "hevc.mp4", SRC "-c:v libx265 -preset ultrafast -x265-params log-level=none "
          "-tag:v hvc1", "hevc", "libx265" },
        { "vp9.webm", SRC "-c:v libvpx-vp9 -deadline realtime -cpu-used 8", "vp9", "libvpx-vp9" },
        { "vp8.webm", SRC "-c:v libvpx -deadline realtime -cpu-used 8", "vp8", "libvpx" },
        { "mpeg4.avi", SRC "-c:v mpeg4 -q:v 5", "mpeg4", "mpeg4" },
        { "mpeg2.ts", SRC "-c:v mpeg2video -q:v 5", "mpeg2video", "mpeg2video" },
        { "mjpeg.avi", SRC "-c:v mjpeg -q:v 5", "mjpeg", "mjpeg" },
        { "av1.mkv", NULL, "av1", NULL },
    };
    for (size_t i = 0; i < sizeof clips / sizeof clips[0]; i++) {
        const clip *c = &clips[i];
        const char *args = c->args ? c->args : av1_args();
        if (!args || (c->encoder && !mt_has_encoder(c->encoder))) {
            fprintf(stderr, "   %s: no encoder in this ffmpeg, not tested\n", c->name);
            continue;
        }
        check_clip(c, args);
    }
}

/* Exact Y/U/V planes (lossless H.264) must come back in the small copy. */
static void test_solid_colour(void)
{
    const char *path = mt_make("solid.mkv", "-f lavfi -i nullsrc=s=160x120:r=25,format=yuv420p,"
                               "geq=lum=100:cb=60:cr=200 -frames:v 5 -c:v libx264 -qp 0");
    CHECK(path != NULL);
    mt_result r;
    mt_decode(path, NULL, &r);
    CHECK_EQ_INT(r.frames, 5);
    CHECK_NEAR(r.y_mean, 100, 0.5);
    CHECK_NEAR(r.u_mean, 60, 0.5);
    CHECK_NEAR(r.v_mean, 200, 0.5);
    CHECK_EQ_INT(r.info.full_range, 0);
    CHECK_EQ_INT(r.info.bit_depth, 8);
    CHECK(!strcmp(r.info.pix_fmt, "yuv420p"));
}

/* A reference outlives the original; RGB follows BT.601 for an SD picture. */
static void test_ref_and_rgb(void)
{
    ka_video *v;
    CHECK_EQ_INT(ka_video_open(mt_path("solid.mkv"), NULL, &v), 0);
    if (!v)
        return;
    ka_frame *f, *g;
    CHECK_EQ_INT(ka_video_read(v, &f), 1);
    g = ka_frame_ref(f);
    CHECK(g && g->small.y != f->small.y && g->av != NULL);
    ka_frame_free(&f);
    CHECK(f == NULL);
    /* the reference outlives the video too */
    ka_video_info info = *ka_video_get_info(v);
    ka_video_close(&v);
    CHECK(v == NULL);
    CHECK_EQ_INT(g->small.y[0], 100);
    CHECK_EQ_INT(g->small.v[g->small.cw * g->small.ch - 1], 200);
    ka_image rgb;
    CHECK_EQ_INT(ka_frame_to_rgb(g, &info, &rgb), 0);
    CHECK_EQ_INT(rgb.width, 160);
    CHECK_EQ_INT(rgb.height, 120);
    CHECK_EQ_INT(rgb.channels, 3);
    const uint8_t *p = rgb.data + 60 * rgb.stride + 80 * 3;
    CHECK_NEAR(p[0], 213, 3);
    CHECK_NEAR(p[1], 66, 3);
    CHECK_NEAR(p[2], 0, 3);
    ka_image_free(&rgb);
    ka_frame_free(&g);
}

static void test_range(void)
{
    const char *args[] = {
        "-f lavfi -i testsrc2=s=160x120:r=25 -frames:v 50 -c:v libx264 -g 10 -preset veryfast",
        "-f lavfi -i testsrc2=s=160x120:r=25 -frames:v 50 -c:v libvpx-vp9 -deadline realtime "
        "-cpu-used 8 -g 10",
    };
    const char *names[] = { "range.mp4", "range.webm" };
    for (int i = 0; i < 2; i++) {
        const char *path = mt_make(names[i], args[i]);
        ka_video_opts o = { .start_s = 0.8, .end_s = 1.6 };
        mt_result r;
        mt_decode(path, &o, &r);
        CHECK_MSG(r.open_ret == 0 && r.read_ret == 0, "%s: %s", names[i], r.message);
        CHECK_MSG(r.frames == 20, "%s: %ld frames in [0.8, 1.6)", names[i], r.frames);
        CHECK(r.index_ok && r.time_ok);
        CHECK_NEAR(r.first_pts, 0.8, 1e-3);
        CHECK_NEAR(r.first_time, 0.8, 1e-3);
        CHECK_NEAR(r.last_time, 1.56, 1e-3);
        o.start_s = 0.85;
        o.end_s = 0;
        mt_decode(path, &o, &r);
        CHECK_EQ_INT(r.frames, 28);
        CHECK_NEAR(r.first_time, 0.88, 1e-3);
        o.start_s = 0;
        o.end_s = 0.5;
        mt_decode(path, &o, &r);
        CHECK_EQ_INT(r.frames, 13);
        o.start_s = 5; /* past the end: no frame, no error */
        o.end_s = 0;
        mt_decode(path, &o, &r);
        CHECK_EQ_INT(r.open_ret, 0);
        CHECK_EQ_INT(r.frames, 0);
        CHECK_EQ_INT(r.read_ret, 0);
    }
}

static void test_threads_same_result(void)
{
    const char *path = mt_path("h264.mp4");
    ka_video_opts one = { .threads = 1 }, many = { .threads = 3, .small_width = 64 };
    mt_result a, b;
    mt_decode(path, &one, &a);
    mt_decode(path, &many, &b);
    CHECK_EQ_INT(a.frames, 15);
    CHECK_EQ_INT(b.frames, 15);
    CHECK_EQ_INT(b.small_w, 64);
    CHECK_EQ_INT(b.small_h, 48);
    CHECK_NEAR(a.y_mean, b.y_mean, 2.0);
}

/* Closing with frames still queued and the thread blocked on a full queue. */
static void test_early_close(void)
{
    const char *path = mt_path("range.mp4");
    ka_video *v;
    CHECK_EQ_INT(ka_video_open(path, NULL, &v), 0);
    ka_frame *f;
    CHECK_EQ_INT(ka_video_read(v, &f), 1);
    ka_frame_free(&f);
    ka_video_close(&v);
    CHECK_EQ_INT(ka_video_open(path, NULL, &v), 0);
    ka_video_close(&v); /* nothing read at all */
    CHECK(v == NULL);
}

/* A relative name with a colon is a file, not a protocol. */
static void test_colon_name(void)
{
    char cwd[1024];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK_EQ_INT(mt_sh("cp '%s' '%s'", mt_path("h264.mp4"), mt_path("take:2.mp4")), 0);
    CHECK_EQ_INT(chdir(mt_dir), 0);
    mt_result r;
    mt_decode("take:2.mp4", NULL, &r);
    CHECK_MSG(r.open_ret == 0 && r.frames == 15, "%s", r.message);
    CHECK_EQ_INT(chdir(cwd), 0);
}

static void test_bad_options(void)
{
    ka_video *v = NULL;
    ka_video_opts o = { .small_width = 1000 };
    CHECK_EQ_INT(ka_video_open(mt_path("h264.mp4"), &o, &v), KA_EINVAL);
    CHECK(v == NULL && strlen(ka_error_message()) > 0);
    ka_video_opts o2 = { .start_s = 2, .end_s = 1 };
    CHECK_EQ_INT(ka_video_open(mt_path("h264.mp4"), &o2, &v), KA_EINVAL);
}

int main(void)
{
    mt_setup();
    RUN(test_containers_and_codecs);
    RUN(test_solid_colour);
    RUN(test_ref_and_rgb);
    RUN(test_range);
    RUN(test_threads_same_result);
    RUN(test_early_close);
    RUN(test_colon_name);
    RUN(test_bad_options);
    mt_cleanup();
    TEST_END();
}
