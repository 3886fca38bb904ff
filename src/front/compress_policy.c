#include "front/compress_policy.h"

#include <string.h>
#include <strings.h>

static bool
is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static keel_compress_text_t
trim(const char *s, size_t n)
{
    while (n > 0 && is_ows(*s))
        s++, n--;
    while (n > 0 && is_ows(s[n - 1]))
        n--;
    return (keel_compress_text_t){s, n};
}

static bool
eq_nocase(keel_compress_text_t t, const char *s)
{
    size_t n = strlen(s);
    return t.len == n && strncasecmp(t.base, s, n) == 0;
}

static bool
starts_nocase(keel_compress_text_t t, const char *s)
{
    size_t n = strlen(s);
    return t.len >= n && strncasecmp(t.base, s, n) == 0;
}

static bool
ends_nocase(keel_compress_text_t t, const char *s)
{
    size_t n = strlen(s);
    return t.len >= n && strncasecmp(t.base + t.len - n, s, n) == 0;
}

bool
keel_compress_type(keel_compress_text_t ct)
{
    if (ct.base == NULL)
        return false;
    const char *semi = memchr(ct.base, ';', ct.len);
    keel_compress_text_t t = trim(ct.base, semi ? (size_t)(semi - ct.base) : ct.len);
    if (eq_nocase(t, "text/event-stream"))
        return false; /* a stream of events: each must leave as it is written */
    if (starts_nocase(t, "text/"))
        return t.len > 5;
    static const char *const exact[] = {
        "application/json",
        "application/javascript",
        "application/x-javascript",
        "application/ecmascript",
        "application/xml",
        "application/wasm",
        "application/vnd.ms-fontobject",
        "application/x-font-ttf",
        "font/ttf",
        "font/otf",
        "image/svg+xml",
        "image/x-icon",
        "image/vnd.microsoft.icon",
        "image/bmp",
    };
    for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
        if (eq_nocase(t, exact[i]))
            return true;
    /* application/ld+json, application/rss+xml, application/xhtml+xml... */
    return starts_nocase(t, "application/") && (ends_nocase(t, "+json") || ends_nocase(t, "+xml"));
}

/* The q of one Accept-Encoding member's parameters ("q=0.5"); 1 without
 * one. Returns thousandths: 0 means refused. A q that is not a qvalue
 * refuses too. */
static int
qvalue(const char *p, size_t n)
{
    int q = 1000;
    while (n > 0) {
        const char *semi = memchr(p, ';', n);
        keel_compress_text_t param = trim(p, semi ? (size_t)(semi - p) : n);
        if (param.len >= 2 && (param.base[0] == 'q' || param.base[0] == 'Q')) {
            keel_compress_text_t rest = trim(param.base + 1, param.len - 1);
            if (rest.len == 0 || rest.base[0] != '=')
                return 0;
            keel_compress_text_t v = trim(rest.base + 1, rest.len - 1);
            if (v.len == 0 || v.len > 5 || (v.base[0] != '0' && v.base[0] != '1'))
                return 0;
            q = (v.base[0] - '0') * 1000;
            if (v.len > 1) {
                if (v.base[1] != '.')
                    return 0;
                int scale = 100;
                for (size_t i = 2; i < v.len; i++, scale /= 10) {
                    if (v.base[i] < '0' || v.base[i] > '9')
                        return 0;
                    q += (v.base[i] - '0') * scale;
                }
            }
            if (q > 1000)
                return 0;
        }
        if (semi == NULL)
            break;
        n -= (size_t)(semi + 1 - p);
        p = semi + 1;
    }
    return q;
}

bool
keel_compress_accepts(keel_compress_text_t ae, const char *coding)
{
    if (ae.base == NULL)
        return false;
    int named = -1, star = -1;
    const char *p = ae.base;
    size_t n = ae.len;
    while (n > 0) {
        const char *comma = memchr(p, ',', n);
        size_t mlen = comma ? (size_t)(comma - p) : n;
        const char *semi = memchr(p, ';', mlen);
        keel_compress_text_t name = trim(p, semi ? (size_t)(semi - p) : mlen);
        int q = semi ? qvalue(semi + 1, mlen - (size_t)(semi + 1 - p)) : 1000;
        if (eq_nocase(name, coding))
            named = named < 0 || q > named ? q : named;
        else if (eq_nocase(name, "*"))
            star = q;
        if (comma == NULL)
            break;
        n -= mlen + 1;
        p = comma + 1;
    }
    if (named >= 0)
        return named > 0;
    return star > 0;
}

static bool
no_transform(keel_compress_text_t cc)
{
    if (cc.base == NULL)
        return false;
    const char *p = cc.base;
    size_t n = cc.len;
    while (n > 0) {
        const char *comma = memchr(p, ',', n);
        size_t dlen = comma ? (size_t)(comma - p) : n;
        if (eq_nocase(trim(p, dlen), "no-transform"))
            return true;
        if (comma == NULL)
            break;
        n -= dlen + 1;
        p = comma + 1;
    }
    return false;
}

keel_compress_verdict_t
keel_compress_decide(const keel_compress_in_t *in)
{
    if (in->status != 200 && in->status != 403 && in->status != 404)
        return KEEL_COMPRESS_NO;
    if (in->head || in->version < 0x101)
        return KEEL_COMPRESS_NO;
    if (in->content_encoding || in->content_range || no_transform(in->cache_control))
        return KEEL_COMPRESS_NO;
    if (!keel_compress_type(in->content_type))
        return KEEL_COMPRESS_NO;
    if (in->content_length != (size_t)-1 && in->content_length < KEEL_COMPRESS_MIN_SIZE)
        return KEEL_COMPRESS_NO;
    return keel_compress_accepts(in->accept_encoding, "gzip") ? KEEL_COMPRESS_GZIP : KEEL_COMPRESS_VARY;
}
