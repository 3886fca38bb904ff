#include "front/etag_match.h"

#include <string.h>

static int
is_space(char c)
{
    return c == ' ' || c == '\t';
}

int
keel_etag_list_matches(const char *list, size_t len, const char *etag, size_t etag_len)
{
    /* The tag we compare against may itself be weak: compare opaque parts. */
    if (etag_len >= 2 && etag[0] == 'W' && etag[1] == '/') {
        etag += 2;
        etag_len -= 2;
    }
    size_t i = 0;
    while (i < len) {
        while (i < len && (is_space(list[i]) || list[i] == ','))
            i++;
        if (i == len)
            break;
        if (list[i] == '*')
            return 1;
        if (len - i >= 2 && list[i] == 'W' && list[i + 1] == '/')
            i += 2;
        if (i == len || list[i] != '"')
            return 0;
        size_t start = i++;
        while (i < len && list[i] != '"')
            i++;
        if (i == len)
            return 0; /* unterminated */
        i++;
        if (i - start == etag_len && memcmp(list + start, etag, etag_len) == 0)
            return 1;
        while (i < len && is_space(list[i]))
            i++;
        if (i < len && list[i] != ',')
            return 0;
    }
    return 0;
}
