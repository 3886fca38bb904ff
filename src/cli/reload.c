#include "cli/reload.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/config.h"
#include "common/token_file.h"

static const char usage[] = "Usage: keel reload [--admin HOST:PORT] [--admin-token FILE]\n"
                            "\n"
                            "Starts a new generation of the running keel (fresh PHP, fresh OPcache, the code\n"
                            "as it is now), waits until it serves, and prints its number. If it cannot start,\n"
                            "or keel refuses the reload (too many old generations still draining), the old\n"
                            "generation keeps serving and the reason is printed (exit status 1).\n"
                            "\n"
                            "  --admin HOST:PORT    the server's admin listener (default: " KEEL_DEFAULT_ADMIN "; an\n"
                            "                       address names one keel: a second instance cannot start with\n"
                            "                       the same)\n"
                            "  --admin-token FILE   the token file the server was given with --admin-token\n";

static int
connect_to(const char *addr, char *err, size_t errlen)
{
    char host[256];
    const char *colon = strrchr(addr, ':');
    if (colon == NULL || (size_t)(colon - addr) >= sizeof(host)) {
        snprintf(err, errlen, "--admin %s: expected HOST:PORT", addr);
        return -1;
    }
    size_t hl = (size_t)(colon - addr);
    const char *h = addr;
    if (hl >= 2 && addr[0] == '[' && addr[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *res;
    int rc = getaddrinfo(host, colon + 1, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "--admin %s: %s", addr, gai_strerror(rc));
        return -1;
    }
    int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
    if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
        snprintf(err, errlen, "cannot reach keel's admin listener at %s: %s", addr, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    return fd;
}

int
keel_reload_main(int argc, char **argv)
{
    const char *addr = KEEL_DEFAULT_ADMIN, *token_file = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(argv[i], "--admin") == 0 && i + 1 < argc) {
            addr = argv[++i];
        } else if (strncmp(argv[i], "--admin=", 8) == 0) {
            addr = argv[i] + 8;
        } else if (strcmp(argv[i], "--admin-token") == 0 && i + 1 < argc) {
            token_file = argv[++i];
        } else if (strncmp(argv[i], "--admin-token=", 14) == 0) {
            token_file = argv[i] + 14;
        } else {
            fprintf(stderr, "keel reload: unknown option '%s' (see keel reload --help)\n", argv[i]);
            return 2;
        }
    }
    char err[512];
    /* static: a token may be 4 KiB, and the request that carries it more */
    static char token[KEEL_TOKEN_MAX + 1], request[KEEL_TOKEN_MAX + 512];
    int loose = 0;
    if (token_file != NULL && keel_token_file_read(token_file, token, sizeof(token), &loose, err, sizeof(err)) < 0) {
        fprintf(stderr, "keel reload: %s\n", err);
        return 2;
    }
    /* Host names the listener, which keel checks is loopback when it has
     * no token; the JSON type is one no web form can send. */
    int rl =
        snprintf(request, sizeof(request),
                 "POST /reload HTTP/1.0\r\nHost: %s\r\nContent-Type: application/json\r\n%s%s%s"
                 "Content-Length: 2\r\n\r\n{}",
                 addr, token_file ? "Authorization: Bearer " : "", token_file ? token : "", token_file ? "\r\n" : "");
    if (rl < 0 || (size_t)rl >= sizeof(request) || strpbrk(addr, "\r\n") != NULL) {
        fprintf(stderr, "keel reload: --admin %s: expected HOST:PORT\n", addr);
        return 2;
    }
    int fd = connect_to(addr, err, sizeof(err));
    if (fd < 0) {
        fprintf(stderr, "keel reload: %s\n", err);
        return 2;
    }
    for (size_t off = 0; off < (size_t)rl;) {
        ssize_t n = write(fd, request + off, (size_t)rl - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            fprintf(stderr, "keel reload: write: %s\n", strerror(errno));
            close(fd);
            return 2;
        }
        off += (size_t)n;
    }
    /* HTTP/1.0: the server closes when the answer is complete. */
    char resp[8192];
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, resp + len, sizeof(resp) - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "keel reload: read: %s\n", strerror(errno));
            close(fd);
            return 2;
        }
        if (n == 0 || (len += (size_t)n) == sizeof(resp) - 1)
            break;
    }
    close(fd);
    resp[len] = '\0';
    int status = 0;
    if (sscanf(resp, "HTTP/%*d.%*d %d", &status) != 1) {
        fprintf(stderr, "keel reload: unexpected answer from %s\n", addr);
        return 2;
    }
    const char *body = strstr(resp, "\r\n\r\n");
    body = body ? body + 4 : "";
    unsigned gen;
    const char *g = strstr(body, "\"generation\":");
    if (status == 200 && g && sscanf(g, "\"generation\": %u", &gen) == 1) {
        printf("%u\n", gen);
        return 0;
    }
    const char *e = strstr(body, "\"error\": \"");
    if (status == 401) {
        fprintf(stderr, "keel reload: %s: the admin listener wants its token: give --admin-token FILE\n",
                token_file ? "wrong token" : "refused");
    } else if (e) {
        e += 10;
        const char *end = strchr(e, '"');
        fprintf(stderr, "keel reload: failed: %.*s\n", end ? (int)(end - e) : (int)strlen(e), e);
    } else {
        fprintf(stderr, "keel reload: failed (HTTP %d)\n", status);
    }
    return 1;
}
