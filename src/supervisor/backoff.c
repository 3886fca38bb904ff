#include "supervisor/backoff.h"

uint64_t
keel_backoff_delay_ms(unsigned failures)
{
    if (failures == 0)
        return 0;
    uint64_t d = KEEL_BACKOFF_FIRST_MS;
    for (unsigned i = 1; i < failures && d < KEEL_BACKOFF_MAX_MS; i++)
        d *= 2;
    return d < KEEL_BACKOFF_MAX_MS ? d : KEEL_BACKOFF_MAX_MS;
}

int
keel_backoff_give_up(unsigned failures, unsigned max_consecutive)
{
    return failures >= max_consecutive;
}
