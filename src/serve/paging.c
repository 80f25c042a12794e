/* paging.c: cursor paging of the lists that grow (titles, experiments, users): a page
 * is `limit` items (100 by default, 1..1000) after the cursor `after` (the last key
 * of the page before), in key order, and says where the next one is: "next" is the
 * path of the next page, or null after the last. A key is the item's own name, so a
 * page never skips or repeats an item when others are added meanwhile. */
#include <stdlib.h>
#include <string.h>

#include "serve_priv.h"

int ka_req_page(ka_req *r, ka_page *p)
{
    const char *limit = ka_req_query(r, "limit");
    p->after = ka_req_query(r, "after");
    p->limit = 100;
    if (limit && ka_parse_int(limit, 1, 1000, &p->limit)) {
        ka_reply_error(r, MHD_HTTP_BAD_REQUEST, "limit must be 1..1000");
        return -1;
    }
    return 0;
}

void ka_url_encode(const char *s, char *out, size_t size)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (; *s && n + 4 < size; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            out[n++] = (char)c;
        } else {
            out[n++] = '%';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 15];
        }
    }
    out[n] = '\0';
}

json_t *ka_page_next(const char *path, const char *last_key, const ka_page *p)
{
    char key[512], url[768];
    ka_url_encode(last_key, key, sizeof key);
    snprintf(url, sizeof url, "%s%cafter=%s&limit=%d", path, strchr(path, '?') ? '&' : '?', key,
             p->limit);
    return json_string(url);
}

static const char *item_key(const json_t *item, const char *key)
{
    const char *k = json_string_value(json_object_get(item, key));
    return k ? k : "";
}

static int by_key(const void *a, const void *b, void *key)
{
    return strcmp(item_key(*(json_t *const *)a, key), item_key(*(json_t *const *)b, key));
}

json_t *ka_page_of(json_t *items, const char *key, const char *path, const ka_page *p,
                   json_t **next)
{
    size_t n = json_array_size(items), kept = 0;
    json_t **v = malloc(sizeof *v * (n + 1)), *page = json_array();
    *next = json_null();
    if (!v || !page) {
        free(v);
        json_decref(page);
        json_decref(items);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        v[i] = json_array_get(items, i);
    qsort_r(v, n, sizeof *v, by_key, (void *)key);
    for (size_t i = 0; i < n; i++) {
        if (p->after && strcmp(item_key(v[i], key), p->after) <= 0)
            continue;
        if (kept == (size_t)p->limit) {
            json_decref(*next);
            *next = ka_page_next(path, item_key(json_array_get(page, kept - 1), key), p);
            break;
        }
        json_array_append(page, v[i]);
        kept++;
    }
    free(v);
    json_decref(items);
    return page;
}

int ka_req_empty_body(ka_req *r)
{
    static const char *const none[] = { NULL };
    if (!r->len)
        return 1;
    json_t *b = ka_req_json(r);
    int ok = b && !ka_req_only_fields(r, b, "this request", none);
    json_decref(b);
    return ok;
}
