/* test_errors.c: bad input gives the right code and a message naming the file, and
 * damaged files decode as far as they can and say what was skipped. */
#include <unistd.h>

#include "media_test_util.h"

static int mentions(const char *msg, const char *path)
{
    return msg && strstr(msg, path) != NULL;
}

static void expect_open_error(const char *path, int code)
{
    ka_video *v = (ka_video *)1;
    ka_error_clear();
    int ret = ka_video_open(path, NULL, &v);
    CHECK_MSG(ret == code, "%s: got %d (%s), want %d", path, ret, ka_error_message(), code);
    CHECK(v == NULL);
    CHECK_MSG(mentions(ka_error_message(), path), "message '%s'", ka_error_message());
    fprintf(stderr, "   %d: %s\n", ret, ka_error_message());
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    CHECK(fp != NULL);
    if (fp) {
        fwrite(data, 1, n, fp);
        fclose(fp);
    }
}

static void test_missing_empty_text_random(void)
{
    expect_open_error(mt_path("does-not-exist.mp4"), KA_EIO);
    expect_open_error(mt_dir, KA_EIO);
    write_file(mt_path("empty.mp4"), "", 0);
    expect_open_error(mt_path("empty.mp4"), KA_EEMPTY);
    const char *text = "This is not a video.\nJust a few lines of plain text,\nnothing more.\n";
    write_file(mt_path("notes.txt"), text, strlen(text));
    expect_open_error(mt_path("notes.txt"), KA_EFORMAT);
    write_file(mt_path("text.mp4"), text, strlen(text));
    expect_open_error(mt_path("text.mp4"), KA_EFORMAT);
    unsigned char buf[65536];
    srand(42);
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(rand() >> 7);
    write_file(mt_path("random.mkv"), buf, sizeof buf);
    expect_open_error(mt_path("random.mkv"), KA_EFORMAT);
    if (getuid() != 0) { /* root reads anything */
        write_file(mt_path("secret.mp4"), "x", 1);
        mt_sh("chmod 000 '%s'", mt_path("secret.mp4"));
        expect_open_error(mt_path("secret.mp4"), KA_EIO);
    }
}

static void test_audio_only(void)
{
    const char *m4a = mt_make("sine.m4a", "-f lavfi -i sine=frequency=440:duration=1 -c:a aac");
    expect_open_error(m4a, KA_ENOVIDEO);
    const char *wav = mt_make("sine.wav", "-f lavfi -i sine=duration=0.5");
    expect_open_error(wav, KA_ENOVIDEO);
    /* cover art is not video */
    const char *cover = mt_make("cover.png", "-f lavfi -i color=red:s=64x64 -frames:v 1");
    char args[1024];
    snprintf(args, sizeof args, "-f lavfi -i sine=duration=0.5 -i '%s' -map 0 -map 1 "
             "-c:a libmp3lame -c:v png -disposition:v attached_pic -id3v2_version 3", cover);
    if (mt_has_encoder("libmp3lame"))
        expect_open_error(mt_make("cover.mp3", args), KA_ENOVIDEO);
}

/* An MKV whose codec id no FFmpeg knows: CodecID V_MPEG4/ISO/AVC patched. */
static void test_unknown_codec(void)
{
    const char *src = mt_make("avc.mkv", "-f lavfi -i testsrc2=s=64x48:r=25 -frames:v 5 "
                              "-c:v libx264");
    CHECK(src != NULL);
    mt_sh("sed 's#V_MPEG4/ISO/AVC#V_KEYART/ISO/XX#' '%s' > '%s'", src, mt_path("unknown.mkv"));
    expect_open_error(mt_path("unknown.mkv"), KA_EUNSUPPORTED);
}

/* Every packet garbled: the file opens, but no frame decodes. */
static void test_nothing_decodable(void)
{
    char args[600];
    snprintf(args, sizeof args, "-i '%s' -c copy -bsf:v noise=amount=1", mt_path("avc.mkv"));
    const char *path = mt_make("noise.mkv", args);
    mt_result r;
    mt_decode(path, NULL, &r);
    CHECK_EQ_INT(r.open_ret, 0);
    CHECK_EQ_INT(r.read_ret, KA_EDECODE);
    CHECK_EQ_INT(r.frames, 0);
    CHECK_MSG(mentions(r.message, path), "message '%s'", r.message);
    fprintf(stderr, "   %d: %s\n", r.read_ret, r.message);
}

static const char *cut_half(const char *src, const char *name)
{
    const char *out = mt_path(name);
    mt_sh("head -c $(( $(stat -c %%s '%s') / 2 )) '%s' > '%s'", src, src, out);
    return out;
}

static void check_partial(const char *path, long full, int want_truncated)
{
    mt_result r;
    mt_decode(path, NULL, &r);
    const ka_decode_stats *s = &r.stats;
    fprintf(stderr, "   %s: %ld of %ld frames, %lld corrupt, %lld decode errors, "
            "truncated %d\n", strrchr(path, '/') + 1, r.frames, full,
            (long long)s->corrupt_packets, (long long)s->decode_errors, s->truncated);
    CHECK_MSG(r.open_ret == 0 && r.read_ret == 0, "%s: %s", path, r.message);
    CHECK(r.frames > 0 && r.frames < full);
    CHECK(r.index_ok && r.time_ok);
    CHECK_EQ_INT(r.frames, mt_probe_count(path, "v:0"));
    if (want_truncated)
        CHECK(s->truncated);
    else
        CHECK(s->corrupt_packets + s->decode_errors + s->truncated > 0);
}

static void test_truncated(void)
{
    const char *gen = "-f lavfi -i testsrc2=s=320x240:r=25 -frames:v 100 -c:v libx264 "
                      "-preset veryfast -g 25";
    char args[256];
    snprintf(args, sizeof args, "%s -movflags +faststart", gen);
    const char *mp4 = mt_make("full.mp4", args);
    const char *mkv = mt_make("full.mkv", gen);
    const char *plain = mt_make("plain.mp4", gen);
    check_partial(cut_half(mp4, "half.mp4"), 100, 1);
    check_partial(cut_half(mkv, "half.mkv"), 100, 1);
    /* moov at the end: half a file has no index at all */
    expect_open_error(cut_half(plain, "half-plain.mp4"), KA_EFORMAT);
}

static const char *corrupt_middle(const char *src, const char *name)
{
    const char *out = mt_path(name);
    mt_sh("cp '%s' '%s' && head -c 20000 /dev/urandom | dd of='%s' bs=1 "
          "seek=$(( $(stat -c %%s '%s') / 2 )) conv=notrunc status=none", src, out, out, src);
    return out;
}

static void test_corrupt_middle(void)
{
    const char *mp4 = mt_path("full.mp4"), *mkv = mt_path("full.mkv");
    char args[300];
    snprintf(args, sizeof args, "-i '%s' -c copy", mkv);
    const char *ts = mt_make("full.ts", args);
    check_partial(corrupt_middle(mp4, "bad.mp4"), 101, 0);
    check_partial(corrupt_middle(mkv, "bad.mkv"), 101, 0);
    check_partial(corrupt_middle(ts, "bad.ts"), 101, 0);
}

/* A JPEG whose header claims more pixels than keyart reads is refused before anything
 * is allocated for it (the fuzzer found a header that asked for 2 GB). */
static void test_jpeg_too_large(void)
{
    ka_image img, back;
    CHECK_EQ_INT(ka_image_alloc(&img, 64, 48, 3), 0);
    memset(img.data, 128, (size_t)img.stride * 48);
    uint8_t *buf = NULL;
    size_t n = 0;
    CHECK_EQ_INT(ka_image_encode_jpeg(&img, 90, &buf, &n), 0);
    ka_image_free(&img);
    const char *path = mt_path("huge.jpg");
    write_file(path, buf, n);
    CHECK_EQ_INT(ka_image_read_jpeg(path, &back), 0);       /* as made: it reads */
    ka_image_free(&back);
    size_t i = 2;
    while (buf && i + 9 < n && !(buf[i] == 0xff && (buf[i + 1] == 0xc0 || buf[i + 1] == 0xc2)))
        i++;
    CHECK_MSG(i + 9 < n, "no frame header in the JPEG");
    if (i + 9 < n) {
        buf[i + 5] = buf[i + 7] = 30000 >> 8;                /* height, width: 30000 */
        buf[i + 6] = buf[i + 8] = 30000 & 0xff;
    }
    write_file(path, buf, n);
    free(buf);
    ka_error_clear();
    CHECK_EQ_INT(ka_image_read_jpeg(path, &back), KA_EUNSUPPORTED);
    CHECK_MSG(mentions(ka_error_message(), path) && strstr(ka_error_message(), "30000x30000"),
              "message '%s'", ka_error_message());
    fprintf(stderr, "   %s\n", ka_error_message());
}

/* Every code of the one enum has its own name; anything else is "unknown error". */
static void test_strerror_names_every_code(void)
{
    for (int e = -1; e >= KA_ERROR_LAST; e--) {
        CHECK_MSG(strcmp(ka_strerror(e), "unknown error") != 0, "code %d has no name", e);
        for (int f = e + 1; f <= -1; f++)
            CHECK_MSG(strcmp(ka_strerror(e), ka_strerror(f)) != 0, "codes %d and %d share "
                      "the name '%s'", e, f, ka_strerror(e));
    }
    CHECK(!strcmp(ka_strerror(KA_ERROR_LAST - 1), "unknown error"));
    CHECK(!strcmp(ka_strerror(0), "success"));
}

int main(void)
{
    mt_setup();
    RUN(test_strerror_names_every_code);
    RUN(test_missing_empty_text_random);
    RUN(test_audio_only);
    RUN(test_unknown_codec);
    RUN(test_nothing_decodable);
    RUN(test_truncated);
    RUN(test_corrupt_middle);
    RUN(test_jpeg_too_large);
    mt_cleanup();
    TEST_END();
}
