#include "front/tls_names.h"

#include <string.h>

static char
lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static bool
dns_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_';
}

static bool
same(const char *a, const char *b, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

bool
keel_tls_name_matches(const char *pattern, const char *name, size_t len)
{
    if (len > 0 && name[len - 1] == '.')
        len--;
    if (len == 0 || len > 253)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!dns_byte((unsigned char)name[i]))
            return false;
    size_t plen = strlen(pattern);
    if (plen > 2 && pattern[0] == '*' && pattern[1] == '.') {
        /* one label, not empty, then the pattern's suffix */
        const char *dot = memchr(name, '.', len);
        if (dot == NULL || dot == name)
            return false;
        size_t rest = len - (size_t)(dot - name);
        return rest == plen - 1 && same(dot, pattern + 1, rest);
    }
    return plen == len && same(pattern, name, len);
}

static bool
is_wildcard(const char *p)
{
    return p[0] == '*' && p[1] == '.';
}

int
keel_tls_name_pick(const char *const *const *lists, const size_t *counts, size_t n, const char *name, size_t len)
{
    int wildcard = -1;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < counts[i]; j++) {
            if (!keel_tls_name_matches(lists[i][j], name, len))
                continue;
            if (!is_wildcard(lists[i][j]))
                return (int)i;
            if (wildcard < 0)
                wildcard = (int)i;
        }
    return wildcard;
}
