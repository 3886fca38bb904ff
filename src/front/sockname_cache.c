#include "front/sockname_cache.h"

#include <string.h>

socklen_t
keel_sockname_cached(keel_sockname_cache_t *c, uint64_t conn_id, socklen_t (*ask)(void *arg, struct sockaddr *out),
                     void *arg, struct sockaddr *out)
{
    keel_sockname_slot_t *s = &c->slots[conn_id % KEEL_SOCKNAME_SLOTS];
    if (conn_id != 0 && s->conn_id == conn_id) {
        memcpy(out, &s->addr, s->len);
        return s->len;
    }
    socklen_t len = ask(arg, out);
    if (conn_id != 0 && len != 0 && len <= sizeof(s->addr)) {
        s->conn_id = conn_id;
        s->len = len;
        memcpy(&s->addr, out, len);
    }
    return len;
}
