/* api_web.c: the dashboard's pages and files (web/, built into the library):
 *   GET /          the dashboard (index.html)
 *   GET /ui/{}     one of its files, e.g. /ui/app.js
 * The files change only with the program, so an ETag of their bytes lets a browser keep
 * them; the Content-Security-Policy allows nothing from outside the server. */
#include <stdio.h>
#include <string.h>

#include "serve_priv.h"

static const char csp[] = "default-src 'self'; img-src 'self' data:; style-src 'self';"
                          " script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

/* FNV-1a over the bytes: a tag, not a security measure. */
static void etag_of(const ka_web_file *f, char out[24])
{
    snprintf(out, 24, "\"%016llx\"",
             (unsigned long long)ka_fnv1a(KA_FNV_OFFSET, f->data, f->size));
}

static enum MHD_Result reply_file(ka_req *r, const ka_web_file *f)
{
    char etag[24];
    etag_of(f, etag);
    const char *seen = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                                   MHD_HTTP_HEADER_IF_NONE_MATCH);
    unsigned status = seen && !strcmp(seen, etag) ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK;
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        status == MHD_HTTP_OK ? f->size : 0, (void *)f->data, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, f->type);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
    MHD_add_response_header(resp, "Content-Security-Policy", csp);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    r->status = (int)status;
    r->replied = 1;
    enum MHD_Result ok = MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
    return ok;
}

enum MHD_Result ka_api_ui_index(ka_req *r)
{
    const ka_web_file *f = ka_web_file_find("index.html");
    return f ? reply_file(r, f) : ka_reply_error(r, MHD_HTTP_NOT_FOUND, "no dashboard built in");
}

enum MHD_Result ka_api_ui_file(ka_req *r)
{
    const ka_web_file *f = ka_web_file_find(r->params[0]);
    return f ? reply_file(r, f)
             : ka_reply_error(r, MHD_HTTP_NOT_FOUND, "no dashboard file %s", r->params[0]);
}
