/*
 * What `--listen` and `--admin` name: a TCP address (cleartext or TLS) or
 * a Unix socket's path. A byte parser with no I/O, unit-tested and fuzzed
 * (tests/fuzz/fuzz_listen_addr.c): it never resolves a name, so every
 * refusal happens before anything is bound.
 *
 *   127.0.0.1:8080  http://127.0.0.1:8080   cleartext HTTP
 *   https://0.0.0.0:443  https://[::]:443   TLS
 *   :8080                                   every address, cleartext
 *   unix:/run/keel/http.sock                a Unix socket (cleartext)
 */
#ifndef KEEL_COMMON_LISTEN_ADDR_H
#define KEEL_COMMON_LISTEN_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* sizeof(struct sockaddr_un.sun_path), without its terminating NUL */
#define KEEL_LISTEN_PATH_MAX 107
/* a DNS name's longest text form */
#define KEEL_LISTEN_HOST_MAX 253

typedef enum {
    KEEL_LISTEN_TCP,
    KEEL_LISTEN_UNIX,
} keel_listen_family_t;

typedef struct {
    keel_listen_family_t family;
    bool tls;                            /* https:// */
    char host[KEEL_LISTEN_HOST_MAX + 1]; /* TCP: without brackets; "" for every address */
    uint16_t port;                       /* TCP: 0 asks the kernel for a free port */
    char path[KEEL_LISTEN_PATH_MAX + 1]; /* UNIX: absolute */
} keel_listen_addr_t;

/* What a parser accepts besides HOST:PORT. */
enum {
    KEEL_LISTEN_ALLOW_SCHEME = 1, /* http:// and https:// */
    KEEL_LISTEN_ALLOW_UNIX = 2,   /* unix:/path */
};

/*
 * Parses the len bytes of text (no NUL needed; a NUL inside is refused).
 * Returns 0, or -1 with one line in err naming what is wrong, prefixed
 * with option ("--listen") and the text as given (control characters
 * shown as '?'). A port is 1 to 65535, or 0 for any free one.
 */
int keel_listen_addr_parse(const char *text, size_t len, unsigned allow, const char *option, keel_listen_addr_t *out,
                           char *err, size_t errlen);

/* The address as a URL for the log: "https://127.0.0.1:8443",
 * "http://[::1]:8080", "unix:/run/keel.sock". port overrides addr->port
 * when non-zero (the port the kernel picked). */
void keel_listen_addr_format(const keel_listen_addr_t *addr, uint16_t port, char *out, size_t outlen);

#endif
