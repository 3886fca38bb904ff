#include "front/access_format.h"

#include <string.h>

#include "common/text.h"

/* A writer over out[cap] that notes when it ran out of room. */
typedef struct {
    char *p, *end;
    bool full;
} out_t;

static void
put(out_t *o, const char *s, size_t n)
{
    if (o->full || (size_t)(o->end - o->p) < n) {
        o->full = true;
        return;
    }
    memcpy(o->p, s, n);
    o->p += n;
}

static void
put_str(out_t *o, const char *s)
{
    put(o, s, strlen(s));
}

static void
put_u64(out_t *o, uint64_t v)
{
    char buf[20];
    put(o, buf, keel_u64_format(buf, v));
}

/* whole.fff: three decimals, without printf's cost on every line */
static void
put_fixed3(out_t *o, uint64_t whole, unsigned thousandths)
{
    char frac[4] = {'.', (char)('0' + thousandths / 100), (char)('0' + thousandths / 10 % 10),
                    (char)('0' + thousandths % 10)};
    put_u64(o, whole);
    put(o, frac, sizeof(frac));
}

static const char hex_upper[] = "0123456789ABCDEF";
static const char hex_lower[] = "0123456789abcdef";

/* As nginx's ngx_http_log_escape: `"`, `\`, controls and bytes from 0x7f. */
static bool
nginx_escapes(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\' || c >= 0x7f;
}

/* A variable as nginx logs it: "-" when absent, escaped otherwise. */
static void
put_nginx(out_t *o, keel_access_text_t t)
{
    if (t.base == NULL) {
        put(o, "-", 1);
        return;
    }
    size_t start = 0;
    for (size_t i = 0; i < t.len; i++) {
        unsigned char c = (unsigned char)t.base[i];
        if (!nginx_escapes(c))
            continue;
        put(o, t.base + start, i - start);
        char esc[4] = {'\\', 'x', hex_upper[c >> 4], hex_upper[c & 0xf]};
        put(o, esc, 4);
        start = i + 1;
    }
    put(o, t.base + start, t.len - start);
}

/* The length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t
utf8_sequence(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned lo = 0x80, hi = 0xbf; /* the second byte's range (RFC 3629) */
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f; /* no surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return len;
}

/* A JSON string, or null when absent. */
static void
put_json(out_t *o, keel_access_text_t t)
{
    if (t.base == NULL) {
        put(o, "null", 4);
        return;
    }
    put(o, "\"", 1);
    const unsigned char *s = (const unsigned char *)t.base;
    size_t start = 0, i = 0;
    while (i < t.len) {
        unsigned char c = s[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            i++;
            continue;
        }
        size_t seq = c >= 0x80 ? utf8_sequence(s + i, t.len - i) : 0;
        if (seq != 0) {
            i += seq;
            continue;
        }
        put(o, t.base + start, i - start);
        char esc[6];
        size_t n = 2;
        esc[0] = '\\';
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            /* a control character, DEL, or a byte outside valid UTF-8 */
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex_lower[c >> 4];
            esc[5] = hex_lower[c & 0xf];
            n = 6;
        }
        put(o, esc, n);
        i++;
        start = i;
    }
    put(o, t.base + start, t.len - start);
    put(o, "\"", 1);
}

/* Milliseconds with three decimals, from microseconds. */
static void
put_ms(out_t *o, bool known, uint64_t us)
{
    if (!known) {
        put(o, "null", 4);
        return;
    }
    put_fixed3(o, us / 1000, (unsigned)(us % 1000));
}

static size_t
finish(out_t *o, char *out)
{
    put(o, "\n", 1);
    return o->full ? 0 : (size_t)(o->p - out);
}

size_t
keel_access_format_combined(const keel_access_entry_t *e, char *out, size_t cap)
{
    out_t o = {out, out + cap, false};
    put_nginx(&o, e->remote_addr);
    put_str(&o, " - ");
    put_nginx(&o, e->remote_user);
    put_str(&o, " [");
    put(&o, e->time_local.base, e->time_local.len);
    put_str(&o, "] \"");
    /* $request: the request line, escaped as one value */
    keel_access_text_t parts[3] = {e->method, e->target, e->protocol};
    for (int i = 0; i < 3; i++) {
        if (i)
            put(&o, " ", 1);
        if (parts[i].base != NULL)
            put_nginx(&o, parts[i]);
    }
    put_str(&o, "\" ");
    put_u64(&o, (uint64_t)(e->status > 0 ? e->status : 0));
    put(&o, " ", 1);
    put_u64(&o, e->body_bytes_sent);
    put_str(&o, " \"");
    put_nginx(&o, e->referer);
    put_str(&o, "\" \"");
    put_nginx(&o, e->user_agent);
    put(&o, "\"", 1);
    return finish(&o, out);
}

static const char *
pool_name(keel_access_pool_t p)
{
    return p == KEEL_ACCESS_WORKER ? "worker" : p == KEEL_ACCESS_CLASSIC ? "classic" : "static";
}

size_t
keel_access_format_json(const keel_access_entry_t *e, char *out, size_t cap)
{
    out_t o = {out, out + cap, false};
    put_str(&o, "{\"time\":");
    put_json(&o, e->time_iso);
    put_str(&o, ",\"remote_addr\":");
    put_json(&o, e->remote_addr);
    put_str(&o, ",\"remote_user\":");
    put_json(&o, e->remote_user);
    put_str(&o, ",\"method\":");
    put_json(&o, e->method);
    put_str(&o, ",\"uri\":");
    put_json(&o, e->target);
    put_str(&o, ",\"protocol\":");
    put_json(&o, e->protocol);
    put_str(&o, ",\"status\":");
    put_u64(&o, (uint64_t)(e->status > 0 ? e->status : 0));
    put_str(&o, ",\"body_bytes_sent\":");
    put_u64(&o, e->body_bytes_sent);
    put_str(&o, ",\"referer\":");
    put_json(&o, e->referer);
    put_str(&o, ",\"user_agent\":");
    put_json(&o, e->user_agent);
    put_str(&o, ",\"host\":");
    put_json(&o, e->host);
    put_str(&o, ",\"request_time\":");
    /* seconds with milliseconds, as nginx's $request_time */
    put_fixed3(&o, e->request_us / 1000000, (unsigned)(e->request_us % 1000000 / 1000));
    put_str(&o, ",\"pool\":\"");
    put_str(&o, pool_name(e->pool));
    put_str(&o, "\",\"worker_pid\":");
    if (e->worker_pid > 0)
        put_u64(&o, (uint64_t)e->worker_pid);
    else
        put(&o, "null", 4);
    put_str(&o, ",\"generation\":");
    if (e->generation > 0)
        put_u64(&o, e->generation);
    else
        put(&o, "null", 4);
    put_str(&o, ",\"wait_ms\":");
    put_ms(&o, e->wait_known, e->wait_us);
    put_str(&o, ",\"php_ms\":");
    put_ms(&o, e->php_known, e->php_us);
    put_str(&o, ",\"zend_peak_bytes\":");
    if (e->memory_known)
        put_u64(&o, e->zend_peak);
    else
        put(&o, "null", 4);
    put_str(&o, ",\"private_change_bytes\":");
    if (e->private_change_known) {
        if (e->private_change < 0)
            put(&o, "-", 1);
        /* the magnitude in unsigned arithmetic: INT64_MIN has no positive twin */
        uint64_t mag = e->private_change < 0 ? 0 - (uint64_t)e->private_change : (uint64_t)e->private_change;
        put_u64(&o, mag);
    } else {
        put(&o, "null", 4);
    }
    put(&o, "}", 1);
    return finish(&o, out);
}

size_t
keel_access_format_bound(const keel_access_entry_t *e)
{
    /* every byte of a value can become 6 (\u00HH), plus the fixed text
     * and the numbers */
    const keel_access_text_t *texts[] = {&e->remote_addr, &e->remote_user, &e->time_local, &e->time_iso,   &e->method,
                                         &e->target,      &e->protocol,    &e->referer,    &e->user_agent, &e->host};
    size_t n = 512;
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        n += texts[i]->len * 6 + 8;
    return n;
}
