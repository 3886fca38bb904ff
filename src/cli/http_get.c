#include "cli/http_get.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>

#include "acme/curl_api.h"

int
keel_admin_url(char *out, size_t cap, const char *admin, const char *path, char *err, size_t errlen)
{
    const char *colon = strrchr(admin, ':');
    if (colon == NULL || colon == admin || colon[1] == '\0') {
        snprintf(err, errlen, "--admin %s: expected HOST:PORT", admin);
        return -1;
    }
    /* An IPv6 host needs its brackets in a URL. */
    int v6 = memchr(admin, ':', (size_t)(colon - admin)) != NULL && admin[0] != '[';
    int n = snprintf(out, cap, "http://%s%.*s%s%s%s", v6 ? "[" : "", (int)(colon - admin), admin, v6 ? "]" : "", colon,
                     path);
    if (n < 0 || (size_t)n >= cap) {
        snprintf(err, errlen, "--admin %s: address too long", admin);
        return -1;
    }
    return 0;
}

curl_socket_t
keel_curl_open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
    (void)clientp, (void)purpose;
    int fd = socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
    return fd < 0 ? CURL_SOCKET_BAD : fd;
}

typedef struct {
    char *buf;
    size_t len, cap;
    int too_large;
} body_t;

static size_t
on_data(char *data, size_t size, size_t nmemb, void *user)
{
    body_t *b = user;
    size_t n = size * nmemb;
    if (b->len + n + 1 > KEEL_HTTP_GET_MAX) {
        b->too_large = 1;
        return 0; /* curl stops with CURLE_WRITE_ERROR */
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *nb = realloc(b->buf, cap);
        if (nb == NULL)
            return 0;
        b->buf = nb;
        b->cap = cap;
    }
    memcpy(b->buf + b->len, data, n);
    b->len += n;
    b->buf[b->len] = '\0';
    return n;
}

int
keel_http_get(const char *url, long timeout_ms, long *status, char **body, size_t *len, char *err, size_t errlen)
{
    CURL *c = keel_curl()->easy_init();
    if (c == NULL) {
        snprintf(err, errlen, "cannot start an HTTP client (curl_easy_init)");
        return -1;
    }
    body_t b = {0};
    char cerr[CURL_ERROR_SIZE] = "";
    /* Every setopt here takes a valid option and value; their results
     * matter only through curl_easy_perform's. */
    CURLcode rc = keel_curl()->easy_setopt(c, CURLOPT_URL, url);
    if (rc == CURLE_OK)
        rc = keel_curl()->easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    if (rc == CURLE_OK)
        rc = keel_curl()->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (rc == CURLE_OK)
        rc = keel_curl()->easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    if (rc == CURLE_OK)
        rc = keel_curl()->easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, keel_curl_open_socket);
    if (rc == CURLE_OK)
        rc = keel_curl()->easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    if (rc == CURLE_OK)
        rc = keel_curl()->easy_setopt(c, CURLOPT_WRITEDATA, &b);
    /* The admin listener is local: no proxy from the environment. */
    if (rc == CURLE_OK)
        rc = keel_curl()->easy_setopt(c, CURLOPT_NOPROXY, "*");
    if (rc == CURLE_OK)
        rc = keel_curl()->easy_perform(c);
    if (rc == CURLE_OK)
        rc = keel_curl()->easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    keel_curl()->easy_cleanup(c);
    if (rc != CURLE_OK) {
        if (b.too_large)
            snprintf(err, errlen, "%s: the answer is larger than %u bytes", url, KEEL_HTTP_GET_MAX);
        else
            snprintf(err, errlen, "%s: %s", url, cerr[0] ? cerr : keel_curl()->easy_strerror(rc));
        free(b.buf);
        return -1;
    }
    if (b.buf == NULL && (b.buf = calloc(1, 1)) == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *body = b.buf;
    *len = b.len;
    return 0;
}
