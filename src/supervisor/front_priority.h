/*
 * Whether the front should run above its workers: a pure decision, taken
 * every tick from the CPU time the front used, so it is unit-tested
 * without a scheduler.
 *
 * The front is one thread that every request passes through. When it
 * needs much of a CPU it is what the requests wait on, and each moment it
 * waits for a CPU behind the workers or other processes is throughput
 * lost: it runs raised. When it needs little, the workers are the
 * bottleneck, and a raised front would only take the CPU from them at
 * every wake-up, in smaller batches: it runs at their priority.
 */
#ifndef KEEL_SUPERVISOR_FRONT_PRIORITY_H
#define KEEL_SUPERVISOR_FRONT_PRIORITY_H

#include <stdbool.h>
#include <stdint.h>

/* Shorter intervals say too little to act on. */
#define KEEL_PRIORITY_MIN_INTERVAL_NS (100 * 1000 * 1000ull)

/*
 * The front's next state, after it used cpu_ns of CPU time over wall_ns:
 * raised from half a CPU up, lowered below three eighths of one, and as
 * it was in between (so that a load near one threshold does not flip it
 * every tick) or when wall_ns is too short to tell.
 */
bool keel_front_priority_raised(bool raised_now, uint64_t cpu_ns, uint64_t wall_ns);

#endif
