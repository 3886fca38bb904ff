#include "front/sample_ring.h"

#include <stdlib.h>
#include <string.h>

int
keel_sample_ring_init(keel_sample_ring_t *r, size_t cap, size_t per_sample)
{
    memset(r, 0, sizeof(*r));
    r->samples = calloc(cap, sizeof(*r->samples));
    r->workers = calloc(cap * per_sample, sizeof(*r->workers));
    if (r->samples == NULL || r->workers == NULL) {
        keel_sample_ring_dispose(r);
        return -1;
    }
    r->cap = cap;
    r->per_sample = per_sample;
    return 0;
}

void
keel_sample_ring_dispose(keel_sample_ring_t *r)
{
    free(r->samples);
    free(r->workers);
    memset(r, 0, sizeof(*r));
}

keel_sample_t *
keel_sample_ring_push(keel_sample_ring_t *r, uint64_t at_ms)
{
    if (r->cap == 0)
        return NULL;
    keel_sample_t *s = &r->samples[r->added % r->cap];
    memset(s, 0, sizeof(*s));
    s->seq = ++r->added;
    s->at_ms = at_ms;
    return s;
}

bool
keel_sample_ring_add_worker(keel_sample_ring_t *r, keel_sample_t *s, const keel_sample_worker_t *w)
{
    if (s->worker_count >= r->per_sample) {
        s->workers_left_out++;
        return false;
    }
    size_t slot = (size_t)(s - r->samples);
    r->workers[slot * r->per_sample + s->worker_count++] = *w;
    return true;
}

uint64_t
keel_sample_ring_first(const keel_sample_ring_t *r)
{
    return r->added > r->cap ? r->added - r->cap + 1 : 1;
}

uint64_t
keel_sample_ring_last(const keel_sample_ring_t *r)
{
    return r->added;
}

const keel_sample_t *
keel_sample_ring_get(const keel_sample_ring_t *r, uint64_t seq)
{
    if (r->cap == 0 || seq == 0 || seq < keel_sample_ring_first(r) || seq > r->added)
        return NULL;
    return &r->samples[(seq - 1) % r->cap];
}

const keel_sample_worker_t *
keel_sample_ring_workers(const keel_sample_ring_t *r, const keel_sample_t *s)
{
    return &r->workers[(size_t)(s - r->samples) * r->per_sample];
}
