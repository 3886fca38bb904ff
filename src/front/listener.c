#include "front/listener.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/fds.h"
#include "common/socket_activation.h"

static int
numeric_name(int fd, char *host, size_t hostlen, int *port, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
        snprintf(err, errlen, "getsockname: %s", strerror(errno));
        return -1;
    }
    if (ss.ss_family == AF_UNIX) {
        if (hostlen)
            host[0] = '\0';
        *port = 0;
        return 0;
    }
    char serv[16];
    if (getnameinfo((struct sockaddr *)&ss, sl, host, (socklen_t)hostlen, serv, sizeof(serv),
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        snprintf(err, errlen, "getnameinfo failed");
        return -1;
    }
    *port = atoi(serv);
    return 0;
}

/* A socket file left behind: replaced when nothing answers on it. */
static int
clear_stale(const char *path, const char *option, char *err, size_t errlen)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : (snprintf(err, errlen, "%s unix:%s: %s", option, path, strerror(errno)), -1);
    if (!S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen, "%s unix:%s: exists and is not a socket", option, path);
        return -1;
    }
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    memcpy(sun.sun_path, path, strlen(path) + 1);
    int live = connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0;
    int why = errno;
    close(probe);
    if (live) {
        snprintf(err, errlen, "cannot listen on unix:%s: in use by a running server", path);
        return -1;
    }
    if (why != ECONNREFUSED) {
        snprintf(err, errlen, "%s unix:%s: %s", option, path, strerror(why));
        return -1;
    }
    if (unlink(path) != 0) {
        snprintf(err, errlen, "%s unix:%s: cannot remove the stale socket: %s", option, path, strerror(errno));
        return -1;
    }
    return 0;
}

static int
listen_unix(const keel_listen_addr_t *addr, const char *option, char *err, size_t errlen)
{
    if (clear_stale(addr->path, option, err, errlen) != 0)
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    memcpy(sun.sun_path, addr->path, strlen(addr->path) + 1);
    if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
        snprintf(err, errlen, "cannot listen on unix:%s: %s", addr->path, strerror(errno));
        close(fd);
        return -1;
    }
    if (chmod(addr->path, 0666) != 0 || listen(fd, SOMAXCONN) != 0) {
        snprintf(err, errlen, "unix:%s: %s", addr->path, strerror(errno));
        close(fd);
        unlink(addr->path);
        return -1;
    }
    return fd;
}

int
keel_listen(const keel_listen_addr_t *addr, const char *option, char *host, size_t hostlen, int *port, char *err,
            size_t errlen)
{
    if (addr->family == KEEL_LISTEN_UNIX) {
        int fd = listen_unix(addr, option, err, errlen);
        if (fd >= 0) {
            if (hostlen)
                host[0] = '\0';
            *port = 0;
        }
        return fd;
    }
    char serv[8];
    snprintf(serv, sizeof(serv), "%u", (unsigned)addr->port);
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res;
    int rc = getaddrinfo(addr->host[0] ? addr->host : NULL, serv, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "%s %s:%s: %s", option, addr->host, serv, gai_strerror(rc));
        return -1;
    }
    int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        freeaddrinfo(res);
        return -1;
    }
    int on = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) != 0) {
        snprintf(err, errlen, "setsockopt: %s", strerror(errno));
        goto Fail;
    }
    if (bind(fd, res->ai_addr, res->ai_addrlen) != 0) {
        snprintf(err, errlen, "cannot listen on %s:%s: %s", addr->host, serv, strerror(errno));
        goto Fail;
    }
    if (listen(fd, SOMAXCONN) != 0) {
        snprintf(err, errlen, "listen: %s", strerror(errno));
        goto Fail;
    }
    if (numeric_name(fd, host, hostlen, port, err, errlen) != 0)
        goto Fail;
    freeaddrinfo(res);
    return fd;
Fail:
    close(fd);
    freeaddrinfo(res);
    return -1;
}

/* Whether the socket fd is bound where addr says. */
static int
bound_to(int fd, const keel_listen_addr_t *addr)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    int type, listening;
    socklen_t tl = sizeof(type), ll = sizeof(listening);
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 ||
        type != SOCK_STREAM || getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ll) != 0 || !listening)
        return 0;
    if (addr->family == KEEL_LISTEN_UNIX) {
        const struct sockaddr_un *sun = (const struct sockaddr_un *)&ss;
        return ss.ss_family == AF_UNIX && strncmp(sun->sun_path, addr->path, sizeof(sun->sun_path)) == 0;
    }
    if (ss.ss_family != AF_INET && ss.ss_family != AF_INET6)
        return 0;
    char host[NI_MAXHOST], serv[16];
    if (getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), serv, sizeof(serv),
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0 ||
        (unsigned)atoi(serv) != addr->port)
        return 0;
    if (addr->host[0] == '\0')
        return strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0;
    /* the address as given: numeric ones compare as text; a name would
     * need resolving, which is left to binding */
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_PASSIVE, .ai_socktype = SOCK_STREAM}, *res;
    if (getaddrinfo(addr->host, serv, &hints, &res) != 0)
        return 0;
    char want[NI_MAXHOST];
    int same = getnameinfo(res->ai_addr, res->ai_addrlen, want, sizeof(want), NULL, 0, NI_NUMERICHOST) == 0 &&
               strcmp(want, host) == 0;
    freeaddrinfo(res);
    return same;
}

int
keel_listen_adopt(const keel_listen_addr_t *addr, int *fds, size_t n, char *host, size_t hostlen, int *port)
{
    char err[128];
    for (size_t i = 0; i < n; i++) {
        if (fds[i] < 0 || !bound_to(fds[i], addr))
            continue;
        int fd = fds[i];
        if (keel_fd_set_cloexec(fd) != 0 || numeric_name(fd, host, hostlen, port, err, sizeof(err)) != 0)
            return -1;
        fds[i] = -1;
        return fd;
    }
    return -1;
}

int
keel_listen_passed(int *fds, size_t max, char *err, size_t errlen)
{
    int n = keel_socket_activation_count(getenv("LISTEN_PID"), getenv("LISTEN_FDS"), getpid(), err, errlen);
    if (n < 0)
        return -1;
    if ((size_t)n > max) {
        snprintf(err, errlen, "socket activation: %d sockets passed, keel uses at most %zu", n, max);
        return -1;
    }
    for (int i = 0; i < n; i++)
        fds[i] = KEEL_LISTEN_FDS_START + i;
    /* the zygote and PHP inherit the environment: they must not take the
     * sockets for theirs */
    if (unsetenv("LISTEN_PID") != 0 || unsetenv("LISTEN_FDS") != 0 || unsetenv("LISTEN_FDNAMES") != 0) {
        snprintf(err, errlen, "unsetenv: %s", strerror(errno));
        return -1;
    }
    return n;
}
