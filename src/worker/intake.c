#include "worker/intake.h"

#include <errno.h>
#include <sys/epoll.h>

#include "ipc/dispatch.h"

int
keel_intake_init(keel_worker_t *w, int queue_fd, uint32_t *claim, const uint32_t *leave)
{
    w->queue_fd = queue_fd;
    w->claim = claim;
    w->leave = leave;
    *claim = 0;
    w->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (w->epoll_fd < 0)
        return -1;
    struct epoll_event own = {.events = EPOLLIN, .data.fd = w->ch.fd};
    /* EPOLLEXCLUSIVE: a request wakes one idle worker, not all of them. */
    struct epoll_event queue = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = queue_fd};
    if (epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, w->ch.fd, &own) != 0 ||
        epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, queue_fd, &queue) != 0)
        return -1;
    return 0;
}

void
keel_intake_release(keel_worker_t *w)
{
    keel_channel_guard(&w->ch);
    if (w->claim != NULL)
        __atomic_store_n(w->claim, 0, __ATOMIC_RELEASE);
}

/* --- what may start a request; ctx is the worker --- */

/* A REQUEST taken from the queue: claimed before anything else can
 * happen, so a death from here on is charged to this worker. Returns 1,
 * or -1 when the worker must stop. */
static int
on_queued_request(void *ctx, const keel_ipc_msg_t *msg)
{
    keel_worker_t *w = ctx;
    if (msg->hdr.stream == 0)
        return -1;
    __atomic_store_n(w->claim, msg->hdr.stream, __ATOMIC_RELEASE);
    if (msg->hdr.flags & KEEL_IPC_FLAG_BODY_FOLLOWS) {
        if (keel_channel_put(&w->ch, KEEL_IPC_CLAIM, 0, msg->hdr.stream, NULL, 0, NULL, 0) != 0 ||
            keel_channel_flush(&w->ch) != 0)
            return -1;
    }
    return 1;
}

/* A queue message starts with its REQUEST (its body frames follow). */
static const keel_ipc_handlers_t queue_handlers = {
    .on = {[KEEL_IPC_INDEX_REQUEST] = on_queued_request},
};

/* On its own socket between requests, each returns 1 for a request to
 * run, 0 for news that needs no answer. */
static int
on_direct_request(void *ctx, const keel_ipc_msg_t *msg)
{
    /* the --warmup request, sent to this worker by name: no claim */
    (void)ctx;
    (void)msg;
    return 1;
}

static int
on_late_abort(void *ctx, const keel_ipc_msg_t *msg)
{
    /* its client left after the request was answered */
    (void)ctx;
    (void)msg;
    return 0;
}

static int
on_dismiss(void *ctx, const keel_ipc_msg_t *msg)
{
    (void)msg;
    keel_worker_t *w = ctx;
    w->dismissed = true;
    return 0;
}

static const keel_ipc_handlers_t own_handlers = {
    .on = {[KEEL_IPC_INDEX_REQUEST] = on_direct_request,
           [KEEL_IPC_INDEX_ABORT] = on_late_abort,
           [KEEL_IPC_INDEX_DISMISS] = on_dismiss},
};

/* Takes one message from the queue. Returns 1 with its REQUEST in msg, 0
 * when another worker was quicker, -1 when the worker must stop. */
static int
take(keel_worker_t *w, keel_ipc_msg_t *msg)
{
    ssize_t n = keel_channel_take_message(&w->ch, w->queue_fd);
    if (n == -2)
        return 0;
    if (n <= 0)
        return -1; /* the front closed the queue: it is gone */
    int rc;
    if (keel_channel_read(&w->ch, &msg->hdr, &msg->payload) != 0 ||
        keel_ipc_dispatch(&queue_handlers, w, msg, &rc) != KEEL_IPC_OK)
        return -1;
    return rc;
}

/* Reads one frame from its own socket. Returns 1 for a REQUEST, 0 for
 * news (a DISMISS is noted), -1 when the front is gone or sent what has no
 * place between requests. */
static int
read_own(keel_worker_t *w, keel_ipc_msg_t *msg)
{
    int rc;
    if (keel_channel_read(&w->ch, &msg->hdr, &msg->payload) != 0 ||
        keel_ipc_dispatch(&own_handlers, w, msg, &rc) != KEEL_IPC_OK)
        return -1;
    return rc;
}

/* Returns 1 with the next request in msg, or -1 when the worker must stop. */
static int
wait_for_request(keel_worker_t *w, keel_ipc_msg_t *msg)
{
    keel_channel_t *ch = &w->ch;
    for (;;) {
        /* A process PHP forked does not get here alive. */
        keel_channel_guard_pid(ch);
        /* Frames already read from its own socket: a direct REQUEST, or
         * late news (ABORT) about a finished request. */
        while (keel_channel_has_frame(ch)) {
            int r = read_own(w, msg);
            if (r != 0)
                return r;
        }
        /* Let go, with nothing taken: time to go. */
        if (w->dismissed)
            return -1;
        /* Its own socket only: part of a frame is buffered (the rest is on
         * its way, and queue messages must not be mixed into it), or it
         * served its --max-requests or is being let go (it takes nothing
         * more from the queue and waits for the front to close its socket). */
        if (keel_channel_has_partial(ch) || (w->request_limit != 0 && w->requests >= w->request_limit) ||
            __atomic_load_n(w->leave, __ATOMIC_ACQUIRE) != 0) {
            int r = read_own(w, msg);
            if (r != 0)
                return r;
            continue;
        }
        /* A request already waiting: take it without a wait (the common
         * case under load, and the point of the shared queue). */
        int taken = take(w, msg);
        if (taken != 0)
            return taken;
        struct epoll_event ev[2];
        int n = epoll_wait(w->epoll_fd, ev, 2, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        /* Its own socket first: the front may be telling it to go. A
         * message in the queue is taken at the top of the loop. */
        for (int i = 0; i < n; i++) {
            if (ev[i].data.fd != ch->fd)
                continue;
            ssize_t r = keel_channel_fill_now(ch);
            if (r == 0 || r == -1)
                return -1;
        }
    }
}

int
keel_intake_next(keel_worker_t *w, keel_ipc_header_t *hdr, const uint8_t **payload)
{
    keel_ipc_msg_t msg = {.fd = -1};
    if (wait_for_request(w, &msg) < 0)
        return -1;
    *hdr = msg.hdr;
    *payload = msg.payload;
    return 0;
}
