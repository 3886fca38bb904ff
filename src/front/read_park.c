/*
 * libh2o's HTTP/1 server stops reading a connection while its request is
 * processed and starts again once the response is sent. Its epoll backend
 * turns each of those into an epoll_ctl() (DEL, then ADD) whenever the
 * response comes from another event-loop turn, as every PHP response does:
 * two system calls per request, about a tenth of the front's time on a
 * hello-world load.
 *
 * h2o_socket_read_stop() is reached through libh2o's PLT, so the definition
 * exported by the executable is the one called (as for phr_parse_request in
 * http1_parser_hook.c). For a socket whose read callback is libh2o's HTTP/1
 * request reader, it *parks* the socket instead: the socket stays in the
 * interest set with a callback that leaves whatever arrives in the socket's
 * input buffer, where libh2o looks for a pipelined request anyway once it
 * restarts reading (and the restart costs no system call). Anything else
 * gets the library's own read_stop, as does a parked socket whose buffered
 * input passes PARK_INPUT_MAX (backpressure, as before).
 *
 * The request being processed points into that input buffer (its method,
 * path, headers, a Content-Length body), so the buffer must not move while
 * the socket is parked. The event loop reserves EVLOOP_READ_RESERVE bytes
 * before each read, and h2o_buffer_reserve() moves or reallocates the
 * buffer only when fewer are free at its end: a socket is parked only
 * while that many are free, and stops for real as soon as a read leaves
 * fewer.
 *
 * A parked socket that reports end of stream or an error goes back to
 * libh2o's reader, which closes the connection and releases its request:
 * the client left while its request waited or ran, and keel takes the
 * request back from the queue or tells its worker (connection_aborted()),
 * as nginx closes its FastCGI connection when the client closes (a
 * half-close included) and HTTP/2 does with a reset stream.
 *
 * A TLS connection cannot be parked that way: libh2o decrypts what
 * arrives into the same input buffer, reserving room before each record,
 * so one read may move the buffer whatever was free before it. It is
 * parked without reading instead: libh2o's "don't read" flag keeps the
 * socket in the interest set, and anything that arrives (a pipelined
 * request, a close) only wakes the parked callback, which stops reading
 * for real; libh2o reads it once it asks for the next request. That
 * h2o_socket_read_start() is keel's too, to lower the flag.
 */
#include <dlfcn.h>
#include <stdlib.h>

#include "front/read_park.h"

/* Enough for a few pipelined requests. Every connection waiting for a
 * worker (up to --max-queue of them) may hold this much, so it stays small:
 * past it the kernel's socket buffer holds the rest, as before. */
#define PARK_INPUT_MAX (8 * 1024)
/* What libh2o's event loop reserves before each read (evloop.c.h,
 * on_read_core: h2o_buffer_reserve(input, 4096)). */
#define EVLOOP_READ_RESERVE 4096

typedef void (*read_stop_fn)(h2o_socket_t *sock);
typedef void (*read_start_fn)(h2o_socket_t *sock, h2o_socket_cb cb);

void h2o_socket_read_stop(h2o_socket_t *sock);
void h2o_socket_read_start(h2o_socket_t *sock, h2o_socket_cb cb);

/* Set once and never changed while the process runs: the library's
 * functions and libh2o's (static) HTTP/1 request reader. */
static read_stop_fn real_read_stop;
static read_start_fn real_read_start;
static h2o_socket_cb http1_reader;

/* The library's definition of name: it defines both, or this process
 * could not have started. */
static void *
library(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);
    if (f == NULL)
        abort();
    return f;
}

static void
stop_for_real(h2o_socket_t *sock)
{
    if (real_read_stop == NULL)
        real_read_stop = (read_stop_fn)library("h2o_socket_read_stop");
    real_read_stop(sock);
}

/* Whether the next read can land without moving the buffer. */
static int
next_read_stays(const h2o_buffer_t *in)
{
    if (in->bytes == NULL) /* still the prototype: nothing points into it */
        return 1;
    size_t used_end = (size_t)(in->bytes - in->_buf) + in->size;
    return in->capacity >= used_end && in->capacity - used_end >= EVLOOP_READ_RESERVE;
}

static void
on_parked_read(h2o_socket_t *sock, const char *err)
{
    if (err != NULL) {
        sock->_cb.read = http1_reader;
        http1_reader(sock, err);
        return;
    }
    if (sock->input->size > PARK_INPUT_MAX || !next_read_stays(sock->input))
        stop_for_real(sock);
}

/* A parked TLS socket was woken: data or a close is waiting, unread. */
static void
on_parked_tls_read(h2o_socket_t *sock, const char *err)
{
    (void)err;
    h2o_socket_dont_read(sock, 0);
    stop_for_real(sock);
}

void
keel_read_park_learn(h2o_socket_t *sock)
{
    if (http1_reader == NULL)
        http1_reader = sock->_cb.read;
}

void
h2o_socket_read_stop(h2o_socket_t *sock)
{
    if (http1_reader != NULL && sock->_cb.read == http1_reader) {
        if (sock->ssl == NULL && next_read_stays(sock->input)) {
            sock->_cb.read = on_parked_read;
            return;
        }
        if (sock->ssl != NULL) {
            h2o_socket_dont_read(sock, 1);
            sock->_cb.read = on_parked_tls_read;
            return;
        }
    }
    if (sock->_cb.read == on_parked_tls_read)
        h2o_socket_dont_read(sock, 0);
    stop_for_real(sock);
}

void
h2o_socket_read_start(h2o_socket_t *sock, h2o_socket_cb cb)
{
    if (real_read_start == NULL)
        real_read_start = (read_start_fn)library("h2o_socket_read_start");
    if (sock->_cb.read == on_parked_tls_read)
        h2o_socket_dont_read(sock, 0);
    real_read_start(sock, cb);
}
