/*
 * Puts keel's HTTP/1 request checks (http1_guard.h) in front of libh2o's
 * request parser. libh2o calls picohttpparser's phr_parse_request through
 * its PLT, so a definition exported by the executable is the one it
 * reaches; this one calls the library's own, then refuses header lists the
 * guard rejects by reporting a parse error, which h2o answers with 400 and
 * a closed connection.
 */
#include <dlfcn.h>
#include <stddef.h>

#include "front/http1_guard.h"

typedef int (*parse_fn)(const char *buf, size_t len, const char **method, size_t *method_len, const char **path,
                        size_t *path_len, int *minor_version, keel_http1_header_t *headers, size_t *num_headers,
                        size_t last_len);

int phr_parse_request(const char *buf, size_t len, const char **method, size_t *method_len, const char **path,
                      size_t *path_len, int *minor_version, keel_http1_header_t *headers, size_t *num_headers,
                      size_t last_len);

int
phr_parse_request(const char *buf, size_t len, const char **method, size_t *method_len, const char **path,
                  size_t *path_len, int *minor_version, keel_http1_header_t *headers, size_t *num_headers,
                  size_t last_len)
{
    /* Resolved once; the library cannot change under a running process. */
    static parse_fn real;
    if (real == NULL)
        real = (parse_fn)dlsym(RTLD_NEXT, "phr_parse_request");
    if (real == NULL)
        return -1;
    int r = real(buf, len, method, method_len, path, path_len, minor_version, headers, num_headers, last_len);
    if (r > 0 && !keel_http1_headers_ok(headers, *num_headers))
        return -1;
    return r;
}
