#include "worker/request.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <main/SAPI.h>
#include <main/php.h>
#include <main/php_main.h>
#include <Zend/zend_alloc.h>
#include <Zend/zend_stream.h>

#include "common/log.h"
#include "common/statm.h"
#include "ipc/dispatch.h"
#include "ipc/message.h"

/* Output gathers up to this much before it is pushed to the front: big
 * enough that a typical page leaves in one write with its REQ_DONE. */
#define OUTPUT_PUSH_THRESHOLD (64 * 1024)

/* A request looks up a dozen names among some thirty parameters, many
 * sharing a prefix (HTTP_..., REQUEST_...): comparing lengths first leaves
 * a string comparison for the one likely match. */
const char *
keel_request_param(const keel_request_t *req, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < req->param_count; i++)
        if (req->params[i].name_len == len && memcmp(req->params[i].name, name, len) == 0)
            return req->params[i].value;
    return NULL;
}

/* CLOCK_MONOTONIC in nanoseconds: REQ_DONE's times, read by the front on
 * the same clock. */
static uint64_t
monotonic_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Copies the REQUEST payload into NUL-terminated strings; the channel's
 * buffer is reused as the body arrives. */
int
keel_request_load(keel_request_t *req, const uint8_t *payload, size_t len)
{
    req->taken_ns = monotonic_ns();
    keel_ipc_kv_reader_t r = {payload, payload + len};
    const char *n, *v;
    size_t nl, vl, count = 0, bytes = 0;
    keel_ipc_result_t res;
    while ((res = keel_ipc_kv_next(&r, &n, &nl, &v, &vl)) == KEEL_IPC_OK) {
        count++;
        bytes += nl + vl + 2;
    }
    if (res == KEEL_IPC_MALFORMED)
        return -1;
    req->strings = malloc(bytes ? bytes : 1);
    req->params = malloc((count ? count : 1) * sizeof(*req->params));
    if (req->strings == NULL || req->params == NULL)
        return -1;
    char *s = req->strings;
    r.pos = payload;
    while (keel_ipc_kv_next(&r, &n, &nl, &v, &vl) == KEEL_IPC_OK) {
        keel_param_t *p = &req->params[req->param_count++];
        memcpy(s, n, nl);
        s[nl] = '\0';
        p->name = s;
        p->name_len = nl;
        s += nl + 1;
        memcpy(s, v, vl);
        s[vl] = '\0';
        p->value = s;
        p->value_len = vl;
        s += vl + 1;
    }
    return 0;
}

/* --- what the front may send while a request runs; ctx is the request --- */

/* Frames about a stream other than the request's are late news about an
 * earlier request (an ABORT): nothing to do. */
static bool
stale(const keel_request_t *req, const keel_ipc_msg_t *msg)
{
    return msg->hdr.stream != req->stream;
}

/* The body handlers return 1 when next_body_frame has what it waits for
 * (body bytes or their end), 0 to read on. */
static int
on_req_body(void *ctx, const keel_ipc_msg_t *msg)
{
    keel_request_t *req = ctx;
    if (stale(req, msg))
        return 0;
    req->body_pos = msg->payload;
    req->body_left = msg->hdr.length;
    return 1;
}

static int
on_req_end(void *ctx, const keel_ipc_msg_t *msg)
{
    keel_request_t *req = ctx;
    if (stale(req, msg))
        return 0;
    req->body_done = true;
    return 1;
}

static int
on_abort(void *ctx, const keel_ipc_msg_t *msg)
{
    keel_request_t *req = ctx;
    if (!stale(req, msg))
        req->client_gone = true;
    return 0;
}

static int
on_dismiss(void *ctx, const keel_ipc_msg_t *msg)
{
    (void)msg;
    keel_request_t *req = ctx;
    /* let go while it serves: it answers this request first */
    req->worker->dismissed = true;
    return 0;
}

/* While the body is read. */
static const keel_ipc_handlers_t body_handlers = {
    .on = {[KEEL_IPC_INDEX_REQ_BODY] = on_req_body,
           [KEEL_IPC_INDEX_REQ_END] = on_req_end,
           [KEEL_IPC_INDEX_ABORT] = on_abort,
           [KEEL_IPC_INDEX_DISMISS] = on_dismiss},
};

/* Once the body has ended, while the script writes its output. */
static const keel_ipc_handlers_t running_handlers = {
    .on = {[KEEL_IPC_INDEX_ABORT] = on_abort, [KEEL_IPC_INDEX_DISMISS] = on_dismiss},
};

/* Reads the next frame of this request's body. Returns 0, or -1 when the
 * front is gone or sent what has no place here (the worker must exit). */
static int
next_body_frame(keel_request_t *req)
{
    keel_ipc_msg_t msg = {.fd = -1};
    int rc = 0;
    while (rc == 0) {
        if (keel_channel_read(&req->worker->ch, &msg.hdr, &msg.payload) != 0 ||
            keel_ipc_dispatch(&body_handlers, req, &msg, &rc) != KEEL_IPC_OK)
            return -1;
    }
    return 0;
}

void
keel_request_take_empty_body(keel_request_t *req)
{
    const char *cl = keel_request_param(req, "CONTENT_LENGTH");
    if ((cl != NULL && cl[0] != '\0' && strcmp(cl, "0") != 0) || keel_request_param(req, "HTTP_TRANSFER_ENCODING"))
        return;
    /* The front sent REQ_END with the REQUEST: this does not block. */
    while (!req->body_done && req->body_left == 0)
        if (next_body_frame(req) != 0)
            break;
}

size_t
keel_request_read_body(keel_request_t *req, char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        if (req->body_left == 0) {
            if (req->body_done)
                break;
            if (next_body_frame(req) != 0) {
                req->body_done = true;
                req->client_gone = true;
                break;
            }
            continue;
        }
        size_t n = len - got < req->body_left ? len - got : req->body_left;
        memcpy(buf + got, req->body_pos, n);
        req->body_pos += n;
        req->body_left -= n;
        got += n;
    }
    return got;
}

/* Sees whether the front said the client went away, without blocking. */
static void
check_abort(keel_request_t *req)
{
    if (req->client_gone)
        return;
    /* A body the script has not read (all of it, or at all: PHP reads a
     * PUT's only when asked) is in the way: its frames must reach read_post
     * in order, so the ABORT is looked for behind them, none read. */
    if (!req->body_done) {
        if (keel_channel_peek_for(&req->worker->ch, KEEL_IPC_ABORT, req->stream))
            req->client_gone = true;
        return;
    }
    keel_ipc_msg_t msg = {.fd = -1};
    int r, rc;
    while ((r = keel_channel_poll(&req->worker->ch)) == 1) {
        if (keel_channel_read(&req->worker->ch, &msg.hdr, &msg.payload) != 0)
            break;
        /* Anything else is a front that broke the protocol: like a front
         * that went away, the output has nowhere to go. */
        if (keel_ipc_dispatch(&running_handlers, req, &msg, &rc) != KEEL_IPC_OK) {
            r = -1;
            break;
        }
    }
    if (r < 0)
        req->client_gone = true;
}

int
keel_request_output(keel_request_t *req, const char *data, size_t len, bool flush)
{
    keel_channel_t *ch = &req->worker->ch;
    if (req->response_ended || req->boot)
        return 0;
    while (len > 0) {
        size_t n = len < KEEL_IPC_MAX_PAYLOAD ? len : KEEL_IPC_MAX_PAYLOAD;
        if (keel_channel_put(ch, KEEL_IPC_RESP_BODY, 0, req->stream, data, n, NULL, 0) != 0)
            return -1;
        data += n;
        len -= n;
        if (keel_channel_pending(ch) >= OUTPUT_PUSH_THRESHOLD && !flush) {
            if (keel_channel_flush(ch) != 0)
                return -1;
            check_abort(req);
        }
    }
    if (flush) {
        if (keel_channel_put(ch, KEEL_IPC_RESP_BODY, KEEL_IPC_FLAG_FLUSH, req->stream, NULL, 0, NULL, 0) != 0 ||
            keel_channel_flush(ch) != 0)
            return -1;
        check_abort(req);
    }
    return req->client_gone ? -1 : 0;
}

void
keel_request_end_response(keel_request_t *req)
{
    if (req->response_ended || req->boot)
        return;
    keel_channel_put(&req->worker->ch, KEEL_IPC_RESP_END, 0, req->stream, NULL, 0, NULL, 0);
    keel_channel_flush(&req->worker->ch);
    req->response_ended = true;
}

/* A figure this old is read again even when the Zend heap kept its size:
 * memory an extension takes with malloc() shows within it. */
#define RSS_MAX_AGE_NS (50 * 1000 * 1000ull)

/* Private resident memory: anonymous pages, i.e. resident minus the
 * file-backed and shared-memory pages (OPcache's segment, libraries).
 * Reading /proc/self/statm costs as much as a hello-world request's own
 * PHP work, so after a request that left the Zend heap as it was (the
 * bytes in use, to the byte, its real size and peak), a figure younger
 * than RSS_MAX_AGE_NS stands. */
static uint64_t
private_rss(keel_worker_t *w, const keel_ipc_stats_t *stats)
{
    struct timespec ts;
    uint64_t now = 0;
    if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) == 0)
        now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    if (w->rss.known && stats->zend_usage == w->rss.zend_usage && stats->zend_real_usage == w->rss.zend_real &&
        stats->zend_real_peak == w->rss.zend_real_peak && now - w->rss.read_ns < RSS_MAX_AGE_NS)
        return w->rss.private_bytes;
    keel_statm_t m;
    if (keel_statm_read(0, w->statm_fd, &m) != 0) {
        w->rss.known = false;
        return 0;
    }
    w->rss.known = true;
    w->rss.private_bytes = m.private;
    w->rss.zend_usage = stats->zend_usage;
    w->rss.zend_real = stats->zend_real_usage;
    w->rss.zend_real_peak = stats->zend_real_peak;
    w->rss.read_ns = now;
    return m.private;
}

void
keel_request_free(keel_request_t *req)
{
    free(req->strings);
    free(req->params);
    req->strings = NULL;
    req->params = NULL;
    req->param_count = 0;
}

void
keel_request_fill_info(keel_request_t *req)
{
    const char *v;
    SG(request_info).request_method = keel_request_param(req, "REQUEST_METHOD");
    SG(request_info).query_string = (char *)keel_request_param(req, "QUERY_STRING");
    SG(request_info).request_uri = (char *)keel_request_param(req, "SCRIPT_NAME");
    SG(request_info).path_translated = (char *)keel_request_param(req, "SCRIPT_FILENAME");
    SG(request_info).content_type = keel_request_param(req, "CONTENT_TYPE");
    v = keel_request_param(req, "CONTENT_LENGTH");
    SG(request_info).content_length = v ? ZEND_STRTOL(v, NULL, 10) : 0;
    v = keel_request_param(req, "SERVER_PROTOCOL");
    SG(request_info).proto_num = (v && strcmp(v, "HTTP/1.0") == 0) ? 1000 : 1100;
    SG(sapi_headers).http_response_code = 200;
    /* Fills PHP_AUTH_USER/PW/DIGEST from the Authorization header. */
    php_handle_auth_data(keel_request_param(req, "HTTP_AUTHORIZATION"));
}

void
keel_request_stats(keel_ipc_stats_t *stats)
{
    memset(stats, 0, sizeof(*stats));
    stats->zend_usage = zend_memory_usage(0);
    stats->zend_peak = zend_memory_peak_usage(0);
    stats->zend_real_usage = zend_memory_usage(1);
    stats->zend_real_peak = zend_memory_peak_usage(1);
}

int
keel_request_complete(keel_worker_t *w, keel_request_t *req, keel_ipc_stats_t *stats)
{
    /* Whatever body the script did not read is still on the socket. */
    while (!req->body_done) {
        if (req->body_left == 0 && next_body_frame(req) != 0)
            return -1;
        req->body_left = 0;
    }
    w->requests++;
    stats->requests = w->requests;
    stats->taken_ns = req->taken_ns;
    stats->rss_private = private_rss(w, stats);
    if (!req->response_ended && keel_channel_put(&w->ch, KEEL_IPC_RESP_END, 0, req->stream, NULL, 0, NULL, 0) != 0)
        return -1;
    uint8_t flags =
        (w->closing ? KEEL_IPC_FLAG_CLOSING : 0) | (w->opcache_reset_requested ? KEEL_IPC_FLAG_OPCACHE_RESET : 0);
    w->opcache_reset_requested = false;
    uint8_t *p = keel_channel_put_reserve(&w->ch, KEEL_IPC_REQ_DONE, flags, req->stream, KEEL_IPC_STATS_SIZE);
    if (p == NULL)
        return -1;
    uint64_t now = monotonic_ns();
    stats->php_ns = now > req->taken_ns ? now - req->taken_ns : 0;
    keel_ipc_stats_put(p, stats);
    return keel_channel_flush(&w->ch);
}

int
keel_worker_notify(keel_worker_t *w, uint8_t type, const char *text)
{
    size_t len = text ? strlen(text) : 0;
    if (len > 4096)
        len = 4096;
    if (keel_channel_put(&w->ch, type, 0, 0, text, len, NULL, 0) != 0)
        return -1;
    return keel_channel_flush(&w->ch);
}

double
keel_now_seconds(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}
