#include "common/log_escape.h"

size_t
keel_log_escape(char *dst, size_t cap, const char *src, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)src[i];
        char esc[4];
        size_t w = 0;
        if (c >= 0x20 && c != 0x7f) {
            esc[w++] = (char)c;
        } else {
            esc[w++] = '\\';
            if (c == '\n') {
                esc[w++] = 'n';
            } else if (c == '\r') {
                esc[w++] = 'r';
            } else if (c == '\t') {
                esc[w++] = 't';
            } else {
                esc[w++] = 'x';
                esc[w++] = hex[c >> 4];
                esc[w++] = hex[c & 15];
            }
        }
        if (n + w >= cap)
            break;
        for (size_t k = 0; k < w; k++)
            dst[n++] = esc[k];
    }
    dst[n] = '\0';
    return n;
}
