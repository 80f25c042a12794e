/* strmap.c: string keys to pointers, open addressing with linear probing (deletion
 * shifts the run back, so there are no tombstones). The server's titles, users and
 * pending impressions live in these. */
#include <stdlib.h>
#include <string.h>

#include "serve_priv.h"

#define FNV_PRIME 1099511628211ULL

uint64_t ka_fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * FNV_PRIME;
    return h;
}

uint64_t ka_fnv1a_str(uint64_t h, const char *s)
{
    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * FNV_PRIME;
    return h;
}

static size_t hash(const char *s)
{
    uint64_t h = ka_fnv1a_str(KA_FNV_OFFSET, s);
    return (size_t)(h ^ (h >> 29));
}

static size_t slot_of(const ka_strmap *m, const char *key)
{
    size_t mask = m->cap - 1, i = hash(key) & mask;
    while (m->keys[i] && strcmp(m->keys[i], key))
        i = (i + 1) & mask;
    return i;
}

void *ka_strmap_get(const ka_strmap *m, const char *key)
{
    if (!m->cap || !key)
        return NULL;
    size_t i = slot_of(m, key);
    return m->keys[i] ? m->vals[i] : NULL;
}

static int grow(ka_strmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 16;
    ka_strmap g = { calloc(cap, sizeof(char *)), calloc(cap, sizeof(void *)), cap, m->n };
    if (!g.keys || !g.vals) {
        free(g.keys);
        free(g.vals);
        return ka_error(KA_ENOMEM, "no memory for a map of %zu entries", cap);
    }
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i]) {
            size_t j = slot_of(&g, m->keys[i]);
            g.keys[j] = m->keys[i];
            g.vals[j] = m->vals[i];
        }
    free(m->keys);
    free(m->vals);
    *m = g;
    return 0;
}

int ka_strmap_put(ka_strmap *m, const char *key, void *val)
{
    if ((m->n + 1) * 4 > m->cap * 3) {      /* keep the load under 3/4 */
        int err = grow(m);
        if (err)
            return err;
    }
    size_t i = slot_of(m, key);
    if (!m->keys[i]) {
        if (!(m->keys[i] = strdup(key)))
            return ka_error(KA_ENOMEM, "no memory");
        m->n++;
    }
    m->vals[i] = val;
    return 0;
}

void *ka_strmap_del(ka_strmap *m, const char *key)
{
    if (!m->cap || !key)
        return NULL;
    size_t mask = m->cap - 1, i = slot_of(m, key);
    if (!m->keys[i])
        return NULL;
    void *val = m->vals[i];
    free(m->keys[i]);
    m->keys[i] = NULL;
    m->n--;
    /* Move back every later entry of the run that now cannot be found. */
    for (size_t j = (i + 1) & mask; m->keys[j]; j = (j + 1) & mask) {
        size_t home = hash(m->keys[j]) & mask;
        int reachable = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!reachable) {
            m->keys[i] = m->keys[j];
            m->vals[i] = m->vals[j];
            m->keys[j] = NULL;
            i = j;
        }
    }
    return val;
}

void ka_strmap_each(const ka_strmap *m, void (*fn)(void *arg, const char *key, void *val),
                    void *arg)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i])
            fn(arg, m->keys[i], m->vals[i]);
}

void ka_strmap_free(ka_strmap *m, void (*free_val)(void *val))
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i]) {
            free(m->keys[i]);
            if (free_val)
                free_val(m->vals[i]);
        }
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}
