/* example.c: a program that uses libkeyart through its public headers alone: it
 * prints the library's version, where it looks for the face and object models, and
 * the shots of a video (what `keyart shots` finds).
 *
 *   cc example.c $(pkg-config --cflags --libs keyart) -o example
 *   ./example VIDEO
 *
 * README.md beside it shows the static link (libkeyart.a). */
#include <stdio.h>

#include <keyart/keyart.h>

int main(int argc, char **argv)
{
    printf("libkeyart %s\n", ka_version());
    printf("models: %s\n", ka_vision_default_models());   /* unless $KEYART_MODELS */
    if (argc != 2) {
        fprintf(stderr, "usage: %s VIDEO\n", argv[0]);
        return argc == 1 ? 0 : 1;
    }

    ka_analysis_opts opts;
    ka_analysis_opts_default(&opts);
    opts.shots_only = 1;            /* shots and defects only: no candidate frames */
    ka_log_set_level(KA_LOG_ERROR);

    ka_title *t = NULL;
    int err = ka_analyze(argv[1], "example", &opts, &t);
    if (err) {
        fprintf(stderr, "%s: %s\n", argv[1], ka_error_message());
        return 2;
    }
    printf("%s: %dx%d, %lld frames, %d shots\n", argv[1], t->info.width, t->info.height,
           (long long)t->frames, t->n_shots);
    for (int i = 0; i < t->n_shots; i++) {
        const ka_shot *s = &t->shots[i];
        printf("shot %d: frames %lld-%lld, %.3f-%.3f s, %s\n", s->index,
               (long long)s->start_frame, (long long)s->end_frame, s->start_s, s->end_s,
               ka_transition_name(s->transition_in));
    }
    ka_title_free(&t);
    return 0;
}
