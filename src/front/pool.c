#include "front/pool.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/statm.h"
#include "supervisor/budget.h"
#include "supervisor/worker_report.h"

/* Growth above this many bytes per request, sustained, is reported as a
 * suspected leak (once per worker). */
#define LEAK_THRESHOLD_BYTES_PER_REQUEST 256.0

/* What an event is about, for the actions that report it. */
typedef struct {
    const char *why; /* LOST: what happened to its socket */
    int status;      /* EXITED: the wait status */
    int lost_status; /* LOST: what its request gets */
} cause_t;

static const keel_worker_events_t worker_events;

static void schedule_spawn(keel_pool_t *p, keel_pool_kind_t kind, uint64_t delay_ms);

void
keel_pool_init(keel_pool_t *p, keel_front_env_t *env, uint32_t generation, keel_zygote_link_t *zygote,
               keel_handoff_t *handoff, const keel_pool_events_t *events, void *owner)
{
    memset(p, 0, sizeof(*p));
    p->env = env;
    p->zygote = zygote;
    p->handoff = handoff;
    p->generation = generation;
    p->gen_state = KEEL_GEN_STARTING;
    p->events = events;
    p->owner = owner;
    h2o_linklist_init_anchor(&p->workers);
    h2o_linklist_init_anchor(&p->pending_spawns);
    for (int k = 0; k < KEEL_POOL_KINDS; k++)
        h2o_linklist_init_anchor(&p->idle[k]);
    const keel_config_t *cfg = env->cfg;
    p->limits = (keel_recycle_limits_t){
        .max_requests = cfg->max_requests,
        .max_requests_jitter = cfg->max_requests_jitter,
        .max_worker_memory = cfg->max_worker_memory,
        .max_worker_memory_hard = cfg->max_worker_memory_hard,
        .ttl_ms = cfg->ttl_ms,
        .idle_ttl_ms = cfg->idle_ttl_ms,
    };
}

void
keel_pool_set_state(keel_pool_t *p, keel_gen_state_t state)
{
    p->gen_state = state;
}

unsigned
keel_pool_target(const keel_config_t *cfg, keel_pool_kind_t kind)
{
    if (cfg->worker_script == NULL)
        return kind == KEEL_POOL_CLASSIC ? cfg->workers : 0;
    return kind == KEEL_POOL_WORKER ? cfg->workers : cfg->classic_workers;
}

unsigned
keel_pool_ceiling(const keel_config_t *cfg, keel_pool_kind_t kind)
{
    unsigned min = keel_pool_target(cfg, kind);
    bool main_pool = (cfg->worker_script == NULL) == (kind == KEEL_POOL_CLASSIC);
    return main_pool && cfg->max_workers > min ? cfg->max_workers : min;
}

static keel_front_worker_t *
find(const keel_pool_t *p, uint32_t id)
{
    for (h2o_linklist_t *l = p->workers.next; l != &p->workers; l = l->next) {
        keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, pool_link, l);
        if (w->id == id)
            return w;
    }
    return NULL;
}

static bool
on_idle_list(keel_worker_state_t s)
{
    return s == KEEL_WORKER_IDLE || s == KEEL_WORKER_HANDOVER_IDLE;
}

static void
free_worker(keel_pool_t *p, keel_front_worker_t *w)
{
    keel_worker_close(w);
    if (h2o_timeout_is_linked(&w->kill_entry))
        h2o_timeout_unlink(&w->kill_entry);
    if (h2o_linklist_is_linked(&w->idle_link))
        h2o_linklist_unlink(&w->idle_link);
    if (h2o_linklist_is_linked(&w->pool_link))
        h2o_linklist_unlink(&w->pool_link);
    keel_handoff_slot_release(p->handoff, w->claim_slot);
    free(w);
}

void
keel_pool_dispose(keel_pool_t *p)
{
    while (!h2o_linklist_is_empty(&p->pending_spawns)) {
        keel_pending_spawn_t *s = H2O_STRUCT_FROM_MEMBER(keel_pending_spawn_t, link, p->pending_spawns.next);
        h2o_linklist_unlink(&s->link);
        if (h2o_timeout_is_linked(&s->entry))
            h2o_timeout_unlink(&s->entry);
        free(s);
    }
    while (!h2o_linklist_is_empty(&p->workers))
        free_worker(p, H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, pool_link, p->workers.next));
}

/* --- starting workers --- */

keel_front_worker_t *
keel_pool_spawn(keel_pool_t *p, keel_pool_kind_t kind)
{
    if (p->zygote->fd < 0)
        return NULL;
    keel_front_worker_t *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        keel_error("out of memory starting a worker");
        return NULL;
    }
    w->claim_slot = keel_handoff_slot_take(p->handoff);
    if (w->claim_slot == 0) {
        keel_error("generation %u has no claim slot left for another worker", p->generation);
        free(w);
        return NULL;
    }
    w->id = ++p->env->next_worker_id;
    w->generation = p->generation;
    w->kind = kind;
    w->life = (keel_worker_life_t){.state = KEEL_WORKER_STARTING};
    w->request_limit = keel_recycle_request_limit(p->limits.max_requests, p->limits.max_requests_jitter,
                                                  ((uint64_t)random() << 31) ^ (uint64_t)random());
    keel_leak_series_init(&w->leak, KEEL_LEAK_WARMUP_REQUESTS);
    h2o_linklist_insert(&p->workers, &w->pool_link);
    if (keel_zygote_link_spawn(p->zygote, w->id, w->claim_slot, kind,
                               w->request_limit > UINT32_MAX ? 0 : (uint32_t)w->request_limit) != 0) {
        keel_error("cannot ask the zygote of generation %u for a worker: %s", p->generation, strerror(errno));
        free_worker(p, w);
        return NULL;
    }
    return w;
}

static void
on_backoff(h2o_timeout_entry_t *entry)
{
    keel_pending_spawn_t *s = H2O_STRUCT_FROM_MEMBER(keel_pending_spawn_t, entry, entry);
    keel_pool_t *p = s->pool;
    keel_pool_kind_t kind = s->kind;
    h2o_linklist_unlink(&s->link);
    free(s);
    if (keel_gen_may_spawn(p->gen_state))
        keel_pool_spawn(p, kind);
}

static void
schedule_spawn(keel_pool_t *p, keel_pool_kind_t kind, uint64_t delay_ms)
{
    keel_pending_spawn_t *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        keel_error("out of memory scheduling a worker restart");
        return;
    }
    s->pool = p;
    s->kind = kind;
    s->entry.cb = on_backoff;
    h2o_linklist_insert(&p->pending_spawns, &s->link);
    h2o_timeout_link(p->env->loop, keel_env_timeout_for(p->env, delay_ms), &s->entry);
}

static void
cancel_pending_spawns(keel_pool_t *p)
{
    while (!h2o_linklist_is_empty(&p->pending_spawns)) {
        keel_pending_spawn_t *s = H2O_STRUCT_FROM_MEMBER(keel_pending_spawn_t, link, p->pending_spawns.next);
        h2o_linklist_unlink(&s->link);
        if (h2o_timeout_is_linked(&s->entry))
            h2o_timeout_unlink(&s->entry);
        free(s);
    }
}

/* --- the pool's rules, carried out --- */

static void
on_crash(keel_pool_t *p, keel_pool_kind_t kind)
{
    keel_pool_decision_t d = keel_pool_on_crash(&p->crashes, keel_now_ms());
    if (d.verdict == KEEL_POOL_SPAWN_NOW) {
        keel_pool_spawn(p, kind);
        return;
    }
    keel_error("generation %u: %u workers went away within %us; restarting a %s worker in %llu ms", p->generation,
               d.count, KEEL_CRASH_WINDOW_MS / 1000, keel_pool_name(kind), (unsigned long long)d.delay_ms);
    schedule_spawn(p, kind, d.delay_ms);
}

static void
act_on(keel_pool_t *p, keel_pool_kind_t kind, keel_pool_decision_t d, const char *why)
{
    switch (d.verdict) {
    case KEEL_POOL_SPAWN_NOW:
        keel_pool_spawn(p, kind);
        break;
    case KEEL_POOL_SPAWN_LATER:
        schedule_spawn(p, kind, d.delay_ms);
        break;
    case KEEL_POOL_FAIL_GENERATION:
    case KEEL_POOL_GIVE_UP: {
        char msg[1024];
        if (kind == KEEL_POOL_WORKER)
            snprintf(msg, sizeof(msg), "the worker script %.256s failed to boot %u times in a row (last: %.400s)",
                     p->worker_script, d.count, why);
        else
            snprintf(msg, sizeof(msg), "PHP workers failed to start %u times in a row (last: %.400s)", d.count, why);
        if (d.verdict == KEEL_POOL_FAIL_GENERATION) {
            p->events->start_failed(p->owner, msg);
        } else {
            keel_error("%s; not retrying: %s requests get 503 until a reload", msg, keel_pool_name(kind));
            p->events->given_up(p->owner, kind);
        }
        break;
    }
    case KEEL_POOL_NOTHING:
        break;
    }
}

static void
on_boot_failure(keel_pool_t *p, keel_pool_kind_t kind, const char *why)
{
    keel_pool_decision_t d =
        keel_pool_on_boot_failure(&p->counts[kind], p->gen_state, p->env->cfg->max_consecutive_failures);
    if (d.verdict == KEEL_POOL_SPAWN_LATER)
        keel_info("restarting a %s worker in %llu ms", keel_pool_name(kind), (unsigned long long)d.delay_ms);
    act_on(p, kind, d, why);
}

static void
on_spawn_failure(keel_pool_t *p, keel_pool_kind_t kind)
{
    keel_pool_decision_t d =
        keel_pool_on_spawn_failure(&p->counts[kind], p->gen_state, p->env->cfg->max_consecutive_failures);
    if (d.verdict == KEEL_POOL_SPAWN_LATER && p->gen_state == KEEL_GEN_ACTIVE)
        keel_warn("generation %u could not start a %s worker; trying again in %llu ms", p->generation,
                  keel_pool_name(kind), (unsigned long long)d.delay_ms);
    else if (d.verdict == KEEL_POOL_SPAWN_LATER)
        keel_info("restarting a %s worker in %llu ms", keel_pool_name(kind), (unsigned long long)d.delay_ms);
    act_on(p, kind, d, "the zygote could not start a worker process");
}

/* The first worker of w's kind that serves on only until a replacement is
 * ready: w is that replacement. */
static keel_front_worker_t *
waiting_for_replacement(const keel_pool_t *p, const keel_front_worker_t *w)
{
    for (h2o_linklist_t *l = p->workers.next; l != &p->workers; l = l->next) {
        keel_front_worker_t *old = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, pool_link, l);
        if (old != w && old->kind == w->kind &&
            (old->life.state == KEEL_WORKER_HANDOVER_IDLE || old->life.state == KEEL_WORKER_HANDOVER_BUSY))
            return old;
    }
    return NULL;
}

/* --- stepping a worker and carrying out the actions --- */

static keel_worker_facts_t
facts_for(const keel_pool_t *p, const keel_front_worker_t *w)
{
    return (keel_worker_facts_t){
        .now_ms = keel_now_ms(),
        .serving = keel_gen_may_spawn(p->gen_state),
        .limits = &p->limits,
        .worker = {.requests = w->stats.requests,
                   .request_limit = w->request_limit,
                   .private_bytes = w->stats.rss_private,
                   .started_ms = w->started_ms,
                   .idle_since_ms = w->idle_since_ms},
        .lost_status = 502,
        .shrink_after_ms = UINT64_MAX,
    };
}

/* The request w runs is lost with it; why (if not NULL) is logged. */
static void
lose_job(keel_front_worker_t *w, int status, const char *why)
{
    keel_job_t *job = w->job;
    if (job == NULL)
        return;
    if (why != NULL)
        keel_warn("worker %u (pid %d) lost during a request: %s", w->id, (int)w->pid, why);
    w->job = NULL;
    job->worker = NULL;
    job->ops->lost(job, status);
}

/* A queued request that the claim slot of a worker about to go names,
 * other than the one it runs: it is lost with that worker before the front
 * heard of it. Called before the worker's step, while w->stream still
 * names what it runs. */
static void
lose_claimed(keel_pool_t *p, keel_front_worker_t *w, int status)
{
    uint32_t stream = keel_handoff_claim(p->handoff, w->claim_slot);
    keel_job_t *job = stream != 0 && stream != w->stream ? keel_handoff_find(p->handoff, stream) : NULL;
    if (job == NULL)
        return;
    keel_warn("worker %u (pid %d) went with a request it had taken", w->id, (int)w->pid);
    keel_handoff_forget(job);
    if (h2o_timeout_is_linked(&job->wait_entry))
        h2o_timeout_unlink(&job->wait_entry);
    job->ops->lost(job, status);
}

static void
report_exit(keel_pool_t *p, keel_front_worker_t *w, int status)
{
    if (WIFSIGNALED(status)) {
        p->env->counters.worker_crashes++;
        char mem[32], sig[16];
        snprintf(sig, sizeof(sig), "SIG%s", sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?");
        keel_event_add(&p->env->events, keel_now_ms(), KEEL_EVENT_CRASH, p->generation, (int)w->pid, sig,
                       "worker %u killed by signal %d (%s)%s%s%s after %llu requests", w->id, WTERMSIG(status),
                       strsignal(WTERMSIG(status)), w->last_request[0] ? " during \"" : "", w->last_request,
                       w->last_request[0] ? "\"" : "", (unsigned long long)w->stats.requests);
        keel_warn("worker %u (pid %d) killed by signal %d (%s)%s%s%s after %llu requests, age %.1fs, private memory "
                  "%s",
                  w->id, (int)w->pid, WTERMSIG(status), strsignal(WTERMSIG(status)),
                  w->last_request[0] ? " during \"" : "", w->last_request, w->last_request[0] ? "\"" : "",
                  (unsigned long long)w->stats.requests,
                  w->started_ms ? (double)(keel_now_ms() - w->started_ms) / 1000.0 : 0.0,
                  keel_format_bytes(mem, sizeof(mem), w->stats.rss_private));
    } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        char what[16];
        snprintf(what, sizeof(what), "status %d", WEXITSTATUS(status));
        keel_event_add(&p->env->events, keel_now_ms(), KEEL_EVENT_EXIT, p->generation, (int)w->pid, what,
                       "worker %u exited with status %d after %llu requests", w->id, WEXITSTATUS(status),
                       (unsigned long long)w->stats.requests);
        keel_warn("worker %u (pid %d) exited with status %d", w->id, (int)w->pid, WEXITSTATUS(status));
    }
}

static void
report_recycle(keel_pool_t *p, keel_front_worker_t *w, keel_recycle_reason_t reason, uint64_t private_now)
{
    char mem[32];
    p->env->counters.recycles[reason]++;
    uint64_t bytes = reason == KEEL_RECYCLE_MEMORY_HARD && private_now != 0 ? private_now : w->stats.rss_private;
    keel_event_add(&p->env->events, keel_now_ms(), KEEL_EVENT_RECYCLE, p->generation, (int)w->pid,
                   keel_recycle_reason_name(reason), "worker %u recycled (%s) after %llu requests, private memory %s",
                   w->id, keel_recycle_reason_name(reason), (unsigned long long)w->stats.requests,
                   keel_format_bytes(mem, sizeof(mem), bytes));
    if (reason == KEEL_RECYCLE_MEMORY_HARD && private_now != 0) {
        char limit[32];
        keel_error("worker %u (pid %d) killed: private memory %s (%llu bytes) is past --max-worker-memory-hard %s "
                   "after %llu requests",
                   w->id, (int)w->pid, keel_format_bytes(mem, sizeof(mem), private_now),
                   (unsigned long long)private_now,
                   keel_format_bytes(limit, sizeof(limit), p->limits.max_worker_memory_hard),
                   (unsigned long long)w->stats.requests);
        return;
    }
    /* The exact figure the decision used beside the rounded one, so a
     * reader (or a test) can compare it with the limit. */
    keel_info("recycling worker %u (pid %d): %s; %llu requests, private memory %s (%llu bytes), age %llus", w->id,
              (int)w->pid, keel_recycle_reason_name(reason), (unsigned long long)w->stats.requests,
              keel_format_bytes(mem, sizeof(mem), w->stats.rss_private), (unsigned long long)w->stats.rss_private,
              (unsigned long long)((keel_now_ms() - w->started_ms) / 1000));
}

/* The size of the pool of w's kind, and why it changed, for /status. */
static void note_change(keel_pool_t *p, keel_pool_kind_t kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
note_change(keel_pool_t *p, keel_pool_kind_t kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->change[kind].why, sizeof(p->change[kind].why), fmt, ap);
    va_end(ap);
    p->change[kind].at_ms = keel_now_ms();
    char what[16];
    snprintf(what, sizeof(what), "%.*s", (int)strcspn(p->change[kind].why, " "), p->change[kind].why);
    keel_event_add(&p->env->events, p->change[kind].at_ms, KEEL_EVENT_POOL, p->generation, 0, what, "%s workers %s",
                   keel_pool_name(kind), p->change[kind].why);
    keel_info("pool: %s workers of generation %u %s", keel_pool_name(kind), p->generation, p->change[kind].why);
}

static void
report_shrink(keel_pool_t *p, keel_front_worker_t *w, const keel_worker_facts_t *f)
{
    keel_pool_sizes_t n;
    keel_pool_sizes(p, w->kind, &n);
    p->env->counters.workers_shrunk++;
    double idle_s =
        w->idle_since_ms && f->now_ms > w->idle_since_ms ? (double)(f->now_ms - w->idle_since_ms) / 1000.0 : 0.0;
    if (f->shrink_after_ms == 0)
        note_change(p, w->kind,
                    "shrank from %u to %u: worker %u (pid %d) was idle above the minimum of %u under memory "
                    "pressure",
                    n.live + 1, n.live, w->id, (int)w->pid, keel_pool_target(p->env->cfg, w->kind));
    else
        note_change(p, w->kind, "shrank from %u to %u: worker %u (pid %d) was idle %.1fs, past --max-idle-time %.1fs",
                    n.live + 1, n.live, w->id, (int)w->pid, idle_s, (double)f->shrink_after_ms / 1000.0);
}

/* A worker leaves: its estimate stays with its pool's, so the pool's
 * holds across recycling. */
static void
keep_leak_estimate(keel_pool_t *p, const keel_front_worker_t *w)
{
    keel_leak_estimate_t e = keel_leak_published(&w->leak);
    if (e.valid)
        keel_leak_history_add(&p->leak_history[w->kind], e.bytes_per_request);
}

/* A worker recycled for memory pressure exited: replaced unless pressure
 * holds its pool at a minimum it still has. */
static bool
replace_after_pressure(keel_pool_t *p, const keel_front_worker_t *w)
{
    if (w->life.cause != KEEL_WORKER_CAUSE_RECYCLED || w->life.reason != KEEL_RECYCLE_PRESSURE)
        return true;
    keel_pool_sizes_t n;
    keel_pool_sizes(p, w->kind, &n);
    bool hold = p->env->memory_now.level >= KEEL_PRESSURE_HOLD;
    if (keel_pool_size_replace(n.live, keel_pool_target(p->env->cfg, w->kind), hold))
        return true;
    note_change(p, w->kind,
                "shrank to %u: worker %u, recycled for memory pressure, is not replaced while the pressure "
                "holds the pool",
                n.live, w->id);
    return false;
}

static void on_kill(h2o_timeout_entry_t *entry);

/*
 * Steps w by ev and carries out what the step says, in an order that keeps
 * the front consistent at every call it makes out: requests first (the
 * worker is still whole), then the socket and the process, then the
 * pool's rules, and forgetting it last. After a step that forgets it, w
 * must not be touched; returns false then.
 */
static bool
step(keel_pool_t *p, keel_front_worker_t *w, keel_worker_event_t ev, keel_worker_facts_t *f, const cause_t *c)
{
    keel_worker_state_t was = w->life.state;
    keel_worker_cause_t was_cause = w->life.cause;
    keel_worker_step_t st = keel_worker_step(w->life, ev, f);
    if (st.invalid) {
        keel_error("worker %u: %s while %s", w->id, keel_worker_event_name(ev), keel_worker_state_name(was));
        return true;
    }
    w->life = st.life;
    unsigned a = st.actions;
    /* the idle list holds exactly the free workers that may take work */
    if (on_idle_list(was) && !on_idle_list(w->life.state)) {
        h2o_linklist_unlink(&w->idle_link);
    } else if (!on_idle_list(was) && on_idle_list(w->life.state)) {
        /* most recently used first: its caches are warm */
        h2o_linklist_insert(p->idle[w->kind].next, &w->idle_link);
        w->idle_since_ms = f->now_ms;
    }
    if (keel_worker_state_is_busy(was) && !keel_worker_state_is_busy(w->life.state))
        w->stream = 0;
    if (a & KEEL_WORKER_DO_RECYCLED)
        report_recycle(p, w, w->life.reason, f->private_now);
    if (was_cause == KEEL_WORKER_CAUSE_NONE && w->life.cause == KEEL_WORKER_CAUSE_SHRUNK)
        report_shrink(p, w, f);
    if (a & KEEL_WORKER_DO_LOSE)
        lose_job(w, st.status, c != NULL ? c->why : NULL);
    if (a & (KEEL_WORKER_DO_DISMISS | KEEL_WORKER_DO_LEAVE_FLAG | KEEL_WORKER_DO_CLOSE))
        keel_handoff_set_leave(p->handoff, w->claim_slot);
    if (a & KEEL_WORKER_DO_DISMISS) {
        /* It reads DISMISS and exits, but what it took it finishes and
         * answers: the socket stays open both ways, since a request it
         * took may still need its body. */
        keel_worker_send(w, KEEL_IPC_DISMISS, 0, 0, NULL, 0, NULL, 0);
        keel_worker_flush(w);
    }
    if (a & KEEL_WORKER_DO_CLOSE) {
        if (h2o_timeout_is_linked(&w->kill_entry))
            h2o_timeout_unlink(&w->kill_entry);
        keel_worker_close(w);
    }
    if ((a & KEEL_WORKER_DO_KILL) && w->pid > 0)
        kill(w->pid, SIGKILL);
    if (a & KEEL_WORKER_DO_BACKTRACE)
        keel_pool_backtrace(p, w);
    if ((a & KEEL_WORKER_DO_ARM_KILL) && !h2o_timeout_is_linked(&w->kill_entry)) {
        w->kill_entry.cb = on_kill;
        h2o_timeout_link(p->env->loop, &p->env->kill_timeout, &w->kill_entry);
    }
    if (a & KEEL_WORKER_DO_REPORT_EXIT && c != NULL)
        report_exit(p, w, c->status);
    if (a & KEEL_WORKER_DO_READY) {
        keel_pool_on_ready(&p->counts[w->kind]);
        keel_front_worker_t *old = waiting_for_replacement(p, w);
        if (old != NULL) {
            keel_worker_facts_t of = facts_for(p, old);
            step(p, old, KEEL_WORKER_EV_REPLACEMENT_READY, &of, NULL);
        }
    }
    keel_pool_kind_t kind = w->kind;
    if ((a & KEEL_WORKER_DO_REPLACE) && !replace_after_pressure(p, w))
        a &= ~(unsigned)KEEL_WORKER_DO_REPLACE;
    if (a & KEEL_WORKER_DO_REPLACE)
        keel_pool_spawn(p, kind);
    if (a & KEEL_WORKER_DO_REPLACE_CRASHED)
        on_crash(p, kind);
    if (a & KEEL_WORKER_DO_BOOT_FAILED) {
        const char *why = w->boot_error[0] ? w->boot_error : c != NULL && c->why ? c->why : "it exited";
        keel_event_add(&p->env->events, keel_now_ms(), KEEL_EVENT_EXIT, p->generation, (int)w->pid, "boot failed",
                       "%s worker %u failed before its first request: %s", keel_pool_name(kind), w->id, why);
        on_boot_failure(p, kind, why);
    }
    if (a & KEEL_WORKER_DO_SPAWN_FAILED)
        on_spawn_failure(p, kind);
    bool alive = true;
    if (a & KEEL_WORKER_DO_FORGET) {
        keep_leak_estimate(p, w);
        free_worker(p, w);
        alive = false;
    }
    if (p->gen_state == KEEL_GEN_DRAINING && !keel_pool_holds_generation(p))
        p->events->emptied(p->owner);
    return alive;
}

/* Binds job (NULL: one whose client left, run for nobody) to w. */
static void
bind_job(keel_pool_t *p, keel_front_worker_t *w, keel_job_t *job, uint32_t stream)
{
    keel_worker_facts_t f = facts_for(p, w);
    step(p, w, KEEL_WORKER_EV_TOOK, &f, NULL);
    w->stream = stream;
    w->idle_since_ms = 0;
    w->job = job;
    /* The request timeout runs from here, as php-fpm's from a child's
     * accept(): time spent waiting for a worker is not running time (the
     * front sees a worker's take within a tick). It stays with the worker:
     * it still ends a request whose client has left. */
    w->deadline_ms = p->env->cfg->request_timeout_ms != 0 ? keel_now_ms() + p->env->cfg->request_timeout_ms : 0;
    if (job == NULL) {
        snprintf(w->last_request, sizeof(w->last_request), "(a request whose client left)");
        if (stream == w->orphan_stream)
            w->orphan_stream = 0;
        return;
    }
    keel_handoff_forget(job);
    if (h2o_timeout_is_linked(&job->wait_entry))
        h2o_timeout_unlink(&job->wait_entry);
    job->worker = w;
    keel_job_move(job, KEEL_REQ_EV_BIND);
    job->ops->bound(job, w);
}

/* See "settling" in pool.h. read_first: handle what its socket holds
 * before binding (not when it is being lost: its remaining frames no
 * longer matter, and the one it broke the protocol with is among them).
 * Returns the job bound, if any. */
static keel_job_t *
settle(keel_pool_t *p, keel_front_worker_t *w, bool read_first)
{
    if (!keel_worker_state_is_free(w->life.state) || w->stream != 0)
        return NULL;
    /* The claim first, then what its socket holds: the worker writes every
     * frame of a request before it takes the next one and names it, so
     * once the claim is read, the frames of whatever it finished before
     * are in the socket. Handling them first keeps frames of an earlier
     * request from reaching the one bound below. */
    uint32_t stream = keel_handoff_claim(p->handoff, w->claim_slot);
    bool orphan = stream != 0 && stream == w->orphan_stream;
    if (stream == 0 || (!orphan && keel_handoff_find(p->handoff, stream) == NULL))
        return NULL; /* nothing, or what it finished last (it clears the slot after REQ_DONE) */
    if (read_first)
        keel_worker_drain(w);
    keel_job_t *job = keel_handoff_find(p->handoff, stream);
    if ((job == NULL && !orphan) || !keel_worker_state_is_free(w->life.state) || w->stream != 0 || w->sock == NULL ||
        keel_handoff_claim(p->handoff, w->claim_slot) != stream)
        return NULL; /* its first frame came with them and bound it, or it has finished it */
    /* (an orphan: it runs for nobody, and its request timeout still runs) */
    bind_job(p, w, job, stream);
    p->events->capacity(p->owner);
    return job;
}

/* --- what workers say --- */

static void
on_ready(void *owner, keel_front_worker_t *w)
{
    keel_pool_t *p = owner;
    w->started_ms = keel_now_ms();
    keel_worker_facts_t f = facts_for(p, w);
    bool was_booting = w->life.state == KEEL_WORKER_BOOTING;
    step(p, w, KEEL_WORKER_EV_READY, &f, NULL);
    if (!was_booting)
        return;
    p->events->capacity(p->owner);
    p->events->worker_ready(p->owner);
}

static void
on_boot_failed(void *owner, keel_front_worker_t *w)
{
    (void)owner;
    keel_error("worker %u (pid %d) failed to boot: %s", w->id, (int)w->pid, w->boot_error);
}

static void on_lost(void *owner, keel_front_worker_t *w, const char *why);

static void
remember_forgotten(keel_pool_t *p, uint32_t stream)
{
    p->forgotten[p->forgotten_next] = stream;
    p->forgotten_next = (p->forgotten_next + 1) % (sizeof(p->forgotten) / sizeof(p->forgotten[0]));
}

/* Whether stream was forgotten; it is named by one worker once, so its
 * entry goes (the ring then holds only streams still on their way). */
static bool
take_forgotten(keel_pool_t *p, uint32_t stream)
{
    for (size_t i = 0; i < sizeof(p->forgotten) / sizeof(p->forgotten[0]); i++)
        if (p->forgotten[i] == stream) {
            p->forgotten[i] = 0;
            return true;
        }
    return false;
}

static void
on_took(void *owner, keel_front_worker_t *w, uint32_t stream)
{
    keel_pool_t *p = owner;
    keel_job_t *job = keel_handoff_find(p->handoff, stream);
    /* A stream it cannot have been given (ids cannot be guessed): its
     * frames would answer a request that is not its own. */
    if (job == NULL && stream != w->orphan_stream && !take_forgotten(p, stream)) {
        on_lost(p, w, "a frame for a request it was not given");
        return;
    }
    bind_job(p, w, job, stream);
    p->events->capacity(p->owner);
}

static void
on_claim(void *owner, keel_front_worker_t *w)
{
    (void)owner;
    keel_job_t *job = w->job;
    if (job == NULL || !job->body_follows) {
        /* Its client left: an empty body, and connection_aborted(). */
        keel_worker_send(w, KEEL_IPC_ABORT, 0, w->stream, NULL, 0, NULL, 0);
        keel_worker_send(w, KEEL_IPC_REQ_END, 0, w->stream, NULL, 0, NULL, 0);
        keel_worker_flush(w);
        return;
    }
    /* The body was buffered whole by h2o before the handler ran, so a slow
     * client never holds a worker. */
    for (size_t off = 0; off < job->body.len;) {
        size_t n = job->body.len - off < KEEL_IPC_MAX_PAYLOAD ? job->body.len - off : KEEL_IPC_MAX_PAYLOAD;
        keel_worker_send(w, KEEL_IPC_REQ_BODY, 0, job->stream, job->body.base + off, n, NULL, 0);
        off += n;
    }
    keel_worker_send(w, KEEL_IPC_REQ_END, 0, job->stream, NULL, 0, NULL, 0);
    keel_worker_flush(w);
}

static void
on_opcache_stats(void *owner, keel_front_worker_t *w, const uint8_t *payload, size_t len)
{
    keel_pool_t *p = owner;
    keel_ipc_opcache_stats_t s;
    if (keel_ipc_opcache_stats_get(payload, len, &s) != KEEL_IPC_OK) {
        on_lost(p, w, "malformed OPCACHE_STATS frame");
        return;
    }
    if (!keel_report_opcache_plausible(&s, p->env->memory_bound)) {
        on_lost(p, w, "impossible figures in OPCACHE_STATS");
        return;
    }
    p->events->opcache_stats(p->owner, &s);
}

/* The leak estimate: private memory against requests served. */
static void
observe_leak(keel_pool_t *p, keel_front_worker_t *w)
{
    size_t kept = w->leak.count;
    uint64_t last = kept ? w->leak.samples[kept - 1].requests : 0;
    keel_leak_series_add(&w->leak, w->stats.requests, w->stats.rss_private);
    /* The fit is O(samples^2): redo it only when the series took a sample. */
    bool changed = w->leak.count != kept || (w->leak.count && w->leak.samples[w->leak.count - 1].requests != last);
    if (w->leak_reported || !changed)
        return;
    keel_leak_estimate_t e = keel_leak_published(&w->leak);
    if (!keel_leak_suspected(&e, LEAK_THRESHOLD_BYTES_PER_REQUEST))
        return;
    w->leak_reported = true;
    keel_warn("worker %u (pid %d) memory grows %.0f bytes per request since request %llu (%zu samples; %s mode, "
              "script %s)",
              w->id, (int)w->pid, e.bytes_per_request, (unsigned long long)e.since_request, e.samples,
              w->kind == KEEL_POOL_WORKER ? "worker" : "classic",
              w->kind == KEEL_POOL_WORKER ? p->worker_script : "per request");
}

static void
on_done(void *owner, keel_front_worker_t *w, uint8_t flags, const keel_ipc_stats_t *stats)
{
    keel_pool_t *p = owner;
    if (!keel_report_stats_plausible(&w->stats, stats, p->env->memory_bound)) {
        on_lost(p, w, "impossible figures in REQ_DONE");
        return;
    }
    if (w->job != NULL && w->job->report != NULL) {
        keel_job_report_t *r = w->job->report;
        r->pid = w->pid;
        r->generation = w->generation;
        r->done = true;
        r->stats = *stats;
        r->private_before_known = w->stats.requests != 0;
        r->private_before = w->stats.rss_private;
    }
    w->stats = *stats;
    if (stats->requests == 1)
        w->private_first = stats->rss_private;
    w->deadline_ms = 0;
    keel_job_t *job = w->job;
    w->job = NULL;
    if (job != NULL) {
        job->worker = NULL;
        job->ops->done(job);
    }
    keel_worker_resume_reading(w);
    if (flags & KEEL_IPC_FLAG_OPCACHE_RESET)
        p->events->opcache_reset(p->owner);
    observe_leak(p, w);
    keel_worker_facts_t f = facts_for(p, w);
    if (flags & KEEL_IPC_FLAG_CLOSING) {
        char mem[32];
        keel_event_add(&p->env->events, keel_now_ms(), KEEL_EVENT_EXIT, p->generation, (int)w->pid, "closing",
                       "worker %u leaves after its request (exit(), or an error such as memory_limit: see the log) "
                       "after %llu requests, private memory %s",
                       w->id, (unsigned long long)stats->requests,
                       keel_format_bytes(mem, sizeof(mem), stats->rss_private));
    }
    /* CLOSING: it exits now (exit() or an error in worker mode) */
    step(p, w, (flags & KEEL_IPC_FLAG_CLOSING) ? KEEL_WORKER_EV_DONE_CLOSING : KEEL_WORKER_EV_DONE, &f, NULL);
    if (on_idle_list(w->life.state))
        p->events->capacity(p->owner);
}

static void
on_lost(void *owner, keel_front_worker_t *w, const char *why)
{
    keel_pool_t *p = owner;
    if (w->life.state == KEEL_WORKER_CLOSED || w->life.state == KEEL_WORKER_EXITED)
        return;
    settle(p, w, false);
    /* one it took after its last answer, not yet seen by the front */
    lose_claimed(p, w, 502);
    /* (with a request, losing it says why; one that was going closes its
     * socket as it leaves) */
    if (w->job == NULL && w->life.cause == KEEL_WORKER_CAUSE_NONE)
        keel_warn("worker %u (pid %d) lost: %s", w->id, (int)w->pid, why);
    keel_worker_facts_t f = facts_for(p, w);
    cause_t c = {.why = why};
    step(p, w, KEEL_WORKER_EV_LOST, &f, &c);
}

static const keel_worker_events_t worker_events = {
    .ready = on_ready,
    .boot_failed = on_boot_failed,
    .took = on_took,
    .claim = on_claim,
    .opcache_stats = on_opcache_stats,
    .done = on_done,
    .lost = on_lost,
};

/* --- what the zygote says --- */

void
keel_pool_worker_up(keel_pool_t *p, uint32_t id, pid_t pid, int fd)
{
    keel_front_worker_t *w = find(p, id);
    if (w == NULL || (w->life.state != KEEL_WORKER_STARTING && w->life.state != KEEL_WORKER_CANCELLED)) {
        keel_error("zygote of generation %u sent an unexpected worker", p->generation);
        close(fd);
        return;
    }
    w->pid = pid;
    w->boot_error[0] = '\0';
    if (keel_worker_open(w, p->env->loop, &p->env->zero_timeout, fd, &worker_events, p) != 0) {
        keel_error("out of memory taking worker %u's socket", w->id);
        kill(pid, SIGKILL);
        return; /* its exit report follows */
    }
    keel_worker_facts_t f = facts_for(p, w);
    step(p, w, KEEL_WORKER_EV_SOCKET_UP, &f, NULL);
}

/*
 * Workers wait for the queue with EPOLLEXCLUSIVE, so a request wakes one
 * idle worker. If that worker was being let go (recycled, dismissed) it
 * takes nothing and exits, and the other idle workers never hear of the
 * request: it would wait until the next request woke one, or until
 * --max-wait. Once the worker is gone it can absorb no wake-up, so the
 * requests still queued are taken back and sent again, in order.
 */
static void
offer_again(keel_pool_t *p, keel_pool_kind_t kind)
{
    if (p->handoff->queued_len[kind] == 0)
        return;
    h2o_linklist_t back;
    h2o_linklist_init_anchor(&back);
    if (keel_handoff_retract_all(p->handoff, kind, &back) != 0)
        p->events->returned(p->owner, kind, &back);
}

void
keel_pool_worker_exit(keel_pool_t *p, uint32_t id, pid_t pid, int status)
{
    keel_front_worker_t *w = find(p, id);
    if (w == NULL)
        return;
    keel_worker_facts_t f = facts_for(p, w);
    if (pid == 0) {
        if (w->life.state != KEEL_WORKER_STARTING && w->life.state != KEEL_WORKER_CANCELLED &&
            w->life.state != KEEL_WORKER_CLOSED) {
            keel_error("zygote reported worker %u as not started, but it is", w->id);
            return;
        }
        step(p, w, KEEL_WORKER_EV_NOT_STARTED, &f, NULL);
        return;
    }
    /* Frames it wrote just before it exited: a finished response, a
     * BOOT_FAILED reason. */
    keel_worker_drain(w);
    settle(p, w, false);
    lose_claimed(p, w, 502);
    keel_pool_kind_t kind = w->kind;
    /* Before it is forgotten: its exit may have swallowed the wake-up of a
     * queued request. */
    offer_again(p, kind);
    f = facts_for(p, w);
    cause_t c = {.why = "process exited", .status = status};
    step(p, w, KEEL_WORKER_EV_EXITED, &f, &c);
}

/* --- counting --- */

unsigned
keel_pool_ready(const keel_pool_t *p, keel_pool_kind_t kind)
{
    unsigned n = 0;
    for (h2o_linklist_t *l = p->workers.next; l != &p->workers; l = l->next) {
        const keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, pool_link, l);
        n += w->kind == kind && keel_worker_state_is_ready(w->life.state);
    }
    return n;
}

void
keel_pool_count(const keel_pool_t *p, keel_pool_kind_t kind, size_t *idle, size_t *serving)
{
    *idle = *serving = 0;
    for (const h2o_linklist_t *l = p->idle[kind].next; l != &p->idle[kind]; l = l->next)
        (*idle)++;
    for (const h2o_linklist_t *l = p->workers.next; l != &p->workers; l = l->next) {
        const keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, pool_link, l);
        *serving += w->kind == kind && keel_worker_state_serves(w->life.state);
    }
}

bool
keel_pool_holds_generation(const keel_pool_t *p)
{
    for (const h2o_linklist_t *l = p->workers.next; l != &p->workers; l = l->next)
        if (keel_worker_state_holds_generation(H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, pool_link, l)->life.state))
            return true;
    return false;
}

/* --- requests --- */

/* The free worker whose claim slot names stream, or NULL. */
static keel_front_worker_t *
claimant(const keel_pool_t *p, uint32_t stream)
{
    for (h2o_linklist_t *l = p->workers.next; l != &p->workers; l = l->next) {
        keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, pool_link, l);
        if (keel_worker_state_is_free(w->life.state) && w->stream == 0 &&
            keel_handoff_claim(p->handoff, w->claim_slot) == stream)
            return w;
    }
    return NULL;
}

bool
keel_pool_is_claimed(const keel_pool_t *p, uint32_t stream)
{
    return claimant(p, stream) != NULL;
}

keel_front_worker_t *
keel_pool_runner(keel_pool_t *p, keel_job_t *job)
{
    if (job->worker != NULL)
        return job->worker;
    if (job->queued_in != p->handoff)
        return NULL;
    keel_front_worker_t *w = claimant(p, job->stream);
    if (w != NULL)
        settle(p, w, true);
    return job->worker;
}

void
keel_pool_abandon(keel_pool_t *p, keel_job_t *job)
{
    /* (Called while h2o disposes of the request: nothing here reads a
     * worker's socket, which could answer other requests from inside.) */
    keel_front_worker_t *w = claimant(p, job->stream);
    if (w != NULL) {
        /* it runs it for nobody, told so for connection_aborted(); the
         * tick binds it as such (see settle), so its timeout still ends it */
        keel_worker_send(w, KEEL_IPC_ABORT, 0, job->stream, NULL, 0, NULL, 0);
        keel_worker_flush(w);
        /* It may have run an earlier one for nobody already, and the front
         * not read that yet: its frames stay expected. */
        if (w->orphan_stream != 0 && w->orphan_stream != job->stream)
            remember_forgotten(p, w->orphan_stream);
        w->orphan_stream = job->stream;
        keel_handoff_forget(job);
        return;
    }
    if (!keel_handoff_retract(job)) {
        keel_handoff_forget(job); /* a worker is taking it: it runs it for nobody */
        remember_forgotten(p, job->stream);
    }
}

keel_pool_wait_t
keel_pool_wait_expired(keel_pool_t *p, keel_job_t *job)
{
    if (claimant(p, job->stream) != NULL)
        return KEEL_POOL_WAIT_RUNNING;
    if (keel_handoff_retract(job))
        return KEEL_POOL_WAIT_TAKEN_BACK;
    if (!job->missing) {
        job->missing = true;
        return KEEL_POOL_WAIT_LOOK_AGAIN;
    }
    keel_handoff_forget(job);
    remember_forgotten(p, job->stream);
    keel_error("a request taken from the queue was lost with its worker");
    return KEEL_POOL_WAIT_LOST;
}

keel_front_worker_t *
keel_pool_run_direct(keel_pool_t *p, keel_job_t *job)
{
    if (h2o_linklist_is_empty(&p->idle[job->kind]))
        return NULL;
    keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, idle_link, p->idle[job->kind].next);
    keel_job_move(job, KEEL_REQ_EV_PUSH);
    bind_job(p, w, job, job->stream);
    keel_worker_send(w, KEEL_IPC_REQUEST, 0, job->stream, job->params.base, job->params.len, NULL, 0);
    keel_worker_send(w, KEEL_IPC_REQ_END, 0, job->stream, NULL, 0, NULL, 0);
    keel_worker_flush(w);
    return w;
}

void
keel_pool_backtrace(keel_pool_t *p, keel_front_worker_t *w)
{
    if (keel_zygote_link_backtrace(p->zygote, w->id, w->pid) != 0)
        keel_warn("cannot ask for worker %u's backtrace: %s", w->id, strerror(errno));
}

static void
on_kill(h2o_timeout_entry_t *entry)
{
    keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, kill_entry, entry);
    keel_pool_t *p = w->owner;
    keel_worker_facts_t f = facts_for(p, w);
    cause_t c = {.why = "request timeout"};
    step(p, w, KEEL_WORKER_EV_KILL, &f, &c);
}

void
keel_pool_timeout(keel_pool_t *p, keel_front_worker_t *w)
{
    if (w->pid <= 0 || h2o_timeout_is_linked(&w->kill_entry))
        return;
    keel_event_add(&p->env->events, keel_now_ms(), KEEL_EVENT_TIMEOUT, p->generation, (int)w->pid, NULL,
                   "worker %u ended past --request-timeout during \"%s\"", w->id, w->last_request);
    keel_worker_facts_t f = facts_for(p, w);
    step(p, w, KEEL_WORKER_EV_TIMEOUT, &f, NULL);
}

/* --- the generation retires --- */

void
keel_pool_dismiss_all(keel_pool_t *p)
{
    cancel_pending_spawns(p);
    for (h2o_linklist_t *l = p->workers.next; l != &p->workers;) {
        keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, pool_link, l);
        l = l->next;
        keel_worker_facts_t f = facts_for(p, w);
        step(p, w, KEEL_WORKER_EV_DISMISS, &f, NULL);
    }
    if (!keel_pool_holds_generation(p))
        p->events->emptied(p->owner);
}

void
keel_pool_stop_all(keel_pool_t *p)
{
    cancel_pending_spawns(p);
    for (h2o_linklist_t *l = p->workers.next; l != &p->workers;) {
        keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, pool_link, l);
        l = l->next;
        settle(p, w, false);
        lose_claimed(p, w, 503);
        keel_worker_facts_t f = facts_for(p, w);
        cause_t c = {.why = NULL};
        step(p, w, KEEL_WORKER_EV_STOP, &f, &c);
    }
    for (int k = 0; k < KEEL_POOL_KINDS; k++) {
        h2o_linklist_t back;
        h2o_linklist_init_anchor(&back);
        if (keel_handoff_retract_all(p->handoff, (keel_pool_kind_t)k, &back) != 0)
            p->events->returned(p->owner, (keel_pool_kind_t)k, &back);
        /* taken by a worker that went before it claimed them */
        while (!h2o_linklist_is_empty(&p->handoff->queued[k])) {
            keel_job_t *job = H2O_STRUCT_FROM_MEMBER(keel_job_t, link, p->handoff->queued[k].next);
            keel_handoff_forget(job);
            if (h2o_timeout_is_linked(&job->wait_entry))
                h2o_timeout_unlink(&job->wait_entry);
            job->ops->refused(job, 503, 1);
        }
    }
}

/* --- the tick --- */

/* Private resident memory of a running process, as the worker itself
 * reports it after each request. */
static uint64_t
read_private(pid_t pid)
{
    keel_statm_t m;
    return keel_statm_read(pid, -1, &m) == 0 ? m.private : 0;
}

/* Marks the idle workers of each kind that may leave for being above
 * their pool's minimum: the ones idle longest, as many as it runs above
 * it. */
static void
mark_surplus(keel_pool_t *p)
{
    for (h2o_linklist_t *l = p->workers.next; l != &p->workers; l = l->next)
        H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, pool_link, l)->surplus = false;
    for (int k = 0; k < KEEL_POOL_KINDS; k++) {
        keel_pool_sizes_t n;
        keel_pool_sizes(p, (keel_pool_kind_t)k, &n);
        unsigned min = keel_pool_target(p->env->cfg, (keel_pool_kind_t)k);
        unsigned surplus = n.live > min ? n.live - min : 0;
        /* the idle list is most recently used first */
        for (h2o_linklist_t *l = p->idle[k].prev; l != &p->idle[k] && surplus > 0; l = l->prev) {
            keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, idle_link, l);
            if (w->life.state != KEEL_WORKER_IDLE)
                continue;
            w->surplus = true;
            surplus--;
        }
    }
}

void
keel_pool_tick(keel_pool_t *p)
{
    mark_surplus(p);
    const keel_config_t *cfg = p->env->cfg;
    /* under memory pressure a surplus worker goes as soon as it is idle */
    uint64_t shrink_after = p->env->memory_now.level >= KEEL_PRESSURE_HOLD ? 0
                            : cfg->max_idle_ms != 0                        ? cfg->max_idle_ms
                                                                           : UINT64_MAX;
    for (h2o_linklist_t *l = p->workers.next; l != &p->workers;) {
        keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, pool_link, l);
        l = l->next; /* w may be let go below */
        settle(p, w, true);
        if (w->job == NULL && w->deadline_ms != 0 && keel_worker_state_is_busy(w->life.state) &&
            keel_now_ms() >= w->deadline_ms && !h2o_timeout_is_linked(&w->kill_entry)) {
            keel_error("request timeout (over --request-timeout): ending worker %u (pid %d), %s", w->id, (int)w->pid,
                       w->last_request);
            keel_pool_timeout(p, w);
            continue;
        }
        keel_worker_facts_t f = facts_for(p, w);
        f.surplus = w->surplus && w->life.state == KEEL_WORKER_IDLE;
        f.shrink_after_ms = shrink_after;
        if (keel_worker_wants_private_figure(w->life.state, &p->limits) && w->pid > 0) {
            f.private_now = read_private(w->pid);
            if (f.private_now > p->limits.max_worker_memory_hard)
                w->stats.rss_private = f.private_now;
        }
        cause_t c = {.why = "memory hard limit"};
        step(p, w, KEEL_WORKER_EV_TICK, &f, &c);
    }
}

/* --- the pool's size --- */

void
keel_pool_sizes(const keel_pool_t *p, keel_pool_kind_t kind, keel_pool_sizes_t *out)
{
    *out = (keel_pool_sizes_t){0};
    for (const h2o_linklist_t *l = p->workers.next; l != &p->workers; l = l->next) {
        const keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, pool_link, l);
        keel_worker_state_t s = w->life.state;
        if (w->kind != kind || w->life.cause != KEEL_WORKER_CAUSE_NONE || s == KEEL_WORKER_CLOSED ||
            s == KEEL_WORKER_EXITED)
            continue;
        out->live++;
        out->starting += s == KEEL_WORKER_STARTING || s == KEEL_WORKER_BOOTING;
        out->idle += s == KEEL_WORKER_IDLE;
        out->busy += s == KEEL_WORKER_BUSY;
    }
}

/* Requests in the generation's queue of `kind` that no worker took yet. */
static size_t
unclaimed(const keel_pool_t *p, keel_pool_kind_t kind)
{
    size_t n = 0;
    for (const h2o_linklist_t *l = p->handoff->queued[kind].next; l != &p->handoff->queued[kind]; l = l->next)
        n += !keel_pool_is_claimed(p, H2O_STRUCT_FROM_MEMBER(keel_job_t, link, l)->stream);
    return n;
}

void
keel_pool_grow(keel_pool_t *p, keel_pool_kind_t kind, size_t waiting_in_front)
{
    if (p->gen_state != KEEL_GEN_ACTIVE || p->counts[kind].given_up)
        return;
    const keel_config_t *cfg = p->env->cfg;
    unsigned min = keel_pool_target(cfg, kind), max = keel_pool_ceiling(cfg, kind);
    if (max <= min)
        return; /* a fixed pool */
    keel_pool_sizes_t n;
    keel_pool_sizes(p, kind, &n);
    size_t idle, serving;
    keel_pool_count(p, kind, &idle, &serving);
    keel_pool_size_in_t in = {
        .min = min,
        .max = max,
        .live = n.live,
        .starting = n.starting,
        .idle = idle,
        .waiting = waiting_in_front + unclaimed(p, kind),
        .room = p->env->memory_now.room[kind],
        .hold = p->env->memory_now.level >= KEEL_PRESSURE_HOLD,
        .now_ms = keel_now_ms(),
    };
    keel_pool_size_t d = keel_pool_size_decide(&p->growth[kind], &in);
    if (d.why == KEEL_POOL_SIZE_STEADY) {
        p->change[kind].held = KEEL_POOL_SIZE_STEADY;
        return;
    }
    if (d.why == KEEL_POOL_SIZE_RATE)
        return;
    if (d.why != KEEL_POOL_SIZE_GROW) {
        /* once per reason, not per request that waits */
        if (p->change[kind].held != d.why)
            note_change(p, kind, "stays at %u with %zu requests waiting: %s (%u)", n.live, in.waiting,
                        keel_pool_size_why_name(d.why), d.ceiling);
        p->change[kind].held = d.why;
        return;
    }
    unsigned started = 0;
    for (unsigned i = 0; i < d.spawn; i++)
        started += keel_pool_spawn(p, kind) != NULL;
    if (started == 0)
        return;
    p->env->counters.workers_added += started;
    p->change[kind].held = KEEL_POOL_SIZE_STEADY;
    note_change(p, kind, "grew from %u to %u: %zu requests waiting (--max-workers %u)", n.live, n.live + started,
                in.waiting, d.ceiling);
}

void
keel_pool_relieve(keel_pool_t *p, keel_front_worker_t *w)
{
    /* what it runs decides how it goes: bind what it took first */
    settle(p, w, true);
    if (w->life.state == KEEL_WORKER_CLOSED || w->life.state == KEEL_WORKER_EXITED)
        return;
    keel_worker_facts_t f = facts_for(p, w);
    step(p, w, KEEL_WORKER_EV_RELIEVE, &f, NULL);
}

unsigned
keel_pool_relieving(const keel_pool_t *p)
{
    unsigned n = 0;
    for (const h2o_linklist_t *l = p->workers.next; l != &p->workers; l = l->next) {
        const keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, pool_link, l);
        n += w->life.cause == KEEL_WORKER_CAUSE_RECYCLED && w->life.reason == KEEL_RECYCLE_PRESSURE &&
             w->life.state != KEEL_WORKER_EXITED;
    }
    return n;
}

keel_leak_pool_estimate_t
keel_pool_leak(const keel_pool_t *p, keel_pool_kind_t kind)
{
    double current[64];
    size_t n = 0;
    for (const h2o_linklist_t *l = p->workers.next; l != &p->workers && n < 64; l = l->next) {
        const keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, pool_link, l);
        if (w->kind != kind)
            continue;
        keel_leak_estimate_t e = keel_leak_published(&w->leak);
        if (e.valid)
            current[n++] = e.bytes_per_request;
    }
    return keel_leak_pool_estimate(&p->leak_history[kind], current, n);
}
