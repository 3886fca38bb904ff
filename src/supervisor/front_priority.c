#include "supervisor/front_priority.h"

bool
keel_front_priority_raised(bool raised_now, uint64_t cpu_ns, uint64_t wall_ns)
{
    if (wall_ns < KEEL_PRIORITY_MIN_INTERVAL_NS)
        return raised_now;
    /* Divided rather than multiplied: no overflow for any interval. */
    if (cpu_ns >= wall_ns / 2)
        return true;
    if (cpu_ns < wall_ns / 8 * 3)
        return false;
    return raised_now;
}
