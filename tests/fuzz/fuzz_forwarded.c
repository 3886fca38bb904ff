/* Fuzzes what a trusted proxy's headers say (front/forwarded.h) and the
 * address and range parsers under it (common/cidr.h). The input is lines,
 * each a header: its first byte says which (X: X-Forwarded-For, F:
 * Forwarded, P: X-Forwarded-Proto, H: X-Forwarded-Host, O:
 * X-Forwarded-Port), the rest its value; each line is also parsed as an
 * address, a node and a range. Checks: nothing read past a value (each is
 * an exact-size copy), ports in range, a host fit for SERVER_NAME, the
 * same answer twice. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/cidr.h"
#include "front/forwarded.h"
#include "fuzz_check.h"

#define MAX_LINES 64

static void
check_host(keel_fwd_text_t h)
{
    if (h.base == NULL)
        return;
    CHECK(h.len > 0 && h.len <= 255);
    for (size_t i = 0; i < h.len; i++) {
        unsigned char c = (unsigned char)h.base[i];
        CHECK(c > 0x20 && c < 0x7f && c != '/' && c != '@' && c != '"' && c != '\\');
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const ranges[] = {"127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8"};
    keel_cidr_t trusted[4];
    for (size_t i = 0; i < 4; i++)
        CHECK(keel_cidr_parse(ranges[i], strlen(ranges[i]), &trusted[i]) == 0);

    char *lines[MAX_LINES];
    size_t nlines = 0;
    keel_fwd_headers_t in = {0};
    const uint8_t *p = data, *end = data + size;
    while (p < end && nlines < MAX_LINES) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (len > 0) {
            char *v = fuzz_dup(p + 1, len - 1);
            lines[nlines++] = v;
            keel_fwd_text_t t = {v, len - 1};
            keel_ip_t ip;
            keel_cidr_t c;
            int port;
            char text[KEEL_CIDR_TEXT_MAX];
            if (keel_ip_parse(v, len - 1, &ip) == 0)
                CHECK(keel_ip_format(&ip, text) > 0);
            if (keel_fwd_parse_node(v, len - 1, &ip, &port) == 0)
                CHECK(port >= 0 && port <= 65535);
            if (keel_cidr_parse(v, len - 1, &c) == 0) {
                CHECK(c.prefix <= 128);
                CHECK(keel_cidr_contains(&c, &c.base));
            }
            switch (p[0]) {
            case 'X':
                if (in.xff_count < KEEL_FWD_MAX_HEADERS)
                    in.xff[in.xff_count++] = t;
                break;
            case 'F':
                if (in.forwarded_count < KEEL_FWD_MAX_HEADERS)
                    in.forwarded[in.forwarded_count++] = t;
                break;
            case 'P':
                in.proto = t;
                break;
            case 'H':
                in.host = t;
                break;
            case 'O':
                in.port = t;
                break;
            default:
                break;
            }
        }
        p += len + (nl != NULL);
    }

    /* three addresses, and a unix: socket's peer (no address) */
    static const char *const peers[] = {"127.0.0.1", "192.0.2.1", "::1", NULL};
    const keel_fwd_trust_t trust = {trusted, 4, true};
    for (size_t i = 0; i < 4; i++) {
        keel_ip_t addr;
        const keel_ip_t *peer = NULL;
        if (peers[i] != NULL) {
            CHECK(keel_ip_parse(peers[i], strlen(peers[i]), &addr) == 0);
            peer = &addr;
        }
        keel_fwd_result_t a, b;
        bool trusted_a = keel_fwd_resolve(peer, &trust, &in, &a);
        bool trusted_b = keel_fwd_resolve(peer, &trust, &in, &b);
        CHECK(trusted_a == trusted_b && trusted_a == (i != 1));
        CHECK(a.client_known == b.client_known && a.https == b.https && a.port == b.port);
        CHECK(!a.client_known || memcmp(a.client.addr, b.client.addr, 16) == 0);
        CHECK(a.client_port >= 0 && a.client_port <= 65535);
        CHECK(a.port >= 0 && a.port <= 65535);
        CHECK(a.https >= -1 && a.https <= 1);
        CHECK(!(a.conflict && a.client_known));
        check_host(a.host);
        if (!trusted_a)
            CHECK(!a.client_known && a.https == -1 && a.host.base == NULL && a.port == 0);
    }
    for (size_t i = 0; i < nlines; i++)
        free(lines[i]);
    return 0;
}
