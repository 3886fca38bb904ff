#include "front/forwarded.h"

#include <string.h>
#include <strings.h>

/* Forwarded nodes kept per request: the rightmost, which the walk reads. */
#define MAX_NODES 32

static bool
is_trusted(const keel_ip_t *ip, const keel_cidr_t *trusted, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (keel_cidr_contains(&trusted[i], ip))
            return true;
    return false;
}

static bool
is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static keel_fwd_text_t
trim(const char *s, size_t len)
{
    while (len > 0 && is_ows(*s))
        s++, len--;
    while (len > 0 && is_ows(s[len - 1]))
        len--;
    return (keel_fwd_text_t){s, len};
}

/* "1" to "65535", digits only */
static int
parse_port(const char *s, size_t len)
{
    if (len == 0 || len > 5)
        return -1;
    int v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v >= 1 && v <= 65535 ? v : -1;
}

int
keel_fwd_parse_node(const char *s, size_t len, keel_ip_t *ip, int *port)
{
    *port = 0;
    if (keel_ip_parse(s, len, ip) == 0)
        return 0;
    /* with a port: "[v6]:port" or "v4:port" (ngx_parse_addr_port) */
    const char *colon;
    size_t alen;
    const char *astart = s;
    if (len > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', len);
        if (close == NULL || close == s + len - 1 || close[1] != ':')
            return -1;
        astart = s + 1;
        alen = (size_t)(close - s - 1);
        colon = close + 1;
    } else {
        colon = memchr(s, ':', len);
        if (colon == NULL)
            return -1;
        alen = (size_t)(colon - s);
    }
    int p = parse_port(colon + 1, len - (size_t)(colon + 1 - s));
    if (p < 0 || keel_ip_parse(astart, alen, ip) != 0)
        return -1;
    *port = p;
    return 0;
}

/* --- the walk from the right --- */

typedef struct {
    const keel_cidr_t *trusted;
    size_t trusted_count;
    bool cur_is_unix_peer; /* cur is no address yet: the trusted unix: peer */
    keel_ip_t cur;         /* the address believed so far: the peer, then each node */
    int cur_port;
    bool found; /* cur came from a header */
    bool stopped;
} walk_t;

/* One node, right to left; ok false: it is not an address. */
static void
step(walk_t *w, bool ok, const keel_ip_t *ip, int port)
{
    if (w->stopped)
        return;
    if (!(w->cur_is_unix_peer || is_trusted(&w->cur, w->trusted, w->trusted_count)) || !ok) {
        w->stopped = true;
        return;
    }
    w->cur_is_unix_peer = false;
    w->cur = *ip;
    w->cur_port = port;
    w->found = true;
}

static bool
xff_sep(char c)
{
    return c == ' ' || c == ',';
}

/* One X-Forwarded-For value, its elements from the right, split as nginx
 * splits them (ngx_http_get_forwarded_addr_internal): on spaces and
 * commas, a leading separator making an element that is no address. */
static void
walk_xff(walk_t *w, const char *s, size_t n)
{
    if (n == 0) {
        step(w, false, NULL, 0);
        return;
    }
    while (!w->stopped) {
        size_t i = n - 1;
        while (i > 0 && xff_sep(s[i]))
            i--, n--;
        while (i > 0 && !xff_sep(s[i]))
            i--;
        size_t start = i > 0 ? i + 1 : 0;
        keel_ip_t ip;
        int port;
        bool ok = keel_fwd_parse_node(s + start, n - start, &ip, &port) == 0;
        step(w, ok, &ip, port);
        if (start == 0)
            return;
        n = start - 1;
    }
}

/* --- RFC 7239 --- */

static bool
is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

typedef struct {
    bool has_for, for_ok;
    keel_ip_t ip;
    int port;
} fwd_node_t;

typedef struct {
    fwd_node_t nodes[MAX_NODES]; /* a ring: the last MAX_NODES elements */
    size_t count;                /* elements seen, of which the last min(count, MAX_NODES) are kept */
    bool first_seen;             /* the first element's proto= and host= are below */
    keel_fwd_text_t proto, host;
    char proto_buf[8], host_buf[256];
} fwd_list_t;

/* A value, token or quoted-string, unquoted into buf (cap bytes).
 * Returns its length, or -1 when malformed or too long. Advances *pos. */
static long
read_value(const char *s, size_t len, size_t *pos, char *buf, size_t cap)
{
    size_t i = *pos, n = 0;
    if (i < len && s[i] == '"') {
        for (i++; i < len && s[i] != '"'; i++) {
            if (s[i] == '\\' && ++i == len)
                return -1;
            if (n == cap)
                return -1;
            buf[n++] = s[i];
        }
        if (i == len)
            return -1;
        *pos = i + 1;
        return (long)n;
    }
    for (; i < len && is_tchar((unsigned char)s[i]); i++) {
        if (n == cap)
            return -1;
        buf[n++] = s[i];
    }
    if (n == 0)
        return -1;
    *pos = i;
    return (long)n;
}

/* `for=` node: IPv4 or "[IPv6]", each with an optional ":port";
 * "unknown" and obfuscated ("_x") nodes are no address. */
static bool
parse_for(const char *v, size_t n, keel_ip_t *ip, int *port)
{
    *port = 0;
    if (n > 0 && v[0] == '[') {
        const char *close = memchr(v, ']', n);
        if (close == NULL)
            return false;
        size_t rest = n - (size_t)(close + 1 - v);
        if (rest != 0) {
            if (close[1] != ':' || (*port = parse_port(close + 2, rest - 1)) < 0)
                return false;
        }
        return keel_ip_parse(v + 1, (size_t)(close - v - 1), ip) == 0 && !ip->v4;
    }
    const char *colon = memchr(v, ':', n);
    if (colon != NULL && (*port = parse_port(colon + 1, n - (size_t)(colon + 1 - v))) < 0)
        return false;
    return keel_ip_parse(v, colon ? (size_t)(colon - v) : n, ip) == 0 && ip->v4;
}

/* One Forwarded header value. Malformed: the whole value is one node
 * that is no address, so the walk stops at it. */
static void
parse_forwarded(fwd_list_t *l, const char *s, size_t len)
{
    size_t pos = 0;
    fwd_node_t cur = {0};
    bool first = !l->first_seen && l->count == 0;
    keel_fwd_text_t proto = {0}, host = {0};
    char pbuf[8], hbuf[256];
    for (;;) {
        while (pos < len && is_ows(s[pos]))
            pos++;
        /* a pair, or nothing (empty element or pair) */
        if (pos < len && s[pos] != ',' && s[pos] != ';') {
            size_t name = pos;
            while (pos < len && is_tchar((unsigned char)s[pos]))
                pos++;
            size_t name_len = pos - name;
            if (name_len == 0 || pos == len || s[pos] != '=')
                goto bad;
            pos++;
            char value[256];
            long vn = read_value(s, len, &pos, value, sizeof(value));
            if (vn < 0)
                goto bad;
            if (name_len == 3 && strncasecmp(s + name, "for", 3) == 0) {
                if (cur.has_for)
                    goto bad;
                cur.has_for = true;
                cur.for_ok = parse_for(value, (size_t)vn, &cur.ip, &cur.port);
            } else if (first && name_len == 5 && strncasecmp(s + name, "proto", 5) == 0 && (size_t)vn < sizeof(pbuf)) {
                memcpy(pbuf, value, (size_t)vn);
                proto = (keel_fwd_text_t){pbuf, (size_t)vn};
            } else if (first && name_len == 4 && strncasecmp(s + name, "host", 4) == 0) {
                memcpy(hbuf, value, (size_t)vn);
                host = (keel_fwd_text_t){hbuf, (size_t)vn};
            }
            while (pos < len && is_ows(s[pos]))
                pos++;
        }
        if (pos < len && s[pos] == ';') {
            pos++;
            continue;
        }
        if (pos < len && s[pos] != ',')
            goto bad;
        /* the element ends */
        l->nodes[l->count % MAX_NODES] = cur;
        l->count++;
        if (first) {
            l->first_seen = true;
            if (proto.base != NULL) {
                memcpy(l->proto_buf, proto.base, proto.len);
                l->proto = (keel_fwd_text_t){l->proto_buf, proto.len};
            }
            if (host.base != NULL) {
                memcpy(l->host_buf, host.base, host.len);
                l->host = (keel_fwd_text_t){l->host_buf, host.len};
            }
            first = false;
        }
        cur = (fwd_node_t){0};
        if (pos == len)
            return;
        pos++;
    }
bad:
    l->nodes[l->count % MAX_NODES] = (fwd_node_t){.has_for = true, .for_ok = false};
    l->count++;
    l->first_seen = true;
}

static void
walk_forwarded(walk_t *w, const fwd_list_t *l)
{
    size_t kept = l->count < MAX_NODES ? l->count : MAX_NODES;
    for (size_t k = 0; k < kept && !w->stopped; k++) {
        const fwd_node_t *n = &l->nodes[(l->count - 1 - k) % MAX_NODES];
        step(w, n->has_for && n->for_ok, &n->ip, n->port);
    }
    /* kept fewer than there were: the rest is unknown */
    if (l->count > MAX_NODES)
        step(w, false, NULL, 0);
}

/* --- proto, host, port --- */

/* The first of a comma-separated list, trimmed. */
static keel_fwd_text_t
first_value(keel_fwd_text_t t)
{
    const char *comma = memchr(t.base, ',', t.len);
    return trim(t.base, comma ? (size_t)(comma - t.base) : t.len);
}

static int
parse_proto(keel_fwd_text_t t)
{
    if (t.len == 5 && strncasecmp(t.base, "https", 5) == 0)
        return 1;
    if (t.len == 4 && strncasecmp(t.base, "http", 4) == 0)
        return 0;
    return -1;
}

/* A host fit for SERVER_NAME: a name of letters, digits, '-', '.', '_',
 * an IPv4 address, or a bracketed IPv6 one; optionally ":port". */
static bool
parse_host(keel_fwd_text_t t, keel_fwd_text_t *host, int *port)
{
    const char *s = t.base;
    size_t n = t.len, hlen;
    *port = 0;
    if (n == 0 || n > 255)
        return false;
    if (s[0] == '[') {
        const char *close = memchr(s, ']', n);
        keel_ip_t ip;
        if (close == NULL || keel_ip_parse(s + 1, (size_t)(close - s - 1), &ip) != 0)
            return false;
        hlen = (size_t)(close - s) + 1;
    } else {
        for (hlen = 0; hlen < n && s[hlen] != ':'; hlen++) {
            char c = s[hlen];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                  c == '_'))
                return false;
        }
        if (hlen == 0)
            return false;
    }
    if (hlen < n) {
        if (s[hlen] != ':' || (*port = parse_port(s + hlen + 1, n - hlen - 1)) < 0)
            return false;
    }
    *host = (keel_fwd_text_t){s, hlen};
    return true;
}

bool
keel_fwd_resolve(const keel_ip_t *peer, const keel_fwd_trust_t *trust, const keel_fwd_headers_t *in,
                 keel_fwd_result_t *out)
{
    memset(out, 0, sizeof(*out));
    out->https = -1;
    if (peer == NULL ? !trust->unix_peers : !is_trusted(peer, trust->ranges, trust->count))
        return false;

    const walk_t start = {.trusted = trust->ranges,
                          .trusted_count = trust->count,
                          .cur_is_unix_peer = peer == NULL,
                          .cur = peer != NULL ? *peer : (keel_ip_t){{0}, false}};
    walk_t xff = start;
    for (size_t i = in->xff_count; i-- > 0 && !xff.stopped;)
        walk_xff(&xff, in->xff[i].base, in->xff[i].len);

    fwd_list_t *fl = NULL;
    fwd_list_t list;
    walk_t fwd = start;
    if (in->forwarded_count != 0) {
        memset(&list, 0, sizeof(list));
        for (size_t i = 0; i < in->forwarded_count; i++)
            parse_forwarded(&list, in->forwarded[i].base, in->forwarded[i].len);
        walk_forwarded(&fwd, &list);
        fl = &list;
    }

    if (xff.found && fwd.found) {
        if (memcmp(xff.cur.addr, fwd.cur.addr, sizeof(xff.cur.addr)) != 0)
            out->conflict = true;
    }
    if (!out->conflict) {
        const walk_t *w = xff.found ? &xff : fwd.found ? &fwd : NULL;
        if (w != NULL) {
            out->client_known = true;
            out->client = w->cur;
            out->client_port = w->cur_port;
        }
    }

    keel_fwd_text_t proto = in->proto.base != NULL ? first_value(in->proto) : fl ? fl->proto : (keel_fwd_text_t){0};
    if (proto.base != NULL)
        out->https = parse_proto(proto);
    keel_fwd_text_t host = in->host.base != NULL ? first_value(in->host) : fl ? fl->host : (keel_fwd_text_t){0};
    int host_port = 0;
    keel_fwd_text_t h;
    if (host.base != NULL && parse_host(host, &h, &host_port)) {
        memcpy(out->host_buf, h.base, h.len); /* parse_host takes at most 255 */
        out->host = (keel_fwd_text_t){out->host_buf, h.len};
    }
    if (in->port.base != NULL) {
        keel_fwd_text_t p = first_value(in->port);
        int v = parse_port(p.base, p.len);
        if (v > 0)
            out->port = v;
    }
    if (out->port == 0 && host_port > 0)
        out->port = host_port;
    if (out->port == 0 && out->https >= 0)
        out->port = out->https ? 443 : 80;
    return true;
}
