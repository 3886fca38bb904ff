#include "supervisor/pressure.h"

static unsigned
threshold(const keel_pressure_limits_t *l, keel_pressure_level_t level)
{
    switch (level) {
    case KEEL_PRESSURE_RECYCLE:
        return l->recycle_pct;
    case KEEL_PRESSURE_HOLD:
        return l->hold_pct;
    case KEEL_PRESSURE_SHED:
        return l->shed_pct;
    default:
        return 0;
    }
}

/* The highest step whose start (less `below` points) the share reaches. */
static keel_pressure_level_t
level_at(const keel_pressure_limits_t *l, unsigned permille, unsigned below)
{
    for (int k = KEEL_PRESSURE_SHED; k > KEEL_PRESSURE_NONE; k--) {
        unsigned t = threshold(l, (keel_pressure_level_t)k);
        if (t == 0)
            continue;
        unsigned start = t > below ? (t - below) * 10 : 0;
        if (permille >= start)
            return (keel_pressure_level_t)k;
    }
    return KEEL_PRESSURE_NONE;
}

keel_pressure_step_t
keel_pressure_observe(keel_pressure_t *p, const keel_pressure_limits_t *l, const keel_pressure_obs_t *o)
{
    keel_pressure_step_t st = {.was = p->level};
    if (o->have_events) {
        if (p->counted) {
            st.new_oom_kills = o->oom_kills > p->oom_kills ? o->oom_kills - p->oom_kills : 0;
            st.new_max_events = o->max_events > p->max_events ? o->max_events - p->max_events : 0;
        }
        p->counted = true;
        p->oom_kills = o->oom_kills;
        p->max_events = o->max_events;
    }
    if (o->limit == UINT64_MAX || o->limit == 0) {
        p->level = KEEL_PRESSURE_NONE;
        st.level = p->level;
        return st;
    }
    /* in tenths of a percent, without overflow for any figures */
    uint64_t pm;
    if (o->working_set / 2 >= o->limit)
        pm = 2000;
    else if (o->working_set <= UINT64_MAX / 1000)
        pm = o->working_set * 1000 / o->limit;
    else
        pm = o->working_set / (o->limit / 1000); /* the limit is above half of a huge figure */
    st.permille = pm > 2000 ? 2000 : (unsigned)pm;

    keel_pressure_level_t up = level_at(l, st.permille, 0);
    /* the kernel already stalls on reclaim, close to the first step */
    if (up < KEEL_PRESSURE_RECYCLE && l->recycle_pct != 0 && o->psi_some_centi >= KEEL_PRESSURE_PSI_CENTI &&
        level_at(l, st.permille, KEEL_PRESSURE_PSI_NEAR_PCT) >= KEEL_PRESSURE_RECYCLE) {
        up = KEEL_PRESSURE_RECYCLE;
        st.psi = true;
    }
    keel_pressure_level_t level = up;
    if (up < p->level) {
        /* down only once below where the step starts, less the hysteresis */
        keel_pressure_level_t stay = level_at(l, st.permille, KEEL_PRESSURE_HYSTERESIS_PCT);
        level = stay < p->level ? stay : p->level;
        if (level < up)
            level = up;
    }
    p->level = level;
    st.level = level;
    st.recycle = level >= KEEL_PRESSURE_RECYCLE && o->recycling == 0;
    return st;
}

int
keel_pressure_pick(const keel_pressure_candidate_t *c, size_t n, uint64_t min_growth)
{
    int best = -1;
    for (size_t i = 0; i < n; i++) {
        if (!c[i].eligible || c[i].growth < min_growth)
            continue;
        if (best < 0 || c[i].growth > c[best].growth ||
            (c[i].growth == c[best].growth && c[i].private_bytes > c[best].private_bytes))
            best = (int)i;
    }
    return best;
}

const char *
keel_pressure_level_name(keel_pressure_level_t level)
{
    static const char *const names[KEEL_PRESSURE_LEVELS] = {
        [KEEL_PRESSURE_NONE] = "none",
        [KEEL_PRESSURE_RECYCLE] = "recycle",
        [KEEL_PRESSURE_HOLD] = "hold",
        [KEEL_PRESSURE_SHED] = "shed",
    };
    return (unsigned)level < KEEL_PRESSURE_LEVELS ? names[level] : "unknown";
}
