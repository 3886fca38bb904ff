/* Taking keel_front_snapshot_t of a running front. */
#ifndef KEEL_FRONT_FRONT_SNAPSHOT_H
#define KEEL_FRONT_FRONT_SNAPSHOT_H

#include <h2o.h>

#include "front/front.h"
#include "front/snapshot.h"

/* Fills s from f, its arrays (and strings that do not outlive f)
 * allocated from pool. Reads the memory limit's current figures. */
void keel_front_snapshot(keel_front_t *f, h2o_mem_pool_t *pool, keel_front_snapshot_t *s);

#endif
