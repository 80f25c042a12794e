/* test_detect.c: face detection recall on ../shared/faces: one face per MEDS mug
 * shot (a detection at least 15% of the picture's height), and both people in
 * two_people.jpg and obama_and_biden.jpg (boxes checked by eye; a detection whose
 * centre is inside the box and overlaps it by IoU >= 0.25). Every deep detector
 * (faceplugin, YuNet, UltraFace) must reach 0.95; the cascade default is measured
 * and printed beside them (it must still find most faces: >= 0.85). Also that every
 * detector fills the same record (boxes inside the picture, scores 0..1, five
 * landmarks on the face for YuNet and for the pack's detector with its landmark
 * model). */
#include "vision_test.h"

typedef struct gt {
    const char *file;
    ka_rect box[2];
} gt;

static const gt pairs[] = {
    { "two_people.jpg", { { 239, 22, 147, 204 }, { 791, 41, 145, 217 } } },
    { "obama_and_biden.jpg", { { 760, 396, 163, 229 }, { 1142, 348, 188, 252 } } },
};

static float iou(ka_rect a, ka_rect b)
{
    ka_rect i = ka_rect_intersect(a, b);
    if (!i.w || !i.h)
        return 0;
    double in = (double)i.w * i.h;
    return (float)(in / ((double)a.w * a.h + (double)b.w * b.h - in));
}

static void check_record(const ka_face *f, int n, const ka_image *img, ka_face_detector d)
{
    for (int i = 0; i < n; i++) {
        CHECK(f[i].box.x >= 0 && f[i].box.y >= 0 && f[i].box.w > 0 && f[i].box.h > 0);
        CHECK(f[i].box.x + f[i].box.w <= img->width + 1 && f[i].box.y + f[i].box.h <= img->height + 1);
        CHECK(f[i].score >= 0 && f[i].score <= 1);
        if (d == KA_DET_YUNET || d == KA_DET_FACEPLUGIN)
            CHECK_EQ_INT(f[i].n_landmarks, 5);
        for (int k = 0; k < f[i].n_landmarks; k++) {  /* landmarks on the face */
            float mx = 0.25f * f[i].box.w, my = 0.25f * f[i].box.h;
            CHECK_MSG(f[i].landmarks[k][0] >= f[i].box.x - mx &&
                      f[i].landmarks[k][0] <= f[i].box.x + f[i].box.w + mx &&
                      f[i].landmarks[k][1] >= f[i].box.y - my &&
                      f[i].landmarks[k][1] <= f[i].box.y + f[i].box.h + my,
                      "%s: landmark %d at %.0f, %.0f outside the box %d, %d %dx%d",
                      ka_vision_detector_name(d), k, f[i].landmarks[k][0], f[i].landmarks[k][1],
                      f[i].box.x, f[i].box.y, f[i].box.w, f[i].box.h);
        }
    }
}

/* Recall of detector d over the photos; also the mean time per photo. */
static double recall(ka_face_detector d, char **meds, int nm, double *ms)
{
    ka_vision *v = ka_vt_open(d, d == KA_DET_FACEPLUGIN ? KA_ATTR_EYES : 0);
    CHECK_MSG(ka_vision_detector(v) == d, "detector %s fell back to %s: are the models "
              "installed (scripts/setup.sh)?", ka_vision_detector_name(d),
              ka_vision_detector_name(ka_vision_detector(v)));
    int found = 0, total = 0;
    double t = 0;
    for (int i = 0; i < nm + 2; i++) {
        char path[4096];
        if (i < nm)
            snprintf(path, sizeof path, "%s", meds[i]);
        else
            snprintf(path, sizeof path, "%s/faces/public-figures/%s", ka_test_shared(),
                     pairs[i - nm].file);
        ka_image img;
        ka_vt_read(path, &img);
        ka_face *f = NULL;
        int n = 0;
        double t0 = ka_now();
        CHECK(ka_vision_faces(v, &img, (ka_rect){ 0, 0, 0, 0 }, &f, &n) == 0);
        t += ka_now() - t0;
        check_record(f, n, &img, d);
        if (i < nm) {
            int hit = 0;
            for (int k = 0; k < n; k++)
                hit |= f[k].box.h >= img.height * 15 / 100;
            found += hit;
            total++;
            if (!hit)
                fprintf(stderr, "  %s: missed %s\n", ka_vision_detector_name(d), strrchr(path, '/') + 1);
        } else {
            for (int g = 0; g < 2; g++) {
                ka_rect b = pairs[i - nm].box[g];
                int hit = 0;
                for (int k = 0; k < n; k++) {
                    int cx = f[k].box.x + f[k].box.w / 2, cy = f[k].box.y + f[k].box.h / 2;
                    hit |= cx >= b.x && cx < b.x + b.w && cy >= b.y && cy < b.y + b.h &&
                           iou(f[k].box, b) >= 0.25f;
                }
                found += hit;
                total++;
                if (!hit)
                    fprintf(stderr, "  %s: missed person %d of %s\n", ka_vision_detector_name(d),
                            g + 1, pairs[i - nm].file);
            }
        }
        free(f);
        ka_image_free(&img);
    }
    ka_vision_close(&v);
    *ms = 1000.0 * t / (nm + 2);
    return (double)found / total;
}

static void test_recall(void)
{
    char **meds;
    int nm = ka_vt_list("meds", &meds);
    CHECK_MSG(nm >= 100, "%d MEDS images", nm);
    static const ka_face_detector dets[] = {
        KA_DET_FACEPLUGIN, KA_DET_YUNET, KA_DET_ULTRAFACE, KA_DET_CASCADE,
    };
    fprintf(stderr, "face detection recall on %d faces (%d mug shots + 4 people in 2 photos):\n",
            nm + 4, nm);
    for (size_t i = 0; i < sizeof dets / sizeof dets[0]; i++) {
        double ms, r = recall(dets[i], meds, nm, &ms);
        fprintf(stderr, "  %-10s recall %.4f  (%.0f ms per photo)\n",
                ka_vision_detector_name(dets[i]), r, ms);
        if (dets[i] == KA_DET_CASCADE)
            CHECK_MSG(r >= 0.85, "cascade recall %.4f", r);
        else
            CHECK_MSG(r >= 0.95, "%s recall %.4f", ka_vision_detector_name(dets[i]), r);
    }
    ka_vt_free_list(meds, nm);
}

int main(void)
{
    RUN(test_recall);
    TEST_END();
}
