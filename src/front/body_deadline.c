#include "front/body_deadline.h"

uint64_t
keel_body_time_left_ms(uint64_t elapsed_ms, uint64_t received, uint64_t timeout_ms, uint64_t min_rate)
{
    uint64_t allowed = timeout_ms;
    if (min_rate != 0) {
        /* received * 1000 / min_rate, saturating: a large body at a high
         * rate earns a deadline beyond any clock */
        uint64_t whole = received / min_rate, part = received % min_rate;
        uint64_t part_ms = part <= UINT64_MAX / 1000 ? part * 1000 / min_rate : part / (min_rate / 1000);
        if (part_ms > 999)
            part_ms = 999; /* the rounded divisor above can reach a whole second */
        uint64_t earned = whole > UINT64_MAX / 1000 - 1 ? UINT64_MAX : whole * 1000 + part_ms;
        allowed = earned > UINT64_MAX - allowed ? UINT64_MAX : allowed + earned;
    }
    return elapsed_ms < allowed ? allowed - elapsed_ms : 0;
}
