/*
 * The front's side of one worker process: its socket (one write in
 * flight, response backpressure), the frames it may send in each state,
 * and what happens when it finishes a request, fails or exits —
 * including the memory governance decisions taken on its figures.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/statm.h"
#include "front/front.h"
#include "supervisor/budget.h"

/* Growth above this many bytes per request, sustained, is reported as a
 * suspected leak (once per worker). */
#define LEAK_THRESHOLD_BYTES_PER_REQUEST 256.0
#define LEAK_WARMUP_REQUESTS             50
#define LEAK_MIN_SAMPLES                 16

static void on_worker_read(h2o_socket_t *sock, const char *err);
static void worker_lost(keel_front_worker_t *w, const char *why, int client_status);

uint64_t
keel_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

keel_front_worker_t *
keel_worker_new(keel_generation_t *g, keel_pool_kind_t kind)
{
    keel_front_t *f = g->front;
    keel_front_worker_t *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return NULL;
    w->gen = g;
    w->id = ++f->next_worker_id;
    w->claim_slot = keel_handoff_claim_slot(g);
    if (w->claim_slot == 0) {
        keel_error("generation %u has no claim slot left for another worker", g->number);
        free(w);
        return NULL;
    }
    keel_handoff_slot_reset(w);
    w->kind = kind;
    w->state = KEEL_WORKER_STARTING;
    w->request_limit = keel_recycle_request_limit(f->cfg.max_requests, f->cfg.max_requests_jitter,
                                                  ((uint64_t)random() << 31) ^ random());
    keel_leak_series_init(&w->leak, LEAK_WARMUP_REQUESTS);
    h2o_linklist_insert(&g->workers, &w->gen_link);
    return w;
}

bool
keel_worker_finished(const keel_front_worker_t *w)
{
    return w->sock == NULL && w->exited;
}

void
keel_worker_free(keel_front_worker_t *w)
{
    if (h2o_linklist_is_linked(&w->gen_link))
        h2o_linklist_unlink(&w->gen_link);
    free(w);
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
        worker_lost(w, err, 502);
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
    keel_ipc_header_t hdr = {.type = type,
                             .flags = flags,
                             .generation = w->gen->number,
                             .stream = stream,
                             .length = (uint32_t)(alen + blen)};
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

/* --- lifecycle --- */

void
keel_worker_up(keel_front_worker_t *w, pid_t pid, int fd)
{
    w->pid = pid;
    w->sock = h2o_evloop_socket_create(w->gen->front->loop, fd, 0);
    w->sock->data = w;
    w->state = KEEL_WORKER_BOOTING;
    w->boot_error[0] = '\0';
    h2o_buffer_init(&w->pending, &h2o_socket_buffer_prototype);
    h2o_buffer_init(&w->inflight, &h2o_socket_buffer_prototype);
    h2o_socket_read_start(w->sock, on_worker_read);
    if (w->dismissed)
        keel_worker_dismiss(w);
}

void
keel_worker_close(keel_front_worker_t *w)
{
    keel_handoff_set_leave(w, 1);
    if (h2o_timeout_is_linked(&w->kill_entry))
        h2o_timeout_unlink(&w->kill_entry);
    if (h2o_linklist_is_linked(&w->idle_link))
        h2o_linklist_unlink(&w->idle_link);
    if (w->sock != NULL) {
        if (h2o_timeout_is_linked(&w->resume_entry))
            h2o_timeout_unlink(&w->resume_entry);
        h2o_socket_close(w->sock);
        w->sock = NULL;
        h2o_buffer_dispose(&w->pending);
        h2o_buffer_dispose(&w->inflight);
    }
    w->state = KEEL_WORKER_GONE;
}

void
keel_worker_dismiss(keel_front_worker_t *w)
{
    if (w->state == KEEL_WORKER_LEAVING)
        return;
    keel_handoff_set_leave(w, 1);
    if (w->state == KEEL_WORKER_STARTING) {
        /* Forked, maybe already taking requests, but its socket has not
         * arrived: it is let go when it does (keel_worker_up). */
        w->dismissed = true;
        return;
    }
    /* A started worker that is not running a request the front knows of
     * may be taking one; any other just closes. */
    if ((w->state != KEEL_WORKER_IDLE && w->state != KEEL_WORKER_BOOTING) || w->sock == NULL) {
        keel_worker_close(w);
        return;
    }
    /* A free worker may be taking a request from the queue right now. Tell
     * it to go: it reads DISMISS and exits, but what it took, it finishes
     * and answers; the front closes when it has gone. The socket stays
     * open both ways, because a request it took may still need its body
     * (a half-close here lost such requests under reloads). */
    if (h2o_linklist_is_linked(&w->idle_link))
        h2o_linklist_unlink(&w->idle_link);
    w->state = KEEL_WORKER_LEAVING;
    keel_worker_send(w, KEEL_IPC_DISMISS, 0, 0, NULL, 0, NULL, 0);
    keel_worker_flush(w);
}

/* Forgets a worker once it is closed and reaped, and lets its generation
 * see whether it is now empty. */
static void
maybe_forget(keel_front_worker_t *w)
{
    if (!keel_worker_finished(w))
        return;
    keel_generation_t *g = w->gen;
    keel_worker_free(w);
    keel_generation_maybe_stop(g);
}

/* The pool keeps its size: a worker of the active (or incoming)
 * generation that goes away is replaced, unless that already happened. */
static void
replace(keel_front_worker_t *w)
{
    keel_generation_t *g = w->gen;
    keel_front_t *f = g->front;
    if (w->replaced || (g->state != KEEL_GEN_ACTIVE && g->state != KEEL_GEN_STARTING) ||
        (f->state != KEEL_FRONT_STARTING && f->state != KEEL_FRONT_SERVING && f->state != KEEL_FRONT_DRAINING))
        return;
    w->replaced = true;
    /* a worker that went away on its own, not one keel retired */
    keel_generation_replace(g, w->kind, !w->retiring);
}

static void
worker_lost(keel_front_worker_t *w, const char *why, int client_status)
{
    if (w->state == KEEL_WORKER_GONE)
        return;
    /* A request it took from the queue and had not answered yet: bind it
     * now (no frame of w is read after this) so it is answered and logged. */
    keel_php_request_t *taken = w->req == NULL ? keel_handoff_claimed_by(w) : NULL;
    if (taken != NULL)
        keel_handoff_bind(taken, w);
    keel_worker_state_t was = w->state;
    if (w->warmup) {
        w->warmup = false;
        keel_generation_on_warmup_done(w->gen, 0);
    }
    if (w->req != NULL) {
        keel_warn("worker %u (pid %d) lost during a request: %s", w->id, (int)w->pid, why);
        keel_php_request_t *pr = w->req;
        w->req = NULL;
        keel_php_request_on_worker_lost(pr, client_status);
    }
    /* ... or one it took after its last answer, not yet seen by the front */
    keel_php_request_t *next = keel_handoff_claimed_by(w);
    if (next != NULL) {
        keel_warn("worker %u (pid %d) lost with a request it had taken: %s", w->id, (int)w->pid, why);
        keel_handoff_lose(next, client_status);
    }
    keel_worker_close(w);
    /* Make sure it is really gone; the zygote reaps it and reports. */
    if (w->pid > 0 && !w->exited)
        kill(w->pid, SIGKILL);
    if (w->never_started) {
        if (!w->dismissed)
            keel_generation_on_spawn_failed(w->gen, w->kind);
    } else if (was == KEEL_WORKER_BOOTING || was == KEEL_WORKER_STARTING)
        keel_generation_on_worker_failed(w->gen, w->kind, w->boot_error[0] ? w->boot_error : why);
    else
        replace(w);
    maybe_forget(w);
}

/* Frames the worker wrote just before it exited may still sit in its
 * socket, and the zygote's report can arrive first: read them now so a
 * finished response or a BOOT_FAILED reason is not lost. */
static void
drain_socket(keel_front_worker_t *w)
{
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
        on_worker_read(sock, NULL);
}

void
keel_worker_exited(keel_front_worker_t *w, int status)
{
    keel_front_t *f = w->gen->front;
    if (w->sock != NULL && !w->reading_paused)
        drain_socket(w);
    w->exited = true;
    /* A request it took from the queue and died on before any frame of it
     * reached the front: bind it now, so the log below names it. */
    if (w->state != KEEL_WORKER_GONE && w->req == NULL) {
        keel_php_request_t *taken = keel_handoff_claimed_by(w);
        if (taken != NULL)
            keel_handoff_bind(taken, w);
    }
    if (f->state < KEEL_FRONT_STOPPING && !w->retiring) {
        if (WIFSIGNALED(status)) {
            f->worker_crashes++;
            char mem[32];
            keel_warn(
                "worker %u (pid %d) killed by signal %d (%s)%s%s%s after %llu requests, age %.1fs, private memory "
                "%s",
                w->id, (int)w->pid, WTERMSIG(status), strsignal(WTERMSIG(status)),
                w->last_request[0] ? " during \"" : "", w->last_request, w->last_request[0] ? "\"" : "",
                (unsigned long long)w->stats.requests,
                w->started_ms ? (double)(keel_now_ms() - w->started_ms) / 1000.0 : 0.0,
                keel_format_bytes(mem, sizeof(mem), w->stats.rss_private));
        } else if (WEXITSTATUS(status) != 0) {
            keel_warn("worker %u (pid %d) exited with status %d", w->id, (int)w->pid, WEXITSTATUS(status));
        }
    }
    /* It may have taken a request from the queue and gone before the
     * front heard of it (it was closed while starting, say). */
    keel_php_request_t *taken = w->state == KEEL_WORKER_GONE ? keel_handoff_claimed_by(w) : NULL;
    if (taken != NULL) {
        keel_warn("worker %u (pid %d) exited with a request it had taken", w->id, (int)w->pid);
        keel_handoff_lose(taken, 502);
    }
    /* Before w may be freed below: its exit may have swallowed the
     * wake-up of a queued request. */
    keel_dispatch_offer_again(w->gen, w->kind);
    if (w->state != KEEL_WORKER_GONE)
        worker_lost(w, "process exited", 502);
    else
        maybe_forget(w);
}

void
keel_worker_not_started(keel_front_worker_t *w)
{
    if (w->state != KEEL_WORKER_STARTING || w->pid != 0) {
        keel_error("zygote reported worker %u as not started, but it is", w->id);
        return;
    }
    w->exited = true;
    w->never_started = true;
    worker_lost(w, "the zygote could not start it", 503);
}

/* --- memory governance --- */

static void
recycle(keel_front_worker_t *w, keel_recycle_reason_t reason)
{
    keel_front_t *f = w->gen->front;
    char mem[32];
    f->recycles[reason]++;
    /* The exact byte count beside the rounded one: "24.0 MiB" may be a
     * figure just past a 24 MiB limit. */
    keel_info("recycling worker %u (pid %d): %s; %llu requests, private memory %s (%llu bytes), age %llus", w->id,
              (int)w->pid, keel_recycle_reason_name(reason), (unsigned long long)w->stats.requests,
              keel_format_bytes(mem, sizeof(mem), w->stats.rss_private), (unsigned long long)w->stats.rss_private,
              (unsigned long long)((keel_now_ms() - w->started_ms) / 1000));
    w->retiring = true;
    w->recycle_reason = reason;
    /* The replacement starts first. A worker recycled for its memory keeps
     * serving until the replacement is ready, so capacity never dips; one
     * that reached its request count, age or idle limit takes no more. */
    replace(w);
}

/* Called with the figures of each finished request. */
static void
observe(keel_front_worker_t *w)
{
    keel_front_t *f = w->gen->front;
    size_t kept = w->leak.count;
    uint64_t last = kept ? w->leak.samples[kept - 1].requests : 0;
    keel_leak_series_add(&w->leak, w->stats.requests, w->stats.rss_private);
    /* The fit is O(samples^2): redo it only when the series took a sample. */
    bool changed = w->leak.count != kept || (w->leak.count && w->leak.samples[w->leak.count - 1].requests != last);
    if (!w->leak_reported && changed) {
        keel_leak_estimate_t e = keel_leak_estimate(&w->leak, LEAK_MIN_SAMPLES);
        if (keel_leak_suspected(&e, LEAK_THRESHOLD_BYTES_PER_REQUEST)) {
            w->leak_reported = true;
            keel_warn(
                "worker %u (pid %d) memory grows %.0f bytes per request since request %llu (%zu samples; %s mode, "
                "script %s)",
                w->id, (int)w->pid, e.bytes_per_request, (unsigned long long)e.since_request, e.samples,
                w->kind == KEEL_POOL_WORKER ? "worker" : "classic",
                w->kind == KEEL_POOL_WORKER ? f->router.worker_script : "per request");
        }
    }
    if (w->retiring)
        return;
    keel_recycle_limits_t limits = {
        .max_requests = f->cfg.max_requests,
        .max_requests_jitter = f->cfg.max_requests_jitter,
        .max_worker_memory = f->cfg.max_worker_memory,
        .max_worker_memory_hard = f->cfg.max_worker_memory_hard,
        .ttl_ms = f->cfg.ttl_ms,
        .idle_ttl_ms = 0, /* idle workers are checked by the tick, not here */
    };
    keel_worker_obs_t obs = {
        .requests = w->stats.requests,
        .request_limit = w->request_limit,
        .private_bytes = w->stats.rss_private,
        .started_ms = w->started_ms,
    };
    keel_recycle_reason_t r = keel_recycle_decide(&limits, &obs, keel_now_ms());
    if (r != KEEL_RECYCLE_NONE)
        recycle(w, r);
}

/* Private resident memory of a running process, as the worker itself
 * reports it after each request. */
static uint64_t
read_private(pid_t pid)
{
    keel_statm_t m;
    return keel_statm_read(pid, -1, &m) == 0 ? m.private : 0;
}

static void
on_kill(h2o_timeout_entry_t *entry)
{
    keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, kill_entry, entry);
    if (w->pid > 0 && !w->exited)
        kill(w->pid, SIGKILL);
    worker_lost(w, "request timeout", 504);
}

void
keel_worker_end_slowly(keel_front_worker_t *w)
{
    if (w->pid <= 0 || w->exited || h2o_timeout_is_linked(&w->kill_entry))
        return;
    keel_generation_backtrace(w);
    w->retiring = true; /* ended on purpose: not a crash */
    w->kill_entry.cb = on_kill;
    h2o_timeout_link(w->gen->front->loop, &w->gen->front->kill_timeout, &w->kill_entry);
}

void
keel_workers_tick(keel_front_t *f)
{
    uint64_t now = keel_now_ms();
    for (h2o_linklist_t *gl = f->generations.next; gl != &f->generations; gl = gl->next) {
        keel_generation_t *g = H2O_STRUCT_FROM_MEMBER(keel_generation_t, link, gl);
        if (g->state != KEEL_GEN_ACTIVE)
            continue;
        for (h2o_linklist_t *l = g->workers.next; l != &g->workers;) {
            keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, gen_link, l);
            l = l->next; /* w may be freed below */
            /* busy: also with a request taken from the queue, not yet bound */
            if (f->cfg.max_worker_memory_hard != 0 && keel_handoff_busy(w)) {
                uint64_t priv = read_private(w->pid);
                if (priv > f->cfg.max_worker_memory_hard) {
                    char a[32], b[32];
                    f->recycles[KEEL_RECYCLE_MEMORY_HARD]++;
                    keel_error("worker %u (pid %d) killed: private memory %s (%llu bytes) is past "
                               "--max-worker-memory-hard %s after %llu requests",
                               w->id, (int)w->pid, keel_format_bytes(a, sizeof(a), priv), (unsigned long long)priv,
                               keel_format_bytes(b, sizeof(b), f->cfg.max_worker_memory_hard),
                               (unsigned long long)w->stats.requests);
                    w->stats.rss_private = priv;
                    w->retiring = true; /* a recycle, not a crash */
                    w->recycle_reason = KEEL_RECYCLE_MEMORY_HARD;
                    kill(w->pid, SIGKILL);
                    worker_lost(w, "memory hard limit", 503);
                    continue;
                }
            }
            if (w->state != KEEL_WORKER_IDLE || w->retiring || keel_handoff_claimed_by(w) != NULL)
                continue;
            if (f->cfg.ttl_ms && now - w->started_ms >= f->cfg.ttl_ms) {
                recycle(w, KEEL_RECYCLE_TTL);
            } else if (f->cfg.idle_ttl_ms && w->idle_since_ms && now - w->idle_since_ms >= f->cfg.idle_ttl_ms) {
                recycle(w, KEEL_RECYCLE_IDLE);
            }
            /* An idle worker that is retiring can go as soon as its
             * replacement is ready (see keel_generation_on_worker_ready). */
        }
    }
}

/* --- frames from a worker --- */

static void
on_req_done(keel_front_worker_t *w, const keel_ipc_header_t *hdr, const uint8_t *payload)
{
    if (w->warmup) {
        /* A script that sent no headers answered 200, as PHP would. */
        unsigned status = w->warmup_status ? w->warmup_status : 200;
        w->warmup = false;
        keel_generation_t *g = w->gen;
        keel_ipc_stats_t stats;
        if (keel_ipc_stats_get(payload, hdr->length, &stats) == KEEL_IPC_OK)
            w->stats = stats;
        keel_dispatch_worker_free(w);
        keel_generation_on_warmup_done(g, status);
        return;
    }
    keel_front_t *f = w->gen->front;
    keel_ipc_stats_t stats;
    if (keel_ipc_stats_get(payload, hdr->length, &stats) == KEEL_IPC_OK)
        w->stats = stats;
    f->requests_total++;
    keel_php_request_t *pr = w->req;
    w->req = NULL;
    if (pr != NULL) {
        pr->worker = NULL;
        /* The worker ended without a response end (it should not): the
         * client must not hang. */
        if (!pr->ended)
            keel_php_request_on_worker_lost(pr, 502);
    }
    keel_worker_resume_reading(w);
    if (hdr->flags & KEEL_IPC_FLAG_OPCACHE_RESET)
        keel_opcache_on_reset_call(w->gen);
    if (hdr->flags & KEEL_IPC_FLAG_CLOSING) {
        /* It exits now (exit() or an error in worker mode): replace it and
         * give it nothing more. */
        w->retiring = true;
        replace(w);
        keel_worker_close(w);
        maybe_forget(w);
        return;
    }
    observe(w);
    keel_dispatch_worker_free(w);
}

/* The frames a worker may send in each state; anything else is a
 * protocol error and the worker is replaced. */
static int
frame_allowed(const keel_front_worker_t *w, const keel_ipc_header_t *hdr)
{
    switch (hdr->type) {
    case KEEL_IPC_WORKER_READY:
    case KEEL_IPC_BOOT_FAILED:
        /* (LEAVING: let go while booting; its news no longer matters) */
        return (w->state == KEEL_WORKER_BOOTING || w->state == KEEL_WORKER_LEAVING) && hdr->stream == 0;
    case KEEL_IPC_RESP_HEAD:
    case KEEL_IPC_RESP_BODY:
    case KEEL_IPC_RESP_END:
    case KEEL_IPC_OPCACHE_STATS:
    case KEEL_IPC_REQ_DONE:
    case KEEL_IPC_CLAIM:
        return w->state == KEEL_WORKER_BUSY && hdr->stream == w->stream;
    default:
        return 0;
    }
}

static void
on_worker_read(h2o_socket_t *sock, const char *err)
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
                worker_lost(w, err, 502);
            return;
        }
        if (r == KEEL_IPC_MALFORMED) {
            worker_lost(w, "malformed frame", 502);
            return;
        }
        if (hdr.stream != 0 && w->req == NULL && w->stream == 0 &&
            (w->state == KEEL_WORKER_IDLE || w->state == KEEL_WORKER_LEAVING) && hdr.type != KEEL_IPC_WORKER_READY &&
            hdr.type != KEEL_IPC_BOOT_FAILED) {
            /* The first frame of a request it took from the queue. */
            keel_php_request_t *pr = keel_handoff_find(w->gen, hdr.stream);
            if (pr != NULL)
                keel_handoff_bind(pr, w);
            else
                keel_handoff_adopt(w, hdr.stream);
            keel_dispatch_drain_queues(w->gen->front);
        }
        if (!frame_allowed(w, &hdr)) {
            char why[96];
            snprintf(why, sizeof(why), "unexpected %s frame", keel_ipc_type_name(hdr.type));
            worker_lost(w, why, 502);
            return;
        }
        switch (hdr.type) {
        case KEEL_IPC_RESP_HEAD:
        case KEEL_IPC_RESP_BODY:
        case KEEL_IPC_RESP_END:
            if (w->req != NULL) {
                keel_php_request_on_frame(w->req, &hdr, payload);
            } else if (w->warmup && hdr.type == KEEL_IPC_RESP_HEAD) {
                unsigned status;
                keel_ipc_kv_reader_t r;
                if (keel_ipc_resp_head_get(payload, hdr.length, &status, &r) == KEEL_IPC_OK)
                    w->warmup_status = status;
            }
            break;
        case KEEL_IPC_OPCACHE_STATS:
            keel_opcache_on_stats(w->gen, payload, hdr.length);
            break;
        case KEEL_IPC_CLAIM:
            if (w->req != NULL && w->req->body_follows) {
                keel_php_request_send_body(w->req, w);
            } else {
                /* Its client left: an empty body, and connection_aborted(). */
                keel_worker_send(w, KEEL_IPC_ABORT, 0, w->stream, NULL, 0, NULL, 0);
                keel_worker_send(w, KEEL_IPC_REQ_END, 0, w->stream, NULL, 0, NULL, 0);
                keel_worker_flush(w);
            }
            break;
        case KEEL_IPC_REQ_DONE:
            on_req_done(w, &hdr, payload);
            break;
        case KEEL_IPC_WORKER_READY:
            w->started_ms = keel_now_ms();
            if (w->state == KEEL_WORKER_BOOTING)
                keel_generation_on_worker_ready(w->gen, w);
            break;
        case KEEL_IPC_BOOT_FAILED:
            snprintf(w->boot_error, sizeof(w->boot_error), "%.*s", (int)hdr.length, (const char *)payload);
            keel_error("worker %u (pid %d) failed to boot: %s", w->id, (int)w->pid, w->boot_error);
            break;
        }
        /* The handlers above may have closed (or freed) the worker. */
        if (sock->data != w || w->sock != sock)
            return;
        h2o_buffer_consume(&sock->input, size);
        if (w->reading_paused)
            return;
    }
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
        on_worker_read(w->sock, NULL);
}

void
keel_worker_resume_reading(keel_front_worker_t *w)
{
    if (w->sock != NULL && w->reading_paused) {
        w->reading_paused = false;
        h2o_socket_read_start(w->sock, on_worker_read);
        if (!h2o_timeout_is_linked(&w->resume_entry)) {
            w->resume_entry.cb = on_resume;
            h2o_timeout_link(w->gen->front->loop, &w->gen->front->zero_timeout, &w->resume_entry);
        }
    }
}
