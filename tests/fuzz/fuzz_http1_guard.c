/* Fuzzes the HTTP/1 guard: header lists built from the input (one
 * "name:value" per line; a line without ':' is a continuation; the first
 * byte's low bit picks HTTP/1.0 or 1.1), with the verdict checked against
 * a plain restatement of the rules; and the whole input as a request line
 * for the version check, whose answer is checked against the bytes. */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <strings.h>

#include "front/host_check.h"
#include "front/http1_guard.h"
#include "fuzz_check.h"

#define MAX_HEADERS 100

static int
named(const keel_http1_header_t *h, const char *name)
{
    size_t len = strlen(name), k = 0;
    if (h->name == NULL || h->name_len != len)
        return 0;
    while (k < len && tolower((unsigned char)h->name[k]) == name[k])
        k++;
    return k == len;
}

static int
count(const keel_http1_header_t *h, size_t n, const char *name)
{
    int c = 0;
    for (size_t i = 0; i < n; i++)
        c += named(&h[i], name);
    return c;
}

static keel_http1_verdict_t
oracle(const keel_http1_header_t *h, size_t n, int minor)
{
    for (size_t i = 0; i < n; i++)
        if (h[i].name == NULL)
            return KEEL_HTTP1_BAD_REQUEST;
    if (count(h, n, "host") > 1 || count(h, n, "content-length") > 1 || count(h, n, "transfer-encoding") > 1)
        return KEEL_HTTP1_BAD_REQUEST;
    for (size_t i = 0; i < n; i++)
        if (named(&h[i], "host") && !keel_http_host_ok(h[i].value, h[i].value_len))
            return KEEL_HTTP1_BAD_REQUEST;
    for (size_t i = 0; i < n; i++) {
        if (!named(&h[i], "transfer-encoding"))
            continue;
        if (minor == 0)
            return KEEL_HTTP1_BAD_REQUEST;
        if (h[i].value_len != 7 || strncasecmp(h[i].value, "chunked", 7) != 0)
            return KEEL_HTTP1_NOT_IMPLEMENTED;
        if (count(h, n, "content-length"))
            return KEEL_HTTP1_BAD_REQUEST;
    }
    return KEEL_HTTP1_OK;
}

static void
check_version(const char *buf, size_t len)
{
    keel_http1_line_t line;
    keel_http1_verdict_t v = keel_http1_version_verdict(buf, len, &line);
    CHECK(v == KEEL_HTTP1_OK || v == KEEL_HTTP1_BAD_REQUEST || v == KEEL_HTTP1_VERSION_UNSUPPORTED);
    if (v != KEEL_HTTP1_VERSION_UNSUPPORTED)
        return;
    CHECK(line.method_len > 0 && line.target_len > 0);
    CHECK(line.method_at + line.method_len + 1 == line.target_at);
    size_t at = line.target_at + line.target_len;
    CHECK(at + 7 <= len && buf[line.method_at + line.method_len] == ' ' && buf[at] == ' ');
    CHECK(memcmp(buf + at + 1, "HTTP/", 5) == 0);
    char major = buf[at + 6];
    CHECK((major >= '2' && major <= '9') || (major == '1' && at + 7 < len && isdigit((unsigned char)buf[at + 7])));
    CHECK(line.length > at && line.length <= len);
    CHECK(line.length == len || buf[line.length - 1] == '\n');
    for (size_t i = line.target_at; i < at; i++)
        CHECK((unsigned char)buf[i] > ' ' && buf[i] != 0x7f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int minor = data[0] & 1;
    char *text = fuzz_dup(data + 1, size - 1);
    size_t len = size - 1;
    check_version(text, len);
    keel_http1_header_t h[MAX_HEADERS];
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= len && n < MAX_HEADERS; i++) {
        if (i < len && text[i] != '\n')
            continue;
        const char *line = text + start;
        size_t llen = i - start;
        const char *colon = memchr(line, ':', llen);
        if (colon == NULL)
            h[n++] = (keel_http1_header_t){NULL, 0, line, llen};
        else
            h[n++] = (keel_http1_header_t){line, (size_t)(colon - line), colon + 1, llen - (size_t)(colon - line) - 1};
        start = i + 1;
    }
    CHECK(keel_http1_headers_verdict(h, n, minor) == oracle(h, n, minor));
    free(text);
    return 0;
}
