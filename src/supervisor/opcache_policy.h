/*
 * When a generation's OPcache should be replaced rather than let OPcache
 * restart in place under running code: a pure decision from the figures
 * workers report (opcache_get_status()), and the settings that would have
 * fit. Unit-tested without PHP.
 */
#ifndef KEEL_SUPERVISOR_OPCACHE_POLICY_H
#define KEEL_SUPERVISOR_OPCACHE_POLICY_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t used, free, wasted;           /* bytes of the shared segment */
    uint64_t interned_used, interned_free; /* bytes of the interned strings buffer */
    uint64_t keys, max_keys;               /* num_cached_keys, max_cached_keys */
    uint64_t oom_restarts, hash_restarts, manual_restarts;
    int restart_pending, cache_full;
} keel_opcache_stats_t;

typedef enum {
    KEEL_OPCACHE_OK = 0,
    KEEL_OPCACHE_RESTARTING, /* OPcache scheduled (or did) a restart of its own */
    KEEL_OPCACHE_FULL,       /* cache_full, or under 10% of the segment free */
    KEEL_OPCACHE_WASTED,     /* wasted memory at or past opcache.max_wasted_percentage */
    KEEL_OPCACHE_KEYS,       /* 90% of max_accelerated_files in use */
    KEEL_OPCACHE_INTERNED,   /* under 5% of the interned strings buffer free */
} keel_opcache_verdict_t;

/* max_wasted_percentage as configured (0..50, OPcache's default 5). */
keel_opcache_verdict_t keel_opcache_decide(const keel_opcache_stats_t *s, double max_wasted_percentage);

/* "OPcache full" and so on, for logs. */
const char *keel_opcache_verdict_name(keel_opcache_verdict_t v);

/*
 * The settings that would have held what this generation cached, with a
 * quarter of headroom, rounded up: memory_consumption and
 * interned_strings_buffer in MiB (the units php.ini takes), and
 * max_accelerated_files. Writes one line of -d options into buf.
 */
void keel_opcache_suggest(const keel_opcache_stats_t *s, char *buf, size_t len);

#endif
