/*
 * Where a generation serves from: the document root and the worker script
 * resolved (symlinks followed) when the generation starts. An atomic
 * symlink switch (`current -> releases/N`) followed by a reload therefore
 * moves PHP, static files and every path derived from them to release N,
 * while the generation before keeps its own paths until it has drained.
 * Generations that resolve to the same paths share one, by reference.
 */
#ifndef KEEL_FRONT_ROUTING_H
#define KEEL_FRONT_ROUTING_H

#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "front/route.h"

typedef struct keel_routing_s {
    keel_router_t router;
    uint32_t id; /* differs between routings that resolved differently; never 0 */
    unsigned refs;
} keel_routing_t;

/*
 * Resolves cfg's root and worker script as they are now. Returns `same`
 * with one more reference when they resolve to its paths (NULL: no
 * comparison), else a new routing numbered `id` with one reference; NULL
 * with a message in err when the root or the script cannot be resolved.
 */
keel_routing_t *keel_routing_resolve(const keel_config_t *cfg, keel_routing_t *same, uint32_t id, char *err,
                                     size_t errlen);

/* One more reference to r; returns r. */
keel_routing_t *keel_routing_hold(keel_routing_t *r);

/* One reference less; the last closes the root's descriptor and frees r.
 * NULL is ignored. */
void keel_routing_release(keel_routing_t *r);

#endif
