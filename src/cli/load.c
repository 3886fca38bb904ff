#include "cli/load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme/curl_api.h"
#include "cli/http_get.h"

/* A request that takes longer is counted as failed: a worker stuck for
 * this long is a finding, not something to wait out. */
#define LOAD_REQUEST_TIMEOUT_MS 120000L
#define SIDE_TIMEOUT_MS         30000L

typedef struct {
    CURL *easy;
    bool busy;
    char err[CURL_ERROR_SIZE];
} conn_t;

typedef struct {
    CURL *easy;
    bool busy, done;
    char *buf;
    size_t len, cap;
    bool too_large;
    long status;
    char err[CURL_ERROR_SIZE];
} side_t;

struct keel_load_s {
    CURLM *multi;
    conn_t conns[KEEL_LOAD_MAX_CONCURRENCY];
    unsigned concurrency;
    uint64_t allowed;
    keel_load_counts_t counts;
    side_t side;
};

/* The application's answers are not needed, only their status. */
static size_t
discard(char *data, size_t size, size_t nmemb, void *user)
{
    (void)data, (void)user;
    return size * nmemb;
}

static size_t
keep(char *data, size_t size, size_t nmemb, void *user)
{
    side_t *s = user;
    size_t n = size * nmemb;
    if (s->len + n + 1 > KEEL_HTTP_GET_MAX) {
        s->too_large = true;
        return 0;
    }
    if (s->len + n + 1 > s->cap) {
        size_t cap = (s->len + n + 1) * 2;
        char *nb = realloc(s->buf, cap);
        if (nb == NULL)
            return 0;
        s->buf = nb;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, data, n);
    s->len += n;
    s->buf[s->len] = '\0';
    return n;
}

/* The options every handle shares; false if curl refused one. */
static bool
setup(CURL *e, const char *url, long timeout_ms, char *errbuf, curl_write_callback write, void *data)
{
    return keel_curl()->easy_setopt(e, CURLOPT_URL, url) == CURLE_OK &&
           keel_curl()->easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
           keel_curl()->easy_setopt(e, CURLOPT_NOPROXY, "*") == CURLE_OK &&
           keel_curl()->easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms) == CURLE_OK &&
           keel_curl()->easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK &&
           keel_curl()->easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, keel_curl_open_socket) == CURLE_OK &&
           keel_curl()->easy_setopt(e, CURLOPT_WRITEFUNCTION, write) == CURLE_OK &&
           keel_curl()->easy_setopt(e, CURLOPT_WRITEDATA, data) == CURLE_OK &&
           keel_curl()->easy_setopt(e, CURLOPT_PRIVATE, data) == CURLE_OK;
}

keel_load_t *
keel_load_new(const char *url, unsigned concurrency, char *err, size_t errlen)
{
    if (concurrency < 1 || concurrency > KEEL_LOAD_MAX_CONCURRENCY) {
        snprintf(err, errlen, "concurrency must be 1 to %d", KEEL_LOAD_MAX_CONCURRENCY);
        return NULL;
    }
    keel_load_t *l = calloc(1, sizeof(*l));
    if (l == NULL || (l->multi = keel_curl()->multi_init()) == NULL) {
        snprintf(err, errlen, "cannot start an HTTP client");
        free(l);
        return NULL;
    }
    l->concurrency = concurrency;
    /* One connection per request in flight, kept alive between requests,
     * and one for the side request. */
    if (keel_curl()->multi_setopt(l->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)concurrency) != CURLM_OK ||
        keel_curl()->multi_setopt(l->multi, CURLMOPT_MAXCONNECTS, (long)concurrency + 1) != CURLM_OK) {
        snprintf(err, errlen, "cannot configure the HTTP client");
        keel_load_free(l);
        return NULL;
    }
    for (unsigned i = 0; i < concurrency; i++) {
        conn_t *c = &l->conns[i];
        if ((c->easy = keel_curl()->easy_init()) == NULL ||
            !setup(c->easy, url, LOAD_REQUEST_TIMEOUT_MS, c->err, discard, c)) {
            snprintf(err, errlen, "cannot set up a request for %s", url);
            keel_load_free(l);
            return NULL;
        }
    }
    if ((l->side.easy = keel_curl()->easy_init()) == NULL) {
        snprintf(err, errlen, "cannot start an HTTP client");
        keel_load_free(l);
        return NULL;
    }
    return l;
}

void
keel_load_free(keel_load_t *l)
{
    if (l == NULL)
        return;
    for (unsigned i = 0; i < l->concurrency; i++) {
        if (l->conns[i].easy == NULL)
            continue;
        if (l->conns[i].busy)
            keel_curl()->multi_remove_handle(l->multi, l->conns[i].easy);
        keel_curl()->easy_cleanup(l->conns[i].easy);
    }
    if (l->side.easy != NULL) {
        if (l->side.busy)
            keel_curl()->multi_remove_handle(l->multi, l->side.easy);
        keel_curl()->easy_cleanup(l->side.easy);
    }
    free(l->side.buf);
    if (l->multi != NULL)
        keel_curl()->multi_cleanup(l->multi);
    free(l);
}

void
keel_load_allow(keel_load_t *l, uint64_t total)
{
    if (total > l->allowed)
        l->allowed = total;
}

void
keel_load_hold(keel_load_t *l)
{
    l->allowed = l->counts.issued;
}

bool
keel_load_side_start(keel_load_t *l, const char *url)
{
    side_t *s = &l->side;
    if (s->busy)
        return false;
    s->len = 0;
    if (s->buf != NULL)
        s->buf[0] = '\0';
    s->too_large = s->done = false;
    s->status = 0;
    s->err[0] = '\0';
    if (!setup(s->easy, url, SIDE_TIMEOUT_MS, s->err, keep, s) ||
        keel_curl()->multi_add_handle(l->multi, s->easy) != CURLM_OK)
        return false;
    s->busy = true;
    return true;
}

bool
keel_load_side_busy(const keel_load_t *l)
{
    return l->side.busy;
}

static void
finished(keel_load_t *l, CURL *easy, CURLcode rc)
{
    void *owner = NULL;
    keel_curl()->easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&owner);
    /* removing a handle that is in the multi cannot fail */
    keel_curl()->multi_remove_handle(l->multi, easy);
    long status = 0;
    if (rc == CURLE_OK && keel_curl()->easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK)
        status = 0;
    if (owner == &l->side) {
        l->side.busy = false;
        l->side.done = true;
        l->side.status = rc == CURLE_OK ? status : 0;
        if (rc != CURLE_OK && l->side.err[0] == '\0')
            snprintf(l->side.err, sizeof(l->side.err), "%s",
                     l->side.too_large ? "answer too large" : keel_curl()->easy_strerror(rc));
        return;
    }
    conn_t *c = owner;
    c->busy = false;
    keel_load_counts_t *k = &l->counts;
    k->completed++;
    if (rc != CURLE_OK) {
        k->server_errors++;
        k->last_status = 0;
        snprintf(k->last_error, sizeof(k->last_error), "%s", c->err[0] ? c->err : keel_curl()->easy_strerror(rc));
    } else if (status >= 500) {
        k->server_errors++;
        k->last_status = status;
    } else if (status >= 400) {
        k->client_errors++;
        k->last_status = status;
    } else {
        k->ok++;
    }
}

/* Starts requests on idle connections up to what is allowed. */
static int
start_requests(keel_load_t *l)
{
    for (unsigned i = 0; i < l->concurrency && l->counts.issued < l->allowed; i++) {
        conn_t *c = &l->conns[i];
        if (c->busy)
            continue;
        c->err[0] = '\0';
        if (keel_curl()->multi_add_handle(l->multi, c->easy) != CURLM_OK)
            return -1;
        c->busy = true;
        l->counts.issued++;
    }
    return 0;
}

int
keel_load_run(keel_load_t *l, struct curl_waitfd *fds, unsigned nfds, int timeout_ms, char *err, size_t errlen)
{
    int running;
    CURLMcode mc;
    if (start_requests(l) != 0) {
        snprintf(err, errlen, "cannot start a request");
        return -1;
    }
    /* perform first: handles just added get their sockets before the wait */
    if ((mc = keel_curl()->multi_perform(l->multi, &running)) != CURLM_OK ||
        (mc = keel_curl()->multi_poll(l->multi, fds, nfds, timeout_ms, NULL)) != CURLM_OK ||
        (mc = keel_curl()->multi_perform(l->multi, &running)) != CURLM_OK) {
        snprintf(err, errlen, "HTTP client: %s", keel_curl()->multi_strerror(mc));
        return -1;
    }
    CURLMsg *m;
    int left;
    while ((m = keel_curl()->multi_info_read(l->multi, &left)) != NULL)
        if (m->msg == CURLMSG_DONE)
            finished(l, m->easy_handle, m->data.result);
    return 0;
}

bool
keel_load_side_result(keel_load_t *l, long *status, const char **body, size_t *len, char *err, size_t errlen)
{
    side_t *s = &l->side;
    if (!s->done)
        return false;
    s->done = false;
    *status = s->status;
    *body = s->buf ? s->buf : "";
    *len = s->len;
    snprintf(err, errlen, "%s", s->err);
    return true;
}

const keel_load_counts_t *
keel_load_counts(const keel_load_t *l)
{
    return &l->counts;
}
