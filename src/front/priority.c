#include "front/priority.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "common/log.h"
#include "front/front.h"
#include "supervisor/front_priority.h"

#define NICE_HIGHEST (-20)

static int
raised_nice(int inherited, unsigned steps)
{
    int target = inherited - (int)(steps > 40 ? 40 : steps);
    return target < NICE_HIGHEST ? NICE_HIGHEST : target;
}

int
keel_priority_probe(unsigned steps, int *inherited)
{
    /* -1 is also a valid nice value: only errno tells a failure apart. */
    errno = 0;
    int now = getpriority(PRIO_PROCESS, 0);
    if (now == -1 && errno != 0)
        return -1;
    *inherited = now;
    if (steps == 0)
        return 0;
    if (setpriority(PRIO_PROCESS, 0, raised_nice(now, steps)) != 0)
        return -1;
    return setpriority(PRIO_PROCESS, 0, now);
}

static int
clock_ns(clockid_t clock, uint64_t *ns)
{
    struct timespec ts;
    if (clock_gettime(clock, &ts) != 0)
        return -1;
    *ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    return 0;
}

void
keel_front_priority_tick(keel_front_t *f)
{
    if (!f->priority_adaptive)
        return;
    uint64_t cpu, wall;
    if (clock_ns(CLOCK_PROCESS_CPUTIME_ID, &cpu) != 0 || clock_ns(CLOCK_MONOTONIC, &wall) != 0) {
        keel_warn("the front's priority stays as it is: clock_gettime: %s", strerror(errno));
        f->priority_adaptive = false;
        return;
    }
    bool raise = f->priority_raised;
    if (f->priority_wall_ns != 0)
        raise = keel_front_priority_raised(f->priority_raised, cpu - f->priority_cpu_ns, wall - f->priority_wall_ns);
    f->priority_cpu_ns = cpu;
    f->priority_wall_ns = wall;
    if (raise == f->priority_raised)
        return;
    int nice = raise ? raised_nice(f->worker_nice, f->cfg.front_priority) : f->worker_nice;
    if (setpriority(PRIO_PROCESS, 0, nice) != 0) {
        /* Raising again can be refused (RLIMIT_NICE lowered meanwhile):
         * the front stays where it is and stops adjusting. */
        keel_warn("the front's priority stays as it is: setpriority: %s", strerror(errno));
        f->priority_adaptive = false;
        return;
    }
    f->priority_raised = raise;
}
