#include "supervisor/request_phase.h"

keel_req_phase_t
keel_req_next(keel_req_phase_t phase, keel_req_event_t ev)
{
    if ((unsigned)phase >= KEEL_REQ_PHASES)
        return KEEL_REQ_INVALID;
    switch (ev) {
    case KEEL_REQ_EV_WAIT:
        return phase == KEEL_REQ_NEW || phase == KEEL_REQ_QUEUED ? KEEL_REQ_WAITING : KEEL_REQ_INVALID;
    case KEEL_REQ_EV_PUSH:
        return phase == KEEL_REQ_NEW || phase == KEEL_REQ_WAITING ? KEEL_REQ_QUEUED : KEEL_REQ_INVALID;
    case KEEL_REQ_EV_BIND:
        return phase == KEEL_REQ_QUEUED ? KEEL_REQ_BOUND : KEEL_REQ_INVALID;
    case KEEL_REQ_EV_START:
        return phase == KEEL_REQ_BOUND ? KEEL_REQ_STREAMING : KEEL_REQ_INVALID;
    case KEEL_REQ_EV_RETRY:
        /* (QUEUED: a worker took it and died before the front bound it) */
        return phase == KEEL_REQ_BOUND || phase == KEEL_REQ_QUEUED ? KEEL_REQ_NEW : KEEL_REQ_INVALID;
    case KEEL_REQ_EV_ANSWER:
        return phase != KEEL_REQ_FINISHED ? KEEL_REQ_FINISHED : KEEL_REQ_INVALID;
    default:
        return KEEL_REQ_INVALID;
    }
}

const char *
keel_req_phase_name(keel_req_phase_t phase)
{
    static const char *const names[KEEL_REQ_PHASES] = {
        [KEEL_REQ_NEW] = "new",     [KEEL_REQ_WAITING] = "waiting",     [KEEL_REQ_QUEUED] = "queued",
        [KEEL_REQ_BOUND] = "bound", [KEEL_REQ_STREAMING] = "streaming", [KEEL_REQ_FINISHED] = "finished",
    };
    return (unsigned)phase < KEEL_REQ_PHASES ? names[phase] : "invalid";
}
