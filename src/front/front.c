#include "front/front.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/stream_id.h"
#include "supervisor/worker_report.h"

/* Time a timed-out request's worker gets to log its backtrace before it
 * is killed. */
#define KILL_GRACE_MS 200

static const keel_generation_events_t generation_events;
static void start_now(keel_front_t *f, const char *why);

/* A generation's step, for the dashboard's timeline (event_log.h). */
#define GENERATION_EVENT(f, number, pid, what, ...)                                                                    \
    keel_event_add(&(f)->env.events, keel_now_ms(), KEEL_EVENT_GENERATION, (number), (pid), (what), __VA_ARGS__)

static void
on_php_idle(void *owner)
{
    keel_front_t *f = owner;
    f->hooks->requests_done(f->hooks_owner);
}

void
keel_front_init(keel_front_t *f, const keel_front_hooks_t *hooks, void *hooks_owner)
{
    keel_front_env_t *env = &f->env;
    h2o_loop_t *loop = env->loop;
    env->cfg = &f->cfg;
    env->router = &f->router;
    env->params = &f->params;
    env->priority = &f->priority;
    env->stream_key = keel_stream_key();
    if (env->stream_key == 0) /* unique still, but easier to guess */
        keel_warn("no random key for request stream ids: %s", strerror(errno));
    struct sysinfo si;
    env->memory_bound = sysinfo(&si) == 0 ? keel_report_memory_bound((uint64_t)si.totalram * si.mem_unit,
                                                                     (uint64_t)si.totalswap * si.mem_unit)
                                          : UINT64_MAX;
    h2o_timeout_init(loop, &env->zero_timeout, 0);
    h2o_timeout_init(loop, &env->kill_timeout, KILL_GRACE_MS);
    h2o_timeout_init(loop, &env->wait_timeout, f->cfg.max_wait_ms);
    h2o_timeout_init(loop, &env->slow_timeout, f->cfg.slow_request_ms);
    h2o_timeout_init(loop, &env->request_timeout, f->cfg.request_timeout_ms);
    keel_dispatch_init(&f->dispatch, env);
    f->php.env = env;
    f->php.dispatch = &f->dispatch;
    f->php.owner = f;
    f->php.idle = on_php_idle;
    h2o_linklist_init_anchor(&f->generations);
    f->hooks = hooks;
    f->hooks_owner = hooks_owner;
    keel_memory_init(&f->memory, env, &f->generations);
}

/* The last generation is gone while stopping: nothing is left to watch. */
static void
all_gone(keel_front_t *f)
{
    keel_memory_dispose(&f->memory);
    f->hooks->all_gone(f->hooks_owner);
}

/* --- generations --- */

static keel_generation_t *
start_generation(keel_front_t *f, char *err, size_t errlen)
{
    keel_generation_t *g = keel_generation_start(&f->env, ++f->last_generation, &generation_events, f, err, errlen);
    if (g != NULL)
        h2o_linklist_insert(&f->generations, &g->link);
    return g;
}

int
keel_front_start(keel_front_t *f, char *err, size_t errlen)
{
    GENERATION_EVENT(f, f->last_generation + 1, 0, "starting", "generation %u starting: keel starts",
                     f->last_generation + 1);
    f->incoming = start_generation(f, err, errlen);
    return f->incoming != NULL ? 0 : -1;
}

static void
notify_reload(keel_front_t *f, uint32_t generation, const char *error)
{
    keel_reload_cb cb = f->reload_cb;
    void *data = f->reload_data;
    f->reload_cb = NULL;
    f->reload_data = NULL;
    if (cb != NULL)
        cb(data, generation, error);
}

void
keel_front_reload(keel_front_t *f, const char *why, keel_reload_cb cb, void *data)
{
    if (f->state != KEEL_FRONT_SERVING && f->state != KEEL_FRONT_STARTING) {
        if (cb)
            cb(data, 0, "keel is stopping");
        return;
    }
    if (f->incoming != NULL) {
        /* One reload at a time: a second request waits for the same one. */
        if (cb) {
            if (f->reload_cb != NULL)
                cb(data, 0, "a reload is already in progress");
            else {
                f->reload_cb = cb;
                f->reload_data = data;
            }
        }
        return;
    }
    /* Each old generation keeps its zygote, its OPcache and the workers
     * that finish its requests: past --max-draining a reload waits for
     * them to go, rather than piling up generations. A serving generation
     * that died is replaced whatever drains. */
    char err[256];
    unsigned draining = 0;
    for (h2o_linklist_t *l = f->generations.next; l != &f->generations; l = l->next) {
        keel_generation_t *g = H2O_STRUCT_FROM_MEMBER(keel_generation_t, link, l);
        draining += g != f->active && g->state == KEEL_GEN_DRAINING;
    }
    if (f->active != NULL && draining >= f->cfg.max_draining) {
        snprintf(err, sizeof(err),
                 "%u old generation%s still finish%s requests (at most --max-draining %u); try again once %s gone",
                 draining, draining == 1 ? "" : "s", draining == 1 ? "es its" : " their", f->cfg.max_draining,
                 draining == 1 ? "it is" : "one is");
        keel_warn("reload (%s) refused: %s", why, err);
        GENERATION_EVENT(f, f->last_generation + 1, 0, "refused", "reload (%s) refused: %s", why, err);
        if (cb)
            cb(data, 0, err);
        return;
    }
    if (f->retry_at_ms != 0) {
        /* none serves: the retry starts now instead of later */
        h2o_timeout_unlink(&f->retry_entry);
        f->retry_at_ms = 0;
    }
    keel_info("reload (%s): starting generation %u", why, f->last_generation + 1);
    GENERATION_EVENT(f, f->last_generation + 1, 0, "starting", "generation %u starting: %s", f->last_generation + 1,
                     why);
    keel_generation_t *g = start_generation(f, err, sizeof(err));
    if (g == NULL) {
        f->env.counters.reloads_failed++;
        GENERATION_EVENT(f, f->last_generation, 0, "failed", "generation %u failed: %s", f->last_generation, err);
        keel_error("reload failed: %s", err);
        if (cb)
            cb(data, 0, err);
        if (f->active == NULL)
            start_now(f, "after a failed reload");
        return;
    }
    f->incoming = g;
    f->reload_cb = cb;
    f->reload_data = data;
}

/* --- while no generation serves --- */

static void
on_retry(h2o_timeout_entry_t *entry)
{
    keel_front_t *f = H2O_STRUCT_FROM_MEMBER(keel_front_t, retry_entry, entry);
    f->retry_at_ms = 0;
    start_now(f, "trying again");
}

/* None serves and none starts: the next start after the pool's backoff.
 * What waits in the front would wait for it: answered 503 now, with the
 * delay as Retry-After. */
static void
schedule_retry(keel_front_t *f)
{
    if (f->state >= KEEL_FRONT_DRAINING || f->active != NULL || f->incoming != NULL || f->retry_at_ms != 0)
        return;
    f->failed_starts++;
    uint64_t delay = keel_readiness_retry_delay_ms(f->failed_starts);
    f->retry_at_ms = keel_now_ms() + delay;
    f->retry_entry.cb = on_retry;
    h2o_timeout_link(f->env.loop, keel_env_timeout_for(&f->env, delay), &f->retry_entry);
    keel_warn("no generation serves (%u failed to start in a row): generation %u starts in %llu ms; not ready "
              "until one serves",
              f->failed_starts, f->last_generation + 1, (unsigned long long)delay);
    unsigned retry_after_s = (unsigned)((delay + 999) / 1000);
    for (int k = 0; k < KEEL_POOL_KINDS; k++)
        keel_dispatch_refuse_waiting(&f->dispatch, (keel_pool_kind_t)k, 503, retry_after_s);
}

static void
start_now(keel_front_t *f, const char *why)
{
    if (f->state >= KEEL_FRONT_DRAINING || f->active != NULL || f->incoming != NULL)
        return;
    char err[256];
    keel_info("starting generation %u (%s)", f->last_generation + 1, why);
    f->incoming = start_generation(f, err, sizeof(err));
    if (f->incoming == NULL) {
        keel_error("generation %u could not start: %s", f->last_generation, err);
        schedule_retry(f);
    }
}

void
keel_front_readiness(const keel_front_t *f, keel_readiness_t *out)
{
    uint64_t now = keel_now_ms();
    keel_readiness_facts_t facts = {
        .stopping = f->stop_requested || f->state >= KEEL_FRONT_DRAINING,
        .serving = f->active != NULL ? f->active->number : 0,
        .starting = f->incoming != NULL ? f->incoming->number : 0,
        .failed_starts = f->failed_starts,
        .retry_in_ms = f->retry_at_ms > now ? f->retry_at_ms - now : 0,
    };
    keel_readiness_decide(&facts, out);
}

void
keel_front_forget_reload_waiter(keel_front_t *f, void *data)
{
    if (f->reload_data == data) {
        f->reload_cb = NULL;
        f->reload_data = NULL;
    }
}

void
keel_front_stop(keel_front_t *f)
{
    if (f->retry_at_ms != 0) {
        h2o_timeout_unlink(&f->retry_entry);
        f->retry_at_ms = 0;
    }
    for (int k = 0; k < KEEL_POOL_KINDS; k++)
        keel_dispatch_refuse_waiting(&f->dispatch, (keel_pool_kind_t)k, 503, 1);
    f->active = f->incoming = NULL;
    keel_dispatch_set_target(&f->dispatch, NULL);
    for (h2o_linklist_t *l = f->generations.next; l != &f->generations; l = l->next)
        keel_generation_stop(H2O_STRUCT_FROM_MEMBER(keel_generation_t, link, l));
    if (h2o_linklist_is_empty(&f->generations))
        all_gone(f);
}

bool
keel_front_reaped(keel_front_t *f, pid_t pid, int status)
{
    for (h2o_linklist_t *l = f->generations.next; l != &f->generations; l = l->next) {
        keel_generation_t *g = H2O_STRUCT_FROM_MEMBER(keel_generation_t, link, l);
        if (g->zygote_pid == pid) {
            keel_generation_reaped(g, status);
            return true;
        }
    }
    return false;
}

void
keel_front_tick(keel_front_t *f)
{
    for (h2o_linklist_t *l = f->generations.next; l != &f->generations;) {
        keel_generation_t *g = H2O_STRUCT_FROM_MEMBER(keel_generation_t, link, l);
        l = l->next;
        keel_generation_tick(g);
    }
    keel_memory_tick(&f->memory, f->active);
    /* requests may still wait that the last round's rate held back */
    for (int k = 0; k < KEEL_POOL_KINDS; k++)
        keel_dispatch_grow(&f->dispatch, (keel_pool_kind_t)k);
    keel_priority_tick(&f->priority);
}

/* --- what the generations report --- */

static int
on_zygote_ready(void *owner, keel_generation_t *g, char *why, size_t len)
{
    keel_front_t *f = owner;
    char arithmetic[1024];
    /* The first generation decides the pool size and checks the budget
     * before any worker exists. */
    if (f->active == NULL && !f->memory.budget_known &&
        keel_memory_budget(&f->memory, &f->cfg, g, arithmetic, sizeof(arithmetic)) != 0) {
        keel_error("%s", arithmetic);
        f->exit_code = 2;
        snprintf(why, len, "the memory budget does not fit");
        return -1;
    }
    return 0;
}

static void
on_generation_ready(void *owner, keel_generation_t *g)
{
    keel_front_t *f = owner;
    keel_generation_t *old = f->active;
    keel_generation_activate(g);
    f->active = g;
    if (f->incoming == g)
        f->incoming = NULL;
    keel_dispatch_set_target(&f->dispatch, g);
    GENERATION_EVENT(f, g->number, (int)g->zygote_pid, "serving", "generation %u serving (%.1fs to start)", g->number,
                     (double)(keel_now_ms() - g->started_ms) / 1000.0);
    f->failed_starts = 0;
    if (old == NULL) {
        f->hooks->first_ready(f->hooks_owner);
        notify_reload(f, g->number, NULL);
    } else {
        f->env.counters.reloads_ok++;
        keel_info("generation %u is serving (%.1fs to start); generation %u drains", g->number,
                  (double)(keel_now_ms() - g->started_ms) / 1000.0, old->number);
        GENERATION_EVENT(f, old->number, (int)old->zygote_pid, "draining",
                         "generation %u draining: its workers finish their requests", old->number);
        keel_generation_drain(old);
        notify_reload(f, g->number, NULL);
    }
    keel_dispatch_drain(&f->dispatch);
}

static void
on_start_failed(void *owner, keel_generation_t *g)
{
    keel_front_t *f = owner;
    if (f->incoming == g)
        f->incoming = NULL;
    GENERATION_EVENT(f, g->number, (int)g->zygote_pid, "failed", "generation %u failed: %s", g->number, g->failure);
    if (f->active == NULL) {
        if (f->exit_code != 0) {
            /* the configuration cannot work (the memory budget) */
            f->hooks->startup_failed(f->hooks_owner);
            return;
        }
        /* keel stays up, live and not ready, and tries again */
        if (f->reload_cb != NULL)
            f->env.counters.reloads_failed++;
        notify_reload(f, 0, g->failure);
        schedule_retry(f);
        return;
    }
    f->env.counters.reloads_failed++;
    keel_warn("generation %u keeps serving", f->active->number);
    notify_reload(f, 0, g->failure);
}

static void
on_gone(void *owner, keel_generation_t *g, bool unexpected)
{
    (void)unexpected;
    keel_front_t *f = owner;
    GENERATION_EVENT(f, g->number, 0, f->active == g ? "died" : "gone",
                     f->active == g ? "generation %u died while serving" : "generation %u gone: its zygote exited",
                     g->number);
    if (f->active == g) {
        /* The serving generation is gone: start another at once. */
        f->active = NULL;
        keel_dispatch_set_target(&f->dispatch, NULL);
        if (f->state == KEEL_FRONT_SERVING) {
            keel_error("generation %u died; starting a new one", g->number);
            keel_front_reload(f, "the serving generation died", NULL, NULL);
        }
    }
    if (f->incoming == g)
        f->incoming = NULL;
    h2o_linklist_unlink(&g->link);
    if (f->state == KEEL_FRONT_STOPPING && h2o_linklist_is_empty(&f->generations))
        all_gone(f);
}

static void
on_capacity(void *owner, keel_generation_t *g)
{
    keel_front_t *f = owner;
    if (g == f->active)
        keel_dispatch_drain(&f->dispatch);
}

static void
on_returned(void *owner, keel_generation_t *g, keel_pool_kind_t kind, h2o_linklist_t *jobs)
{
    (void)g;
    keel_front_t *f = owner;
    if (f->state < KEEL_FRONT_STOPPING) {
        keel_dispatch_requeue(&f->dispatch, kind, jobs);
        return;
    }
    /* stopping: nothing will run them */
    while (!h2o_linklist_is_empty(jobs)) {
        keel_job_t *job = H2O_STRUCT_FROM_MEMBER(keel_job_t, link, jobs->next);
        h2o_linklist_unlink(&job->link);
        if (h2o_timeout_is_linked(&job->wait_entry))
            h2o_timeout_unlink(&job->wait_entry);
        job->ops->refused(job, 503, 1);
    }
}

static void
on_given_up(void *owner, keel_generation_t *g, keel_pool_kind_t kind)
{
    keel_front_t *f = owner;
    /* Nobody will serve what waits for this pool: answer it now. */
    if (f->active == g && h2o_linklist_is_empty(&g->pool.idle[kind]))
        keel_dispatch_refuse_waiting(&f->dispatch, kind, 503, 10);
}

static void
on_opcache(void *owner, keel_generation_t *g, bool reset_called)
{
    keel_front_t *f = owner;
    const char *why = keel_opcache_watch(&f->opcache_watch, g, reset_called, g == f->active && f->incoming == NULL);
    if (why == NULL)
        return;
    f->env.counters.opcache_swaps++;
    keel_front_reload(f, why, NULL, NULL);
}

static const keel_generation_events_t generation_events = {
    .zygote_ready = on_zygote_ready,
    .ready = on_generation_ready,
    .start_failed = on_start_failed,
    .gone = on_gone,
    .capacity = on_capacity,
    .returned = on_returned,
    .given_up = on_given_up,
    .opcache = on_opcache,
};
