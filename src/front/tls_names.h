/*
 * Which certificate a TLS client gets: the name it asks for (SNI) against
 * the names each certificate carries. Pure, unit-tested and fuzzed: the
 * name comes from the client.
 */
#ifndef KEEL_FRONT_TLS_NAMES_H
#define KEEL_FRONT_TLS_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Whether name (as the client sent it, len bytes) is covered by pattern, a
 * certificate's DNS name: equal ignoring case (a final dot on name
 * ignored), or pattern "*.example.com" and name one label more
 * ("www.example.com", not "example.com" nor "a.b.example.com", RFC 6125
 * 6.4.3). A name with bytes a DNS name cannot hold matches nothing.
 */
bool keel_tls_name_matches(const char *pattern, const char *name, size_t len);

/*
 * The index of the first of n name lists that covers name: lists[i] holds
 * counts[i] patterns. An exact match anywhere wins over a wildcard one.
 * Returns -1 when none does.
 */
int keel_tls_name_pick(const char *const *const *lists, const size_t *counts, size_t n, const char *name, size_t len);

#endif
