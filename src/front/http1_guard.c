#include "front/http1_guard.h"

#include <string.h>
#include <strings.h>

#include "front/host_check.h"

static int
name_is(const keel_http1_header_t *h, const char *name, size_t len)
{
    return h->name != NULL && h->name_len == len && strncasecmp(h->name, name, len) == 0;
}

keel_http1_verdict_t
keel_http1_headers_verdict(const keel_http1_header_t *headers, size_t count, int minor_version)
{
    unsigned hosts = 0, lengths = 0, encodings = 0;
    const keel_http1_header_t *encoding = NULL;
    for (size_t i = 0; i < count; i++) {
        const keel_http1_header_t *h = &headers[i];
        if (h->name == NULL)
            return KEEL_HTTP1_BAD_REQUEST; /* obs-fold */
        if (name_is(h, "host", 4)) {
            if (++hosts > 1 || !keel_http_host_ok(h->value, h->value_len))
                return KEEL_HTTP1_BAD_REQUEST;
        } else if (name_is(h, "content-length", 14)) {
            if (++lengths > 1)
                return KEEL_HTTP1_BAD_REQUEST;
        } else if (name_is(h, "transfer-encoding", 17)) {
            if (++encodings > 1)
                return KEEL_HTTP1_BAD_REQUEST;
            encoding = h;
        }
    }
    if (encoding == NULL)
        return KEEL_HTTP1_OK;
    /* nginx's order: HTTP/1.0 has no transfer codings, then the coding,
     * then the conflict with a length */
    if (minor_version == 0)
        return KEEL_HTTP1_BAD_REQUEST;
    if (!(encoding->value_len == 7 && strncasecmp(encoding->value, "chunked", 7) == 0))
        return KEEL_HTTP1_NOT_IMPLEMENTED;
    return lengths ? KEEL_HTTP1_BAD_REQUEST : KEEL_HTTP1_OK;
}

/* RFC 9110 5.6.2: the characters of a token (a method, a header name). */
static int
is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return 1;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

keel_http1_verdict_t
keel_http1_version_verdict(const char *buf, size_t len, keel_http1_line_t *line)
{
    size_t i = 0;
    /* picohttpparser skips one empty line before a request */
    if (i < len && buf[i] == '\r') {
        if (++i == len)
            return KEEL_HTTP1_OK;
        if (buf[i] != '\n')
            return KEEL_HTTP1_BAD_REQUEST;
    }
    if (i < len && buf[i] == '\n')
        i++;
    size_t method_at = i;
    while (i < len && is_tchar((unsigned char)buf[i]))
        i++;
    if (i == len)
        return KEEL_HTTP1_OK;
    if (i == method_at || buf[i] != ' ')
        return KEEL_HTTP1_BAD_REQUEST;
    size_t method_len = i - method_at, target_at = ++i;
    while (i < len && (unsigned char)buf[i] > ' ' && buf[i] != 0x7f)
        i++;
    if (i == len)
        return KEEL_HTTP1_OK;
    if (i == target_at || buf[i] != ' ')
        return KEEL_HTTP1_BAD_REQUEST;
    size_t target_len = i - target_at;
    /* libh2o's to recognise: the HTTP/2 connection preface */
    if (method_len == 3 && memcmp(buf + method_at, "PRI", 3) == 0 && target_len == 1 && buf[target_at] == '*')
        return KEEL_HTTP1_BAD_REQUEST;
    i++;
    static const char http[] = "HTTP/";
    for (size_t k = 0; k < sizeof(http) - 1; k++, i++) {
        if (i == len)
            return KEEL_HTTP1_OK;
        if (buf[i] != http[k])
            return KEEL_HTTP1_BAD_REQUEST;
    }
    /* As nginx: the major version is refused at its first digit beyond 1
     * (2 to 9), or at the second digit of one (10 to 19). */
    if (i == len)
        return KEEL_HTTP1_OK;
    if (buf[i] < '1' || buf[i] > '9')
        return KEEL_HTTP1_BAD_REQUEST;
    if (buf[i] == '1') {
        if (i + 1 == len)
            return KEEL_HTTP1_OK;
        if (buf[i + 1] < '0' || buf[i + 1] > '9')
            return KEEL_HTTP1_BAD_REQUEST;
    }
    const char *lf = memchr(buf + i, '\n', len - i);
    line->method_at = method_at;
    line->method_len = method_len;
    line->target_at = target_at;
    line->target_len = target_len;
    line->length = lf != NULL ? (size_t)(lf - buf) + 1 : len;
    return KEEL_HTTP1_VERSION_UNSUPPORTED;
}
