/*
 * The front's scheduling priority (--front-priority): one event loop
 * serves every connection and feeds every worker, so while it is busy
 * enough to be what requests wait on, it runs a few nice steps above the
 * workers (supervisor/front_priority.h decides when).
 */
#ifndef KEEL_FRONT_PRIORITY_H
#define KEEL_FRONT_PRIORITY_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    unsigned steps;   /* --front-priority: nice steps above the workers */
    bool adaptive;    /* the kernel lets it raise itself, and steps is not 0 */
    bool raised;      /* it runs raised now */
    int worker_nice;  /* the nice value keel was started with, which the workers keep */
    uint64_t cpu_ns;  /* its CPU time at the last look */
    uint64_t wall_ns; /* and when that was */
} keel_priority_t;

/*
 * Whether the front may raise itself `steps` nice values above the one it
 * has (never past -20, the kernel's highest): tries it, and goes back.
 * *inherited receives the nice value it has, which the workers keep.
 * Returns 0 when it may (and when steps is 0), -1 with errno set when the
 * kernel refused (EPERM or EACCES: neither CAP_SYS_NICE nor an
 * RLIMIT_NICE that allows it).
 */
int keel_priority_probe(unsigned steps, int *inherited);

/* Every tick: raises or lowers the front after the CPU time it used
 * since the last one. */
void keel_priority_tick(keel_priority_t *p);

#endif
