/* Fuzzes what keel parses of its listeners and of TLS clients' names: the
 * --listen/--admin address parser (a refusal is one line, a success
 * formats back to an address that parses the same), the LISTEN_PID and
 * LISTEN_FDS values of socket activation, and SNI name matching. The first
 * byte picks the parser. */
#include <stddef.h>
#include <stdint.h>

#include "common/listen_addr.h"
#include "common/socket_activation.h"
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
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
