/*
 * The front's view of a generation's workers: their sockets, which are
 * idle, the bounded queue of requests waiting for one, and restarting
 * workers that exit (with backoff when they fail before becoming ready).
 * There are two pools: classic workers and, with --worker, worker-mode
 * workers; each has its own idle list and queue.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "front/front.h"
#include "supervisor/backoff.h"

static void on_worker_read(h2o_socket_t *sock, const char *err);
static void worker_lost(keel_front_t *f, keel_front_worker_t *w, const char *why);

static const char *const pool_names[KEEL_POOL_KINDS] = {"classic", "worker-mode"};

int
keel_pool_init(keel_front_t *f)
{
    f->worker_count = keel_config_total_workers(&f->cfg);
    f->workers = calloc(f->worker_count, sizeof(*f->workers));
    if (f->workers == NULL)
        return -1;
    for (unsigned i = 0; i < f->worker_count; i++) {
        keel_front_worker_t *w = &f->workers[i];
        w->front = f;
        w->slot = i;
        w->kind = keel_config_slot_is_worker_mode(&f->cfg, i) ? KEEL_POOL_WORKER : KEEL_POOL_CLASSIC;
        w->state = KEEL_WORKER_GONE;
        w->exited = true;
    }
    for (int k = 0; k < KEEL_POOL_KINDS; k++) {
        h2o_linklist_init_anchor(&f->pools[k].idle);
        h2o_linklist_init_anchor(&f->pools[k].queue);
    }
    return 0;
}

size_t
keel_pool_live_workers(const keel_front_t *f)
{
    size_t n = 0;
    for (unsigned i = 0; i < f->worker_count; i++)
        if (f->workers[i].state != KEEL_WORKER_GONE || !f->workers[i].exited)
            n++;
    return n;
}

/* --- writing to a worker: one write in flight, the rest queued --- */

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
        worker_lost(w->front, w, err);
        return;
    }
    flush_writes(w);
}

void
keel_pool_send(keel_front_worker_t *w, uint8_t type, uint8_t flags, uint32_t stream, const void *a, size_t alen,
               const void *b, size_t blen)
{
    if (w->sock == NULL)
        return;
    keel_ipc_header_t hdr = {.type = type, .flags = flags, .stream = stream, .length = (uint32_t)(alen + blen)};
    h2o_iovec_t dst = h2o_buffer_reserve(&w->pending, KEEL_IPC_HEADER_SIZE + alen + blen);
    keel_ipc_header_encode((uint8_t *)dst.base, &hdr);
    if (alen)
        memcpy(dst.base + KEEL_IPC_HEADER_SIZE, a, alen);
    if (blen)
        memcpy(dst.base + KEEL_IPC_HEADER_SIZE + alen, b, blen);
    w->pending->size += KEEL_IPC_HEADER_SIZE + alen + blen;
}

void
keel_pool_flush(keel_front_worker_t *w)
{
    flush_writes(w);
}

/* --- the queues --- */

static void
on_wait_timeout(h2o_timeout_entry_t *entry)
{
    keel_php_request_t *pr = H2O_STRUCT_FROM_MEMBER(keel_php_request_t, wait_entry, entry);
    keel_pool_unqueue(pr->front, pr);
    keel_php_request_reject(pr, 503, "Service Unavailable", "1");
}

void
keel_pool_unqueue(keel_front_t *f, keel_php_request_t *pr)
{
    if (h2o_linklist_is_linked(&pr->queue_link)) {
        h2o_linklist_unlink(&pr->queue_link);
        f->pools[pr->kind].queue_len--;
    }
    if (h2o_timeout_is_linked(&pr->wait_entry))
        h2o_timeout_unlink(&pr->wait_entry);
}

void
keel_pool_submit(keel_front_t *f, keel_php_request_t *pr)
{
    __typeof__(f->pools[0]) *pool = &f->pools[pr->kind];
    if (pool->given_up) {
        keel_php_request_reject(pr, 503, "Service Unavailable", "10");
        return;
    }
    if (!h2o_linklist_is_empty(&pool->idle)) {
        keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, idle_link, pool->idle.next);
        h2o_linklist_unlink(&w->idle_link);
        w->state = KEEL_WORKER_BUSY;
        keel_php_request_dispatch(pr, w);
        return;
    }
    if (pool->queue_len >= f->cfg.max_queue) {
        keel_php_request_reject(pr, 503, "Service Unavailable", "1");
        return;
    }
    h2o_linklist_insert(&pool->queue, &pr->queue_link);
    pool->queue_len++;
    pr->wait_entry.cb = on_wait_timeout;
    h2o_timeout_link(f->loop, &f->wait_timeout, &pr->wait_entry);
}

/* A worker is free: give it the oldest waiting request, or park it. */
static void
worker_idle(keel_front_t *f, keel_front_worker_t *w)
{
    w->req = NULL;
    w->stream = 0;
    w->state = KEEL_WORKER_IDLE;
    if (f->state >= KEEL_FRONT_STOPPING)
        return;
    __typeof__(f->pools[0]) *pool = &f->pools[w->kind];
    if (!h2o_linklist_is_empty(&pool->queue)) {
        keel_php_request_t *pr = H2O_STRUCT_FROM_MEMBER(keel_php_request_t, queue_link, pool->queue.next);
        keel_pool_unqueue(f, pr);
        w->state = KEEL_WORKER_BUSY;
        keel_php_request_dispatch(pr, w);
        return;
    }
    /* Most recently used first: its caches are warm. */
    h2o_linklist_insert(pool->idle.next, &w->idle_link);
}

/* --- worker lifecycle --- */

static void
spawn(keel_front_t *f, keel_front_worker_t *w)
{
    w->state = KEEL_WORKER_STARTING;
    keel_generation_spawn(f, w->slot);
}

static void
on_respawn_timer(h2o_timeout_entry_t *entry)
{
    keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, respawn_entry, entry);
    keel_front_t *f = w->front;
    if ((f->state == KEEL_FRONT_STARTING || f->state == KEEL_FRONT_SERVING || f->state == KEEL_FRONT_DRAINING) &&
        w->state == KEEL_WORKER_GONE && w->exited)
        spawn(f, w);
}

static h2o_timeout_t *
timeout_for(keel_front_t *f, uint64_t ms)
{
    for (unsigned i = 0; i < f->backoff_count; i++)
        if (f->backoff_delays[i] == ms)
            return &f->backoff_timeouts[i];
    if (f->backoff_count == sizeof(f->backoff_delays) / sizeof(f->backoff_delays[0]))
        return &f->backoff_timeouts[f->backoff_count - 1];
    f->backoff_delays[f->backoff_count] = ms;
    h2o_timeout_init(f->loop, &f->backoff_timeouts[f->backoff_count], ms);
    return &f->backoff_timeouts[f->backoff_count++];
}

/* Starts a replacement once the slot's process is gone, after a backoff
 * when its pool keeps failing to start workers. */
static void
respawn(keel_front_t *f, keel_front_worker_t *w)
{
    if (f->state != KEEL_FRONT_STARTING && f->state != KEEL_FRONT_SERVING && f->state != KEEL_FRONT_DRAINING)
        return;
    if (w->state != KEEL_WORKER_GONE || !w->exited || f->pools[w->kind].given_up)
        return;
    uint64_t delay = keel_backoff_delay_ms(f->pools[w->kind].failures);
    if (delay == 0) {
        spawn(f, w);
        return;
    }
    if (!h2o_timeout_is_linked(&w->respawn_entry)) {
        w->respawn_entry.cb = on_respawn_timer;
        h2o_timeout_link(f->loop, timeout_for(f, delay), &w->respawn_entry);
    }
}

void
keel_pool_worker_up(keel_front_t *f, unsigned slot, pid_t pid, int fd)
{
    if (slot >= f->worker_count || f->workers[slot].state != KEEL_WORKER_STARTING) {
        keel_warn("unexpected worker for slot %u; closing it", slot);
        close(fd);
        return;
    }
    keel_front_worker_t *w = &f->workers[slot];
    w->pid = pid;
    w->sock = h2o_evloop_socket_create(f->loop, fd, 0);
    w->sock->data = w;
    w->exited = false;
    w->reading_paused = false;
    w->state = KEEL_WORKER_BOOTING;
    w->boot_error[0] = '\0';
    h2o_buffer_init(&w->pending, &h2o_socket_buffer_prototype);
    h2o_buffer_init(&w->inflight, &h2o_socket_buffer_prototype);
    h2o_socket_read_start(w->sock, on_worker_read);
}

static void
on_worker_ready(keel_front_t *f, keel_front_worker_t *w)
{
    f->pools[w->kind].failures = 0;
    worker_idle(f, w);
    if (++f->workers_ready == f->worker_count)
        keel_front_on_workers_up(f);
}

static void
close_worker_socket(keel_front_worker_t *w)
{
    if (w->sock == NULL)
        return;
    if (h2o_timeout_is_linked(&w->resume_entry))
        h2o_timeout_unlink(&w->resume_entry);
    if (h2o_linklist_is_linked(&w->idle_link))
        h2o_linklist_unlink(&w->idle_link);
    h2o_socket_close(w->sock);
    w->sock = NULL;
    h2o_buffer_dispose(&w->pending);
    h2o_buffer_dispose(&w->inflight);
}

static void
worker_lost(keel_front_t *f, keel_front_worker_t *w, const char *why)
{
    if (w->state == KEEL_WORKER_GONE)
        return;
    if (w->state == KEEL_WORKER_BOOTING || w->state == KEEL_WORKER_STARTING) {
        /* It never became ready: count it against its pool. */
        __typeof__(f->pools[0]) *pool = &f->pools[w->kind];
        pool->failures++;
        if (w->boot_error[0] != '\0')
            why = w->boot_error;
        if (keel_backoff_give_up(pool->failures, f->cfg.max_consecutive_failures) && !pool->given_up) {
            pool->given_up = true;
            keel_front_on_pool_given_up(f, w->kind, why);
        }
    }
    if (w->req != NULL) {
        keel_warn("worker %u (pid %d) lost during a request: %s", w->slot, (int)w->pid, why);
        keel_php_request_t *pr = w->req;
        w->req = NULL;
        keel_php_request_on_worker_lost(pr);
    }
    close_worker_socket(w);
    w->state = KEEL_WORKER_GONE;
    /* Make sure it is really gone; the zygote reaps it and reports. */
    if (w->pid > 0 && !w->exited)
        kill(w->pid, SIGKILL);
    respawn(f, w);
}

void
keel_pool_worker_exit(keel_front_t *f, unsigned slot, pid_t pid, int status)
{
    if (slot >= f->worker_count || f->workers[slot].pid != pid)
        return;
    keel_front_worker_t *w = &f->workers[slot];
    w->exited = true;
    if (f->state < KEEL_FRONT_STOPPING) {
        if (WIFSIGNALED(status))
            keel_warn("worker %u (pid %d) killed by signal %d after %llu requests", slot, (int)pid, WTERMSIG(status),
                      (unsigned long long)w->stats.requests);
        else if (WEXITSTATUS(status) != 0)
            keel_warn("worker %u (pid %d) exited with status %d", slot, (int)pid, WEXITSTATUS(status));
    }
    if (w->state != KEEL_WORKER_GONE)
        worker_lost(f, w, "process exited");
    else
        respawn(f, w);
}

void
keel_pool_close_all(keel_front_t *f)
{
    for (unsigned i = 0; i < f->worker_count; i++) {
        keel_front_worker_t *w = &f->workers[i];
        if (h2o_timeout_is_linked(&w->respawn_entry))
            h2o_timeout_unlink(&w->respawn_entry);
        if (w->sock != NULL) {
            close_worker_socket(w);
            w->state = KEEL_WORKER_GONE;
        }
    }
}

/* --- frames from a worker --- */

static void
on_req_done(keel_front_t *f, keel_front_worker_t *w, const keel_ipc_header_t *hdr, const uint8_t *payload)
{
    keel_ipc_stats_t stats;
    if (keel_ipc_stats_get(payload, hdr->length, &stats) == KEEL_IPC_OK)
        w->stats = stats;
    keel_php_request_t *pr = w->req;
    if (pr != NULL) {
        pr->worker = NULL;
        /* The worker ended without a response end (it should not): the
         * client must not hang. */
        if (!pr->ended)
            keel_php_request_on_worker_lost(pr);
    }
    keel_pool_resume_reading(w);
    worker_idle(f, w);
}

/* The frames a worker may send in each state; anything else is a
 * protocol error and the worker is replaced. */
static int
frame_allowed(const keel_front_worker_t *w, const keel_ipc_header_t *hdr)
{
    switch (hdr->type) {
    case KEEL_IPC_WORKER_READY:
    case KEEL_IPC_BOOT_FAILED:
        return w->state == KEEL_WORKER_BOOTING && hdr->stream == 0;
    case KEEL_IPC_RESP_HEAD:
    case KEEL_IPC_RESP_BODY:
    case KEEL_IPC_RESP_END:
    case KEEL_IPC_REQ_DONE:
        return w->state == KEEL_WORKER_BUSY && hdr->stream == w->stream;
    default:
        return 0;
    }
}

static void
on_worker_read(h2o_socket_t *sock, const char *err)
{
    keel_front_worker_t *w = sock->data;
    keel_front_t *f = w->front;
    if (err != NULL) {
        worker_lost(f, w, err);
        return;
    }
    for (;;) {
        keel_ipc_header_t hdr;
        const uint8_t *payload;
        size_t size;
        keel_ipc_result_t r =
            keel_ipc_frame_decode((uint8_t *)sock->input->bytes, sock->input->size, &hdr, &payload, &size);
        if (r == KEEL_IPC_NEED_MORE)
            return;
        if (r == KEEL_IPC_MALFORMED) {
            worker_lost(f, w, "malformed frame");
            return;
        }
        if (!frame_allowed(w, &hdr)) {
            char why[96];
            snprintf(why, sizeof(why), "unexpected %s frame", keel_ipc_type_name(hdr.type));
            worker_lost(f, w, why);
            return;
        }
        switch (hdr.type) {
        case KEEL_IPC_RESP_HEAD:
        case KEEL_IPC_RESP_BODY:
        case KEEL_IPC_RESP_END:
            if (w->req != NULL)
                keel_php_request_on_frame(w->req, &hdr, payload);
            break;
        case KEEL_IPC_REQ_DONE:
            on_req_done(f, w, &hdr, payload);
            break;
        case KEEL_IPC_WORKER_READY:
            on_worker_ready(f, w);
            break;
        case KEEL_IPC_BOOT_FAILED:
            snprintf(w->boot_error, sizeof(w->boot_error), "%.*s", (int)hdr.length, (const char *)payload);
            keel_error("worker %u (pid %d) failed to boot: %s", w->slot, (int)w->pid, w->boot_error);
            break;
        }
        if (w->sock == NULL)
            return;
        h2o_buffer_consume(&sock->input, size);
        if (w->reading_paused)
            return;
    }
}

void
keel_pool_pause_reading(keel_front_worker_t *w)
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
        on_worker_read(w->sock, NULL);
}

void
keel_pool_resume_reading(keel_front_worker_t *w)
{
    if (w->sock != NULL && w->reading_paused) {
        w->reading_paused = false;
        h2o_socket_read_start(w->sock, on_worker_read);
        if (!h2o_timeout_is_linked(&w->resume_entry)) {
            w->resume_entry.cb = on_resume;
            h2o_timeout_link(w->front->loop, &w->front->zero_timeout, &w->resume_entry);
        }
    }
}

const char *
keel_pool_name(keel_pool_kind_t kind)
{
    return pool_names[kind];
}
