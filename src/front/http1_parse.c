#include "front/http1_parse.h"

#include <string.h>
#include <strings.h>

#include "front/header_copy.h"

/* h2o lowercases header names in place, so the names keel adds must be
 * writable; they are already lowercase and never change. */
static char copy_names[KEEL_HDR_COPIES][32] = {KEEL_HDR_CONTENT_LENGTH, KEEL_HDR_TRANSFER_ENCODING, KEEL_HDR_EXPECT,
                                               KEEL_HDR_UPGRADE};
static char verdict_name[] = KEEL_HTTP1_VERDICT_HEADER;

static int
name_is(const keel_http1_header_t *h, const char *name)
{
    size_t n = strlen(name);
    return h->name != NULL && h->name_len == n && strncasecmp(h->name, name, n) == 0;
}

static keel_http1_header_t
verdict_header(keel_http1_verdict_t verdict)
{
    const char *status = verdict == KEEL_HTTP1_NOT_IMPLEMENTED ? "501" : "505";
    return (keel_http1_header_t){verdict_name, sizeof(verdict_name) - 1, status, 3};
}

/* A request line naming HTTP/2 or later: handed on as an HTTP/1.0 request
 * without headers, for http.c to answer 505. Returns the bytes it took, or
 * -1 when it cannot be rewritten. */
static int
version_unsupported(h2o_mem_pool_t *pool, const char *buf, const keel_http1_line_t *line, const char **method,
                    size_t *method_len, const char **path, size_t *path_len, int *minor_version,
                    keel_http1_header_t *headers, size_t *num_headers)
{
    if (pool == NULL || *num_headers == 0 || line->length > INT32_MAX)
        return -1;
    /* copies: libh2o keeps pointing into its input buffer only as long as
     * the head is the one it parsed */
    *method = h2o_strdup(pool, buf + line->method_at, line->method_len).base;
    *method_len = line->method_len;
    *path = h2o_strdup(pool, buf + line->target_at, line->target_len).base;
    *path_len = line->target_len;
    *minor_version = 0;
    headers[0] = verdict_header(KEEL_HTTP1_VERSION_UNSUPPORTED);
    *num_headers = 1;
    return (int)line->length;
}

/* A head that is not there yet, or that picohttpparser refused. */
static int
unparsed(int r, h2o_mem_pool_t *pool, size_t max_head, const char *buf, size_t len, const char **method,
         size_t *method_len, const char **path, size_t *path_len, int *minor_version, keel_http1_header_t *headers,
         size_t *num_headers)
{
    keel_http1_line_t line;
    if (keel_http1_version_verdict(buf, len, &line) == KEEL_HTTP1_VERSION_UNSUPPORTED && line.length <= max_head)
        return version_unsupported(pool, buf, &line, method, method_len, path, path_len, minor_version, headers,
                                   num_headers);
    if (r == -2 && len > max_head)
        return -1;
    return r;
}

int
keel_http1_parse_request(keel_phr_parse_request_fn parse, h2o_mem_pool_t *pool, size_t max_head, const char *buf,
                         size_t len, const char **method, size_t *method_len, const char **path, size_t *path_len,
                         int *minor_version, keel_http1_header_t *headers, size_t *num_headers, size_t last_len,
                         int *has_body)
{
    size_t capacity = *num_headers;
    *has_body = 0;
    int r = parse(buf, len, method, method_len, path, path_len, minor_version, headers, num_headers, last_len);
    if (r < 0) {
        *num_headers = capacity;
        return unparsed(r, pool, max_head, buf, len, method, method_len, path, path_len, minor_version, headers,
                        num_headers);
    }
    if ((size_t)r > max_head)
        return -1;
    for (size_t i = 0; i < *num_headers; i++)
        while (headers[i].value_len > 0 && headers[i].value[headers[i].value_len - 1] == ' ')
            headers[i].value_len--;
    keel_http1_verdict_t verdict = keel_http1_headers_verdict(headers, *num_headers, *minor_version);
    if (verdict == KEEL_HTTP1_BAD_REQUEST)
        return -1;
    /* Every occurrence is copied (params.c joins repeats); more than this
     * many of the consumed headers in one request are not copied. */
    keel_http1_header_t copies[4 * KEEL_HDR_COPIES];
    size_t ncopies = 0, out = 0;
    for (size_t i = 0; i < *num_headers; i++) {
        const keel_http1_header_t h = headers[i];
        /* a client must not pose as a copy */
        int spoofed = keel_header_copy_original(h.name, h.name_len) != NULL, drop = spoofed;
        for (size_t c = 0; c < KEEL_HDR_COPIES; c++) {
            if (!name_is(&h, keel_header_originals[c]))
                continue;
            if (verdict != KEEL_HTTP1_OK) {
                /* refused: nothing for libh2o to read or upgrade to */
                drop = 1;
                continue;
            }
            if (ncopies < sizeof(copies) / sizeof(copies[0]))
                copies[ncopies++] = (keel_http1_header_t){copy_names[c], strlen(copy_names[c]), h.value, h.value_len};
            drop |= c == 2 && *minor_version == 0; /* Expect */
            *has_body |= c < 2;                    /* Content-Length, Transfer-Encoding */
        }
        if (!drop)
            headers[out++] = h;
    }
    for (size_t c = 0; c < ncopies && out < capacity; c++)
        headers[out++] = copies[c];
    if (verdict != KEEL_HTTP1_OK) {
        if (out == capacity)
            return -1;
        headers[out++] = verdict_header(verdict);
    }
    *num_headers = out;
    return r;
}
