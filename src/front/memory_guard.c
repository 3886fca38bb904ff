#include "front/memory_guard.h"

#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "front/generation.h"
#include "supervisor/budget.h"

/* Looks that also read the slower files (memory.stat is read on every
 * look near a step, the OOM counters and PSI once a second). */
#define EVENTS_EVERY 10
/* Below this share of the first step (in points), the page cache is not
 * worth reading: the working set cannot be near any step. */
#define STAT_MARGIN_PCT 15

static void on_look(h2o_timeout_entry_t *entry);

void
keel_memory_guard_start(keel_memory_guard_t *g, keel_front_env_t *env, const keel_cgroup_t *cgroup,
                        h2o_linklist_t *generations)
{
    memset(g, 0, sizeof(*g));
    g->env = env;
    g->cgroup = cgroup;
    g->generations = generations;
    g->limits = (keel_pressure_limits_t){
        .recycle_pct = env->cfg->pressure_recycle_pct,
        .hold_pct = env->cfg->pressure_hold_pct,
        .shed_pct = env->cfg->pressure_shed_pct,
    };
    /* (with every step off it still reports the kernel's OOM kills) */
    if (cgroup == NULL)
        return;
    h2o_timeout_init(env->loop, &g->timeout, KEEL_MEMORY_GUARD_MS);
    g->entry.cb = on_look;
    h2o_timeout_link(env->loop, &g->timeout, &g->entry);
    g->started = true;
}

void
keel_memory_guard_stop(keel_memory_guard_t *g)
{
    if (!g->started)
        return;
    if (h2o_timeout_is_linked(&g->entry))
        h2o_timeout_unlink(&g->entry);
    h2o_timeout_dispose(g->env->loop, &g->timeout);
    g->started = false;
}

/* The lowest step that is on, in percent. */
static unsigned
first_step(const keel_pressure_limits_t *l)
{
    unsigned v[] = {l->recycle_pct, l->hold_pct, l->shed_pct}, low = 0;
    for (int i = 0; i < 3; i++)
        if (v[i] != 0 && (low == 0 || v[i] < low))
            low = v[i];
    return low;
}

/* "251.3 MiB of the 256 MiB limit in use (98.2%; usage 253.0 MiB less
 * 1.7 MiB of inactive file cache)" */
static void
describe(const keel_memory_guard_t *g, char *buf, size_t len)
{
    char ws[32], limit[32], usage[32], cache[32];
    snprintf(buf, len, "%s of the %s limit in use (%u.%u%%; usage %s less %s of inactive file cache)",
             keel_format_bytes(ws, sizeof(ws), g->working_set), keel_format_bytes(limit, sizeof(limit), g->last.limit),
             g->permille / 10, g->permille % 10, keel_format_bytes(usage, sizeof(usage), g->last.usage),
             keel_format_bytes(cache, sizeof(cache), g->last.inactive_file));
}

static void
log_level(const keel_memory_guard_t *g, const keel_pressure_step_t *st)
{
    char figures[256];
    describe(g, figures, sizeof(figures));
    const keel_config_t *cfg = g->env->cfg;
    switch (st->level) {
    case KEEL_PRESSURE_NONE:
        keel_info("memory pressure eased: %s", figures);
        return;
    case KEEL_PRESSURE_RECYCLE:
        if (st->level < st->was)
            keel_warn("memory pressure eased to recycling: %s; workers start again beyond the minimum and new PHP "
                      "requests are taken",
                      figures);
        else
            keel_warn("memory pressure: %s, past --pressure-recycle %u%%%s: recycling the workers that grew most, one "
                      "at a time, each replaced once it has exited",
                      figures, cfg->pressure_recycle_pct, st->psi ? " or stalling on reclaim (PSI)" : "");
        return;
    case KEEL_PRESSURE_HOLD:
        if (st->level < st->was)
            keel_warn("memory pressure eased to holding: %s; new PHP requests are taken again", figures);
        else
            keel_warn("memory pressure: %s, past --pressure-hold %u%%: no worker starts beyond each pool's minimum, "
                      "idle ones above it go, and the workers that grew most are recycled",
                      figures, cfg->pressure_hold_pct);
        return;
    case KEEL_PRESSURE_SHED:
        keel_error("memory pressure: %s, past --pressure-shed %u%%: new PHP requests get 503 with Retry-After while "
                   "static files and requests in flight go on",
                   figures, cfg->pressure_shed_pct);
        return;
    default:
        return;
    }
}

typedef struct {
    keel_generation_t *g;
    keel_front_worker_t *w;
} who_t;

#define MAX_CANDIDATES 256

/* Recycles the worker that grew most, of every generation that serves. */
static void
relieve(keel_memory_guard_t *g)
{
    keel_pressure_candidate_t c[MAX_CANDIDATES];
    who_t who[MAX_CANDIDATES];
    size_t n = 0;
    for (h2o_linklist_t *gl = g->generations->next; gl != g->generations; gl = gl->next) {
        keel_generation_t *gen = H2O_STRUCT_FROM_MEMBER(keel_generation_t, link, gl);
        if (!keel_gen_may_spawn(gen->state))
            continue;
        for (h2o_linklist_t *l = gen->pool.workers.next; l != &gen->pool.workers && n < MAX_CANDIDATES; l = l->next) {
            keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, pool_link, l);
            keel_worker_state_t s = w->life.state;
            uint64_t now = w->stats.rss_private;
            c[n] = (keel_pressure_candidate_t){
                .growth = w->stats.requests > 0 && now > w->private_first ? now - w->private_first : 0,
                .private_bytes = now,
                .eligible = (s == KEEL_WORKER_IDLE || s == KEEL_WORKER_BUSY) && w->life.cause == KEEL_WORKER_CAUSE_NONE,
            };
            who[n++] = (who_t){gen, w};
        }
    }
    int i = keel_pressure_pick(c, n, KEEL_PRESSURE_MIN_GROWTH);
    char figures[256];
    describe(g, figures, sizeof(figures));
    if (i < 0) {
        if (!g->nothing_said) {
            char files[32];
            keel_warn("memory pressure: %s; no worker grew %u MiB or more since its first request, so recycling "
                      "one would free nothing (the application's tmpfs files and shared memory: %s)",
                      figures, (unsigned)(KEEL_PRESSURE_MIN_GROWTH >> 20),
                      keel_format_bytes(files, sizeof(files), g->shmem_files));
            g->nothing_said = true;
        }
        return;
    }
    g->nothing_said = false;
    keel_front_worker_t *w = who[i].w;
    char grew[32], priv[32];
    keel_warn("memory pressure: %s; recycling worker %u (pid %d), which grew %s since its first request (to %s "
              "private), the most of %zu; its replacement starts once it has exited",
              figures, w->id, (int)w->pid, keel_format_bytes(grew, sizeof(grew), c[i].growth),
              keel_format_bytes(priv, sizeof(priv), c[i].private_bytes), n);
    keel_pool_relieve(&who[i].g->pool, w);
}

static unsigned
relieving(const keel_memory_guard_t *g)
{
    unsigned n = 0;
    for (h2o_linklist_t *gl = g->generations->next; gl != g->generations; gl = gl->next)
        n += keel_pool_relieving(&H2O_STRUCT_FROM_MEMBER(keel_generation_t, link, gl)->pool);
    return n;
}

static void
look(keel_memory_guard_t *g)
{
    keel_cgroup_sample_t s;
    g->looks++;
    if (keel_cgroup_sample(g->cgroup, KEEL_CGROUP_USAGE, &s) != 0)
        return;
    unsigned low = first_step(&g->limits);
    bool near = s.limit != UINT64_MAX && s.limit != 0 &&
                (g->state.level > KEEL_PRESSURE_NONE ||
                 s.usage / 100 >= s.limit / 100 * (low > STAT_MARGIN_PCT ? low - STAT_MARGIN_PCT : 0));
    unsigned what = (near ? KEEL_CGROUP_STAT : 0) | (g->looks % EVENTS_EVERY == 0 ? KEEL_CGROUP_EVENTS : 0);
    if (what != 0) {
        keel_cgroup_sample_t more;
        if (keel_cgroup_sample(g->cgroup, what, &more) == 0) {
            s.inactive_file = more.have_stat ? more.inactive_file : 0;
            s.have_stat = more.have_stat;
            s.have_events = more.have_events;
            s.oom_kills = more.oom_kills;
            s.max_events = more.max_events;
            s.psi_some_centi = more.psi_some_centi;
            if (more.have_stat && more.limit < s.limit)
                s.limit = more.limit;
        }
    }
    g->last = s;
    g->working_set = keel_cgroup_working_set(&s);
    keel_pressure_obs_t o = {
        .limit = s.limit,
        .working_set = g->working_set,
        .psi_some_centi = s.psi_some_centi,
        .have_events = s.have_events,
        .oom_kills = s.oom_kills,
        .max_events = s.max_events,
        .recycling = relieving(g),
    };
    keel_pressure_step_t st = keel_pressure_observe(&g->state, &g->limits, &o);
    g->permille = st.permille;
    if (st.new_oom_kills != 0) {
        g->env->counters.oom_kills += st.new_oom_kills;
        char figures[256];
        describe(g, figures, sizeof(figures));
        keel_event_add(&g->env->events, keel_now_ms(), KEEL_EVENT_OOM, 0, 0, NULL,
                       "the OOM killer killed %llu process%s in keel's cgroup (%s)",
                       (unsigned long long)st.new_oom_kills, st.new_oom_kills == 1 ? "" : "es", figures);
        keel_error("the kernel's OOM killer killed %llu process%s in keel's memory cgroup %s (%s)",
                   (unsigned long long)st.new_oom_kills, st.new_oom_kills == 1 ? "" : "es", g->cgroup->dir, figures);
    }
    g->env->memory_now.level = st.level;
    if (st.level != st.was) {
        char figures[256];
        describe(g, figures, sizeof(figures));
        keel_event_add(&g->env->events, keel_now_ms(), KEEL_EVENT_PRESSURE, 0, 0, keel_pressure_level_name(st.level),
                       "memory pressure %s: %s", st.level > st.was ? "rose" : "eased", figures);
        log_level(g, &st);
        if (st.level == KEEL_PRESSURE_NONE)
            g->nothing_said = false;
    }
    if (st.recycle)
        relieve(g);
}

static void
on_look(h2o_timeout_entry_t *entry)
{
    keel_memory_guard_t *g = H2O_STRUCT_FROM_MEMBER(keel_memory_guard_t, entry, entry);
    look(g);
    h2o_timeout_link(g->env->loop, &g->timeout, &g->entry);
}
