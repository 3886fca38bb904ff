#include "front/body_timer.h"

#include <dlfcn.h>
#include <stdlib.h>

#include <h2o/http2.h>
#include <h2o/http2_internal.h>

#include "front/body_deadline.h"

/* How often a clock past its first deadline looks at the body again. */
#define RECHECK_MS 1000

typedef struct {
    h2o_timeout_entry_t entry;
    h2o_req_t *req;
    h2o_socket_t *sock; /* HTTP/1: the body is what its input holds past the head */
    size_t head_len;
    uint64_t started_at;
} body_clock_t;

/* Process-wide, set once by keel_body_timer_init: the parser hooks that
 * start clocks are called by libh2o without a context. */
static struct {
    h2o_loop_t *loop;
    uint64_t timeout_ms, min_rate;
    h2o_timeout_t first, recheck;
    /* libh2o's own HTTP/1 request timer, learnt from the first request
     * (see http1_request_timer) */
    size_t http1_timer_at;
    h2o_timeout_cb http1_timer_cb;
} clocks;

static void on_clock(h2o_timeout_entry_t *entry);

void
keel_body_timer_init(h2o_loop_t *loop, uint64_t timeout_ms, uint64_t min_rate)
{
    clocks.loop = loop;
    clocks.timeout_ms = timeout_ms;
    clocks.min_rate = min_rate;
    h2o_timeout_init(loop, &clocks.first, timeout_ms);
    h2o_timeout_init(loop, &clocks.recheck, RECHECK_MS);
}

static void
dispose_clock(void *p)
{
    body_clock_t *c = p;
    h2o_timeout_unlink(&c->entry);
}

static body_clock_t *
new_clock(h2o_req_t *req)
{
    body_clock_t *c = h2o_mem_alloc_shared(&req->pool, sizeof(*c), dispose_clock);
    *c = (body_clock_t){.entry = {.cb = on_clock}, .req = req, .started_at = h2o_now(clocks.loop)};
    h2o_timeout_link(clocks.loop, &clocks.first, &c->entry);
    return c;
}

/*
 * libh2o's HTTP/1 connection keeps one timer for reading a request, head
 * and body alike, inside its private connection struct, which begins with
 * the h2o_conn_t the request points to and ends with the request. The
 * entry of ctx->http1.req_timeout that lies between the two is this
 * connection's; its place is learnt once and checked each time.
 */
static h2o_timeout_entry_t *
http1_request_timer(h2o_req_t *req)
{
    char *conn = (char *)req->conn, *end = (char *)req;
    if (clocks.http1_timer_at != 0) {
        h2o_timeout_entry_t *e = (h2o_timeout_entry_t *)(conn + clocks.http1_timer_at);
        if ((char *)(e + 1) <= end && h2o_timeout_is_linked(e) && e->cb == clocks.http1_timer_cb)
            return e;
    }
    h2o_linklist_t *entries = &req->conn->ctx->http1.req_timeout._entries;
    for (h2o_linklist_t *l = entries->next; l != entries; l = l->next) {
        h2o_timeout_entry_t *e = H2O_STRUCT_FROM_MEMBER(h2o_timeout_entry_t, _link, l);
        if ((char *)e > conn && (char *)(e + 1) <= end) {
            clocks.http1_timer_at = (size_t)((char *)e - conn);
            clocks.http1_timer_cb = e->cb;
            return e;
        }
    }
    return NULL;
}

void
keel_body_timer_start(h2o_req_t *req, size_t head_len)
{
    if (clocks.loop == NULL)
        return;
    h2o_socket_t *sock = req->conn->callbacks->get_socket(req->conn);
    if (sock == NULL)
        return;
    /* From here the body's time is keel's; libh2o sets its timer again for
     * the connection's next request. */
    h2o_timeout_entry_t *theirs = http1_request_timer(req);
    if (theirs != NULL)
        h2o_timeout_unlink(theirs);
    body_clock_t *c = new_clock(req);
    c->sock = sock;
    c->head_len = head_len;
}

void
keel_body_timer_start_http2(h2o_req_t *req)
{
    if (clocks.loop == NULL)
        return;
    h2o_http2_stream_t *stream = H2O_STRUCT_FROM_MEMBER(h2o_http2_stream_t, req, req);
    /* libh2o makes the body's buffer before decoding the headers, and
     * only when the HEADERS frame does not end the stream */
    if (stream->_req_body == NULL)
        return;
    new_clock(req);
}

static size_t
body_received(const body_clock_t *c)
{
    if (c->sock != NULL)
        return c->sock->input->size > c->head_len ? c->sock->input->size - c->head_len : 0;
    const h2o_http2_stream_t *stream = H2O_STRUCT_FROM_MEMBER(h2o_http2_stream_t, req, c->req);
    return stream->_req_body != NULL ? stream->_req_body->size : 0;
}

/* The library's h2o_socket_read_stop: keel's own (read_park.c) would keep
 * a request's socket reading into its buffer. */
static void
stop_reading(h2o_socket_t *sock)
{
    /* Resolved once; the library cannot change under a running process. */
    static void (*real)(h2o_socket_t *);
    if (real == NULL)
        real = (void (*)(h2o_socket_t *))dlsym(RTLD_NEXT, "h2o_socket_read_stop");
    /* The library defines it, or this process could not have started. */
    if (real == NULL)
        abort();
    real(sock);
}

static void
time_up(body_clock_t *c)
{
    h2o_req_t *req = c->req;
    if (c->sock != NULL) {
        /* libh2o's body reader stays in place; nothing reaches it again,
         * and the connection closes once the answer is sent */
        stop_reading(c->sock);
    } else {
        /* As libh2o answers a stream whose headers it refuses: the stream
         * goes straight to sending; DATA that still comes resets it. */
        h2o_http2_stream_t *stream = H2O_STRUCT_FROM_MEMBER(h2o_http2_stream_t, req, req);
        h2o_http2_conn_t *conn = (h2o_http2_conn_t *)req->conn;
        h2o_http2_stream_set_state(conn, stream, H2O_HTTP2_STREAM_STATE_REQ_PENDING);
        h2o_http2_stream_set_state(conn, stream, H2O_HTTP2_STREAM_STATE_SEND_HEADERS);
    }
    h2o_send_error_generic(req, 408, "Request Timeout", "Request Timeout\n", H2O_SEND_ERROR_HTTP1_CLOSE_CONNECTION);
}

static void
on_clock(h2o_timeout_entry_t *entry)
{
    body_clock_t *c = H2O_STRUCT_FROM_MEMBER(body_clock_t, entry, entry);
    h2o_req_t *req = c->req;
    /* the body is complete, or libh2o has answered already (413, 400) */
    if (req->entity.base != NULL || req->res.status != 0)
        return;
    if (c->sock == NULL &&
        H2O_STRUCT_FROM_MEMBER(h2o_http2_stream_t, req, req)->state != H2O_HTTP2_STREAM_STATE_RECV_BODY)
        return;
    uint64_t elapsed = h2o_now(clocks.loop) - c->started_at;
    /* an HTTP/1 socket still writing (a 100 Continue) gets its answer later */
    if (keel_body_time_left_ms(elapsed, body_received(c), clocks.timeout_ms, clocks.min_rate) > 0 ||
        (c->sock != NULL && h2o_socket_is_writing(c->sock))) {
        h2o_timeout_link(clocks.loop, &clocks.recheck, &c->entry);
        return;
    }
    time_up(c);
}
