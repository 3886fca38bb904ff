/*
 * Puts keel's HTTP/1 rules (http1_parse.h) in front of libh2o's request
 * parser. libh2o calls picohttpparser's phr_parse_request through its
 * PLT, so the definition exported by the executable is the one it
 * reaches; this one calls keel_http1_parse_request with the library's
 * own, and starts the body clock (body_timer.h) of a request whose head
 * announces a body.
 */
#include <dlfcn.h>
#include <stddef.h>

#include <h2o.h>

#include "front/body_timer.h"
#include "front/http1_parse.h"
#include "front/parser_hooks.h"

_Static_assert(KEEL_MAX_HEADER_SIZE_LIMIT <= H2O_MAX_REQLEN, "libh2o never parses a longer head");

int phr_parse_request(const char *buf, size_t len, const char **method, size_t *method_len, const char **path,
                      size_t *path_len, int *minor_version, keel_http1_header_t *headers, size_t *num_headers,
                      size_t last_len);

/*
 * libh2o's HTTP/1 reader passes the request's own fields
 * (&conn->req.input.method.base, ...), so the request is found from
 * `method`; checked against the buffer being parsed, which is its
 * socket's input. NULL when the caller is anything else.
 */
static h2o_req_t *
request_of(const char **method, const char *buf)
{
    h2o_req_t *req = (h2o_req_t *)((char *)method - offsetof(h2o_req_t, input.method.base));
    if (req->conn == NULL || req->conn->callbacks == NULL || req->conn->callbacks->get_socket == NULL)
        return NULL;
    h2o_socket_t *sock = req->conn->callbacks->get_socket(req->conn);
    if (sock == NULL || sock->input == NULL || sock->input->bytes != buf)
        return NULL;
    return req;
}

int
phr_parse_request(const char *buf, size_t len, const char **method, size_t *method_len, const char **path,
                  size_t *path_len, int *minor_version, keel_http1_header_t *headers, size_t *num_headers,
                  size_t last_len)
{
    /* Resolved once; the library cannot change under a running process. */
    static keel_phr_parse_request_fn real;
    if (real == NULL)
        real = (keel_phr_parse_request_fn)dlsym(RTLD_NEXT, "phr_parse_request");
    if (real == NULL)
        return -1;
    h2o_req_t *req = request_of(method, buf);
    int has_body;
    int r = keel_http1_parse_request(real, req != NULL ? &req->pool : NULL, keel_parser_hooks_max_header_size(), buf,
                                     len, method, method_len, path, path_len, minor_version, headers, num_headers,
                                     last_len, &has_body);
    if (r > 0 && has_body && req != NULL)
        keel_body_timer_start(req, (size_t)r);
    return r;
}
