#include "front/accept_policy.h"

#include <errno.h>

keel_accept_failure_t
keel_accept_failure(int err)
{
    switch (err) {
    case EMFILE: /* the process's descriptors (ulimit -n) */
    case ENFILE: /* the system's */
    case ENOBUFS:
    case ENOMEM:
        return KEEL_ACCEPT_BACK_OFF;
    default:
        return KEEL_ACCEPT_AGAIN_LATER;
    }
}

int
keel_accept_open(size_t open, size_t max, int resting)
{
    return !resting && open < max;
}
