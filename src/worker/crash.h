/*
 * What a worker does when things go wrong: where core dumps may land
 * (never in the application's directory, where PHP's working directory
 * usually is), and the backtrace it logs when the front asks (slow or
 * timed-out requests).
 */
#ifndef KEEL_WORKER_CRASH_H
#define KEEL_WORKER_CRASH_H

#include <stddef.h>
#include <sys/types.h>

/* Core dumps off (core_dir NULL), or on and written into core_dir only:
 * a crashing worker moves to core_dir before the kernel writes the dump.
 * Returns 0, or -1 when the limits cannot be set. */
int keel_crash_setup(const char *core_dir);

/* Writes the PHP stack of the request worker `pid` is running (function,
 * file, line; one frame per line, names escaped; empty when no PHP code
 * runs) into buf, reading the worker's memory from its parent, the
 * zygote. Returns 0, or -1 when it cannot be read. */
int keel_backtrace_remote(pid_t pid, char *buf, size_t cap);

/* After a worker with this pid dumped core into core_dir: names the dump
 * core.PID and keeps only the newest `keep` dumps. */
void keel_core_collect(const char *core_dir, pid_t pid, unsigned keep);

#endif
