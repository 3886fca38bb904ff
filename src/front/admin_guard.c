#include "front/admin_guard.h"

#include <string.h>
#include <strings.h>

static int
is(keel_admin_text_t t, const char *s)
{
    size_t n = strlen(s);
    return t.base != NULL && t.len == n && memcmp(t.base, s, n) == 0;
}

static int
is_nocase(const char *p, size_t len, const char *s)
{
    size_t n = strlen(s);
    return len == n && strncasecmp(p, s, n) == 0;
}

/* a decimal from 0 to 255, without a sign or leading zeros */
static int
ipv4_octet(const char *p, size_t n)
{
    if (n == 0 || n > 3 || (n > 1 && p[0] == '0'))
        return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v <= 255 ? v : -1;
}

static int
ipv4_loopback(const char *p, size_t n)
{
    int first = -1;
    size_t parts = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && p[i] != '.')
            continue;
        int v = ipv4_octet(p + start, i - start);
        if (v < 0 || ++parts > 4)
            return 0;
        if (parts == 1)
            first = v;
        start = i + 1;
    }
    return parts == 4 && first == 127;
}

int
keel_admin_host_is_loopback(const char *value, size_t len)
{
    const char *host = value;
    size_t n = len;
    if (len > 0 && value[0] == '[') {
        const char *close = memchr(value, ']', len);
        if (close == NULL)
            return 0;
        size_t after = len - (size_t)(close + 1 - value);
        if (after != 0 && close[1] != ':')
            return 0;
        return is_nocase(value + 1, (size_t)(close - value - 1), "::1");
    }
    const char *colon = memchr(value, ':', len);
    if (colon != NULL)
        n = (size_t)(colon - value);
    if (colon != NULL) {
        /* the port: digits only */
        size_t plen = len - n - 1;
        if (plen == 0 || plen > 5)
            return 0;
        for (size_t i = 0; i < plen; i++)
            if (colon[1 + i] < '0' || colon[1 + i] > '9')
                return 0;
    }
    return is_nocase(host, n, "localhost") || ipv4_loopback(host, n);
}

/* Origin is "http://" followed by exactly the Host header (the admin
 * listener speaks plain HTTP only). */
static int
same_origin(keel_admin_text_t origin, keel_admin_text_t host)
{
    static const char scheme[] = "http://";
    size_t s = sizeof(scheme) - 1;
    return host.base != NULL && origin.len == s + host.len && strncasecmp(origin.base, scheme, s) == 0 &&
           strncasecmp(origin.base + s, host.base, host.len) == 0;
}

/* Compares every byte whatever the first difference, so the time taken
 * does not tell how much of a guess was right. */
static int
token_equal(const char *a, size_t alen, const char *token, size_t token_len)
{
    unsigned char diff = alen != token_len;
    for (size_t i = 0; i < token_len; i++)
        diff |= (unsigned char)(i < alen ? a[i] : 0) ^ (unsigned char)token[i];
    return diff == 0;
}

static int
bearer_matches(keel_admin_text_t auth, const char *token, size_t token_len)
{
    static const char scheme[] = "bearer";
    size_t s = sizeof(scheme) - 1;
    if (auth.base == NULL || auth.len <= s || strncasecmp(auth.base, scheme, s) != 0 || auth.base[s] != ' ')
        return 0;
    size_t i = s;
    while (i < auth.len && auth.base[i] == ' ')
        i++;
    size_t end = auth.len;
    while (end > i && (auth.base[end - 1] == ' ' || auth.base[end - 1] == '\t'))
        end--;
    return token_equal(auth.base + i, end - i, token, token_len);
}

/* The three types an HTML form (or a no-cors fetch) sends without a
 * preflight; no Content-Type at all is one too. */
static int
form_content_type(keel_admin_text_t ct)
{
    if (ct.base == NULL)
        return 1;
    size_t n = 0;
    while (n < ct.len && ct.base[n] != ';')
        n++;
    const char *p = ct.base;
    while (n > 0 && (*p == ' ' || *p == '\t')) {
        p++;
        n--;
    }
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    return n == 0 || is_nocase(p, n, "text/plain") || is_nocase(p, n, "application/x-www-form-urlencoded") ||
           is_nocase(p, n, "multipart/form-data");
}

/* The dashboard's page, "/", and its files, "/assets/NAME" with NAME of
 * lowercase letters, digits, '.' and '-', not starting with '.'. */
static int
page_path(keel_admin_text_t path)
{
    static const char prefix[] = "/assets/";
    size_t p = sizeof(prefix) - 1;
    if (is(path, "/"))
        return 1;
    if (path.base == NULL || path.len <= p || path.len > p + 64 || memcmp(path.base, prefix, p) != 0 ||
        path.base[p] == '.')
        return 0;
    for (size_t i = p; i < path.len; i++) {
        char c = path.base[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

/* The path as sent, without its query: which page, and whether it is read (GET, HEAD). */
static keel_admin_verdict_t
page(keel_admin_text_t path, int *get)
{
    const char *q = path.base != NULL ? memchr(path.base, '?', path.len) : NULL;
    if (q != NULL)
        path.len = (size_t)(q - path.base);
    *get = 1;
    if (page_path(path))
        return KEEL_ADMIN_PAGE;
    if (is(path, "/dashboard.json"))
        return KEEL_ADMIN_DASHBOARD;
    if (is(path, "/status"))
        return KEEL_ADMIN_STATUS;
    if (is(path, "/metrics"))
        return KEEL_ADMIN_METRICS;
    if (is(path, "/healthz"))
        return KEEL_ADMIN_HEALTHZ;
    if (is(path, "/readyz"))
        return KEEL_ADMIN_READYZ;
    if (is(path, "/reload")) {
        *get = 0;
        return KEEL_ADMIN_RELOAD;
    }
    return KEEL_ADMIN_NOT_FOUND;
}

static int
cross_site(const keel_admin_request_t *r)
{
    if (r->origin.base != NULL && !same_origin(r->origin, r->host))
        return 1;
    return r->sec_fetch_site.base != NULL && !is(r->sec_fetch_site, "same-origin") && !is(r->sec_fetch_site, "none");
}

static int
is_probe(keel_admin_verdict_t v)
{
    return v == KEEL_ADMIN_HEALTHZ || v == KEEL_ADMIN_READYZ;
}

keel_admin_verdict_t
keel_admin_check(const keel_admin_request_t *r, const char *token, size_t token_len)
{
    if (cross_site(r))
        return KEEL_ADMIN_CROSS_SITE;
    int get;
    keel_admin_verdict_t what = page(r->target, &get);
    /* Probes tell one bit and change nothing: no token, so that Docker's
     * HEALTHCHECK or a service manager's script can ask. */
    if (!(is_probe(what) && (is(r->method, "GET") || is(r->method, "HEAD")))) {
        if (token == NULL) {
            if (r->host.base != NULL && !keel_admin_host_is_loopback(r->host.base, r->host.len))
                return KEEL_ADMIN_CROSS_SITE;
        } else if (what != KEEL_ADMIN_PAGE && !bearer_matches(r->authorization, token, token_len)) {
            /* the page holds no data: a browser that navigates to it
             * cannot send a bearer token, its script then sends one for
             * the data */
            return KEEL_ADMIN_UNAUTHORIZED;
        }
    }
    if (what == KEEL_ADMIN_NOT_FOUND)
        return what;
    if (get ? !(is(r->method, "GET") || is(r->method, "HEAD")) : !is(r->method, "POST"))
        return KEEL_ADMIN_BAD_METHOD;
    if (!get && form_content_type(r->content_type))
        return KEEL_ADMIN_FORM_POST;
    return what;
}

keel_admin_verdict_t
keel_admin_check_read_only(const keel_admin_request_t *r)
{
    if (cross_site(r))
        return KEEL_ADMIN_CROSS_SITE;
    int get;
    keel_admin_verdict_t what = page(r->target, &get);
    if (what != KEEL_ADMIN_METRICS && !is_probe(what))
        return KEEL_ADMIN_NOT_FOUND;
    if (!(is(r->method, "GET") || is(r->method, "HEAD")))
        return KEEL_ADMIN_BAD_METHOD;
    return what;
}
