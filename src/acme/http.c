#include "acme/http.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "acme/curl_api.h"
#include "common/clock.h"
#include "common/log.h"

/* A CA that does not answer within these is treated as failing; the
 * request is retried with the attempt. */
#define HTTP_CONNECT_TIMEOUT_MS 15000
#define HTTP_TIMEOUT_MS         60000
/* Longest header value kept (nonces and URLs are far shorter). */
#define HTTP_HEADER_MAX 4096

struct keel_acme_http_req_s {
    keel_acme_http_t *h;
    CURL *easy;
    struct curl_slist *headers;
    char *body_copy;
    keel_acme_http_cb cb;
    void *ctx;
    /* the response as it arrives */
    char *buf;
    size_t len, cap;
    bool too_large;
    bool in_callback; /* its callback is running: cancel is a no-op */
    char *content_type, *location, *replay_nonce;
    uint64_t retry_after_ms;
    char errbuf[CURL_ERROR_SIZE];
    keel_acme_http_req_t *next; /* h->reqs */
};

struct keel_acme_http_s {
    keel_acme_poller_t *poller;
    CURLM *multi;
    keel_acme_timer_t timer; /* libcurl's timeout */
    char *ca_file;
    char *user_agent;
    const char *protocols; /* libcurl's CURLOPT_PROTOCOLS_STR */
    keel_acme_http_req_t *reqs;
};

static void check_done(keel_acme_http_t *h);

/* ------------------------------------------------------------ descriptors */

/* libcurl 7.88 opens its own sockets without SOCK_CLOEXEC; keel's are all
 * close-on-exec, so it is given sockets made here. */
static curl_socket_t
open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
    (void)clientp;
    (void)purpose;
    return socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
}

/* The descriptors open now, in a malloc'd array; NULL (count 0) when /proc
 * cannot be read. */
static int *
open_fds(size_t *count)
{
    *count = 0;
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        return NULL;
    size_t cap = 64;
    int *fds = malloc(cap * sizeof(*fds));
    int self = dirfd(d); /* open only while listing: not one of the process's */
    struct dirent *e;
    while (fds != NULL && (e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9' || atoi(e->d_name) == self)
            continue;
        if (*count == cap) {
            int *more = realloc(fds, 2 * cap * sizeof(*fds));
            if (more == NULL) {
                free(fds);
                fds = NULL;
                break;
            }
            fds = more;
            cap *= 2;
        }
        fds[(*count)++] = atoi(e->d_name);
    }
    if (closedir(d) != 0 || fds == NULL) {
        free(fds);
        *count = 0;
        return NULL;
    }
    return fds;
}

static bool
contains(const int *fds, size_t n, int fd)
{
    for (size_t i = 0; i < n; i++)
        if (fds[i] == fd)
            return true;
    return false;
}

/* curl_multi_init opens a socket pair (its wake-up channel) that is not
 * close-on-exec and that no API names: find the descriptors that appeared
 * across the call and mark them. The host's loop is single-threaded, so
 * nothing else opens descriptors meanwhile. */
static CURLM *
multi_init_cloexec(void)
{
    size_t n_before = 0, n_after = 0;
    int *before = open_fds(&n_before);
    CURLM *multi = keel_curl()->multi_init();
    int *after = multi != NULL && before != NULL ? open_fds(&n_after) : NULL;
    for (size_t i = 0; i < n_after; i++) {
        if (contains(before, n_before, after[i]))
            continue;
        int flags = fcntl(after[i], F_GETFD);
        if (flags >= 0 && !(flags & FD_CLOEXEC) && fcntl(after[i], F_SETFD, flags | FD_CLOEXEC) != 0)
            keel_warn("acme: cannot make descriptor %d close-on-exec: %s", after[i], strerror(errno));
    }
    free(before);
    free(after);
    return multi;
}

/* ------------------------------------------------------------ libcurl's hooks */

static int
on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    (void)easy;
    keel_acme_http_t *h = userp;
    bool known = socketp != NULL;
    if (what == CURL_POLL_REMOVE) {
        /* libcurl may already have closed it, which removed it from the set. */
        if (known && keel_acme_poller_watch(h->poller, s, 0, true) != 0 && errno != EBADF && errno != ENOENT)
            keel_warn("acme: epoll_ctl(DEL %d): %s", s, strerror(errno));
        keel_curl()->multi_assign(h->multi, s, NULL);
        return 0;
    }
    uint32_t events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
    if (keel_acme_poller_watch(h->poller, s, events, known) != 0) {
        keel_error("acme: epoll_ctl(%d): %s", s, strerror(errno));
        return -1; /* libcurl fails the transfer */
    }
    if (!known)
        keel_curl()->multi_assign(h->multi, s, h); /* any non-NULL marks it known */
    return 0;
}

static int
on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    keel_acme_http_t *h = userp;
    if (timeout_ms < 0)
        keel_acme_timer_cancel(h->poller, &h->timer);
    else
        keel_acme_timer_arm(h->poller, &h->timer, keel_now_ms() + (uint64_t)timeout_ms);
    return 0;
}

static void
on_timer_due(keel_acme_timer_t *timer)
{
    keel_acme_http_t *h = (keel_acme_http_t *)((char *)timer - offsetof(keel_acme_http_t, timer));
    int running;
    keel_curl()->multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(h);
}

void
keel_acme_http_on_ready(void *ctx, int fd, uint32_t events)
{
    keel_acme_http_t *h = ctx;
    int action = (events & EPOLLIN ? CURL_CSELECT_IN : 0) | (events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                 (events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
    int running;
    keel_curl()->multi_socket_action(h->multi, fd, action, &running);
    check_done(h);
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    keel_acme_http_req_t *r = userp;
    size_t n = size * nmemb;
    if (r->len + n > KEEL_ACME_HTTP_BODY_MAX) {
        r->too_large = true;
        return 0; /* libcurl fails the transfer with a write error */
    }
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len + n + 1)
            cap *= 2;
        char *nb = realloc(r->buf, cap);
        if (nb == NULL)
            return 0;
        r->buf = nb;
        r->cap = cap;
    }
    memcpy(r->buf + r->len, data, n);
    r->len += n;
    r->buf[r->len] = '\0';
    return n;
}

/* A header's value if line is that header ("Name: value\r\n"), trimmed,
 * as a malloc'd string. */
static char *
header_value(const char *line, size_t n, const char *name)
{
    size_t nl = strlen(name);
    if (n <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
        return NULL;
    const char *v = line + nl + 1;
    const char *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if ((size_t)(end - v) > HTTP_HEADER_MAX)
        return NULL;
    return strndup(v, (size_t)(end - v));
}

static void
keep(char **slot, char *value)
{
    if (value == NULL)
        return;
    free(*slot);
    *slot = value;
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *userp)
{
    keel_acme_http_req_t *r = userp;
    size_t n = size * nmemb;
    /* A new status line starts a new response (after a 1xx): forget the
     * headers of the one before. */
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        free(r->content_type);
        free(r->location);
        free(r->replay_nonce);
        r->content_type = r->location = r->replay_nonce = NULL;
        r->retry_after_ms = 0;
        return n;
    }
    keep(&r->content_type, header_value(data, n, "Content-Type"));
    keep(&r->location, header_value(data, n, "Location"));
    keep(&r->replay_nonce, header_value(data, n, "Replay-Nonce"));
    char *ra = header_value(data, n, "Retry-After");
    if (ra != NULL) {
        char *end;
        errno = 0;
        unsigned long long secs = strtoull(ra, &end, 10);
        if (ra[0] >= '0' && ra[0] <= '9' && *end == '\0' && errno == 0) {
            r->retry_after_ms = secs > 86400 ? 86400000 : secs * 1000;
        } else {
            /* an HTTP date */
            time_t when = keel_curl()->getdate(ra, NULL);
            time_t now = time(NULL);
            if (when != (time_t)-1 && when > now)
                r->retry_after_ms = (uint64_t)(when - now > 86400 ? 86400 : when - now) * 1000;
        }
        free(ra);
    }
    return n;
}

/* ------------------------------------------------------------ requests */

static void
req_free(keel_acme_http_t *h, keel_acme_http_req_t *r)
{
    for (keel_acme_http_req_t **l = &h->reqs; *l != NULL; l = &(*l)->next) {
        if (*l == r) {
            *l = r->next;
            break;
        }
    }
    if (r->easy != NULL) {
        keel_curl()->multi_remove_handle(h->multi, r->easy);
        keel_curl()->easy_cleanup(r->easy);
    }
    keel_curl()->slist_free_all(r->headers);
    free(r->body_copy);
    free(r->buf);
    free(r->content_type);
    free(r->location);
    free(r->replay_nonce);
    free(r);
}

/* Location made absolute against the request's URL (RFC 7231 allows a
 * relative reference); malloc'd, or NULL. */
static char *
absolute_location(CURL *easy, const char *location)
{
    char *effective = NULL;
    if (keel_curl()->easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &effective) != CURLE_OK || effective == NULL)
        return NULL;
    CURLU *u = keel_curl()->url();
    char *out = NULL, *abs = NULL;
    if (u != NULL && keel_curl()->url_set(u, CURLUPART_URL, effective, 0) == CURLUE_OK &&
        keel_curl()->url_set(u, CURLUPART_URL, location, 0) == CURLUE_OK &&
        keel_curl()->url_get(u, CURLUPART_URL, &abs, 0) == CURLUE_OK) {
        out = strdup(abs);
    }
    keel_curl()->free(abs);
    keel_curl()->url_cleanup(u);
    return out;
}

static void
finish(keel_acme_http_t *h, keel_acme_http_req_t *r, CURLcode result)
{
    keel_acme_http_response_t resp = {
        .body = r->buf != NULL ? r->buf : "",
        .body_len = r->len,
        .content_type = r->content_type,
        .replay_nonce = r->replay_nonce,
        .retry_after_ms = r->retry_after_ms,
    };
    char *location = r->location != NULL ? absolute_location(r->easy, r->location) : NULL;
    resp.location = location;
    if (result != CURLE_OK) {
        resp.error = r->too_large   ? "response too large"
                     : r->errbuf[0] ? r->errbuf
                                    : keel_curl()->easy_strerror(result);
    } else if (keel_curl()->easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &resp.status) != CURLE_OK) {
        resp.error = "no status";
    }
    /* The callback may start requests; this one is out of the multi handle
     * first, and freed after. */
    keel_curl()->multi_remove_handle(h->multi, r->easy);
    r->in_callback = true;
    r->cb(r->ctx, &resp);
    free(location);
    req_free(h, r);
}

static void
check_done(keel_acme_http_t *h)
{
    CURLMsg *msg;
    int left;
    while ((msg = keel_curl()->multi_info_read(h->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        char *priv = NULL;
        if (keel_curl()->easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv) != CURLE_OK || priv == NULL)
            continue;
        finish(h, (keel_acme_http_req_t *)priv, msg->data.result);
    }
}

keel_acme_http_req_t *
keel_acme_http_request(keel_acme_http_t *h, const char *method, const char *url, const char *body, size_t body_len,
                       const char *content_type, const char *accept, keel_acme_http_cb cb, void *ctx)
{
    keel_acme_http_req_t *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->h = h;
    r->cb = cb;
    r->ctx = ctx;
    r->easy = keel_curl()->easy_init();
    if (r->easy == NULL)
        goto fail;
    r->next = h->reqs;
    h->reqs = r;
    char header[256];
    bool ok = true;
    if (content_type != NULL) {
        snprintf(header, sizeof(header), "Content-Type: %s", content_type);
        ok = ok && (r->headers = keel_curl()->slist_append(r->headers, header)) != NULL;
    }
    if (accept != NULL) {
        snprintf(header, sizeof(header), "Accept: %s", accept);
        struct curl_slist *l = keel_curl()->slist_append(r->headers, header);
        ok = ok && l != NULL;
        r->headers = l != NULL ? l : r->headers;
    }
    /* no "Expect: 100-continue" round trip for small bodies */
    struct curl_slist *l = keel_curl()->slist_append(r->headers, "Expect:");
    ok = ok && l != NULL;
    r->headers = l != NULL ? l : r->headers;
    CURL *e = r->easy;
    ok = ok && keel_curl()->easy_setopt(e, CURLOPT_URL, url) == CURLE_OK &&
         keel_curl()->easy_setopt(e, CURLOPT_PRIVATE, r) == CURLE_OK &&
         keel_curl()->easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
         keel_curl()->easy_setopt(e, CURLOPT_PROTOCOLS_STR, h->protocols) == CURLE_OK &&
         keel_curl()->easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
         keel_curl()->easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)HTTP_CONNECT_TIMEOUT_MS) == CURLE_OK &&
         keel_curl()->easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)HTTP_TIMEOUT_MS) == CURLE_OK &&
         keel_curl()->easy_setopt(e, CURLOPT_USERAGENT, h->user_agent) == CURLE_OK &&
         keel_curl()->easy_setopt(e, CURLOPT_HTTPHEADER, r->headers) == CURLE_OK &&
         keel_curl()->easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
         keel_curl()->easy_setopt(e, CURLOPT_WRITEDATA, r) == CURLE_OK &&
         keel_curl()->easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header) == CURLE_OK &&
         keel_curl()->easy_setopt(e, CURLOPT_HEADERDATA, r) == CURLE_OK &&
         keel_curl()->easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf) == CURLE_OK &&
         keel_curl()->easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket) == CURLE_OK;
    if (ok && h->ca_file != NULL)
        ok = keel_curl()->easy_setopt(e, CURLOPT_CAINFO, h->ca_file) == CURLE_OK;
    if (ok && strcmp(method, "HEAD") == 0) {
        ok = keel_curl()->easy_setopt(e, CURLOPT_NOBODY, 1L) == CURLE_OK;
    } else if (ok && strcmp(method, "POST") == 0) {
        r->body_copy = malloc(body_len + 1);
        ok = r->body_copy != NULL;
        if (ok) {
            if (body_len > 0)
                memcpy(r->body_copy, body, body_len);
            r->body_copy[body_len] = '\0';
            ok = keel_curl()->easy_setopt(e, CURLOPT_POSTFIELDS, r->body_copy) == CURLE_OK &&
                 keel_curl()->easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len) == CURLE_OK;
        }
    } else if (ok && strcmp(method, "GET") != 0) {
        ok = false;
    }
    if (!ok || keel_curl()->multi_add_handle(h->multi, e) != CURLM_OK)
        goto fail;
    return r;
fail:
    if (r->easy == NULL) {
        free(r);
        return NULL;
    }
    /* not added to the multi handle: req_free's remove is a no-op */
    req_free(h, r);
    return NULL;
}

void
keel_acme_http_cancel(keel_acme_http_t *h, keel_acme_http_req_t *req)
{
    if (req != NULL && !req->in_callback)
        req_free(h, req);
}

keel_acme_http_t *
keel_acme_http_create(keel_acme_poller_t *p, const char *ca_file, const char *user_agent, char *err, size_t errlen)
{
    if (keel_curl_load(err, errlen) != 0)
        return NULL;
    keel_acme_http_t *h = calloc(1, sizeof(*h));
    if (h == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->poller = p;
    h->timer.cb = on_timer_due;
    h->ca_file = ca_file != NULL ? strdup(ca_file) : NULL;
    h->user_agent = strdup(user_agent);
    h->protocols = "https";
    h->multi = multi_init_cloexec();
    if (h->multi == NULL || h->user_agent == NULL || (ca_file != NULL && h->ca_file == NULL)) {
        snprintf(err, errlen, "cannot set up libcurl");
        keel_acme_http_destroy(h);
        return NULL;
    }
    if (keel_curl()->multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_socket) != CURLM_OK ||
        keel_curl()->multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h) != CURLM_OK ||
        keel_curl()->multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer) != CURLM_OK ||
        keel_curl()->multi_setopt(h->multi, CURLMOPT_TIMERDATA, h) != CURLM_OK) {
        snprintf(err, errlen, "cannot set up libcurl's multi interface");
        keel_acme_http_destroy(h);
        return NULL;
    }
    p->ready = keel_acme_http_on_ready;
    p->ready_ctx = h;
    return h;
}

void
keel_acme_http_destroy(keel_acme_http_t *h)
{
    if (h == NULL)
        return;
    while (h->reqs != NULL)
        req_free(h, h->reqs);
    keel_acme_timer_cancel(h->poller, &h->timer);
    if (h->multi != NULL) {
        /* Closing the cached connections needs no bookkeeping: a closed
         * descriptor leaves the epoll set by itself. */
        keel_curl()->multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, NULL);
        keel_curl()->multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, NULL);
        keel_curl()->multi_cleanup(h->multi);
    }
    if (h->poller->ready_ctx == h) {
        h->poller->ready = NULL;
        h->poller->ready_ctx = NULL;
    }
    free(h->ca_file);
    free(h->user_agent);
    free(h);
}

void
keel_acme_http_allow_plain(keel_acme_http_t *h)
{
    h->protocols = "http,https";
}
