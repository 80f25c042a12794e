/* test_side.c: side data on a candidate: kinds are keys, a kind set again replaces
 * (and frees) its data, a full candidate refuses a new kind and frees what it was
 * given, and freeing the candidate frees every entry exactly once. */
#include <string.h>

#include "ka_test.h"
#include "keyart/analysis.h"

static int freed[8];

static void free_counted(void *data)
{
    freed[*(int *)data]++;
    free(data);
}

static int *token(int k)
{
    int *p = malloc(sizeof *p);
    if (p)
        *p = k;
    return p;
}

static const ka_side_kind kinds[KA_CAND_SIDE_MAX + 1] = {
    { "a", free_counted }, { "b", free_counted }, { "c", free_counted },
    { "d", free_counted }, { "e", free_counted },
};

static void test_keys_and_replace(void)
{
    memset(freed, 0, sizeof freed);
    ka_candidate c = { 0 };
    CHECK(ka_candidate_side(&c, &kinds[0]) == NULL);
    CHECK(ka_candidate_side(NULL, &kinds[0]) == NULL);
    CHECK_EQ_INT(ka_candidate_side_set(&c, &kinds[0], token(0)), 0);
    CHECK_EQ_INT(ka_candidate_side_set(&c, &kinds[1], token(1)), 0);
    int *a = ka_candidate_side(&c, &kinds[0]), *b = ka_candidate_side(&c, &kinds[1]);
    CHECK(a && *a == 0 && b && *b == 1);
    /* a kind with the same name is another key: only the address counts */
    ka_side_kind twin = { "a", free_counted };
    CHECK(ka_candidate_side(&c, &twin) == NULL);
    CHECK_EQ_INT(ka_candidate_side_set(&c, &kinds[0], token(2)), 0);
    CHECK_EQ_INT(freed[0], 1);                      /* the replaced one */
    a = ka_candidate_side(&c, &kinds[0]);
    CHECK(a && *a == 2);
    ka_candidate_side_free(&c);
    CHECK_EQ_INT(freed[1], 1);
    CHECK_EQ_INT(freed[2], 1);
    CHECK(ka_candidate_side(&c, &kinds[0]) == NULL);
    ka_candidate_side_free(&c);                     /* twice is harmless */
    CHECK_EQ_INT(freed[1], 1);
}

static void test_full(void)
{
    memset(freed, 0, sizeof freed);
    ka_candidate c = { 0 };
    for (int i = 0; i < KA_CAND_SIDE_MAX; i++)
        CHECK_EQ_INT(ka_candidate_side_set(&c, &kinds[i], token(i)), 0);
    CHECK_EQ_INT(ka_candidate_side_set(&c, &kinds[KA_CAND_SIDE_MAX], token(7)), KA_EINTERNAL);
    CHECK_EQ_INT(freed[7], 1);                      /* not leaked */
    CHECK(strstr(ka_error_message(), "\"e\"") != NULL);
    /* a kind already there is replaced even when full */
    CHECK_EQ_INT(ka_candidate_side_set(&c, &kinds[3], token(6)), 0);
    CHECK_EQ_INT(freed[3], 1);
    ka_candidate_side_free(&c);
    for (int i = 0; i < KA_CAND_SIDE_MAX - 1; i++)
        CHECK_EQ_INT(freed[i], 1);
    CHECK_EQ_INT(freed[6], 1);
}

int main(void)
{
    RUN(test_keys_and_replace);
    RUN(test_full);
    TEST_END();
}
