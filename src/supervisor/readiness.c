#include "supervisor/readiness.h"

#include <stdio.h>

#include "supervisor/backoff.h"

void
keel_readiness_decide(const keel_readiness_facts_t *f, keel_readiness_t *out)
{
    out->ready = false;
    if (f->stopping) {
        snprintf(out->reason, sizeof(out->reason), "stopping");
        return;
    }
    if (f->serving != 0) {
        out->ready = true;
        snprintf(out->reason, sizeof(out->reason), "generation %u serves", f->serving);
        return;
    }
    if (f->starting != 0 && f->failed_starts == 0)
        snprintf(out->reason, sizeof(out->reason), "generation %u is starting", f->starting);
    else if (f->starting != 0)
        snprintf(out->reason, sizeof(out->reason), "generation %u is starting, after %u that failed", f->starting,
                 f->failed_starts);
    else if (f->failed_starts != 0)
        snprintf(out->reason, sizeof(out->reason), "%u generation%s failed to start; the next starts in %llu ms",
                 f->failed_starts, f->failed_starts == 1 ? "" : "s in a row", (unsigned long long)f->retry_in_ms);
    else
        snprintf(out->reason, sizeof(out->reason), "no generation serves");
}

uint64_t
keel_readiness_retry_delay_ms(unsigned failed_starts)
{
    return keel_backoff_delay_ms(failed_starts);
}
