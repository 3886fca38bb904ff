#include "front/generation.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "ipc/control.h"
#include "ipc/message.h"
#include "ipc/queue.h"

static const keel_zygote_events_t zygote_events;
static const keel_pool_events_t pool_events;

keel_generation_t *
keel_generation_of_queue(keel_handoff_t *queue)
{
    return H2O_STRUCT_FROM_MEMBER(keel_generation_t, handoff, queue);
}

/* A generation that never became active is abandoned; the one serving (if
 * any) carries on. */
static void
fail(keel_generation_t *g, const char *why)
{
    if (g->state != KEEL_GEN_STARTING)
        return;
    snprintf(g->failure, sizeof(g->failure), "%.500s", why);
    keel_error("generation %u failed to start: %s", g->number, why);
    keel_generation_stop(g);
    g->events->start_failed(g->owner, g);
}

/* --- starting --- */

/* The child side of the fork: becomes the zygote. Never returns. */
static void
exec_zygote(keel_front_env_t *env, const keel_generation_t *g, int ctl, const int child_fds[3], pid_t front)
{
    /* Die with the front, even when it is SIGKILLed: no orphans. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != front)
        _exit(1);
    /* Own process group: a terminal's Ctrl-C reaches only the front,
     * which then shuts the generation down in order; and whatever PHP
     * starts in it ends with the generation (keel_generation_reaped). */
    if (setpgid(0, 0) != 0)
        fprintf(stderr, "keel: zygote: setpgid: %s\n", strerror(errno));
    /* The zygote's fds at fixed numbers: first out of the way (a source
     * may sit on a target's number), then in place, inherited by exec. */
    int from[4] = {ctl, child_fds[KEEL_POOL_CLASSIC], child_fds[KEEL_POOL_WORKER], child_fds[2]};
    const int to[4] = {KEEL_ZYGOTE_CONTROL_FD, KEEL_QUEUE_FD_CLASSIC, KEEL_QUEUE_FD_WORKER, KEEL_QUEUE_CLAIMS_FD};
    for (int i = 0; i < 4; i++)
        if ((from[i] = fcntl(from[i], F_DUPFD_CLOEXEC, 64)) < 0)
            _exit(1);
    for (int i = 0; i < 4; i++)
        if (dup2(from[i], to[i]) < 0)
            _exit(1);
    sigset_t none;
    sigemptyset(&none);
    if (sigprocmask(SIG_SETMASK, &none, NULL) != 0)
        _exit(1);
    /* The zygote and its workers run at keel's own priority, not at the
     * front's raised one (lowering one's priority is always allowed). */
    if (env->priority->raised && setpriority(PRIO_PROCESS, 0, env->priority->worker_nice) != 0) {
        fprintf(stderr, "keel: zygote: setpriority: %s\n", strerror(errno));
        _exit(1);
    }
    char gen[16];
    snprintf(gen, sizeof(gen), "%u", g->number);
    char **argv = calloc((size_t)env->argc + 8, sizeof(char *));
    if (argv == NULL)
        _exit(1);
    int n = 0;
    argv[n++] = "keel";
    argv[n++] = "zygote";
    argv[n++] = gen;
    for (int i = 0; i < env->argc; i++)
        argv[n++] = env->argv[i];
    /* The paths this generation resolved, last so that they win: the
     * zygote boots the same release the front routes to, even when a
     * symlink moved in between. */
    char *root = (char *)(g->routing->router.root_len ? g->routing->router.root : "/");
    argv[n++] = "--root";
    argv[n++] = root;
    if (g->routing->router.worker_script[0] != '\0') {
        argv[n++] = "--worker";
        argv[n++] = (char *)g->routing->router.worker_script;
    }
    execv("/proc/self/exe", argv);
    fprintf(stderr, "keel: cannot start the zygote: exec /proc/self/exe: %s\n", strerror(errno));
    _exit(127);
}

keel_generation_t *
keel_generation_start(keel_front_env_t *env, uint32_t number, keel_routing_t *routing,
                      const keel_generation_events_t *events, void *owner, char *err, size_t errlen)
{
    keel_generation_t *g = calloc(1, sizeof(*g));
    if (g == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
        snprintf(err, errlen, "socketpair: %s", strerror(errno));
        free(g);
        return NULL;
    }
    int child_fds[3];
    if (keel_handoff_open(&g->handoff, number, child_fds, err, errlen) != 0) {
        close(sv[0]);
        close(sv[1]);
        free(g);
        return NULL;
    }
    g->env = env;
    g->number = number;
    g->routing = keel_routing_hold(routing);
    g->state = KEEL_GEN_STARTING;
    g->started_ms = keel_now_ms();
    g->events = events;
    g->owner = owner;
    g->zygote.fd = -1;
    keel_pool_init(&g->pool, env, number, &g->zygote, &g->handoff, &pool_events, g);
    g->pool.worker_script = routing->router.worker_script;

    pid_t front = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(sv[0]);
        close(sv[1]);
        close(child_fds[2]);
        keel_handoff_close(&g->handoff);
        keel_routing_release(g->routing);
        free(g);
        return NULL;
    }
    if (pid == 0)
        exec_zygote(env, g, sv[1], child_fds, front);
    close(sv[1]);
    if (close(child_fds[2]) != 0) /* mapped: the descriptor is not needed */
        keel_warn("closing the claim slots' descriptor: %s", strerror(errno));
    g->zygote_pid = pid;
    if (keel_zygote_link_open(&g->zygote, env->loop, sv[0], number, &zygote_events, g) != 0) {
        /* its zygote sees the control socket closed and exits; SIGCHLD
         * then finds this generation, which fails to start */
        keel_error("out of memory reading generation %u's zygote", number);
    }
    return g;
}

/* --- what the zygote says --- */

static void
copy_text(char *dst, size_t cap, keel_ipc_text_t t)
{
    snprintf(dst, cap, "%.*s", (int)t.len, t.base);
}

static void
on_php_info(void *owner, const keel_ipc_php_info_t *info)
{
    keel_generation_t *g = owner;
    g->php.memory_limit = info->memory_limit;
    g->php.max_wasted_percentage = info->opcache_max_wasted_percentage;
    g->php.opcache_bytes =
        info->opcache_enabled ? info->opcache_memory_consumption + info->opcache_interned_strings_buffer : 0;
    copy_text(g->php.temp_dir, sizeof(g->php.temp_dir), info->temp_dir);
    copy_text(g->php.upload_tmp_dir, sizeof(g->php.upload_tmp_dir), info->upload_tmp_dir);
    copy_text(g->php.session_save_path, sizeof(g->php.session_save_path), info->session_save_dir);
}

static void
on_zygote_ready(void *owner, bool opcache)
{
    keel_generation_t *g = owner;
    g->opcache = opcache;
    char why[1024];
    if (g->events->zygote_ready(g->owner, g, why, sizeof(why)) != 0) {
        fail(g, why);
        return;
    }
    for (int k = 0; k < KEEL_POOL_KINDS; k++)
        for (unsigned i = 0; i < keel_pool_target(g->env->cfg, (keel_pool_kind_t)k); i++)
            keel_pool_spawn(&g->pool, (keel_pool_kind_t)k);
}

static void
on_zygote_failed(void *owner, const char *message)
{
    char why[600];
    snprintf(why, sizeof(why), "PHP failed to start: %s", message);
    fail(owner, why);
}

static void
on_worker_up(void *owner, uint32_t id, pid_t pid, int fd)
{
    keel_generation_t *g = owner;
    keel_pool_worker_up(&g->pool, id, pid, fd);
}

static void
on_worker_exit(void *owner, uint32_t id, pid_t pid, int status)
{
    keel_generation_t *g = owner;
    keel_pool_worker_exit(&g->pool, id, pid, status);
}

static const keel_zygote_events_t zygote_events = {
    .php_info = on_php_info,
    .ready = on_zygote_ready,
    .failed = on_zygote_failed,
    .worker_up = on_worker_up,
    .worker_exit = on_worker_exit,
};

/* --- becoming ready --- */

static void
on_warmup_done(void *owner, unsigned status)
{
    keel_generation_t *g = owner;
    if (g->state != KEEL_GEN_STARTING)
        return;
    if (status == 0 || status >= 500) {
        char why[256];
        snprintf(why, sizeof(why), "the warm-up request GET %.100s answered %u", g->env->cfg->warmup, status);
        fail(g, why);
        return;
    }
    g->events->ready(g->owner, g);
}

static void
on_worker_ready(void *owner)
{
    keel_generation_t *g = owner;
    if (g->state != KEEL_GEN_STARTING || g->warmup.running)
        return;
    for (int k = 0; k < KEEL_POOL_KINDS; k++)
        if (keel_pool_ready(&g->pool, (keel_pool_kind_t)k) < keel_pool_target(g->env->cfg, (keel_pool_kind_t)k))
            return;
    if (g->env->cfg->warmup != NULL &&
        keel_warmup_start(&g->warmup, g->env, &g->routing->router, &g->pool, on_warmup_done, g))
        return;
    g->events->ready(g->owner, g);
}

void
keel_generation_activate(keel_generation_t *g)
{
    g->state = KEEL_GEN_ACTIVE;
    keel_pool_set_state(&g->pool, g->state);
}

/* --- what the pool says --- */

static void
on_start_failed(void *owner, const char *why)
{
    fail(owner, why);
}

static void
on_given_up(void *owner, keel_pool_kind_t kind)
{
    keel_generation_t *g = owner;
    g->events->given_up(g->owner, g, kind);
}

static void
on_capacity(void *owner)
{
    keel_generation_t *g = owner;
    g->events->capacity(g->owner, g);
}

static void
on_returned(void *owner, keel_pool_kind_t kind, h2o_linklist_t *jobs)
{
    keel_generation_t *g = owner;
    g->events->returned(g->owner, g, kind, jobs);
}

static void
on_opcache_stats(void *owner, const keel_ipc_opcache_stats_t *stats)
{
    keel_generation_t *g = owner;
    const keel_ipc_opcache_stats_t m = *stats;
    g->opcache_stats = (keel_opcache_stats_t){
        .used = m.used,
        .free = m.free,
        .wasted = m.wasted,
        .interned_used = m.interned_used,
        .interned_free = m.interned_free,
        .keys = m.keys,
        .max_keys = m.max_keys,
        .oom_restarts = m.oom_restarts,
        .hash_restarts = m.hash_restarts,
        .manual_restarts = m.manual_restarts,
        .restart_pending = m.restart_pending,
        .cache_full = m.cache_full,
    };
    g->opcache_hits = m.hits;
    g->opcache_misses = m.misses;
    g->opcache_known = true;
    g->events->opcache(g->owner, g, false);
}

static void
on_opcache_reset(void *owner)
{
    keel_generation_t *g = owner;
    g->events->opcache(g->owner, g, true);
}

static void
on_emptied(void *owner)
{
    keel_generation_t *g = owner;
    if (g->state == KEEL_GEN_DRAINING)
        keel_generation_stop(g);
}

static const keel_pool_events_t pool_events = {
    .worker_ready = on_worker_ready,
    .start_failed = on_start_failed,
    .given_up = on_given_up,
    .capacity = on_capacity,
    .returned = on_returned,
    .opcache_stats = on_opcache_stats,
    .opcache_reset = on_opcache_reset,
    .emptied = on_emptied,
};

/* --- draining and stopping --- */

static void
set_state(keel_generation_t *g, keel_gen_state_t s)
{
    g->state = s;
    keel_pool_set_state(&g->pool, s);
}

void
keel_generation_drain(keel_generation_t *g)
{
    set_state(g, KEEL_GEN_DRAINING);
    /* What no worker took yet goes back to the front, for the next one. */
    for (int k = 0; k < KEEL_POOL_KINDS; k++) {
        h2o_linklist_t back;
        h2o_linklist_init_anchor(&back);
        if (keel_handoff_retract_all(&g->handoff, (keel_pool_kind_t)k, &back) != 0)
            g->events->returned(g->owner, g, (keel_pool_kind_t)k, &back);
    }
    keel_pool_dismiss_all(&g->pool);
}

void
keel_generation_stop(keel_generation_t *g)
{
    if (g->state != KEEL_GEN_GONE)
        set_state(g, KEEL_GEN_STOPPING);
    keel_warmup_dispose(&g->warmup);
    keel_pool_stop_all(&g->pool);
    /* Closing the control socket tells the zygote to end its workers and
     * exit; SIGCHLD reports when it has. */
    keel_zygote_link_close(&g->zygote);
}

void
keel_generation_reaped(keel_generation_t *g, int status)
{
    /* What it wrote before it exited comes first. A front slow to run finds
     * the control socket and SIGCHLD ready in the same loop turn, and h2o
     * runs a turn's sockets last-ready first: the signal would be handled
     * before the ZYGOTE_FAILED still queued, which says why PHP could not
     * start (or before its workers' exits). */
    keel_zygote_link_drain(&g->zygote);
    /* Its workers died with it (PR_SET_PDEATHSIG), and it ended what PHP
     * started; what is left in its process group (it died before it could,
     * or gave up) ends now. The group's id cannot be taken by another
     * process while a member is alive. */
    if (g->zygote_pid > 0 && kill(-g->zygote_pid, SIGKILL) != 0 && errno != ESRCH)
        keel_warn("ending what is left of generation %u: %s", g->number, strerror(errno));
    g->zygote_pid = 0;
    bool expected = g->state == KEEL_GEN_STOPPING;
    if (expected)
        keel_info("generation %u is gone", g->number);
    else if (WIFSIGNALED(status))
        keel_error("zygote of generation %u killed by signal %d", g->number, WTERMSIG(status));
    else
        keel_error("zygote of generation %u exited with status %d", g->number, WEXITSTATUS(status));
    if (g->state == KEEL_GEN_STARTING)
        fail(g, "the zygote exited");
    keel_generation_stop(g);
    set_state(g, KEEL_GEN_GONE);
    keel_pool_dispose(&g->pool);
    g->events->gone(g->owner, g, !expected);
    keel_handoff_close(&g->handoff);
    keel_routing_release(g->routing);
    free(g);
}

void
keel_generation_tick(keel_generation_t *g)
{
    if (g->state == KEEL_GEN_ACTIVE)
        keel_pool_tick(&g->pool);
}
