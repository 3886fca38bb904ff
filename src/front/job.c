#include "front/job.h"

#include "common/log.h"

bool
keel_job_move(keel_job_t *job, keel_req_event_t ev)
{
    keel_req_phase_t next = keel_req_next(job->phase, ev);
    if (next == KEEL_REQ_INVALID) {
        keel_error("request %u: no transition from %s on event %d", job->stream, keel_req_phase_name(job->phase),
                   (int)ev);
        return false;
    }
    job->phase = next;
    return true;
}
