/* test_image.c: JPEG encode/write/read round trips (RGB and gray) and their errors,
 * crop bounds, and resize quality (area average down, bilinear up). */
#include "media_test_util.h"

static void fill_gradient(ka_image *img)
{
    for (int y = 0; y < img->height; y++)
        for (int x = 0; x < img->width; x++)
            for (int c = 0; c < img->channels; c++)
                img->data[y * img->stride + x * img->channels + c] =
                    (uint8_t)(c == 0 ? 255 * x / img->width : c == 1 ? 255 * y / img->height
                                                                     : 128);
}

static double image_diff(const ka_image *a, const ka_image *b)
{
    double s = 0;
    for (int y = 0; y < a->height; y++)
        for (int i = 0; i < a->width * a->channels; i++)
            s += abs(a->data[y * a->stride + i] - b->data[y * b->stride + i]);
    return s / ((double)a->width * a->height * a->channels);
}

static void test_jpeg_round_trip(void)
{
    for (int ch = 1; ch <= 3; ch += 2) {
        ka_image img, back;
        CHECK_EQ_INT(ka_image_alloc(&img, 97, 61, ch), 0);
        fill_gradient(&img);
        const char *path = mt_path(ch == 1 ? "gray.jpg" : "rgb.jpg");
        CHECK_EQ_INT(ka_image_write_jpeg(&img, path, 95), 0);
        CHECK_EQ_INT(ka_image_read_jpeg(path, &back), 0);
        CHECK_EQ_INT(back.width, 97);
        CHECK_EQ_INT(back.height, 61);
        CHECK_EQ_INT(back.channels, ch);
        CHECK_MSG(image_diff(&img, &back) < 2.0, "channels %d: differs by %.2f", ch,
                  image_diff(&img, &back));
        uint8_t *buf;
        size_t n;
        CHECK_EQ_INT(ka_image_encode_jpeg(&img, 80, &buf, &n), 0);
        CHECK(n > 100 && buf[0] == 0xFF && buf[1] == 0xD8);
        free(buf);
        ka_image_free(&back);
        ka_image_free(&img);
    }
}

static void test_jpeg_errors(void)
{
    ka_image img, out;
    CHECK_EQ_INT(ka_image_alloc(&img, 8, 8, 3), 0);
    fill_gradient(&img);
    uint8_t *buf;
    size_t n;
    CHECK_EQ_INT(ka_image_encode_jpeg(&img, 0, &buf, &n), KA_EINVAL);
    CHECK_EQ_INT(ka_image_encode_jpeg(&img, 101, &buf, &n), KA_EINVAL);
    CHECK_EQ_INT(ka_image_write_jpeg(&img, mt_path("no/such/dir/x.jpg"), 90), KA_EIO);
    CHECK(strstr(ka_error_message(), "no/such/dir") != NULL);
    CHECK_EQ_INT(ka_image_read_jpeg(mt_path("missing.jpg"), &out), KA_EIO);
    FILE *fp = fopen(mt_path("empty.jpg"), "wb");
    fclose(fp);
    CHECK_EQ_INT(ka_image_read_jpeg(mt_path("empty.jpg"), &out), KA_EEMPTY);
    fp = fopen(mt_path("text.jpg"), "wb");
    fputs("not a picture at all", fp);
    fclose(fp);
    CHECK_EQ_INT(ka_image_read_jpeg(mt_path("text.jpg"), &out), KA_EFORMAT);
    CHECK(strstr(ka_error_message(), "text.jpg") != NULL);
    CHECK(out.data == NULL);
    /* half a JPEG: whatever it gives, no crash and no leak */
    mt_sh("head -c 300 '%s' > '%s'", mt_path("rgb.jpg"), mt_path("half.jpg"));
    int ret = ka_image_read_jpeg(mt_path("half.jpg"), &out);
    CHECK(ret == 0 || ret == KA_EFORMAT);
    ka_image_free(&out);
    ka_image_free(&img);
}

static void test_crop(void)
{
    ka_image img, out;
    CHECK_EQ_INT(ka_image_alloc(&img, 40, 30, 3), 0);
    fill_gradient(&img);
    CHECK_EQ_INT(ka_image_crop(&img, (ka_rect){ 10, 5, 20, 10 }, &out), 0);
    CHECK(out.width == 20 && out.height == 10 && out.channels == 3);
    CHECK(!memcmp(out.data + 2 * out.stride, img.data + 7 * img.stride + 30, 60));
    ka_image_free(&out);
    /* partly outside: clamped to the image */
    CHECK_EQ_INT(ka_image_crop(&img, (ka_rect){ -5, 20, 100, 100 }, &out), 0);
    CHECK(out.width == 40 && out.height == 10);
    CHECK(!memcmp(out.data, img.data + 20 * img.stride, 120));
    ka_image_free(&out);
    CHECK_EQ_INT(ka_image_crop(&img, (ka_rect){ 50, 0, 10, 10 }, &out), KA_EINVAL);
    CHECK_EQ_INT(ka_image_crop(&img, (ka_rect){ 0, 0, 0, 10 }, &out), KA_EINVAL);
    CHECK_EQ_INT(ka_image_crop(&img, (ka_rect){ -20, -20, 10, 10 }, &out), KA_EINVAL);
    CHECK(out.data == NULL);
    ka_image_free(&img);
}

static void test_resize(void)
{
    ka_image img, out;
    /* a one-pixel checkerboard halves to flat mid-gray */
    CHECK_EQ_INT(ka_image_alloc(&img, 64, 48, 1), 0);
    for (int y = 0; y < 48; y++)
        for (int x = 0; x < 64; x++)
            img.data[y * img.stride + x] = (x + y) & 1 ? 255 : 0;
    CHECK_EQ_INT(ka_image_resize(&img, 32, 24, &out), 0);
    int flat = 1;
    for (int i = 0; i < 32 * 24; i++)
        flat &= abs(out.data[i] - 128) <= 1;
    CHECK(flat);
    ka_image_free(&out);
    /* odd factor keeps the mean */
    CHECK_EQ_INT(ka_image_resize(&img, 21, 17, &out), 0);
    double m = 0;
    for (int i = 0; i < 21 * 17; i++)
        m += out.data[i];
    CHECK_NEAR(m / (21 * 17), 127.5, 1.0);
    ka_image_free(&out);
    ka_image_free(&img);
    /* same size is a copy; growing is smooth and monotonic along a ramp */
    CHECK_EQ_INT(ka_image_alloc(&img, 50, 20, 3), 0);
    fill_gradient(&img);
    CHECK_EQ_INT(ka_image_resize(&img, 50, 20, &out), 0);
    CHECK(image_diff(&img, &out) == 0);
    ka_image_free(&out);
    CHECK_EQ_INT(ka_image_resize(&img, 173, 41, &out), 0);
    int mono = 1;
    for (int x = 1; x < 173; x++)
        mono &= out.data[10 * out.stride + x * 3] >= out.data[10 * out.stride + (x - 1) * 3];
    CHECK(mono && out.width == 173 && out.height == 41 && out.channels == 3);
    ka_image_free(&out);
    CHECK_EQ_INT(ka_image_resize(&img, 1, 1, &out), 0);
    CHECK_NEAR(out.data[2], 128, 1);
    ka_image_free(&out);
    CHECK_EQ_INT(ka_image_resize(&img, 0, 10, &out), KA_EINVAL);
    ka_image_free(&img);
}

int main(void)
{
    mt_setup();
    RUN(test_jpeg_round_trip);
    RUN(test_jpeg_errors);
    RUN(test_crop);
    RUN(test_resize);
    mt_cleanup();
    TEST_END();
}
