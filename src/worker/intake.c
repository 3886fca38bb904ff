#include "worker/intake.h"

#include <errno.h>
#include <sys/epoll.h>

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
    if (w->claim != NULL)
        __atomic_store_n(w->claim, 0, __ATOMIC_RELEASE);
}

/* Takes one message from the queue. Returns 1 with its REQUEST decoded,
 * 0 when another worker was quicker, -1 when the worker must stop. */
static int
take(keel_worker_t *w, keel_ipc_header_t *hdr, const uint8_t **payload)
{
    ssize_t n = keel_channel_take_message(&w->ch, w->queue_fd);
    if (n == -2)
        return 0;
    if (n <= 0)
        return -1; /* the front closed the queue: it is gone */
    /* The message starts with its REQUEST: claim it before anything else
     * can happen, so a death from here on is charged to this worker. */
    if (keel_channel_read(&w->ch, hdr, payload) != 0 || hdr->type != KEEL_IPC_REQUEST || hdr->stream == 0)
        return -1;
    __atomic_store_n(w->claim, hdr->stream, __ATOMIC_RELEASE);
    if (hdr->flags & KEEL_IPC_FLAG_BODY_FOLLOWS) {
        if (keel_channel_put(&w->ch, KEEL_IPC_CLAIM, 0, hdr->stream, NULL, 0, NULL, 0) != 0 ||
            keel_channel_flush(&w->ch) != 0)
            return -1;
    }
    return 1;
}

/* Reads one frame from its own socket. Returns 1 for a REQUEST, 0 for any
 * other frame (a DISMISS is noted; a late ABORT needs nothing), -1 when the
 * front is gone. */
static int
read_own(keel_worker_t *w, keel_ipc_header_t *hdr, const uint8_t **payload)
{
    if (keel_channel_read(&w->ch, hdr, payload) != 0)
        return -1;
    if (hdr->type == KEEL_IPC_DISMISS)
        w->dismissed = true;
    return hdr->type == KEEL_IPC_REQUEST;
}

int
keel_intake_next(keel_worker_t *w, keel_ipc_header_t *hdr, const uint8_t **payload)
{
    keel_channel_t *ch = &w->ch;
    for (;;) {
        /* Frames already read from its own socket: a direct REQUEST, or
         * late news (ABORT) about a finished request. */
        while (keel_channel_has_frame(ch)) {
            int r = read_own(w, hdr, payload);
            if (r != 0)
                return r > 0 ? 0 : -1;
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
            int r = read_own(w, hdr, payload);
            if (r != 0)
                return r > 0 ? 0 : -1;
            continue;
        }
        /* A request already waiting: take it without a wait (the common
         * case under load, and the point of the shared queue). */
        int taken = take(w, hdr, payload);
        if (taken != 0)
            return taken > 0 ? 0 : -1;
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
