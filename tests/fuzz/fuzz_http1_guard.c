/* Fuzzes the HTTP/1 smuggling guard: header lists built from the input
 * (one "name:value" per line; a line without ':' is a continuation), and
 * the verdict checked against a plain restatement of the rule. */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <strings.h>

#include "front/http1_guard.h"
#include "fuzz_check.h"

#define MAX_HEADERS 100

static int
count(const keel_http1_header_t *h, size_t n, const char *name)
{
    int c = 0;
    size_t len = strlen(name);
    for (size_t i = 0; i < n; i++) {
        if (h[i].name == NULL || h[i].name_len != len)
            continue;
        size_t k = 0;
        while (k < len && tolower((unsigned char)h[i].name[k]) == name[k])
            k++;
        c += k == len;
    }
    return c;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_dup(data, size);
    keel_http1_header_t h[MAX_HEADERS];
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= size && n < MAX_HEADERS; i++) {
        if (i < size && text[i] != '\n')
            continue;
        const char *line = text + start;
        size_t len = i - start;
        const char *colon = memchr(line, ':', len);
        if (colon == NULL)
            h[n++] = (keel_http1_header_t){NULL, 0, line, len};
        else
            h[n++] = (keel_http1_header_t){line, (size_t)(colon - line), colon + 1, len - (size_t)(colon - line) - 1};
        start = i + 1;
    }
    int lengths = count(h, n, "content-length");
    int want = count(h, n, "host") <= 1 && lengths <= 1 && !(lengths && count(h, n, "transfer-encoding"));
    CHECK(keel_http1_headers_ok(h, n) == want);
    free(text);
    return 0;
}
