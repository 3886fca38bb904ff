#include "cli/serve_log.h"

#include <string.h>

/* The port after "http://HOST:" at p, where HOST may be "[v6]"; -1 when
 * there is none. */
static int
url_port(const char *p)
{
    if (*p == '[') {
        p = strchr(p, ']');
        if (p == NULL || *++p != ':')
            return -1;
    } else {
        while (*p && *p != ':' && *p != ' ' && *p != '/')
            p++;
        if (*p != ':')
            return -1;
    }
    p++;
    int port = 0, digits = 0;
    for (; *p >= '0' && *p <= '9' && digits < 6; p++, digits++)
        port = port * 10 + (*p - '0');
    return digits > 0 && digits < 6 && port > 0 && port <= 65535 ? port : -1;
}

/* The port of a front line "<prefix>: <what>http://HOST:PORT", or -1. */
static int
front_url(const char *line, const char *what)
{
    const char *p = strstr(line, " front: ");
    if (p == NULL)
        return -1;
    p += strlen(" front: ");
    size_t n = strlen(what);
    if (strncmp(p, what, n) != 0)
        return -1;
    return url_port(p + n);
}

keel_serve_log_kind_t
keel_serve_log_scan(const char *line, int *port)
{
    int p;
    if ((p = front_url(line, "ready: http://")) > 0) {
        *port = p;
        return KEEL_SERVE_LOG_READY;
    }
    if ((p = front_url(line, "admin: http://")) > 0) {
        *port = p;
        return KEEL_SERVE_LOG_ADMIN;
    }
    if (strstr(line, "Allowed memory size of ") != NULL && strstr(line, " exhausted") != NULL)
        return KEEL_SERVE_LOG_MEMORY_LIMIT;
    return KEEL_SERVE_LOG_OTHER;
}
