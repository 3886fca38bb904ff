/*
 * Live and ready, as an orchestrator asks them (Kubernetes probes, a load
 * balancer's health check, Docker's HEALTHCHECK): a pure decision over a
 * few facts of the front, so every transition is unit-tested.
 *
 *  - live: the front's event loop answers. Whoever can ask is answered
 *    yes; there is nothing to decide.
 *  - ready: a generation serves new requests and no stop was asked for.
 *    Not while the first generation boots or keeps failing (keel stays
 *    up and tries again), not from the moment SIGTERM arrives (the
 *    --drain-delay starts then), and still while a reload's new
 *    generation starts or fails, since the old one goes on serving.
 */
#ifndef KEEL_SUPERVISOR_READINESS_H
#define KEEL_SUPERVISOR_READINESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    bool stopping;          /* SIGTERM or SIGINT arrived: the drain delay, the drain or the stop is under way */
    uint32_t serving;       /* the generation serving new requests, 0: none */
    uint32_t starting;      /* a generation starting (first, replacement or retry), 0: none */
    unsigned failed_starts; /* starts that failed in a row while none served */
    uint64_t retry_in_ms;   /* none serves nor starts: when the next start is due */
} keel_readiness_facts_t;

typedef struct {
    bool ready;
    char reason[160]; /* one line for the probe's body and /status */
} keel_readiness_t;

void keel_readiness_decide(const keel_readiness_facts_t *facts, keel_readiness_t *out);

/* Delay before starting another generation when `failed_starts`
 * generations in a row could not start and none serves: the pool's
 * backoff (supervisor/backoff.h), 100 ms doubling to 10 s. */
uint64_t keel_readiness_retry_delay_ms(unsigned failed_starts);

#endif
