/* Fuzzes what keel parses of its listeners and of TLS clients' names: the
 * --listen/--admin address parser (a refusal is one line, a success
 * formats back to an address that parses the same), the LISTEN_PID and
 * LISTEN_FDS values of socket activation, SNI name matching, and the
 * --redirect-https location built from a client's Host. The first byte
 * picks the parser. */
#include <stddef.h>
#include <stdint.h>

#include "common/listen_addr.h"
#include "common/socket_activation.h"
#include "front/https_redirect.h"
#include "front/tls_names.h"
#include "fuzz_check.h"

static void
fuzz_addr(const uint8_t *data, size_t size, unsigned allow)
{
    char *text = fuzz_dup(data, size);
    keel_listen_addr_t a;
    char err[256];
    if (keel_listen_addr_parse(text, size, allow, "--listen", &a, err, sizeof(err)) != 0) {
        CHECK(strchr(err, '\n') == NULL && strlen(err) > 0);
    } else if (a.family == KEEL_LISTEN_UNIX) {
        CHECK(allow & KEEL_LISTEN_ALLOW_UNIX);
        CHECK(a.path[0] == '/' && strlen(a.path) <= KEEL_LISTEN_PATH_MAX);
    } else {
        CHECK(!a.tls || (allow & KEEL_LISTEN_ALLOW_SCHEME));
        char again[400];
        keel_listen_addr_format(&a, 0, again, sizeof(again));
        keel_listen_addr_t b;
        /* an empty host formats as 0.0.0.0: compare the rest */
        CHECK(keel_listen_addr_parse(again, strlen(again), KEEL_LISTEN_ALLOW_SCHEME, "--listen", &b, err,
                                     sizeof(err)) == 0);
        CHECK(b.port == a.port && b.tls == a.tls);
        CHECK(a.host[0] == '\0' || strcmp(a.host, b.host) == 0);
    }
    free(text);
}

static void
fuzz_activation(const uint8_t *data, size_t size)
{
    /* LISTEN_PID, NUL, LISTEN_FDS */
    char *text = malloc(size + 1);
    CHECK(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    size_t first = strlen(text);
    const char *fds = first < size ? text + first + 1 : "";
    char err[256];
    int n = keel_socket_activation_count(text, fds, 4242, err, sizeof(err));
    CHECK(n >= -1 && n <= KEEL_LISTEN_FDS_MAX);
    free(text);
}

static void
fuzz_names(const uint8_t *data, size_t size)
{
    /* pattern, NUL, name */
    const uint8_t *nul = memchr(data, '\0', size);
    if (nul == NULL)
        return;
    char *pattern = fuzz_dup(data, (size_t)(nul - data) + 1);
    size_t name_len = size - (size_t)(nul - data) - 1;
    char *name = fuzz_dup(nul + 1, name_len);
    bool m = keel_tls_name_matches(pattern, name, name_len);
    const char *const list[] = {pattern};
    const char *const *lists[] = {list};
    size_t counts[] = {1};
    CHECK(keel_tls_name_pick(lists, counts, 1, name, name_len) == (m ? 0 : -1));
    /* a name never matches unless it is a DNS name's bytes */
    if (m)
        for (size_t i = 0; i < name_len; i++)
            CHECK(name[i] != '\0' && name[i] != ' ' && name[i] != '/');
    free(pattern);
    free(name);
}

/* Host NUL path: the location is "https://", a prefix of the host (its
 * port dropped) or the fallback, the port unless 443, then the path. */
static void
fuzz_redirect(const uint8_t *data, size_t size)
{
    if (size < 3)
        return;
    const uint8_t *nul = memchr(data + 1, '\0', size - 1); /* data[0] is the port */
    if (nul == NULL)
        return;
    int port = data[0] == 0 ? 443 : data[0] * 257;
    const char *host = (const char *)data + 1;
    size_t host_len = (size_t)(nul - data) - 1;
    const char *path = (const char *)nul + 1;
    size_t path_len = size - (size_t)(nul - data) - 1;
    size_t cap = (host_len > 6 ? host_len : 6) + path_len + KEEL_HTTPS_LOCATION_EXTRA; /* 6: the fallback */
    char *out = malloc(cap);
    CHECK(out != NULL);
    size_t n = keel_https_location(host, host_len, "f.test", port, path, path_len, out, cap);
    CHECK(n > 8 && n < cap && out[n] == '\0' && memcmp(out, "https://", 8) == 0);
    CHECK(memcmp(out + n - path_len, path, path_len) == 0);
    char port_text[8] = "";
    if (port != 443)
        snprintf(port_text, sizeof(port_text), ":%d", port);
    size_t hl = n - 8 - strlen(port_text) - path_len;
    CHECK(memcmp(out + 8 + hl, port_text, strlen(port_text)) == 0);
    if (hl != 6 || memcmp(out + 8, "f.test", 6) != 0)
        CHECK(hl <= host_len && memcmp(out + 8, host, hl) == 0);
    /* a byte less than the host it used, the path and the extra: nothing */
    CHECK(keel_https_location(host, host_len, "f.test", port, path, path_len, out,
                              hl + path_len + KEEL_HTTPS_LOCATION_EXTRA - 1) == 0);
    free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    /* 0xff: a later parser, so the seeds' first bytes keep their meaning */
    if (data[0] == 0xff) {
        fuzz_redirect(data + 1, size - 1);
        return 0;
    }
    switch (data[0] % 5) {
    case 0:
        fuzz_addr(data + 1, size - 1, KEEL_LISTEN_ALLOW_SCHEME | KEEL_LISTEN_ALLOW_UNIX);
        break;
    case 1:
        fuzz_addr(data + 1, size - 1, 0);
        break;
    case 2:
        fuzz_addr(data + 1, size - 1, KEEL_LISTEN_ALLOW_SCHEME);
        break;
    case 3:
        fuzz_activation(data + 1, size - 1);
        break;
    default:
        fuzz_names(data + 1, size - 1);
        break;
    }
    return 0;
}
