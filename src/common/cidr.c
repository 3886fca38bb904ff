#include "common/cidr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "common/text.h"

static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

int
keel_ip_parse(const char *s, size_t len, keel_ip_t *out)
{
    char text[KEEL_CIDR_TEXT_MAX];
    if (len == 0 || len >= sizeof(text) || memchr(s, '\0', len) != NULL)
        return -1;
    memcpy(text, s, len);
    text[len] = '\0';
    memset(out, 0, sizeof(*out));
    if (memchr(text, ':', len) == NULL) {
        /* inet_pton takes dotted quads only: no "10.1", no octal */
        if (inet_pton(AF_INET, text, out->addr + 12) != 1)
            return -1;
        memcpy(out->addr, v4_mapped, sizeof(v4_mapped));
        out->v4 = true;
        return 0;
    }
    return inet_pton(AF_INET6, text, out->addr) == 1 ? 0 : -1;
}

int
keel_cidr_parse(const char *s, size_t len, keel_cidr_t *out)
{
    const char *slash = memchr(s, '/', len);
    size_t alen = slash ? (size_t)(slash - s) : len;
    if (keel_ip_parse(s, alen, &out->base) != 0)
        return -1;
    unsigned width = out->base.v4 ? 32 : 128, prefix = width;
    if (slash != NULL) {
        const char *p = slash + 1, *end = s + len;
        if (p == end || end - p > 3 || (end - p > 1 && *p == '0'))
            return -1;
        prefix = 0;
        for (; p < end; p++) {
            if (*p < '0' || *p > '9')
                return -1;
            prefix = prefix * 10 + (unsigned)(*p - '0');
        }
        if (prefix > width)
            return -1;
    }
    out->prefix = prefix + (out->base.v4 ? 96 : 0);
    for (unsigned bit = out->prefix; bit < 128; bit++)
        if (out->base.addr[bit / 8] & (0x80 >> (bit % 8)))
            return -1;
    return 0;
}

bool
keel_cidr_contains(const keel_cidr_t *c, const keel_ip_t *ip)
{
    unsigned full = c->prefix / 8, rest = c->prefix % 8;
    if (memcmp(c->base.addr, ip->addr, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (c->base.addr[full] & mask) == (ip->addr[full] & mask);
}

size_t
keel_ip_format(const keel_ip_t *ip, char *buf)
{
    if (ip->v4) {
        /* the common case, without inet_ntop's formatting */
        size_t n = keel_ipv4_format(buf, ip->addr + 12);
        buf[n] = '\0';
        return n;
    }
    if (inet_ntop(AF_INET6, ip->addr, buf, KEEL_CIDR_TEXT_MAX) == NULL) {
        buf[0] = '\0';
        return 0;
    }
    return strlen(buf);
}

int
keel_ip_from_sockaddr(const struct sockaddr *sa, keel_ip_t *out, int *port)
{
    memset(out, 0, sizeof(*out));
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        memcpy(out->addr, v4_mapped, sizeof(v4_mapped));
        memcpy(out->addr + 12, &in->sin_addr.s_addr, 4);
        out->v4 = true;
        if (port != NULL)
            *port = ntohs(in->sin_port);
        return 0;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        memcpy(out->addr, in6->sin6_addr.s6_addr, 16);
        if (port != NULL)
            *port = ntohs(in6->sin6_port);
        return 0;
    }
    return -1;
}
