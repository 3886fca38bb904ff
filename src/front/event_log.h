/*
 * What happened, as it happened, for the dashboard: workers recycled (and
 * why), crashed, timed out; pools that grew or shrank; generations that
 * started, served, drained, failed or went; memory-pressure steps and OOM
 * kills. Two bounded rings, so that a worker recycled every few requests
 * cannot push out the rare generation events: one for workers and pools,
 * one for generations and memory. Each event gets a sequence number from
 * one counter, so a reader asks for "everything after N" across both.
 *
 * Plain data, no allocation: it lives in the front's env (env.h), where
 * whoever bumps a counter can add an event beside it. Its text comes
 * partly from clients and PHP (a request's path, a failure message): it is
 * stored as well-formed UTF-8 (common/utf8.h) and is to be shown as text,
 * never as markup.
 */
#ifndef KEEL_FRONT_EVENT_LOG_H
#define KEEL_FRONT_EVENT_LOG_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    KEEL_EVENT_RECYCLE,    /* what: the recycle reason (supervisor/recycle.h's names) */
    KEEL_EVENT_CRASH,      /* killed by a signal; what: the signal's name */
    KEEL_EVENT_EXIT,       /* left on its own; what: "status N" (exited so), "closing" (exit() or an error in
                              worker mode), "boot failed" (before its first request) */
    KEEL_EVENT_TIMEOUT,    /* ended for --request-timeout */
    KEEL_EVENT_POOL,       /* a pool's size changed, or could not; what: "grew", "shrank", "stays" */
    KEEL_EVENT_GENERATION, /* what: "starting", "serving", "draining", "failed", "refused", "died", "gone" */
    KEEL_EVENT_PRESSURE,   /* what: the memory-pressure level now (supervisor/pressure.h's names) */
    KEEL_EVENT_OOM,        /* the kernel's OOM killer killed in keel's cgroup */
    KEEL_EVENT_KINDS
} keel_event_kind_t;

#define KEEL_EVENT_WHAT 24
#define KEEL_EVENT_TEXT 192

typedef struct {
    uint64_t seq;   /* 1, 2, ... across both rings */
    uint64_t at_ms; /* common/clock.h's monotonic milliseconds */
    keel_event_kind_t kind;
    uint32_t generation; /* 0: none */
    int pid;             /* the worker's, or the zygote's; 0: none */
    char what[KEEL_EVENT_WHAT];
    char text[KEEL_EVENT_TEXT]; /* one line a person reads; well-formed UTF-8, cut at a character */
} keel_event_t;

#define KEEL_EVENT_WORKER_CAP 192 /* recycles, crashes, exits, timeouts, pool changes */
#define KEEL_EVENT_FRONT_CAP  64  /* generations, memory pressure, OOM kills */
#define KEEL_EVENT_CAP        (KEEL_EVENT_WORKER_CAP + KEEL_EVENT_FRONT_CAP)

typedef struct {
    keel_event_t worker[KEEL_EVENT_WORKER_CAP];
    keel_event_t front[KEEL_EVENT_FRONT_CAP];
    uint64_t worker_added, front_added; /* ever: the next slot is added % cap */
    uint64_t last_seq;                  /* 0: none yet */
} keel_event_log_t;

/* Adds an event at at_ms, overwriting the oldest of its ring when full.
 * what may be NULL; text is formatted as printf() does, then cut to fit
 * and cleaned to well-formed UTF-8. Returns its sequence number. */
uint64_t keel_event_add(keel_event_log_t *log, uint64_t at_ms, keel_event_kind_t kind, uint32_t generation, int pid,
                        const char *what, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* Fills out[0..max) with the events held whose seq is above after, oldest
 * first, and returns how many (max >= KEEL_EVENT_CAP takes them all). */
size_t keel_event_since(const keel_event_log_t *log, uint64_t after, const keel_event_t **out, size_t max);

/* "recycle", "crash", "exit", "timeout", "pool", "generation", "pressure",
 * "oom"; "unknown" out of range. */
const char *keel_event_kind_name(keel_event_kind_t kind);

#endif
