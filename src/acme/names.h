/* The names one certificate is for: how a --acme-domain value is split and
 * which names keel accepts. Pure. */
#ifndef KEEL_ACME_NAMES_H
#define KEEL_ACME_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/* Let's Encrypt's limit of names per certificate. */
#define KEEL_ACME_MAX_NAMES 100
/* A DNS name's longest text form (RFC 1035), without the final dot. */
#define KEEL_ACME_NAME_MAX 253

/* Whether name[0..len) is a host name a CA can validate by HTTP-01 or
 * TLS-ALPN-01: dot-separated labels of letters, digits and inner hyphens,
 * 1 to 63 characters each, at least two labels, at most 253 characters,
 * lower case only (callers lower-case first), not all digits (an IP
 * address). Wildcards need DNS-01, which keel does not answer. Such a
 * name is also safe as a file name in the state directory. */
bool keel_acme_name_valid(const char *name, size_t len);

/* Splits value ("example.com" or "example.com,www.example.com") into
 * lower-cased names, the first naming the certificate. Returns a malloc'd
 * NULL-terminated array (free with keel_acme_names_free) and its length in
 * *n, or NULL with the reason in err: an invalid or repeated name, an
 * empty entry, more than KEEL_ACME_MAX_NAMES names, or no memory. */
char **keel_acme_names_parse(const char *value, size_t *n, char *err, size_t errlen);

void keel_acme_names_free(char **names);

#endif
