#include "front/worker.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipc/dispatch.h"

static void on_read(h2o_socket_t *sock, const char *err);

int
keel_worker_open(keel_front_worker_t *w, h2o_loop_t *loop, h2o_timeout_t *zero_timeout, int fd,
                 const keel_worker_events_t *events, void *owner)
{
    w->sock = h2o_evloop_socket_create(loop, fd, 0);
    if (w->sock == NULL) {
        close(fd);
        return -1;
    }
    w->sock->data = w;
    w->zero_timeout = zero_timeout;
    w->events = events;
    w->owner = owner;
    w->reading_paused = false;
    h2o_buffer_init(&w->pending, &h2o_socket_buffer_prototype);
    h2o_buffer_init(&w->inflight, &h2o_socket_buffer_prototype);
    h2o_socket_read_start(w->sock, on_read);
    return 0;
}

void
keel_worker_close(keel_front_worker_t *w)
{
    if (h2o_timeout_is_linked(&w->resume_entry))
        h2o_timeout_unlink(&w->resume_entry);
    if (w->sock == NULL)
        return;
    h2o_socket_close(w->sock);
    w->sock = NULL;
    h2o_buffer_dispose(&w->pending);
    h2o_buffer_dispose(&w->inflight);
}

/* --- writing: one write in flight, the rest queued --- */

static void on_write_complete(h2o_socket_t *sock, const char *err);

static void
flush_writes(keel_front_worker_t *w)
{
    if (w->sock == NULL || w->inflight->size != 0 || w->pending->size == 0)
        return;
    h2o_buffer_t *t = w->inflight;
    w->inflight = w->pending;
    w->pending = t;
    h2o_iovec_t buf = h2o_iovec_init(w->inflight->bytes, w->inflight->size);
    h2o_socket_write(w->sock, &buf, 1, on_write_complete);
}

static void
on_write_complete(h2o_socket_t *sock, const char *err)
{
    keel_front_worker_t *w = sock->data;
    h2o_buffer_consume(&w->inflight, w->inflight->size);
    if (err != NULL) {
        w->events->lost(w->owner, w, err);
        return;
    }
    flush_writes(w);
}

void
keel_worker_send(keel_front_worker_t *w, uint8_t type, uint8_t flags, uint32_t stream, const void *a, size_t alen,
                 const void *b, size_t blen)
{
    if (w->sock == NULL)
        return;
    keel_ipc_header_t hdr = {
        .type = type, .flags = flags, .generation = w->generation, .stream = stream, .length = (uint32_t)(alen + blen)};
    h2o_iovec_t dst = h2o_buffer_reserve(&w->pending, KEEL_IPC_HEADER_SIZE + alen + blen);
    keel_ipc_header_encode((uint8_t *)dst.base, &hdr);
    if (alen)
        memcpy(dst.base + KEEL_IPC_HEADER_SIZE, a, alen);
    if (blen)
        memcpy(dst.base + KEEL_IPC_HEADER_SIZE + alen, b, blen);
    w->pending->size += KEEL_IPC_HEADER_SIZE + alen + blen;
}

void
keel_worker_flush(keel_front_worker_t *w)
{
    flush_writes(w);
}

/* --- reading: each frame checked against the worker's state --- */

/* The handlers of what a worker may send; each returns 0, or -1 for a
 * payload its codec refuses (a protocol violation). */
static int
on_response(void *ctx, const keel_ipc_msg_t *m)
{
    keel_front_worker_t *w = ctx;
    /* (no job: its client left, and the output is dropped) */
    if (w->job != NULL)
        w->job->ops->frame(w->job, &m->hdr, m->payload);
    return 0;
}

static int
on_opcache_stats(void *ctx, const keel_ipc_msg_t *m)
{
    keel_front_worker_t *w = ctx;
    w->events->opcache_stats(w->owner, w, m->payload, m->hdr.length);
    return 0;
}

static int
on_claim(void *ctx, const keel_ipc_msg_t *m)
{
    (void)m;
    keel_front_worker_t *w = ctx;
    w->events->claim(w->owner, w);
    return 0;
}

static int
on_req_done(void *ctx, const keel_ipc_msg_t *m)
{
    keel_front_worker_t *w = ctx;
    keel_ipc_stats_t stats;
    if (keel_ipc_stats_get(m->payload, m->hdr.length, &stats) != KEEL_IPC_OK)
        return -1;
    w->events->done(w->owner, w, m->hdr.flags, &stats);
    return 0;
}

static int
on_ready(void *ctx, const keel_ipc_msg_t *m)
{
    (void)m;
    keel_front_worker_t *w = ctx;
    w->events->ready(w->owner, w);
    return 0;
}

static int
on_boot_failed(void *ctx, const keel_ipc_msg_t *m)
{
    keel_front_worker_t *w = ctx;
    snprintf(w->boot_error, sizeof(w->boot_error), "%.*s", (int)m->hdr.length, (const char *)m->payload);
    w->events->boot_failed(w->owner, w);
    return 0;
}

/* What a worker may send the front (when: keel_worker_frame_allowed). */
static const keel_ipc_handlers_t from_worker = {
    .on =
        {
            [KEEL_IPC_INDEX_RESP_HEAD] = on_response,
            [KEEL_IPC_INDEX_RESP_BODY] = on_response,
            [KEEL_IPC_INDEX_RESP_END] = on_response,
            [KEEL_IPC_INDEX_OPCACHE_STATS] = on_opcache_stats,
            [KEEL_IPC_INDEX_CLAIM] = on_claim,
            [KEEL_IPC_INDEX_REQ_DONE] = on_req_done,
            [KEEL_IPC_INDEX_WORKER_READY] = on_ready,
            [KEEL_IPC_INDEX_BOOT_FAILED] = on_boot_failed,
        },
};

static void
violation(keel_front_worker_t *w, const char *what, unsigned type)
{
    const char *name = keel_ipc_type_name(type);
    char why[96];
    snprintf(why, sizeof(why), "%s %s frame", what, name ? name : "unknown");
    w->events->lost(w->owner, w, why);
}

/* Handles one frame; returns 0, or -1 once the worker's socket is closed. */
static int
handle(keel_front_worker_t *w, const keel_ipc_header_t *hdr, const uint8_t *payload)
{
    /* A free worker's first frame of a request it took from the queue:
     * the owner binds it before the frame is judged. */
    if (hdr->stream != 0 && w->stream == 0 && keel_worker_state_is_free(w->life.state) &&
        hdr->type != KEEL_IPC_WORKER_READY && hdr->type != KEEL_IPC_BOOT_FAILED) {
        w->events->took(w->owner, w, hdr->stream);
        if (w->sock == NULL)
            return -1;
    }
    keel_ipc_msg_t m = {.hdr = *hdr, .payload = payload, .fd = -1};
    int rc = 0;
    if (!keel_worker_frame_allowed(w->life.state, hdr->type, hdr->stream, w->stream) ||
        keel_ipc_dispatch(&from_worker, w, &m, &rc) != KEEL_IPC_OK)
        violation(w, "unexpected", hdr->type);
    else if (rc != 0)
        violation(w, "malformed", hdr->type);
    return w->sock == NULL ? -1 : 0;
}

static void
on_read(h2o_socket_t *sock, const char *err)
{
    keel_front_worker_t *w = sock->data;
    /* An error can come with the last frames the worker wrote, read in the
     * same turn: a worker that exits with a frame of ours unread (an ABORT
     * for an earlier request, say) resets its socket after its answer.
     * The frames are handled first, so that answer is not lost. */
    for (;;) {
        keel_ipc_header_t hdr;
        const uint8_t *payload;
        size_t size;
        keel_ipc_result_t r =
            keel_ipc_frame_decode((uint8_t *)sock->input->bytes, sock->input->size, &hdr, &payload, &size);
        if (r == KEEL_IPC_NEED_MORE) {
            if (err != NULL)
                w->events->lost(w->owner, w, err);
            return;
        }
        if (r == KEEL_IPC_MALFORMED) {
            w->events->lost(w->owner, w, "malformed frame");
            return;
        }
        if (handle(w, &hdr, payload) != 0)
            return; /* closed: sock is gone with its input */
        h2o_buffer_consume(&sock->input, size);
        if (w->reading_paused)
            return;
    }
}

void
keel_worker_drain(keel_front_worker_t *w)
{
    if (w->sock == NULL || w->reading_paused)
        return;
    h2o_socket_t *sock = w->sock;
    int fd = h2o_socket_get_fd(sock);
    for (;;) {
        h2o_iovec_t buf = h2o_buffer_reserve(&sock->input, 65536);
        ssize_t n = recv(fd, buf.base, buf.len, MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        sock->input->size += (size_t)n;
    }
    if (sock->input->size != 0)
        on_read(sock, NULL);
}

void
keel_worker_pause_reading(keel_front_worker_t *w)
{
    if (w->sock != NULL && !w->reading_paused) {
        w->reading_paused = true;
        h2o_socket_read_stop(w->sock);
    }
}

/* Frames may already sit in the input buffer, and no new bytes would
 * wake the reader for them: process them from the loop, not from inside
 * whatever h2o callback resumed us. */
static void
on_resume(h2o_timeout_entry_t *entry)
{
    keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, resume_entry, entry);
    if (w->sock != NULL && !w->reading_paused && w->sock->input->size != 0)
        on_read(w->sock, NULL);
}

void
keel_worker_resume_reading(keel_front_worker_t *w)
{
    if (w->sock != NULL && w->reading_paused) {
        w->reading_paused = false;
        h2o_socket_read_start(w->sock, on_read);
        if (!h2o_timeout_is_linked(&w->resume_entry)) {
            w->resume_entry.cb = on_resume;
            h2o_timeout_link(h2o_socket_get_loop(w->sock), w->zero_timeout, &w->resume_entry);
        }
    }
}
