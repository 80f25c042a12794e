/* bench_rank.c [ITERATIONS]: what appeal costs per candidate (release build): the
 * ranker (its features from a candidate with faces, and the score) against the
 * target of 1 ms, and the look stage's measures (ka_look_measure) of a 1080p frame,
 * beside the quality measures every candidate already gets (ka_quality_measure) as
 * the peer. Prints microseconds per call, the best of 5 rounds (the least disturbed by
 * whatever else the machine runs); it does not fail on targets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyart/keyart.h"

static void fill(ka_image *img)
{
    unsigned s = 1;
    for (int y = 0; y < img->height; y++)
        for (int x = 0; x < img->width * 3; x++) {
            s = s * 1664525u + 1013904223u;
            img->data[(size_t)y * img->stride + x] = (uint8_t)((x / 7 + y / 5) * 3 + (s >> 28));
        }
}

int main(int argc, char **argv)
{
    int iters = argc > 1 ? atoi(argv[1]) : 200000;
    ka_title t;
    memset(&t, 0, sizeof t);
    t.info.fps = 24;
    t.content = (ka_rect){ 0, 0, 1920, 1080 };
    ka_shot shot = { .start_frame = 0, .end_frame = 240, .start_s = 0, .end_s = 10 };
    t.shots = &shot;
    t.n_shots = 1;
    ka_candidate c;
    memset(&c, 0, sizeof c);
    c.frame = 100;
    c.time_s = 4.2;
    c.content = t.content;
    ka_vision_cand *vc = ka_vision_cand_new(3, 2);
    for (int i = 0; i < 3; i++) {
        vc->faces[i].box = (ka_rect){ 300 + 500 * i, 300, 200 - 30 * i, 260 - 40 * i };
        vc->faces[i].prominence = 0.6f - 0.1f * (float)i;
        vc->faces[i].eyes_open = 0.9f;
        vc->faces[i].eye_aspect = 0.3f;
        vc->faces[i].mouth_open = 0.1f;
        vc->faces[i].pitch = 0.5f;
    }
    vc->objects[0] = (ka_object){ { 200, 200, 400, 800 }, KA_OBJ_PERSON, 0, 0.9f };
    ka_vision_attach(&c, vc);
    const ka_ranker *r = ka_ranker_default();
    float x[KA_F_COUNT], sum = 0;
    double t0 = ka_now();
    for (int i = 0; i < iters; i++) {
        c.motion = (float)(i & 63) / 640.0f;
        ka_rank_features(&t, &c, x);
        sum += ka_ranker_score(r, x);
    }
    double rank_us = (ka_now() - t0) / iters * 1e6;
    ka_image img;
    ka_image_alloc(&img, 1920, 1080, 3);
    fill(&img);
    int n = iters / 10000 > 5 ? iters / 10000 : 5;
    ka_look look;
    ka_quality q;
    double look_us = 1e30, quality_us = 1e30;
    for (int round = 0; round < 5; round++) {
        t0 = ka_now();
        for (int i = 0; i < n; i++)
            ka_look_measure(&img, t.content, (ka_rect){ 600, 200, 500, 600 }, &look);
        double a = (ka_now() - t0) / n * 1e6;
        t0 = ka_now();
        for (int i = 0; i < n; i++)
            ka_quality_measure(&img, t.content, &q);
        double b = (ka_now() - t0) / n * 1e6;
        look_us = a < look_us ? a : look_us;
        quality_us = b < quality_us ? b : quality_us;
    }
    printf("ranker (features + score) per candidate: %8.2f us   (target < 1000 us: %.5f of it)\n",
           rank_us, rank_us / 1000.0);
    printf("look stage, one 1080p frame:            %8.1f us\n", look_us);
    printf("quality measures, one 1080p frame:      %8.1f us   (look / quality = %.2f)\n",
           quality_us, look_us / quality_us);
    fprintf(stderr, "(checksum %g)\n", (double)sum);
    ka_image_free(&img);
    ka_candidate_side_free(&c);
    return 0;
}
