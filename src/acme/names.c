#include "acme/names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool
keel_acme_name_valid(const char *name, size_t len)
{
    if (len == 0 || len > KEEL_ACME_NAME_MAX)
        return false;
    size_t labels = 0, label_len = 0;
    bool only_digits = true;
    for (size_t i = 0; i <= len; i++) {
        char c = i < len ? name[i] : '.';
        if (c == '.') {
            /* a label: not empty, not too long, no hyphen at either end */
            if (label_len == 0 || label_len > 63 || name[i - 1] == '-' || name[i - label_len] == '-')
                return false;
            labels++;
            label_len = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
        if (c < '0' || c > '9')
            only_digits = false;
        label_len++;
    }
    return labels >= 2 && !only_digits;
}

void
keel_acme_names_free(char **names)
{
    if (names == NULL)
        return;
    for (char **p = names; *p != NULL; p++)
        free(*p);
    free(names);
}

char **
keel_acme_names_parse(const char *value, size_t *n, char *err, size_t errlen)
{
    char **names = calloc(KEEL_ACME_MAX_NAMES + 1, sizeof(*names));
    if (names == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    size_t count = 0;
    const char *p = value;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        if (count == KEEL_ACME_MAX_NAMES) {
            snprintf(err, errlen, "more than %d names in \"%s\"", KEEL_ACME_MAX_NAMES, value);
            goto fail;
        }
        char *name = malloc(len + 1);
        if (name == NULL) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        for (size_t i = 0; i < len; i++)
            name[i] = (p[i] >= 'A' && p[i] <= 'Z') ? (char)(p[i] - 'A' + 'a') : p[i];
        name[len] = '\0';
        names[count++] = name;
        if (len > 0 && name[len - 1] == '.')
            name[--len] = '\0'; /* the root's dot is implied */
        if (!keel_acme_name_valid(name, len)) {
            snprintf(err, errlen, "\"%.*s\" is not a host name a certificate can be obtained for",
                     (int)(end != NULL ? (size_t)(end - p) : strlen(p)), p);
            goto fail;
        }
        for (size_t i = 0; i + 1 < count; i++) {
            if (strcmp(names[i], name) == 0) {
                snprintf(err, errlen, "\"%s\" is named twice", name);
                goto fail;
            }
        }
        if (end == NULL)
            break;
        p = end + 1;
    }
    *n = count;
    return names;
fail:
    keel_acme_names_free(names);
    return NULL;
}
