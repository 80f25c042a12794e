/* test_cast.c: the cast in the database on one backend (argv[1]: sqlite or pg): adds
 * append references to a member (the role follows the last add), loading gives
 * vision's in-memory cast one entry per reference for a title or for every title,
 * references of another size are refused, and four processes adding to one member at
 * once lose none of their references. */
#include <jansson.h>
#include <sys/wait.h>

#include "store_test.h"

static void fill(float *v, float x)
{
    for (int i = 0; i < KA_FACE_EMBED_DIM; i++)
        v[i] = x + 0.001f * (float)i;
}

static void test_add_and_load(void)
{
    ka_store *s = st_open_fresh(NULL, NULL);
    if (!s)
        return;
    static float two[2][KA_FACE_EMBED_DIM], one[KA_FACE_EMBED_DIM];
    fill(two[0], 1), fill(two[1], 2), fill(one, 3);
    CHECK_EQ_INT(ka_store_cast_add(s, "film", "Ada", "supporting", two[0], 2,
                                   KA_FACE_EMBED_DIM), 0);
    CHECK_EQ_INT(ka_store_cast_add(s, "film", "Ada", "heroine", one, 1, KA_FACE_EMBED_DIM), 0);
    CHECK_EQ_INT(ka_store_cast_add(s, "other", "Bo", "hero", one, 1, KA_FACE_EMBED_DIM), 0);
    CHECK_EQ_INT(ka_store_cast_add(s, "film", "Ada", "heroine", one, 1, 128), KA_EINVAL);
    CHECK(strstr(ka_error_message(), "Ada of film"));
    CHECK_EQ_INT(ka_store_cast_add(s, "film", "", "hero", one, 1, KA_FACE_EMBED_DIM), KA_EINVAL);
    CHECK_EQ_INT(st_count(s, "SELECT n_embeddings FROM cast_members WHERE name = 'Ada'"), 3);
    ka_cast *c = NULL;
    CHECK_EQ_INT(ka_cast_new(&c), 0);
    CHECK_EQ_INT(ka_store_cast_load(s, "film", c), 0);
    const ka_cast_entry *e = NULL;
    int n = ka_cast_list(c, NULL, &e);
    CHECK_EQ_INT(n, 3);
    for (int i = 0; i < n; i++) {
        CHECK(!strcmp(e[i].title, "film") && !strcmp(e[i].name, "Ada"));
        CHECK(e[i].role == KA_ROLE_HEROINE);
    }
    if (n == 3) {           /* in the order added */
        CHECK(!memcmp(e[0].embedding, two[0], sizeof one));
        CHECK(!memcmp(e[1].embedding, two[1], sizeof one));
        CHECK(!memcmp(e[2].embedding, one, sizeof one));
    }
    ka_cast_free(&c);
    CHECK_EQ_INT(ka_cast_new(&c), 0);
    CHECK_EQ_INT(ka_store_cast_load(s, NULL, c), 0);
    CHECK_EQ_INT(ka_cast_list(c, NULL, &e), 4);
    CHECK_EQ_INT(ka_cast_list(c, "other", &e), 1);
    ka_cast_free(&c);
    /* a stub title for the cast is not an analysed title */
    json_t *titles = NULL;
    CHECK_EQ_INT(ka_store_titles_json(s, &titles), 0);
    CHECK_EQ_INT(json_array_size(titles), 0);
    json_decref(titles);
    ka_store_close(&s);
}

static void test_concurrent_adds(void)
{
    enum { PROCS = 4, ADDS = 5 };
    const char *url = st_fresh_url();
    pid_t kids[PROCS];
    for (int p = 0; p < PROCS; p++) {
        if ((kids[p] = fork()) == 0) {
            ka_store *c = NULL;
            int bad = ka_store_open(url, 0, &c);
            static float v[KA_FACE_EMBED_DIM];
            for (int i = 0; !bad && i < ADDS; i++) {
                fill(v, (float)(p * ADDS + i));
                bad = ka_store_cast_add(c, "film", "Ada", "heroine", v, 1, KA_FACE_EMBED_DIM);
            }
            if (bad)
                fprintf(stderr, "child %d: %s\n", p, ka_error_message());
            ka_store_close(&c);
            _exit(bad != 0);
        }
    }
    for (int p = 0; p < PROCS; p++) {
        int st = 0;
        waitpid(kids[p], &st, 0);
        CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %d: status %d", p, st);
    }
    ka_store *s = NULL;            /* the children's database, not a fresh one */
    CHECK_EQ_INT(ka_store_open(url, 0, &s), 0);
    if (!s)
        return;
    CHECK_EQ_INT(st_count(s, "SELECT n_embeddings FROM cast_members"), PROCS * ADDS);
    ka_cast *c = NULL;
    CHECK_EQ_INT(ka_cast_new(&c), 0);
    CHECK_EQ_INT(ka_store_cast_load(s, "film", c), 0);
    const ka_cast_entry *e = NULL;
    int n = ka_cast_list(c, NULL, &e), seen[PROCS * ADDS] = { 0 };
    CHECK_EQ_INT(n, PROCS * ADDS);
    for (int i = 0; i < n; i++) {
        int k = (int)lroundf(e[i].embedding[0]);
        if (k >= 0 && k < PROCS * ADDS)
            seen[k]++;
    }
    for (int k = 0; k < PROCS * ADDS; k++)
        CHECK_MSG(seen[k] == 1, "reference %d is there %d times", k, seen[k]);
    ka_cast_free(&c);
    ka_store_close(&s);
}

int main(int argc, char **argv)
{
    int rc = st_setup(argc, argv);
    if (rc)
        return rc;
    RUN(test_add_and_load);
    RUN(test_concurrent_adds);
    st_teardown();
    TEST_END();
}
