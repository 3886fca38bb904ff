/*
 * IP addresses and CIDR ranges, IPv4 and IPv6 alike: an IPv4 address is
 * kept as its IPv4-mapped IPv6 form (::ffff:a.b.c.d), so one comparison
 * serves both families and a mapped peer on a dual-stack socket matches
 * an IPv4 range. Pure, no I/O (inet_pton does the reading); fuzzed.
 */
#ifndef KEEL_COMMON_CIDR_H
#define KEEL_COMMON_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128" and its NUL */
#define KEEL_CIDR_TEXT_MAX 64

typedef struct {
    uint8_t addr[16]; /* IPv6, or IPv4-mapped */
    bool v4;          /* written as IPv4 */
} keel_ip_t;

typedef struct {
    keel_ip_t base;  /* its bits past prefix are zero */
    unsigned prefix; /* of the 128 bits (an IPv4 /24 is /120 here) */
} keel_cidr_t;

/* "192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1"; len bytes, no NUL
 * needed. Returns 0, or -1 when it is not an address. */
int keel_ip_parse(const char *s, size_t len, keel_ip_t *out);

/* "10.0.0.0/8", "2001:db8::/32", or a single address (a /32 or /128).
 * Bits set past the prefix are refused ("10.0.0.1/8"): such a range is a
 * typo more often than not. Returns 0, or -1. */
int keel_cidr_parse(const char *s, size_t len, keel_cidr_t *out);

/* From a socket address (AF_INET or AF_INET6); port may be NULL.
 * Returns 0, or -1 for another family. */
struct sockaddr;
int keel_ip_from_sockaddr(const struct sockaddr *sa, keel_ip_t *out, int *port);

bool keel_cidr_contains(const keel_cidr_t *c, const keel_ip_t *ip);

/* Writes ip as text, IPv4 or IPv6 as it was written, NUL-terminated; returns
 * its length. buf holds at least KEEL_CIDR_TEXT_MAX bytes. */
size_t keel_ip_format(const keel_ip_t *ip, char *buf);

#endif
