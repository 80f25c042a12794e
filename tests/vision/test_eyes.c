/* test_eyes.c: eyes open or closed, with the face pack's fr_eye. Photos whose eyes
 * were checked by eye: Obama and Biden (open), MEDS S032-03 and S050-01 (shut or
 * nearly shut, looking down). And the clip faces_single_shot_3s, a group of people
 * filmed at 640x480: the small faces' eyes (a few pixels wide) read closed nearly
 * always with the raw model, though everyone there has them open; they must read
 * "not measured" or lean to the prior, never as a blink. */
#include <math.h>

#include "vision_test.h"

/* The largest face of a photo of ../shared/faces, with every attribute. */
static ka_face largest_face(ka_vision *v, const char *sub, const char *file)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/faces/%s/%s", ka_test_shared(), sub, file);
    ka_image rgb;
    ka_vt_read(path, &rgb);
    ka_face *f = NULL, best = { 0 };
    int n = 0;
    CHECK(ka_vision_faces(v, &rgb, (ka_rect){ 0, 0, 0, 0 }, &f, &n) == 0);
    CHECK_MSG(n >= 1, "no face in %s", file);
    for (int i = 0; i < n; i++)
        if (i == 0 || f[i].box.w * f[i].box.h > best.box.w * best.box.h)
            best = f[i];
    free(f);
    ka_image_free(&rgb);
    return best;
}

static void test_photos(void)
{
    ka_vision *v = ka_vt_open(KA_DET_FACEPLUGIN, KA_ATTR_EYES);
    static const char *open_eyes[] = { "obama.jpg", "biden.jpg" };
    static const char *shut_eyes[] = { "S032-03-t10_01.jpg", "S050-01-t10_01.jpg" };
    for (int i = 0; i < 2; i++) {
        ka_face f = largest_face(v, "public-figures", open_eyes[i]);
        CHECK_MSG(f.eyes_open > 0.9f, "%s: eyes open read %.3f", open_eyes[i], f.eyes_open);
        f = largest_face(v, "meds", shut_eyes[i]);
        CHECK_MSG(f.eyes_open >= 0.0f && f.eyes_open < 0.25f, "%s: shut eyes read %.3f",
                  shut_eyes[i], f.eyes_open);
    }
    ka_vision_close(&v);
}

/* Frames 0, 10, 20, ... of the clip, every face. */
static void test_small_eyes(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/media/faces_single_shot_3s.mp4", ka_test_shared());
    ka_vision *v = ka_vt_open(KA_DET_FACEPLUGIN, KA_ATTR_EYES);
    ka_video *vid = NULL;
    CHECK(ka_video_open(path, NULL, &vid) == 0);
    ka_frame *fr = NULL;
    int index = 0, small = 0, unmeasured = 0, big_open = 0, big = 0;
    while (vid && ka_video_read(vid, &fr) == 1) {
        if (index++ % 10 == 0) {
            ka_image rgb = { 0 };
            CHECK(ka_frame_to_rgb(fr, ka_video_get_info(vid), &rgb) == 0);
            ka_face *f = NULL;
            int n = 0;
            CHECK(ka_vision_faces(v, &rgb, (ka_rect){ 0, 0, 0, 0 }, &f, &n) == 0);
            for (int i = 0; i < n; i++) {
                if (f[i].box.w < 40) {      /* eyes of about 8 px or less */
                    small++;
                    unmeasured += f[i].eyes_open < 0.0f;
                    CHECK_MSG(f[i].eyes_open < 0.0f || f[i].eyes_open >= 0.3f,
                              "frame %d: a %d px face reads eyes %.3f", index - 1,
                              f[i].box.w, f[i].eyes_open);
                } else if (f[i].box.w >= 50 && f[i].eyes_open >= 0.0f) {
                    big++;
                    big_open += f[i].eyes_open >= 0.5f;
                }
            }
            free(f);
            ka_image_free(&rgb);
        }
        ka_frame_free(&fr);
    }
    ka_video_close(&vid);
    ka_vision_close(&v);
    printf("faces_single_shot_3s: %d small faces (%d not measured), %d of %d large ones "
           "read open\n", small, unmeasured, big_open, big);
    CHECK(small >= 20);
    CHECK(unmeasured >= small / 2);
    CHECK(big >= 5);
    CHECK_MSG(big_open * 10 >= big * 6, "only %d of %d large faces read open", big_open, big);
}

int main(void)
{
    RUN(test_photos);
    RUN(test_small_eyes);
    TEST_END();
}
