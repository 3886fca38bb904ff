#include "front/http1_guard.h"

#include <strings.h>

static int
name_is(const keel_http1_header_t *h, const char *name, size_t len)
{
    return h->name != NULL && h->name_len == len && strncasecmp(h->name, name, len) == 0;
}

int
keel_http1_headers_ok(const keel_http1_header_t *headers, size_t count)
{
    unsigned hosts = 0, lengths = 0, encodings = 0;
    for (size_t i = 0; i < count; i++) {
        hosts += name_is(&headers[i], "host", 4);
        lengths += name_is(&headers[i], "content-length", 14);
        encodings += name_is(&headers[i], "transfer-encoding", 17);
    }
    return hosts <= 1 && lengths <= 1 && !(lengths && encodings);
}
