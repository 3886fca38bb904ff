/*
 * Puts keel's HTTP/1 checks in front of libh2o's request parser. libh2o
 * calls picohttpparser's phr_parse_request through its PLT, so a
 * definition exported by the executable is the one it reaches; this one
 * calls the library's own, then:
 *  - refuses header lists the smuggling guard rejects (http1_guard.h) by
 *    reporting a parse error, which h2o answers with 400 and a close;
 *  - copies the headers h2o consumes itself (Content-Length,
 *    Transfer-Encoding, Expect, Upgrade) under keel's own names, so PHP
 *    still sees them as HTTP_* as it does behind nginx (see params.c);
 *  - drops Expect from HTTP/1.0 requests, which must not get a 100
 *    Continue (RFC 9110 10.1.1) and which h2o would send one.
 */
#include <dlfcn.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "front/http1_guard.h"
#include "front/header_copy.h"

typedef int (*parse_fn)(const char *buf, size_t len, const char **method, size_t *method_len, const char **path,
                        size_t *path_len, int *minor_version, keel_http1_header_t *headers, size_t *num_headers,
                        size_t last_len);

int phr_parse_request(const char *buf, size_t len, const char **method, size_t *method_len, const char **path,
                      size_t *path_len, int *minor_version, keel_http1_header_t *headers, size_t *num_headers,
                      size_t last_len);

/* h2o lowercases header names in place, so the copies' names must be
 * writable; they are already lowercase and never change. */
static char copy_names[KEEL_HDR_COPIES][32] = {KEEL_HDR_CONTENT_LENGTH, KEEL_HDR_TRANSFER_ENCODING, KEEL_HDR_EXPECT,
                                               KEEL_HDR_UPGRADE};

static int
name_is(const keel_http1_header_t *h, const char *name)
{
    size_t n = strlen(name);
    return h->name != NULL && h->name_len == n && strncasecmp(h->name, name, n) == 0;
}

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
    size_t capacity = *num_headers;
    int r = real(buf, len, method, method_len, path, path_len, minor_version, headers, num_headers, last_len);
    if (r <= 0)
        return r;
    if (!keel_http1_headers_ok(headers, *num_headers))
        return -1;
    /* Every occurrence is copied (params.c joins repeats); more than this
     * many of the consumed headers in one request are not copied. */
    keel_http1_header_t copies[4 * KEEL_HDR_COPIES];
    size_t ncopies = 0, out = 0;
    for (size_t i = 0; i < *num_headers; i++) {
        const keel_http1_header_t h = headers[i];
        /* a client must not pose as a copy */
        int spoofed = keel_header_copy_original(h.name, h.name_len) != NULL, expect_10 = 0;
        for (size_t c = 0; c < KEEL_HDR_COPIES; c++) {
            if (name_is(&h, keel_header_originals[c])) {
                if (ncopies < sizeof(copies) / sizeof(copies[0]))
                    copies[ncopies++] =
                        (keel_http1_header_t){copy_names[c], strlen(copy_names[c]), h.value, h.value_len};
                expect_10 = c == 2 && *minor_version == 0;
            }
        }
        if (!spoofed && !expect_10)
            headers[out++] = h;
    }
    for (size_t c = 0; c < ncopies && out < capacity; c++)
        headers[out++] = copies[c];
    *num_headers = out;
    return r;
}
