#include "front/refusal_log.h"

#include <string.h>

#include "common/log.h"

/* FNV-1a, 64 bits; 0 is kept for a free slot. */
static uint64_t
hash(const char *s, size_t len)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h != 0 ? h : 1;
}

bool
keel_refusal_log_first(keel_refusal_log_t *l, const char *path, size_t len)
{
    if (l->used >= KEEL_REFUSAL_LOG_SLOTS / 4 * 3)
        return false;
    uint64_t h = hash(path, len);
    for (size_t i = (size_t)(h % KEEL_REFUSAL_LOG_SLOTS);; i = (i + 1) % KEEL_REFUSAL_LOG_SLOTS) {
        if (l->seen[i] == h)
            return false;
        if (l->seen[i] == 0) {
            l->seen[i] = h;
            l->used++;
            return true;
        }
    }
}

void
keel_refusal_log(keel_refusal_log_t *l, const char *path, const char *why, const char *target)
{
    if (keel_refusal_log_first(l, path, strlen(path))) {
        keel_warn("403 %s: %s (%s)", path, why, target);
    } else if (!l->full && l->used >= KEEL_REFUSAL_LOG_SLOTS / 4 * 3) {
        l->full = true;
        keel_warn("403 %s: %s (%s); %zu paths refused through symlinks so far: further ones are not logged", path, why,
                  target, l->used);
    }
}
