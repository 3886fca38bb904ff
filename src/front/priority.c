#include "front/priority.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "common/log.h"
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
keel_priority_tick(keel_priority_t *p)
{
    if (!p->adaptive)
        return;
    uint64_t cpu, wall;
    if (clock_ns(CLOCK_PROCESS_CPUTIME_ID, &cpu) != 0 || clock_ns(CLOCK_MONOTONIC, &wall) != 0) {
        keel_warn("the front's priority stays as it is: clock_gettime: %s", strerror(errno));
        p->adaptive = false;
        return;
    }
    bool raise = p->raised;
    if (p->wall_ns != 0)
        raise = keel_front_priority_raised(p->raised, cpu - p->cpu_ns, wall - p->wall_ns);
    p->cpu_ns = cpu;
    p->wall_ns = wall;
    if (raise == p->raised)
        return;
    int nice = raise ? raised_nice(p->worker_nice, p->steps) : p->worker_nice;
    if (setpriority(PRIO_PROCESS, 0, nice) != 0) {
        /* Raising again can be refused (RLIMIT_NICE lowered meanwhile):
         * the front stays where it is and stops adjusting. */
        keel_warn("the front's priority stays as it is: setpriority: %s", strerror(errno));
        p->adaptive = false;
        return;
    }
    p->raised = raise;
}
