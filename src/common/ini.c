#include "common/ini.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int
needs_quotes(const char *val)
{
    return *val != '\0' && !isalnum((unsigned char)*val) && *val != '"' && *val != '\'';
}

char *
keel_ini_entries_build(const char *const *entries, size_t count)
{
    size_t total = 1;
    for (size_t i = 0; i < count; i++)
        total += strlen(entries[i]) + 5; /* "=1", two quotes, newline */
    char *out = malloc(total), *p = out;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < count; i++) {
        const char *e = entries[i], *eq = strchr(e, '=');
        if (eq == NULL) {
            size_t n = strlen(e);
            memcpy(p, e, n);
            p += n;
            memcpy(p, "=1\n", 3);
            p += 3;
            continue;
        }
        size_t klen = (size_t)(eq - e) + 1, vlen = strlen(eq + 1);
        memcpy(p, e, klen);
        p += klen;
        int quote = needs_quotes(eq + 1);
        if (quote)
            *p++ = '"';
        memcpy(p, eq + 1, vlen);
        p += vlen;
        if (quote)
            *p++ = '"';
        *p++ = '\n';
    }
    *p = '\0';
    return out;
}
