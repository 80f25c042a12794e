/* cast.c: a cast in memory: the reference faces (one identity embedding each) of the
 * characters of titles, which the identity pass and `keyart identify` match faces
 * against; and the names of the roles. The cast itself lives in the database: the
 * store loads it into a ka_cast (ka_store_cast_load), so vision reads no file and
 * knows no database. Entries are copied in; ka_cast_list hands out views of them. */
#include <stdlib.h>
#include <string.h>

#include "vision/vision_priv.h"

typedef struct ka_cast_item {
    char *title, *name, *source;
    ka_role role;
    float emb[KA_FACE_EMBED_DIM];
} ka_cast_item;

struct ka_cast {
    ka_cast_item *items;
    int n, cap;
    ka_cast_entry *view;            /* what ka_cast_list hands out */
};

static void ka_item_free(ka_cast_item *it)
{
    free(it->title);
    free(it->name);
    free(it->source);
}

int ka_cast_new(ka_cast **out)
{
    *out = calloc(1, sizeof(**out));
    return *out ? 0 : ka_error(KA_ENOMEM, "no memory for the cast");
}

int ka_cast_add(ka_cast *c, const ka_cast_entry *e)
{
    if (!c || !e || !e->title || !*e->title || !e->name || !*e->name || !e->embedding)
        return ka_error(KA_EINVAL, "a cast entry needs a title, a name and an embedding");
    if (c->n == c->cap) {
        int cap = c->cap ? 2 * c->cap : 16;
        ka_cast_item *p = realloc(c->items, (size_t)cap * sizeof(*p));
        if (!p)
            return ka_error(KA_ENOMEM, "no memory for the cast");
        c->items = p;
        c->cap = cap;
    }
    ka_cast_item *it = &c->items[c->n];
    it->title = strdup(e->title);
    it->name = strdup(e->name);
    it->source = e->source ? strdup(e->source) : NULL;
    it->role = e->role;
    memcpy(it->emb, e->embedding, sizeof(it->emb));
    if (!it->title || !it->name || (e->source && !it->source)) {
        ka_item_free(it);
        return ka_error(KA_ENOMEM, "no memory for the cast");
    }
    c->n++;
    return 0;
}

int ka_cast_list(ka_cast *c, const char *title, const ka_cast_entry **entries)
{
    *entries = NULL;
    if (!c)
        return ka_error(KA_EINVAL, "no cast");
    free(c->view);
    c->view = calloc((size_t)(c->n ? c->n : 1), sizeof(*c->view));
    if (!c->view)
        return ka_error(KA_ENOMEM, "no memory for the cast");
    int k = 0;
    for (int i = 0; i < c->n; i++) {
        const ka_cast_item *it = &c->items[i];
        if (title && strcmp(title, it->title))
            continue;
        c->view[k++] = (ka_cast_entry){ it->title, it->name, it->role, it->source, it->emb };
    }
    *entries = c->view;
    return k;
}

void ka_cast_free(ka_cast **pc)
{
    ka_cast *c = pc ? *pc : NULL;
    if (!c)
        return;
    for (int i = 0; i < c->n; i++)
        ka_item_free(&c->items[i]);
    free(c->items);
    free(c->view);
    free(c);
    *pc = NULL;
}

static const char *const ka_role_names[KA_ROLE_COUNT] = {
    "none", "hero", "heroine", "villain", "supporting", "lead", "background",
};

const char *ka_role_name(ka_role r)
{
    return (unsigned)r < KA_ROLE_COUNT ? ka_role_names[r] : "unknown";
}

int ka_role_parse(const char *name, ka_role *out)
{
    for (int r = KA_ROLE_HERO; name && r <= KA_ROLE_SUPPORTING; r++)
        if (!strcmp(name, ka_role_names[r])) {
            *out = (ka_role)r;
            return 0;
        }
    return ka_error(KA_EINVAL, "unknown role '%s' (hero, heroine, villain, supporting)",
                    name ? name : "");
}
