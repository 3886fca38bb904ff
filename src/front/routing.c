#include "front/routing.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "front/layout.h"

keel_routing_t *
keel_routing_resolve(const keel_config_t *cfg, keel_routing_t *same, uint32_t id, char *err, size_t errlen)
{
    keel_routing_t *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (keel_router_init(&r->router, cfg, err, errlen) != 0) {
        free(r);
        return NULL;
    }
    if (same != NULL && strcmp(same->router.root, r->router.root) == 0 &&
        strcmp(same->router.worker_script, r->router.worker_script) == 0) {
        r->refs = 1;
        keel_routing_release(r);
        return keel_routing_hold(same);
    }
    r->id = id;
    r->refs = 1;
    keel_layout_check(&r->router);
    return r;
}

keel_routing_t *
keel_routing_hold(keel_routing_t *r)
{
    r->refs++;
    return r;
}

void
keel_routing_release(keel_routing_t *r)
{
    if (r == NULL || --r->refs != 0)
        return;
    if (close(r->router.root_fd) != 0)
        keel_warn("closing %s: %s", r->router.root, strerror(errno));
    free(r);
}
