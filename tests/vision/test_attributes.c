/* test_attributes.c: face attributes measured against what was checked by eye.
 *
 * Eyes (fr_eye): Obama and Biden open; MEDS S032-03 and S050-01 shut or nearly shut
 * (looking down). The clip faces_single_shot_3s, a group filmed at 640x480: the
 * small faces' eyes (a few pixels wide) read closed nearly always with the raw
 * model, though everyone there has them open; they must read "not measured" or lean
 * to the prior, never as a blink.
 *
 * Gender (fr_gender): the MEDS mug shots are of 46 men and 4 women (S001, S012,
 * S015, S042, told apart by eye). The model is weak, but fed the channels in the
 * order it was trained on it ranks men above women (AUC about 0.76; 0.45, no
 * signal, in RGB), and after the calibration both are named right most of the time.
 * The single photos of Obama and Biden read male, and faces smaller than the
 * model's input are not asked. */
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

/* Every face ka_vision_faces finds in the frames of a shared clip taken every
 * `every` frames from from_s on, until to_s (0: the end): fn(ud, frame, face). */
typedef void (*face_fn)(void *ud, int64_t frame, const ka_face *f);

static void clip_faces(ka_vision *v, const char *clip, int every, double from_s, double to_s,
                       face_fn fn, void *ud)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/media/%s", ka_test_shared(), clip);
    ka_video *vid = NULL;
    CHECK(ka_video_open(path, NULL, &vid) == 0);
    ka_frame *fr = NULL;
    while (vid && ka_video_read(vid, &fr) == 1) {
        if (fr->index % every == 0 && fr->time_s >= from_s && (to_s <= 0 || fr->time_s < to_s)) {
            ka_image rgb = { 0 };
            CHECK(ka_frame_to_rgb(fr, ka_video_get_info(vid), &rgb) == 0);
            ka_face *f = NULL;
            int n = 0;
            CHECK(ka_vision_faces(v, &rgb, (ka_rect){ 0, 0, 0, 0 }, &f, &n) == 0);
            for (int i = 0; i < n; i++)
                fn(ud, fr->index, &f[i]);
            free(f);
            ka_image_free(&rgb);
        }
        ka_frame_free(&fr);
    }
    ka_video_close(&vid);
}

typedef struct eye_counts {
    int small, unmeasured, big_open, big;
} eye_counts;

static void count_eyes(void *ud, int64_t frame, const ka_face *f)
{
    eye_counts *c = ud;
    if (f->box.w < 40) {                    /* eyes of about 8 px or less */
        c->small++;
        c->unmeasured += f->eyes_open < 0.0f;
        CHECK_MSG(f->eyes_open < 0.0f || f->eyes_open >= 0.3f,
                  "frame %lld: a %d px face reads eyes %.3f", (long long)frame, f->box.w,
                  f->eyes_open);
    } else if (f->box.w >= 50 && f->eyes_open >= 0.0f) {
        c->big++;
        c->big_open += f->eyes_open >= 0.5f;
    }
}

/* Frames 0, 10, 20, ... of the clip, every face. */
static void test_small_eyes(void)
{
    ka_vision *v = ka_vt_open(KA_DET_FACEPLUGIN, KA_ATTR_EYES);
    eye_counts c = { 0 };
    clip_faces(v, "faces_single_shot_3s.mp4", 10, 0, 0, count_eyes, &c);
    ka_vision_close(&v);
    printf("faces_single_shot_3s: %d small faces (%d not measured), %d of %d large ones "
           "read open\n", c.small, c.unmeasured, c.big_open, c.big);
    CHECK(c.small >= 20);
    CHECK(c.unmeasured >= c.small / 2);
    CHECK(c.big >= 5);
    CHECK_MSG(c.big_open * 10 >= c.big * 6, "only %d of %d large faces read open", c.big_open,
              c.big);
}

static int meds_woman(const char *path)
{
    static const char *const women[] = { "S001-", "S012-", "S015-", "S042-" };
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (int i = 0; i < 4; i++)
        if (!strncmp(base, women[i], 5))
            return 1;
    return 0;
}

static void test_gender(void)
{
    ka_vision *v = ka_vt_open(KA_DET_FACEPLUGIN, KA_ATTR_GENDER);
    char **meds = NULL;
    int nm = ka_vt_list("meds", &meds);
    float male[256];
    int woman[256], n = 0, men = 0, women = 0, men_ok = 0, women_ok = 0;
    for (int i = 0; i < nm && n < 256; i++) {
        const char *base = strrchr(meds[i], '/') + 1;
        ka_face f = largest_face(v, "meds", base);
        if (f.male < 0.0f)
            continue;
        male[n] = f.male;
        woman[n] = meds_woman(base);
        men += !woman[n];
        women += woman[n];
        men_ok += !woman[n] && f.male >= 0.5f;
        women_ok += woman[n] && f.male < 0.5f;
        n++;
    }
    double above = 0;                   /* AUC: pairs where the man reads more male */
    for (int i = 0; i < n; i++)
        for (int j = 0; woman[i] && j < n; j++)
            if (!woman[j])
                above += male[j] > male[i] ? 1.0 : male[j] == male[i] ? 0.5 : 0.0;
    double auc = men && women ? above / ((double)men * women) : 0;
    double balanced = men && women ? 0.5 * ((double)men_ok / men + (double)women_ok / women) : 0;
    printf("gender on MEDS: %d of %d men, %d of %d women named right (balanced %.2f), AUC %.3f\n",
           men_ok, men, women_ok, women, balanced, auc);
    CHECK(men >= 90 && women >= 12);
    CHECK_MSG(auc >= 0.68, "men ranked above women in only %.0f%% of pairs", 100 * auc);
    CHECK_MSG(balanced >= 0.65, "balanced accuracy %.2f", balanced);
    static const char *men_photos[] = { "obama.jpg", "biden.jpg", "biden2.jpg", "obama_small.jpg" };
    for (int i = 0; i < 4; i++) {
        ka_face f = largest_face(v, "public-figures", men_photos[i]);
        CHECK_MSG(f.male >= 0.5f, "%s reads male %.3f", men_photos[i], f.male);
    }
    ka_vt_free_list(meds, nm);
    ka_vision_close(&v);
}

typedef struct size_counts {
    int small, big;
} size_counts;

static void check_small_gender(void *ud, int64_t frame, const ka_face *f)
{
    size_counts *c = ud;
    int side = f->box.w > f->box.h ? f->box.w : f->box.h;
    c->small += side < 64;
    c->big += side >= 64;
    CHECK_MSG(side >= 64 || f->male < 0.0f, "frame %lld: a %d px face reads male %.3f",
              (long long)frame, side, f->male);
}

/* Faces smaller than the gender model's input are not asked: in tears_of_steel_10s
 * at 1.5 s the young man (about 49 px tall) is unknown, never "a woman". */
static void test_gender_small_faces(void)
{
    ka_vision *v = ka_vt_open(KA_DET_FACEPLUGIN, KA_ATTR_GENDER);
    size_counts c = { 0 };
    clip_faces(v, "tears_of_steel_10s.mp4", 6, 1.2, 2.3, check_small_gender, &c);
    ka_vision_close(&v);
    CHECK_MSG(c.small >= 3, "only %d small faces at 1.2-2.3 s (%d large)", c.small, c.big);
}

int main(void)
{
    RUN(test_gender_small_faces);
    RUN(test_gender);
    RUN(test_photos);
    RUN(test_small_eyes);
    TEST_END();
}
