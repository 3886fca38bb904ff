#include "front/host_check.h"

int
keel_http_host_ok(const char *host, size_t len)
{
    /* host_len: where the name ends (before ":port", after "[v6]") */
    size_t dot_at = len, host_len = len;
    enum { NAME, LITERAL, REST } state = NAME;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)host[i];
        switch (c) {
        case '.':
            if (i > 0 && dot_at == i - 1)
                return 0;
            dot_at = i;
            break;
        case ':':
            if (state == NAME) {
                host_len = i;
                state = REST;
            }
            break;
        case '[':
            if (i == 0)
                state = LITERAL;
            break;
        case ']':
            if (state == LITERAL) {
                host_len = i + 1;
                state = REST;
            }
            break;
        default:
            if (c == '/' || c <= 0x20 || c == 0x7f)
                return 0;
            break;
        }
    }
    /* "example.com." names example.com; "." alone names nothing */
    if (host_len > 0 && dot_at == host_len - 1)
        host_len--;
    return host_len != 0;
}
