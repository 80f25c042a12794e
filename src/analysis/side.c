/* side.c: side data on a candidate. Later stages (vision) keep their per-candidate
 * records here, each under a kind the stage owns, so the pipeline frees and copies
 * candidates without knowing what any stage stores. */
#include <stddef.h>

#include "keyart/analysis.h"

void *ka_candidate_side(const ka_candidate *cand, const ka_side_kind *kind)
{
    for (int i = 0; cand && i < KA_CAND_SIDE_MAX; i++)
        if (cand->side[i].kind == kind)
            return cand->side[i].data;
    return NULL;
}

static void side_release(ka_side *s)
{
    if (s->kind && s->kind->free_fn && s->data)
        s->kind->free_fn(s->data);
    *s = (ka_side){ 0 };
}

int ka_candidate_side_set(ka_candidate *cand, const ka_side_kind *kind, void *data)
{
    ka_side *slot = NULL;
    for (int i = 0; i < KA_CAND_SIDE_MAX && !slot; i++)
        if (cand->side[i].kind == kind)
            slot = &cand->side[i];
    for (int i = 0; i < KA_CAND_SIDE_MAX && !slot; i++)
        if (!cand->side[i].kind)
            slot = &cand->side[i];
    if (!slot) {
        ka_side lost = { kind, data };
        side_release(&lost);
        return ka_error(KA_EINTERNAL, "a candidate carries at most %d kinds of side data "
                        "(adding \"%s\")", KA_CAND_SIDE_MAX, kind->name);
    }
    if (slot->kind && slot->data != data)
        side_release(slot);
    slot->kind = kind;
    slot->data = data;
    return 0;
}

void ka_candidate_side_free(ka_candidate *cand)
{
    for (int i = 0; cand && i < KA_CAND_SIDE_MAX; i++)
        side_release(&cand->side[i]);
}
