/* variant_id.c: what names a variant across analyses. The number of a variant is its
 * place in one analysis (variant 1 the best image) and changes when the title is
 * analysed again; the id is the frame's, so events, policies and experiment arms that
 * hold it keep meaning the same picture. */
#include <nettle/sha2.h>
#include <stdio.h>
#include <string.h>

#include "keyart/select.h"

static void put_u64(uint8_t *b, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

void ka_variant_id(const char *title_id, int64_t frame, uint64_t phash,
                   char out[KA_VARIANT_ID_LEN + 1])
{
    struct sha256_ctx c;
    uint8_t d[SHA256_DIGEST_SIZE], nums[16];
    const char *id = title_id ? title_id : "";
    put_u64(nums, (uint64_t)frame);
    put_u64(nums + 8, phash);
    sha256_init(&c);
    sha256_update(&c, strlen(id) + 1, (const uint8_t *)id);    /* with its NUL: a boundary */
    sha256_update(&c, sizeof nums, nums);
    sha256_digest(&c, sizeof d, d);
    for (int i = 0; i < KA_VARIANT_ID_LEN / 2; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

void ka_variant_id_of(const ka_title *t, const ka_variant *v, char out[KA_VARIANT_ID_LEN + 1])
{
    if (ka_variant_id_ok(v->id)) {
        memcpy(out, v->id, KA_VARIANT_ID_LEN + 1);
        return;
    }
    const ka_candidate *c = v->cand >= 0 && v->cand < t->n_cands ? &t->cands[v->cand] : NULL;
    ka_variant_id(t->id, c ? c->frame : -v->number, c ? c->phash : 0, out);
}

int ka_variant_id_ok(const char *s)
{
    if (!s || strlen(s) != KA_VARIANT_ID_LEN)
        return 0;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return 0;
    return 1;
}
