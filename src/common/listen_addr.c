#include "common/listen_addr.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* One line naming the option and what was typed, control bytes as '?'. */
static int refuse(char *err, size_t errlen, const char *option, const char *text, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static int
refuse(char *err, size_t errlen, const char *option, const char *text, size_t len, const char *fmt, ...)
{
    if (errlen == 0)
        return -1;
    char shown[300];
    size_t n = len < sizeof(shown) - 4 ? len : sizeof(shown) - 4;
    for (size_t i = 0; i < n; i++)
        shown[i] = (unsigned char)text[i] < 0x20 || text[i] == 0x7f ? '?' : text[i];
    if (n < len)
        memcpy(shown + n, "...", 3), n += 3;
    shown[n] = '\0';
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "%s %s: %s", option, shown, why);
    return -1;
}

static bool
starts_with(const char *p, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(p, prefix, n) == 0;
}

/* A host name, an IPv4 address or (inside brackets) an IPv6 one: the
 * bytes a resolver may be given. Anything else is refused here rather
 * than by getaddrinfo() with a vaguer message. */
static bool
host_byte(unsigned char c, bool bracketed)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.')
        return true;
    return bracketed && (c == ':' || c == '%' || c == '_');
}

static int
parse_tcp(const char *text, size_t len, const char *p, size_t n, const char *option, keel_listen_addr_t *out, char *err,
          size_t errlen)
{
    const char *host = p, *colon;
    size_t host_len;
    bool bracketed = n > 0 && p[0] == '[';
    if (bracketed) {
        const char *close = memchr(p, ']', n);
        if (close == NULL)
            return refuse(err, errlen, option, text, len, "an IPv6 address needs its closing ']'");
        host = p + 1;
        host_len = (size_t)(close - host);
        if (host_len == 0)
            return refuse(err, errlen, option, text, len, "empty IPv6 address");
        if (memchr(host, ':', host_len) == NULL)
            return refuse(err, errlen, option, text, len, "brackets hold an IPv6 address");
        colon = close + 1;
        if (colon == p + n || *colon != ':')
            return refuse(err, errlen, option, text, len, "expected :PORT after ']'");
    } else {
        colon = NULL;
        for (size_t i = n; i > 0; i--)
            if (p[i - 1] == ':') {
                colon = p + i - 1;
                break;
            }
        if (colon == NULL)
            return refuse(err, errlen, option, text, len, "expected HOST:PORT");
        host_len = (size_t)(colon - p);
    }
    if (host_len > KEEL_LISTEN_HOST_MAX)
        return refuse(err, errlen, option, text, len, "host too long");
    for (size_t i = 0; i < host_len; i++)
        if (!host_byte((unsigned char)host[i], bracketed)) {
            if (!bracketed && host[i] == ':')
                return refuse(err, errlen, option, text, len, "an IPv6 address goes in brackets: [::1]:8080");
            return refuse(err, errlen, option, text, len, "unexpected character in the host");
        }
    const char *port = colon + 1, *end = p + n;
    if (port == end)
        return refuse(err, errlen, option, text, len, "missing port after ':'");
    unsigned long value = 0;
    for (const char *q = port; q < end; q++) {
        if (*q < '0' || *q > '9')
            return refuse(err, errlen, option, text, len, "the port must be a number");
        value = value * 10 + (unsigned long)(*q - '0');
        if (value > 65535)
            return refuse(err, errlen, option, text, len, "port out of range (1 to 65535, or 0 for any free port)");
    }
    out->family = KEEL_LISTEN_TCP;
    memcpy(out->host, host, host_len);
    out->host[host_len] = '\0';
    out->port = (uint16_t)value;
    return 0;
}

int
keel_listen_addr_parse(const char *text, size_t len, unsigned allow, const char *option, keel_listen_addr_t *out,
                       char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (memchr(text, '\0', len) != NULL)
        return refuse(err, errlen, option, text, len, "a NUL byte");
    if (len == 0)
        return refuse(err, errlen, option, text, len, "expected HOST:PORT");
    const char *p = text;
    size_t n = len;
    if (starts_with(p, n, "unix:")) {
        if (!(allow & KEEL_LISTEN_ALLOW_UNIX))
            return refuse(err, errlen, option, text, len, "expected HOST:PORT (no Unix socket here)");
        p += 5, n -= 5;
        if (n == 0 || p[0] != '/')
            return refuse(err, errlen, option, text, len, "expected an absolute path after unix:");
        if (n > KEEL_LISTEN_PATH_MAX)
            return refuse(err, errlen, option, text, len, "path longer than a Unix socket allows (%d bytes)",
                          KEEL_LISTEN_PATH_MAX);
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
                return refuse(err, errlen, option, text, len, "a control character in the path");
        out->family = KEEL_LISTEN_UNIX;
        memcpy(out->path, p, n);
        out->path[n] = '\0';
        return 0;
    }
    if (starts_with(p, n, "https://") || starts_with(p, n, "http://")) {
        if (!(allow & KEEL_LISTEN_ALLOW_SCHEME))
            return refuse(err, errlen, option, text, len, "expected HOST:PORT without a scheme");
        out->tls = p[4] == 's';
        size_t skip = out->tls ? 8 : 7;
        p += skip, n -= skip;
        if (n > 0 && p[n - 1] == '/')
            return refuse(err, errlen, option, text, len, "expected no path after the port");
    } else if (memchr(p, '/', n) != NULL) {
        return refuse(err, errlen, option, text, len, "expected HOST:PORT, http://HOST:PORT, https://HOST:PORT%s",
                      (allow & KEEL_LISTEN_ALLOW_UNIX) ? " or unix:/PATH" : "");
    }
    bool tls = out->tls;
    int rc = parse_tcp(text, len, p, n, option, out, err, errlen);
    out->tls = tls;
    return rc;
}

void
keel_listen_addr_format(const keel_listen_addr_t *addr, uint16_t port, char *out, size_t outlen)
{
    if (addr->family == KEEL_LISTEN_UNIX) {
        snprintf(out, outlen, "unix:%s", addr->path);
        return;
    }
    bool v6 = strchr(addr->host, ':') != NULL;
    snprintf(out, outlen, "%s://%s%s%s:%u", addr->tls ? "https" : "http", v6 ? "[" : "",
             addr->host[0] ? addr->host : "0.0.0.0", v6 ? "]" : "", (unsigned)(port ? port : addr->port));
}
