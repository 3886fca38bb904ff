/*
 * Handing requests to workers through their generation's queues
 * (ipc/queue.h). The front sends a request into its pool's queue and the
 * next free worker takes it. The front binds the two when it reads the
 * worker's first frame for it ("queued" below: sent into the queue, not
 * yet bound, whether or not a worker has taken it). Before that, the
 * worker's claim slot says who runs it, for the front's decisions that
 * cannot wait (a timeout, a client leaving, a death); it does not bind on
 * it, because the worker's frames for an earlier request may still be
 * unread.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "front/front.h"
#include "ipc/queue.h"

/* The largest message a queue carries: a REQUEST at its limit. */
#define MESSAGE_MAX (3 * KEEL_IPC_HEADER_SIZE + KEEL_IPC_MAX_PAYLOAD + KEEL_QUEUE_INLINE_MAX)

int
keel_handoff_open(keel_generation_t *g, int child_fds[3], char *err, size_t errlen)
{
    for (int k = 0; k < KEEL_POOL_KINDS; k++)
        g->queue_fd[k] = g->queue_take_fd[k] = -1;
    child_fds[2] = -1;
    for (int k = 0; k < KEEL_POOL_KINDS; k++) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
            snprintf(err, errlen, "socketpair: %s", strerror(errno));
            goto fail;
        }
        g->queue_fd[k] = sv[0];
        g->queue_take_fd[k] = sv[1];
        /* Room for requests of the largest size; the kernel caps it at
         * twice net.core.wmem_max. */
        int size = 4 * MESSAGE_MAX;
        if (setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)) != 0 ||
            fcntl(sv[0], F_SETFL, O_NONBLOCK) != 0) {
            snprintf(err, errlen, "request queue: %s", strerror(errno));
            goto fail;
        }
        child_fds[k] = sv[1];
    }
    int fd = memfd_create("keel-claims", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, KEEL_QUEUE_SHARED_BYTES) != 0) {
        snprintf(err, errlen, "claim slots: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        goto fail;
    }
    g->claims = mmap(NULL, KEEL_QUEUE_SHARED_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (g->claims == MAP_FAILED) {
        g->claims = NULL;
        snprintf(err, errlen, "claim slots: mmap: %s", strerror(errno));
        close(fd);
        goto fail;
    }
    child_fds[2] = fd;
    for (int k = 0; k < KEEL_POOL_KINDS; k++) {
        h2o_linklist_init_anchor(&g->queued[k]);
        g->queued_len[k] = 0;
    }
    return 0;
fail:
    keel_handoff_close(g);
    return -1;
}

void
keel_handoff_close(keel_generation_t *g)
{
    for (int k = 0; k < KEEL_POOL_KINDS; k++) {
        if (g->queue_fd[k] >= 0 && close(g->queue_fd[k]) != 0)
            keel_warn("closing a request queue: %s", strerror(errno));
        if (g->queue_take_fd[k] >= 0 && close(g->queue_take_fd[k]) != 0)
            keel_warn("closing a request queue: %s", strerror(errno));
        g->queue_fd[k] = g->queue_take_fd[k] = -1;
    }
    if (g->claims != NULL && munmap(g->claims, KEEL_QUEUE_SHARED_BYTES) != 0)
        keel_warn("unmapping claim slots: %s", strerror(errno));
    g->claims = NULL;
}

uint32_t
keel_handoff_claim_slot(keel_generation_t *g)
{
    /* The lowest slot no worker of g holds; the front forgets a worker
     * (and frees its slot) only after its process is gone. */
    _Static_assert(KEEL_QUEUE_CLAIM_SLOTS % 64 == 0, "whole words");
    uint64_t used[KEEL_QUEUE_CLAIM_SLOTS / 64] = {1}; /* slot 0: none */
    for (h2o_linklist_t *l = g->workers.next; l != &g->workers; l = l->next) {
        keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, gen_link, l);
        used[w->claim_slot / 64] |= 1ull << (w->claim_slot % 64);
    }
    for (uint32_t i = 0; i < KEEL_QUEUE_CLAIM_SLOTS / 64; i++)
        if (~used[i] != 0)
            return i * 64 + (uint32_t)__builtin_ctzll(~used[i]);
    return 0;
}

void
keel_handoff_set_leave(keel_front_worker_t *w, uint32_t value)
{
    if (w->gen->claims != NULL && w->claim_slot != 0)
        __atomic_store_n(&w->gen->claims[KEEL_QUEUE_CLAIM_SLOTS + w->claim_slot], value, __ATOMIC_RELEASE);
}

void
keel_handoff_slot_reset(keel_front_worker_t *w)
{
    /* What the slot's previous holder left there means nothing now. */
    if (w->gen->claims != NULL && w->claim_slot != 0)
        __atomic_store_n(&w->gen->claims[w->claim_slot], 0, __ATOMIC_RELEASE);
    keel_handoff_set_leave(w, 0);
}

static uint32_t
claim_of(const keel_front_worker_t *w)
{
    if (w->gen->claims == NULL || w->claim_slot == 0)
        return 0;
    return __atomic_load_n(&w->gen->claims[w->claim_slot], __ATOMIC_ACQUIRE);
}

int
keel_handoff_push(keel_generation_t *g, keel_php_request_t *pr)
{
    h2o_req_t *req = pr->req;
    size_t body = req->entity.base ? req->entity.len : 0;
    bool inline_body = pr->params.len + body <= KEEL_QUEUE_INLINE_MAX;
    uint8_t head[KEEL_IPC_HEADER_SIZE], body_head[KEEL_IPC_HEADER_SIZE], end[KEEL_IPC_HEADER_SIZE];
    keel_ipc_header_t hdr = {.type = KEEL_IPC_REQUEST,
                             .flags = inline_body ? 0 : KEEL_IPC_FLAG_BODY_FOLLOWS,
                             .generation = g->number,
                             .stream = pr->stream,
                             .length = (uint32_t)pr->params.len};
    keel_ipc_header_encode(head, &hdr);
    struct iovec iov[5] = {{head, sizeof(head)}, {pr->params.base, pr->params.len}};
    size_t n = 2;
    if (inline_body) {
        if (body != 0) {
            hdr.type = KEEL_IPC_REQ_BODY;
            hdr.flags = 0;
            hdr.length = (uint32_t)body;
            keel_ipc_header_encode(body_head, &hdr);
            iov[n++] = (struct iovec){body_head, sizeof(body_head)};
            iov[n++] = (struct iovec){req->entity.base, body};
        }
        hdr.type = KEEL_IPC_REQ_END;
        hdr.flags = 0;
        hdr.length = 0;
        keel_ipc_header_encode(end, &hdr);
        iov[n++] = (struct iovec){end, sizeof(end)};
    }
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = n};
    if (sendmsg(g->queue_fd[pr->kind], &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
            return 0; /* the queue is full: it waits in the front */
        keel_error("cannot queue %.*s %.*s: %s", (int)req->method.len, req->method.base,
                   (int)(req->path.len < 100 ? req->path.len : 100), req->path.base, strerror(errno));
        return -1;
    }
    pr->queued_in = g;
    pr->body_follows = !inline_body;
    pr->missing = false;
    h2o_linklist_insert(&g->queued[pr->kind], &pr->handoff_link);
    g->queued_len[pr->kind]++;
    return 1;
}

keel_php_request_t *
keel_handoff_find(keel_generation_t *g, uint32_t stream)
{
    for (int k = 0; k < KEEL_POOL_KINDS; k++)
        for (h2o_linklist_t *l = g->queued[k].next; l != &g->queued[k]; l = l->next) {
            keel_php_request_t *pr = H2O_STRUCT_FROM_MEMBER(keel_php_request_t, handoff_link, l);
            if (pr->stream == stream)
                return pr;
        }
    return NULL;
}

void
keel_handoff_forget(keel_php_request_t *pr)
{
    h2o_linklist_unlink(&pr->handoff_link);
    pr->queued_in->queued_len[pr->kind]--;
    pr->queued_in = NULL;
}

void
keel_handoff_lose(keel_php_request_t *pr, int status)
{
    keel_handoff_forget(pr);
    keel_dispatch_unqueue(pr->front, pr);
    keel_php_request_on_worker_lost(pr, status);
}

static void
take_worker(keel_front_worker_t *w, uint32_t stream)
{
    if (h2o_linklist_is_linked(&w->idle_link))
        h2o_linklist_unlink(&w->idle_link);
    w->state = KEEL_WORKER_BUSY;
    w->idle_since_ms = 0;
    w->stream = stream;
    w->req = NULL;
}

void
keel_handoff_bind(keel_php_request_t *pr, keel_front_worker_t *w)
{
    keel_handoff_forget(pr);
    if (h2o_timeout_is_linked(&pr->wait_entry))
        h2o_timeout_unlink(&pr->wait_entry);
    take_worker(w, pr->stream);
    keel_php_request_attach(pr, w);
}

void
keel_handoff_adopt(keel_front_worker_t *w, uint32_t stream)
{
    /* A request whose client left while it was being taken: the worker
     * runs it, and its output is dropped. */
    take_worker(w, stream);
    snprintf(w->last_request, sizeof(w->last_request), "(a request whose client left)");
}

keel_front_worker_t *
keel_handoff_claimant(keel_generation_t *g, uint32_t stream)
{
    for (h2o_linklist_t *l = g->workers.next; l != &g->workers; l = l->next) {
        keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, gen_link, l);
        if ((w->state == KEEL_WORKER_IDLE || w->state == KEEL_WORKER_LEAVING) && w->req == NULL &&
            claim_of(w) == stream)
            return w;
    }
    return NULL;
}

keel_php_request_t *
keel_handoff_claimed_by(const keel_front_worker_t *w)
{
    uint32_t stream = claim_of(w);
    return stream != 0 && stream != w->stream ? keel_handoff_find(w->gen, stream) : NULL;
}

keel_front_worker_t *
keel_handoff_runner(keel_php_request_t *pr)
{
    if (pr->worker != NULL)
        return pr->worker;
    return pr->queued_in != NULL ? keel_handoff_claimant(pr->queued_in, pr->stream) : NULL;
}

bool
keel_handoff_busy(const keel_front_worker_t *w)
{
    return w->state == KEEL_WORKER_BUSY ||
           ((w->state == KEEL_WORKER_IDLE || w->state == KEEL_WORKER_LEAVING) && keel_handoff_claimed_by(w) != NULL);
}

int
keel_handoff_retract(keel_generation_t *g, keel_pool_kind_t kind, keel_php_request_t *only)
{
    /* Take every message out, then put back the ones that stay, in order:
     * workers may take those again meanwhile, which is fine. */
    uint8_t *scratch = malloc(MESSAGE_MAX);
    struct {
        uint8_t *bytes;
        size_t len;
    } *kept = NULL;
    size_t nkept = 0, cap = 0;
    h2o_linklist_t back;
    h2o_linklist_init_anchor(&back);
    int found = 0;
    if (scratch == NULL) {
        keel_error("out of memory taking requests back from a queue");
        return 0;
    }
    for (;;) {
        ssize_t n = recv(g->queue_take_fd[kind], scratch, MESSAGE_MAX, MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        keel_ipc_header_t hdr;
        const uint8_t *payload;
        size_t size;
        keel_php_request_t *pr = NULL;
        if (keel_ipc_frame_decode(scratch, (size_t)n, &hdr, &payload, &size) == KEEL_IPC_OK)
            pr = keel_handoff_find(g, hdr.stream);
        if (pr == NULL)
            continue; /* its client left: nobody wants it */
        if (only == NULL || pr == only) {
            keel_handoff_forget(pr);
            found = 1;
            if (only == NULL)
                h2o_linklist_insert(&back, &pr->queue_link);
            continue;
        }
        if (nkept == cap) {
            size_t c = cap ? cap * 2 : 8;
            void *p = realloc(kept, c * sizeof(*kept));
            if (p == NULL)
                break;
            kept = p;
            cap = c;
        }
        if ((kept[nkept].bytes = malloc((size_t)n)) == NULL)
            break;
        memcpy(kept[nkept].bytes, scratch, (size_t)n);
        kept[nkept++].len = (size_t)n;
    }
    free(scratch);
    for (size_t i = 0; i < nkept; i++) {
        if (send(g->queue_fd[kind], kept[i].bytes, kept[i].len, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)kept[i].len)
            keel_error("cannot put a request back in its queue: %s", strerror(errno));
        free(kept[i].bytes);
    }
    free(kept);
    /* Taken back whole: to the head of the front's queue, oldest first. */
    keel_front_t *f = g->front;
    while (!h2o_linklist_is_empty(&back)) {
        keel_php_request_t *pr = H2O_STRUCT_FROM_MEMBER(keel_php_request_t, queue_link, back.prev);
        h2o_linklist_unlink(&pr->queue_link);
        h2o_linklist_insert(f->queues[kind].queue.next, &pr->queue_link);
        f->queues[kind].queue_len++;
    }
    return found;
}
