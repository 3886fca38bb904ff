/*
 * The last minutes of the front, for the dashboard: one sample a second of
 * what it charts over time (each worker's private memory, requests done,
 * the queues, the container's memory, tmpfs and shared memory), in a ring
 * allocated once. A sample holds up to a fixed number of workers; more
 * are counted as left out, never allocated for. Pure: the sampler
 * (front/admin_dashboard.c) fills it from the same snapshot as /status.
 */
#ifndef KEEL_FRONT_SAMPLE_RING_H
#define KEEL_FRONT_SAMPLE_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    int pid;
    uint32_t generation;
    bool worker_mode; /* else classic */
    uint64_t private_bytes;
} keel_sample_worker_t;

typedef struct {
    uint64_t seq;   /* 1, 2, ... */
    uint64_t at_ms; /* common/clock.h's monotonic milliseconds */
    uint64_t requests_total;
    uint32_t waiting_classic, waiting_worker, in_flight;
    uint64_t memory_bytes, memory_limit; /* the container's use and limit; 0: not known, none */
    uint64_t tmpfs_bytes;                /* used on the memory-backed mounts PHP can write to */
    uint64_t shmem_bytes;                /* the cgroup's shared memory; 0: not known */
    uint32_t worker_count, workers_left_out;
} keel_sample_t;

typedef struct {
    keel_sample_t *samples;        /* [cap] */
    keel_sample_worker_t *workers; /* [cap * per_sample]: sample i's are at (i % cap) * per_sample */
    size_t cap, per_sample;
    uint64_t added; /* samples ever added */
} keel_sample_ring_t;

/* Allocates room for cap samples of per_sample workers each (both > 0).
 * Returns 0, or -1 when memory is short (ring left empty). */
int keel_sample_ring_init(keel_sample_ring_t *r, size_t cap, size_t per_sample);
void keel_sample_ring_dispose(keel_sample_ring_t *r);

/* Starts sample seq = added + 1 at at_ms in the oldest slot, zeroed
 * otherwise; fill its fields, then add its workers. */
keel_sample_t *keel_sample_ring_push(keel_sample_ring_t *r, uint64_t at_ms);

/* Adds a worker to s (the sample just pushed); one past per_sample is
 * counted in workers_left_out. Returns false then. */
bool keel_sample_ring_add_worker(keel_sample_ring_t *r, keel_sample_t *s, const keel_sample_worker_t *w);

/* The sample numbered seq while the ring holds it, else NULL. */
const keel_sample_t *keel_sample_ring_get(const keel_sample_ring_t *r, uint64_t seq);

/* s's workers (s->worker_count of them). */
const keel_sample_worker_t *keel_sample_ring_workers(const keel_sample_ring_t *r, const keel_sample_t *s);

/* The oldest and newest seq held; first > last when empty. */
uint64_t keel_sample_ring_first(const keel_sample_ring_t *r);
uint64_t keel_sample_ring_last(const keel_sample_ring_t *r);

#endif
