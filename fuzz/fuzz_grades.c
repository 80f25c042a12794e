/* fuzz_grades.c: editors' grade files and saved features files (rank/grades.c;
 * `keyart train-ranker`). The grade file sits in a scratch folder with two clips'
 * videos beside it and in a media folder (the reader only looks for them), so clip
 * paths and names are followed as they would be. A file is refused with a reason or
 * gives clips whose frames are ascending with grades 0..3. */
#include <string.h>
#include <sys/stat.h>

#include "keyart/rank.h"
#include "fuzz.h"

static char media[512];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char path[512];
    snprintf(media, sizeof media, "%s/media", ka_fuzz_dir());
    mkdir(media, 0700);
    /* the corpus names these clips: a.mp4 beside the file, b.mp4 in media/ */
    if (ka_fuzz_write("a.mp4", "", 0, path, sizeof path) ||
        ka_fuzz_write("media/b.mp4", "", 0, path, sizeof path))
        abort();
    return 0;
}

static void check_set(const ka_grade_set *set)
{
    for (int c = 0; c < set->n; c++) {
        const ka_grade_clip *clip = &set->clips[c];
        FUZZ_CHECK(clip->n > 0 && clip->video && ka_grades_find(set, clip->name) == c);
        for (int i = 0; i < clip->n; i++) {
            FUZZ_CHECK(clip->grades[i] >= 0 && clip->grades[i] <= KA_GRADE_MAX);
            FUZZ_CHECK(clip->frames[i] >= 0 && (!i || clip->frames[i] >= clip->frames[i - 1]));
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512];
    if (ka_fuzz_write("grades.json", data, size, path, sizeof path))
        abort();
    ka_grade_set set = { 0 };
    ka_grades_load(path, media, &set);
    check_set(&set);
    /* a second file adds to the set (clips graded twice are refused) */
    ka_grades_load(path, media, &set);
    check_set(&set);
    ka_grades_free(&set);

    char **names = NULL;
    ka_graded *rows = NULL;
    int n_clips = 0, n = 0;
    if (ka_features_load(path, &names, &n_clips, &rows, &n) == 0)
        for (int i = 0; i < n; i++)
            FUZZ_CHECK(rows[i].clip >= 0 && rows[i].clip < n_clips &&
                       rows[i].grade >= 0 && rows[i].grade <= KA_GRADE_MAX);
    for (int i = 0; names && names[i]; i++)
        free(names[i]);
    free(names);
    free(rows);
    return 0;
}
