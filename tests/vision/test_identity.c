/* test_identity.c: identity embeddings on MEDS-II (../shared/faces/meds): rank-1
 * accuracy, leave-one-out over the subjects with two or more images (every other
 * image of every subject enrolled, single-image subjects included as distractors),
 * must be at least 0.95. Also the genuine / impostor similarity distributions, to
 * check the calibrated match threshold (KA_FACE_MATCH_THRESHOLD): at most 1% of
 * impostor pairs above it, at least 85% of genuine pairs (MEDS pairs frontal with
 * profile views, which score low). */
#include "vision_test.h"

static int subject_of(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    return b[0] == 'S' ? atoi(b + 1) : -1;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static void test_meds(void)
{
    char **files;
    int n = ka_vt_list("meds", &files);
    CHECK_MSG(n >= 100, "%d MEDS images", n);
    ka_vision *v = ka_vt_open(KA_DET_AUTO, KA_ATTR_IDENTITY);
    CHECK_MSG(ka_vision_has_identity(v), "the identity model is missing: run scripts/setup.sh");
    float (*emb)[KA_FACE_EMBED_DIM] = calloc((size_t)n, sizeof(*emb));
    int *subj = calloc((size_t)n, sizeof(int)), *ok = calloc((size_t)n, sizeof(int));
    double t0 = ka_now();
    for (int i = 0; i < n; i++) {
        ka_image img;
        ka_vt_read(files[i], &img);
        ka_face *f = NULL;
        int nf = 0, best = -1;
        CHECK(ka_vision_faces(v, &img, (ka_rect){ 0, 0, 0, 0 }, &f, &nf) == 0);
        for (int k = 0; k < nf; k++)
            if (f[k].has_embedding && (best < 0 || f[k].box.w * f[k].box.h >
                                                   f[best].box.w * f[best].box.h))
                best = k;
        CHECK_MSG(best >= 0, "no face with an embedding in %s", files[i]);
        if (best >= 0) {
            memcpy(emb[i], f[best].embedding, sizeof(emb[i]));
            ok[i] = 1;
        }
        subj[i] = subject_of(files[i]);
        free(f);
        ka_image_free(&img);
    }
    fprintf(stderr, "embeddings of %d images in %.1f s (detector %s)\n", n, ka_now() - t0,
            ka_vision_detector_name(ka_vision_detector(v)));
    int probes = 0, correct = 0, ng = 0, ni = 0;
    float *gen = malloc((size_t)n * n * sizeof(float)), *imp = malloc((size_t)n * n * sizeof(float));
    for (int i = 0; i < n; i++) {
        int others = 0;
        for (int k = 0; k < n; k++)
            others += k != i && subj[k] == subj[i];
        float best = -2;
        int bj = -1;
        for (int k = 0; k < n; k++) {
            if (k == i || !ok[k] || !ok[i])
                continue;
            float s = ka_face_similarity(emb[i], emb[k]);
            if (k > i) {
                if (subj[k] == subj[i])
                    gen[ng++] = s;
                else
                    imp[ni++] = s;
            }
            if (s > best) {
                best = s;
                bj = k;
            }
        }
        if (others == 0)
            continue;
        probes++;
        correct += bj >= 0 && subj[bj] == subj[i];
        if (bj >= 0 && subj[bj] != subj[i])
            fprintf(stderr, "  miss: %s -> %s (%.3f)\n", strrchr(files[i], '/') + 1,
                    strrchr(files[bj], '/') + 1, best);
    }
    double rank1 = probes ? (double)correct / probes : 0;
    qsort(gen, (size_t)ng, sizeof(float), cmp_float);
    qsort(imp, (size_t)ni, sizeof(float), cmp_float);
    int gen_above = 0, imp_above = 0;
    for (int i = 0; i < ng; i++)
        gen_above += gen[i] >= KA_FACE_MATCH_THRESHOLD;
    for (int i = 0; i < ni; i++)
        imp_above += imp[i] >= KA_FACE_MATCH_THRESHOLD;
    fprintf(stderr, "rank-1 %.4f (%d of %d probes)\n", rank1, correct, probes);
    fprintf(stderr, "genuine pairs %d: median %.3f, 5%% %.3f; impostor pairs %d: median %.3f, "
            "99%% %.3f, 99.9%% %.3f, max %.3f\n", ng, gen[ng / 2], gen[ng / 20], ni, imp[ni / 2],
            imp[ni * 99 / 100], imp[ni * 999 / 1000], imp[ni - 1]);
    fprintf(stderr, "threshold %.2f: %.1f%% of genuine pairs above, %.2f%% of impostors\n",
            (double)KA_FACE_MATCH_THRESHOLD, 100.0 * gen_above / ng, 100.0 * imp_above / ni);
    CHECK_MSG(rank1 >= 0.95, "rank-1 %.4f", rank1);
    CHECK_MSG(imp_above <= ni / 100, "%d of %d impostor pairs above the threshold", imp_above, ni);
    CHECK_MSG(gen_above >= ng * 85 / 100, "%d of %d genuine pairs above the threshold", gen_above, ng);
    free(gen);
    free(imp);
    free(emb);
    free(subj);
    free(ok);
    ka_vision_close(&v);
    ka_vt_free_list(files, n);
}

int main(void)
{
    RUN(test_meds);
    TEST_END();
}
