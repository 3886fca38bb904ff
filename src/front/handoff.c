#include "front/handoff.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"

/* The largest message a queue carries: a REQUEST at its limit. */
#define MESSAGE_MAX (3 * KEEL_IPC_HEADER_SIZE + KEEL_IPC_MAX_PAYLOAD + KEEL_QUEUE_INLINE_MAX)

int
keel_handoff_open(keel_handoff_t *h, uint32_t generation, int child_fds[3], char *err, size_t errlen)
{
    memset(h, 0, sizeof(*h));
    h->generation = generation;
    for (int k = 0; k < KEEL_POOL_KINDS; k++) {
        h->queue_fd[k] = h->take_fd[k] = -1;
        h2o_linklist_init_anchor(&h->queued[k]);
    }
    child_fds[2] = -1;
    for (int k = 0; k < KEEL_POOL_KINDS; k++) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
            snprintf(err, errlen, "socketpair: %s", strerror(errno));
            goto fail;
        }
        h->queue_fd[k] = sv[0];
        h->take_fd[k] = sv[1];
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
    h->stride = keel_queue_slot_stride();
    int fd = memfd_create("keel-claims", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, (off_t)keel_queue_shared_bytes(h->stride)) != 0) {
        snprintf(err, errlen, "claim slots: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        goto fail;
    }
    h->claims = mmap(NULL, keel_queue_shared_bytes(h->stride), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (h->claims == MAP_FAILED) {
        h->claims = NULL;
        snprintf(err, errlen, "claim slots: mmap: %s", strerror(errno));
        close(fd);
        goto fail;
    }
    child_fds[2] = fd;
    h->slots_used[0] = 1; /* slot 0: none */
    return 0;
fail:
    keel_handoff_close(h);
    return -1;
}

void
keel_handoff_close(keel_handoff_t *h)
{
    for (int k = 0; k < KEEL_POOL_KINDS; k++) {
        if (h->queue_fd[k] >= 0 && close(h->queue_fd[k]) != 0)
            keel_warn("closing a request queue: %s", strerror(errno));
        if (h->take_fd[k] >= 0 && close(h->take_fd[k]) != 0)
            keel_warn("closing a request queue: %s", strerror(errno));
        h->queue_fd[k] = h->take_fd[k] = -1;
    }
    if (h->claims != NULL && munmap(h->claims, keel_queue_shared_bytes(h->stride)) != 0)
        keel_warn("unmapping claim slots: %s", strerror(errno));
    h->claims = NULL;
}

/* --- claim slots --- */

uint32_t
keel_handoff_slot_take(keel_handoff_t *h)
{
    _Static_assert(KEEL_QUEUE_CLAIM_SLOTS % 64 == 0, "whole words");
    if (h->claims == NULL)
        return 0;
    for (uint32_t i = 0; i < KEEL_QUEUE_CLAIM_SLOTS / 64; i++) {
        if (~h->slots_used[i] == 0)
            continue;
        uint32_t slot = i * 64 + (uint32_t)__builtin_ctzll(~h->slots_used[i]);
        h->slots_used[i] |= 1ull << (slot % 64);
        /* What the slot's previous holder left there means nothing now. */
        keel_queue_slot_t *s = keel_queue_slot(h->claims, h->stride, slot);
        __atomic_store_n(&s->claim, 0, __ATOMIC_RELEASE);
        __atomic_store_n(&s->leave, 0, __ATOMIC_RELEASE);
        if (slot >= h->slots_touched)
            h->slots_touched = slot + 1;
        return slot;
    }
    return 0;
}

void
keel_handoff_slot_release(keel_handoff_t *h, uint32_t slot)
{
    if (slot != 0 && slot < KEEL_QUEUE_CLAIM_SLOTS)
        h->slots_used[slot / 64] &= ~(1ull << (slot % 64));
}

void
keel_handoff_set_leave(keel_handoff_t *h, uint32_t slot)
{
    if (h->claims != NULL && slot != 0 && slot < KEEL_QUEUE_CLAIM_SLOTS)
        __atomic_store_n(&keel_queue_slot(h->claims, h->stride, slot)->leave, 1, __ATOMIC_RELEASE);
}

uint64_t
keel_handoff_resident_bytes(const keel_handoff_t *h)
{
    /* slot 0's page is never written, the others from the lowest up */
    return h->slots_touched > 1 ? (uint64_t)(h->slots_touched - 1) * h->stride : 0;
}

uint32_t
keel_handoff_claim(const keel_handoff_t *h, uint32_t slot)
{
    if (h->claims == NULL || slot == 0 || slot >= KEEL_QUEUE_CLAIM_SLOTS)
        return 0;
    return __atomic_load_n(&keel_queue_slot(h->claims, h->stride, slot)->claim, __ATOMIC_ACQUIRE);
}

/* --- the queues --- */

keel_handoff_push_t
keel_handoff_push(keel_handoff_t *h, keel_job_t *job)
{
    size_t body = job->body.len;
    bool inline_body = job->params.len + body <= KEEL_QUEUE_INLINE_MAX;
    uint8_t head[KEEL_IPC_HEADER_SIZE], body_head[KEEL_IPC_HEADER_SIZE], end[KEEL_IPC_HEADER_SIZE];
    keel_ipc_header_t hdr = {.type = KEEL_IPC_REQUEST,
                             .flags = inline_body ? 0 : KEEL_IPC_FLAG_BODY_FOLLOWS,
                             .generation = h->generation,
                             .stream = job->stream,
                             .length = (uint32_t)job->params.len};
    keel_ipc_header_encode(head, &hdr);
    struct iovec iov[5] = {{head, sizeof(head)}, {job->params.base, job->params.len}};
    size_t n = 2;
    if (inline_body) {
        if (body != 0) {
            hdr.type = KEEL_IPC_REQ_BODY;
            hdr.flags = 0;
            hdr.length = (uint32_t)body;
            keel_ipc_header_encode(body_head, &hdr);
            iov[n++] = (struct iovec){body_head, sizeof(body_head)};
            iov[n++] = (struct iovec){job->body.base, body};
        }
        hdr.type = KEEL_IPC_REQ_END;
        hdr.flags = 0;
        hdr.length = 0;
        keel_ipc_header_encode(end, &hdr);
        iov[n++] = (struct iovec){end, sizeof(end)};
    }
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = n};
    if (sendmsg(h->queue_fd[job->kind], &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
            return KEEL_HANDOFF_FULL; /* it waits in the front */
        keel_error("cannot queue request %u: %s", job->stream, strerror(errno));
        return KEEL_HANDOFF_FAILED;
    }
    job->queued_in = h;
    job->body_follows = !inline_body;
    job->missing = false;
    h2o_linklist_insert(&h->queued[job->kind], &job->link);
    h->queued_len[job->kind]++;
    return KEEL_HANDOFF_SENT;
}

keel_job_t *
keel_handoff_find(const keel_handoff_t *h, uint32_t stream)
{
    for (int k = 0; k < KEEL_POOL_KINDS; k++)
        for (h2o_linklist_t *l = h->queued[k].next; l != &h->queued[k]; l = l->next) {
            keel_job_t *job = H2O_STRUCT_FROM_MEMBER(keel_job_t, link, l);
            if (job->stream == stream)
                return job;
        }
    return NULL;
}

void
keel_handoff_forget(keel_job_t *job)
{
    if (job->queued_in == NULL)
        return;
    h2o_linklist_unlink(&job->link);
    job->queued_in->queued_len[job->kind]--;
    job->queued_in = NULL;
}

/*
 * Takes every message out of the kind's queue, then puts back the ones
 * that stay, in order (workers may take those meanwhile, which is fine).
 * A message is taken for good when take(job) says so; messages of jobs
 * nobody tracks (their clients left) are dropped. Returns how many jobs
 * were taken.
 */
static size_t
sift(keel_handoff_t *h, keel_pool_kind_t kind, keel_job_t *only, h2o_linklist_t *out)
{
    uint8_t *scratch = malloc(MESSAGE_MAX);
    struct {
        uint8_t *bytes;
        size_t len;
    } *kept = NULL;
    size_t nkept = 0, cap = 0, taken = 0;
    if (scratch == NULL) {
        keel_error("out of memory taking requests back from a queue");
        return 0;
    }
    for (;;) {
        ssize_t n = recv(h->take_fd[kind], scratch, MESSAGE_MAX, MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        keel_ipc_header_t hdr;
        const uint8_t *payload;
        size_t size;
        keel_job_t *job = NULL;
        if (keel_ipc_frame_decode(scratch, (size_t)n, &hdr, &payload, &size) == KEEL_IPC_OK)
            job = keel_handoff_find(h, hdr.stream);
        if (job == NULL)
            continue; /* its client left: nobody wants it */
        if (only == NULL || job == only) {
            keel_handoff_forget(job);
            taken++;
            if (out != NULL)
                h2o_linklist_insert(out, &job->link);
            continue;
        }
        if (nkept == cap) {
            size_t c = cap ? cap * 2 : 8;
            void *p = realloc(kept, c * sizeof(*kept));
            if (p == NULL) {
                keel_error("out of memory putting requests back in their queue");
                break;
            }
            kept = p;
            cap = c;
        }
        if ((kept[nkept].bytes = malloc((size_t)n)) == NULL) {
            keel_error("out of memory putting requests back in their queue");
            break;
        }
        memcpy(kept[nkept].bytes, scratch, (size_t)n);
        kept[nkept++].len = (size_t)n;
    }
    free(scratch);
    for (size_t i = 0; i < nkept; i++) {
        if (send(h->queue_fd[kind], kept[i].bytes, kept[i].len, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)kept[i].len)
            keel_error("cannot put a request back in its queue: %s", strerror(errno));
        free(kept[i].bytes);
    }
    free(kept);
    return taken;
}

bool
keel_handoff_retract(keel_job_t *job)
{
    keel_handoff_t *h = job->queued_in;
    return h != NULL && sift(h, job->kind, job, NULL) != 0;
}

size_t
keel_handoff_retract_all(keel_handoff_t *h, keel_pool_kind_t kind, h2o_linklist_t *out)
{
    if (h->take_fd[kind] < 0)
        return 0;
    return sift(h, kind, NULL, out);
}
