/* test_geometry.c: what a frame looks like: rotation metadata (checked against
 * ffmpeg's own autorotation), sample aspect ratio, 10-bit, gray and RGB inputs,
 * odd and tiny sizes, a mid-stream size change, variable frame rate timestamps,
 * and the choice of the default video stream. */
#include "media_test_util.h"

/* The first frame as ffmpeg shows it (autorotated), scaled to w x h, luma only. */
static int ffmpeg_luma(const char *path, int w, int h, uint8_t *buf)
{
    FILE *p = mt_popen("ffmpeg -nostdin -v error -i '%s' -frames:v 1 -vf "
                       "scale=%d:%d,format=yuv420p -f rawvideo -", path, w, h);
    if (!p)
        return -1;
    size_t n = fread(buf, 1, (size_t)w * h, p);
    while (fgetc(p) != EOF) {}
    pclose(p);
    return n == (size_t)w * h ? 0 : -1;
}

/* Centre of the bright pixels of a plane. */
static void bright_centre(const uint8_t *p, int w, int h, int stride, int step, double *cx,
                          double *cy)
{
    double sx = 0, sy = 0, n = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (p[(size_t)y * stride + (size_t)x * step] > 128) {
                sx += x;
                sy += y;
                n++;
            }
    *cx = n ? sx / n / w : -1;
    *cy = n ? sy / n / h : -1;
}

static ka_frame *first_frame(const char *path, ka_video **v)
{
    ka_frame *f = NULL;
    if (ka_video_open(path, NULL, v) < 0) {
        fprintf(stderr, "open %s: %s\n", path, ka_error_message());
        return NULL;
    }
    if (ka_video_read(*v, &f) != 1)
        fprintf(stderr, "read %s: %s\n", path, ka_error_message());
    return f;
}

/* A bright box in the top-left corner; where it lands shows the orientation. */
#define MARKER "-f lavfi -i nullsrc=s=160x120:r=25,format=yuv420p,geq=lum='if(lt(X\\,W/4)*" \
               "lt(Y\\,H/4)\\,235\\,16)':cb=128:cr=128 -frames:v 3 "

static void check_rotation(const char *src, int deg, int want)
{
    char name[64], args[600];
    snprintf(name, sizeof name, "rot%d.mp4", deg);
    snprintf(args, sizeof args, "-i '%s' -c copy -metadata:s:v:0 rotate=%d", src, deg);
    const char *path = mt_make(name, args);
    ka_video *v = NULL;
    ka_frame *f = first_frame(path, &v);
    CHECK(f != NULL);
    if (!f) {
        ka_video_close(&v);
        return;
    }
    const ka_video_info *in = ka_video_get_info(v);
    CHECK_EQ_INT(in->rotation, want);
    CHECK_EQ_INT(in->width, want % 180 ? 120 : 160);
    CHECK_EQ_INT(in->height, want % 180 ? 160 : 120);
    CHECK_EQ_INT(f->small.w, 128);
    CHECK_EQ_INT(f->small.h, want % 180 ? 170 : 96);
    uint8_t ref[128 * 170];
    double ax, ay, bx, by;
    CHECK(ffmpeg_luma(path, f->small.w, f->small.h, ref) == 0);
    bright_centre(f->small.y, f->small.w, f->small.h, f->small.w, 1, &ax, &ay);
    bright_centre(ref, f->small.w, f->small.h, f->small.w, 1, &bx, &by);
    CHECK_MSG(fabs(ax - bx) < 0.03 && fabs(ay - by) < 0.03, "rotate=%d: marker at %.2f,%.2f; "
              "ffmpeg shows it at %.2f,%.2f", deg, ax, ay, bx, by);
    ka_image rgb;
    CHECK_EQ_INT(ka_frame_to_rgb(f, in, &rgb), 0);
    CHECK_EQ_INT(rgb.width, in->width);
    CHECK_EQ_INT(rgb.height, in->height);
    bright_centre(rgb.data, rgb.width, rgb.height, rgb.stride, 3, &ax, &ay);
    CHECK_MSG(fabs(ax - bx) < 0.03 && fabs(ay - by) < 0.03, "RGB marker at %.2f,%.2f", ax, ay);
    ka_image_free(&rgb);
    ka_frame_free(&f);
    ka_video_close(&v);
}

static void test_rotation(void)
{
    const char *src = mt_make("marker.mp4", MARKER "-c:v libx264 -qp 0");
    CHECK(src != NULL);
    /* FFmpeg 5.1 writes rotate=90 as a counter-clockwise display matrix; what counts is
     * that the picture looks the way ffmpeg itself shows it. */
    check_rotation(src, 90, 270);
    check_rotation(src, 180, 180);
    check_rotation(src, 270, 90);
    /* the slow path (RGB source) rotates too */
    const char *png = mt_make("marker.mov", MARKER "-c:v png");
    char args[300];
    snprintf(args, sizeof args, "-i '%s' -c copy -metadata:s:v:0 rotate=270", png);
    const char *path = mt_make("rgbrot.mov", args);
    ka_video *v = NULL;
    ka_frame *f = first_frame(path, &v);
    CHECK(f && ka_video_get_info(v)->rotation == 90);
    if (f) {
        double ax, ay;
        bright_centre(f->small.y, f->small.w, f->small.h, f->small.w, 1, &ax, &ay);
        CHECK_MSG(ax > 0.8 && ay < 0.2, "marker at %.2f,%.2f, want top right", ax, ay);
    }
    ka_frame_free(&f);
    ka_video_close(&v);
}

static void test_sample_aspect(void)
{
    const char *names[] = { "sar.mp4", "sar.mkv" };
    for (int i = 0; i < 2; i++) {
        const char *path = mt_make(names[i], "-f lavfi -i testsrc2=s=160x120:r=25,setsar=2/1 "
                                   "-frames:v 3 -c:v libx264");
        ka_video *v = NULL;
        ka_frame *f = first_frame(path, &v);
        CHECK(f != NULL);
        if (!f)
            continue;
        const ka_video_info *in = ka_video_get_info(v);
        CHECK_NEAR(in->sar, 2.0, 1e-6);
        CHECK_EQ_INT(in->width, 320);
        CHECK_EQ_INT(in->height, 120);
        CHECK_EQ_INT(in->coded_width, 160);
        CHECK_EQ_INT(f->small.w, 128);
        CHECK_EQ_INT(f->small.h, 48);
        ka_image rgb;
        CHECK_EQ_INT(ka_frame_to_rgb(f, in, &rgb), 0);
        CHECK_EQ_INT(rgb.width, 320);
        CHECK_EQ_INT(rgb.height, 120);
        ka_image_free(&rgb);
        ka_frame_free(&f);
        ka_video_close(&v);
    }
}

/* Exact planes through lossless coding: 10-bit 400/240/800 is 8-bit 100/60/200. */
static void check_deep(const char *name, const char *codec_args)
{
    char args[512];
    snprintf(args, sizeof args, "-f lavfi -i nullsrc=s=160x120:r=25,format=yuv420p10le,"
             "geq=lum=400:cb=240:cr=800 -frames:v 4 %s -pix_fmt yuv420p10le", codec_args);
    const char *path = mt_make(name, args);
    mt_result r;
    mt_decode(path, NULL, &r);
    CHECK_MSG(r.open_ret == 0 && r.frames == 4, "%s: %ld frames %s", name, r.frames, r.message);
    CHECK_EQ_INT(r.info.bit_depth, 10);
    CHECK_MSG(!strcmp(r.info.pix_fmt, "yuv420p10le"), "%s", r.info.pix_fmt);
    CHECK_NEAR(r.y_mean, 100, 0.5);
    CHECK_NEAR(r.u_mean, 60, 0.5);
    CHECK_NEAR(r.v_mean, 200, 0.5);
}

static void test_ten_bit(void)
{
    check_deep("x264-10.mkv", "-c:v libx264 -qp 0");
    if (mt_has_encoder("libx265"))
        check_deep("x265-10.mkv", "-c:v libx265 -x265-params lossless=1:log-level=none");
    /* and a real 10-bit picture decodes to sensible values */
    const char *path = mt_make("src10.mp4", "-f lavfi -i testsrc2=s=320x240:r=25 -frames:v 6 "
                               "-c:v libx264 -pix_fmt yuv420p10le");
    mt_result r;
    mt_decode(path, NULL, &r);
    CHECK_EQ_INT(r.frames, 6);
    CHECK(r.y_mean > 40 && r.y_mean < 200);
}

static void test_gray_and_rgb(void)
{
    mt_result r;
    mt_decode(mt_make("gray.mkv", "-f lavfi -i nullsrc=s=160x120:r=25,format=gray,geq=lum=77 "
                      "-frames:v 3 -c:v ffv1"), NULL, &r);
    CHECK_EQ_INT(r.frames, 3);
    CHECK_NEAR(r.y_mean, 77, 0.5);
    CHECK_NEAR(r.u_mean, 128, 0.01);
    CHECK_NEAR(r.v_mean, 128, 0.01);
    /* RGB (64,192,128) in BT.601 limited range */
    mt_decode(mt_make("rgb.mkv", "-f lavfi -i color=c=0x40C080:s=160x120:r=25 -frames:v 3 "
                      "-c:v png"), NULL, &r);
    CHECK_EQ_INT(r.frames, 3);
    CHECK_NEAR(r.y_mean, 141.8, 2);
    CHECK_NEAR(r.u_mean, 118.9, 2);
    CHECK_NEAR(r.v_mean, 76.4, 2);
    /* full-range input is flagged and kept as it is: the same values ffmpeg decodes */
    const char *path = mt_make("full.avi", "-f lavfi -i nullsrc=s=160x120:r=25,"
                               "format=yuvj420p,geq=lum=60:cb=128:cr=128 -frames:v 3 "
                               "-c:v mjpeg -q:v 2");
    mt_decode(path, NULL, &r);
    CHECK_EQ_INT(r.info.full_range, 1);
    CHECK(!strcmp(r.info.pix_fmt, "yuvj420p"));
    FILE *p = mt_popen("ffmpeg -nostdin -v error -i '%s' -frames:v 1 -f rawvideo -", path);
    int y0 = p ? fgetc(p) : -1;
    while (p && fgetc(p) != EOF) {}
    if (p)
        pclose(p);
    CHECK_NEAR(r.y_mean, y0, 1.5);
}

static void test_odd_tiny_and_size_change(void)
{
    mt_result r;
    mt_decode(mt_make("odd.mkv", "-f lavfi -i testsrc2=s=161x121:r=25 -frames:v 3 -c:v ffv1 "
                      "-pix_fmt yuv420p"), NULL, &r);
    CHECK_EQ_INT(r.frames, 3);
    CHECK_EQ_INT(r.small_h, 96);
    mt_decode(mt_make("tiny.mkv", "-f lavfi -i testsrc2=s=16x16:r=25 -frames:v 3 -c:v ffv1"),
              NULL, &r);
    CHECK_EQ_INT(r.frames, 3);
    CHECK_EQ_INT(r.small_w, 128);
    CHECK_EQ_INT(r.small_h, 128);
    const char *a = mt_make("small.ts", "-f lavfi -i testsrc2=s=160x120:r=25 -frames:v 10 "
                            "-c:v libx264 -preset veryfast");
    const char *b = mt_make("large.ts", "-f lavfi -i testsrc2=s=320x180:r=25 -frames:v 10 "
                            "-c:v libx264 -preset veryfast");
    mt_sh("cat '%s' '%s' > '%s'", a, b, mt_path("both.ts"));
    ka_video *v = NULL;
    CHECK_EQ_INT(ka_video_open(mt_path("both.ts"), NULL, &v), 0);
    ka_frame *f;
    long n = 0, rgb_ok = 0;
    while (v && ka_video_read(v, &f) > 0) {
        ka_image img;
        rgb_ok += ka_frame_to_rgb(f, ka_video_get_info(v), &img) == 0 && img.width == 160;
        ka_image_free(&img);
        n++;
        ka_frame_free(&f);
    }
    ka_video_close(&v);
    CHECK_EQ_INT(n, mt_probe_count(mt_path("both.ts"), "v:0"));
    CHECK(n >= 10);
    CHECK_EQ_INT(rgb_ok, n);
}

static void check_vfr(const char *name)
{
    const char *path = mt_make(name, "-f lavfi -i testsrc2=s=160x120:r=25,settb=1/1000,"
                               "setpts='if(lt(N\\,10)\\,N*0.04\\,0.4+(N-10)*0.1)/TB' "
                               "-frames:v 20 -fps_mode passthrough -c:v libx264 -preset veryfast");
    double want[64];
    int n = mt_probe_pts(path, want, 64);
    mt_result r;
    mt_decode(path, NULL, &r);
    CHECK_EQ_INT(r.frames, 20);
    CHECK_EQ_INT(n, 20);
    CHECK(r.time_ok && r.index_ok);
    int bad = 0;
    for (int i = 0; i < n && i < r.frames; i++)
        bad += fabs(r.pts[i] - want[i]) > 1e-3;
    CHECK_MSG(bad == 0, "%s: %d timestamps differ from ffprobe's", name, bad);
    CHECK_NEAR(r.pts[12], 0.6, 1e-3);
    CHECK_NEAR(r.last_time, 1.3, 1e-3);
}

static void test_vfr(void)
{
    check_vfr("vfr.mkv");
    check_vfr("vfr.mp4");
}

static void test_stream_choice(void)
{
    const char *path = mt_make("two.mkv", "-f lavfi -i testsrc2=s=160x120:r=25 -f lavfi -i "
                               "testsrc=s=96x64:r=10 -map 0:v -map 1:v -t 0.6 -c:v libx264 "
                               "-pix_fmt yuv420p -disposition:v:0 0 -disposition:v:1 default");
    mt_result r;
    mt_decode(path, NULL, &r);
    CHECK_EQ_INT(r.info.stream_index, 1);
    CHECK_EQ_INT(r.info.width, 96);
    CHECK_EQ_INT(r.frames, mt_probe_count(path, "1"));
    CHECK_EQ_INT(r.frames, 6);
    /* no default at all: the first video stream; an attached cover is never picked */
    const char *cover = mt_make("cover.png", "-f lavfi -i color=red:s=64x64 -frames:v 1");
    char args[600];
    snprintf(args, sizeof args, "-f lavfi -i testsrc2=s=160x120:r=25 -t 0.4 -c:v libx264 "
             "-disposition:v:0 0 -attach '%s' -metadata:s:t mimetype=image/png", cover);
    mt_decode(mt_make("attach.mkv", args), NULL, &r);
    CHECK_EQ_INT(r.info.stream_index, 0);
    CHECK_EQ_INT(r.frames, 10);
}

int main(void)
{
    mt_setup();
    RUN(test_rotation);
    RUN(test_sample_aspect);
    RUN(test_ten_bit);
    RUN(test_gray_and_rgb);
    RUN(test_odd_tiny_and_size_change);
    RUN(test_vfr);
    RUN(test_stream_choice);
    mt_cleanup();
    TEST_END();
}
