#include "front/listener.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <unistd.h>

int
keel_listen(const char *addr, char *host, size_t hostlen, int *port, char *err, size_t errlen)
{
    char h[256];
    const char *colon = strrchr(addr, ':');
    if (colon == NULL || colon[1] == '\0') {
        snprintf(err, errlen, "--listen %s: expected HOST:PORT", addr);
        return -1;
    }
    size_t hl = (size_t)(colon - addr);
    if (hl >= 2 && addr[0] == '[' && addr[hl - 1] == ']') {
        addr++;
        hl -= 2;
    }
    if (hl >= sizeof(h)) {
        snprintf(err, errlen, "--listen: host too long");
        return -1;
    }
    memcpy(h, addr, hl);
    h[hl] = '\0';

    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res;
    int rc = getaddrinfo(hl ? h : NULL, colon + 1, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "--listen %s:%s: %s", h, colon + 1, gai_strerror(rc));
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
        snprintf(err, errlen, "cannot listen on %s:%s: %s", h, colon + 1, strerror(errno));
        goto Fail;
    }
    if (listen(fd, SOMAXCONN) != 0) {
        snprintf(err, errlen, "listen: %s", strerror(errno));
        goto Fail;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
        snprintf(err, errlen, "getsockname: %s", strerror(errno));
        goto Fail;
    }
    char serv[16];
    if (getnameinfo((struct sockaddr *)&ss, sl, host, (socklen_t)hostlen, serv, sizeof(serv),
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        snprintf(err, errlen, "getnameinfo failed");
        goto Fail;
    }
    *port = atoi(serv);
    freeaddrinfo(res);
    return fd;
Fail:
    close(fd);
    freeaddrinfo(res);
    return -1;
}
