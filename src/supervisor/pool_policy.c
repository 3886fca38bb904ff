#include "supervisor/pool_policy.h"

#include "supervisor/backoff.h"

const char *
keel_pool_name(keel_pool_kind_t kind)
{
    return kind == KEEL_POOL_WORKER ? "worker-mode" : "classic";
}

bool
keel_gen_may_spawn(keel_gen_state_t s)
{
    return s == KEEL_GEN_STARTING || s == KEEL_GEN_ACTIVE;
}

const char *
keel_gen_state_name(keel_gen_state_t s)
{
    static const char *const names[KEEL_GEN_STATES] = {
        [KEEL_GEN_STARTING] = "starting", [KEEL_GEN_ACTIVE] = "active", [KEEL_GEN_DRAINING] = "draining",
        [KEEL_GEN_STOPPING] = "stopping", [KEEL_GEN_GONE] = "gone",
    };
    return (unsigned)s < KEEL_GEN_STATES ? names[s] : "unknown";
}

keel_pool_decision_t
keel_pool_on_crash(keel_crash_window_t *w, uint64_t now_ms)
{
    uint64_t oldest = w->deaths[w->next];
    w->deaths[w->next] = now_ms;
    w->next = (w->next + 1) % KEEL_CRASH_WINDOW_DEATHS;
    if (oldest == 0 || now_ms - oldest > KEEL_CRASH_WINDOW_MS) {
        w->streak = 0;
        return (keel_pool_decision_t){.verdict = KEEL_POOL_SPAWN_NOW};
    }
    /* Never spin: each restart inside the window waits longer. */
    return (keel_pool_decision_t){.verdict = KEEL_POOL_SPAWN_LATER,
                                  .delay_ms = keel_backoff_delay_ms(++w->streak),
                                  .count = KEEL_CRASH_WINDOW_DEATHS,
                                  .crash_loop = true};
}

keel_pool_decision_t
keel_pool_on_boot_failure(keel_pool_counts_t *c, keel_gen_state_t gen, unsigned max_consecutive)
{
    if (!keel_gen_may_spawn(gen) || c->given_up)
        return (keel_pool_decision_t){.verdict = KEEL_POOL_NOTHING, .count = c->boot_failures};
    c->boot_failures++;
    if (keel_backoff_give_up(c->boot_failures, max_consecutive)) {
        if (gen == KEEL_GEN_STARTING)
            return (keel_pool_decision_t){.verdict = KEEL_POOL_FAIL_GENERATION, .count = c->boot_failures};
        c->given_up = true;
        return (keel_pool_decision_t){.verdict = KEEL_POOL_GIVE_UP, .count = c->boot_failures};
    }
    /* A broken script must never spin: each retry waits longer. */
    return (keel_pool_decision_t){.verdict = KEEL_POOL_SPAWN_LATER,
                                  .delay_ms = keel_backoff_delay_ms(c->boot_failures),
                                  .count = c->boot_failures};
}

keel_pool_decision_t
keel_pool_on_spawn_failure(keel_pool_counts_t *c, keel_gen_state_t gen, unsigned max_consecutive)
{
    if (gen == KEEL_GEN_STARTING)
        return keel_pool_on_boot_failure(c, gen, max_consecutive);
    if (gen != KEEL_GEN_ACTIVE)
        return (keel_pool_decision_t){.verdict = KEEL_POOL_NOTHING};
    c->spawn_failures++;
    return (keel_pool_decision_t){.verdict = KEEL_POOL_SPAWN_LATER,
                                  .delay_ms = keel_backoff_delay_ms(c->spawn_failures),
                                  .count = c->spawn_failures};
}

void
keel_pool_on_ready(keel_pool_counts_t *c)
{
    c->boot_failures = 0;
    c->spawn_failures = 0;
}
