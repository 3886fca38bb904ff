/*
 * The admin listener's `GET /status` answer, read back into plain data for
 * the commands that show it (`keel status`) or measure with it (`keel
 * leakcheck`). The JSON is parsed by jansson; this maps it onto structs.
 * Pure (fuzzed: tests/fuzz/fuzz_status_json.c): the text comes over a
 * socket, so any bytes must give either an error or a well-formed result.
 */
#ifndef KEEL_CLI_STATUS_JSON_H
#define KEEL_CLI_STATUS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Strings are copied, cut to their field's size, and any control
 * character becomes '?': they end up on a terminal. */
#define KEEL_STATUS_NAME  32
#define KEEL_STATUS_PATH  256
#define KEEL_STATUS_TMPFS 8
/* recycle reasons kept, in the order /status lists them */
#define KEEL_STATUS_RECYCLE_REASONS 8

typedef struct {
    uint32_t id;
    int pid;
    uint32_t generation;
    char mode[KEEL_STATUS_NAME];
    char state[KEEL_STATUS_NAME];
    uint64_t requests;
    uint64_t private_bytes;
    uint64_t private_precise_bytes;
    uint64_t zend_peak_bytes;
    double growth_bytes_per_request;
    double age_seconds;
} keel_status_worker_t;

typedef struct {
    uint32_t number;
    char state[KEEL_STATUS_NAME];
    int zygote_pid;
    bool opcache;
} keel_status_generation_t;

typedef struct {
    char version[KEEL_STATUS_NAME];
    char state[KEEL_STATUS_NAME];
    uint32_t generation;
    keel_status_generation_t *generations; /* owned */
    size_t generation_count;
    uint64_t requests_total, in_flight;
    uint64_t queue_classic, queue_worker;
    struct {
        char name[KEEL_STATUS_NAME];
        uint64_t count;
    } recycles[KEEL_STATUS_RECYCLE_REASONS];
    size_t recycle_count;
    uint64_t worker_crashes, reloads_ok, reloads_failed;
    bool have_memory;
    uint64_t limit_bytes; /* 0: none */
    char limit_source[KEEL_STATUS_PATH];
    uint64_t current_bytes;
    bool have_budget;
    uint64_t budget_bytes;
    bool budget_fits;
    uint64_t budget_max_workers;
    bool have_opcache;
    uint64_t opcache_used, opcache_free, opcache_wasted;
    uint64_t interned_used, interned_free;
    uint64_t cached_keys, max_cached_keys;
    uint64_t opcache_restarts, opcache_hits, opcache_misses, generation_swaps;
    struct {
        char path[KEEL_STATUS_PATH];
        uint64_t used_bytes;
    } tmpfs[KEEL_STATUS_TMPFS];
    size_t tmpfs_count;
    keel_status_worker_t *workers; /* owned */
    size_t worker_count;
} keel_status_t;

/*
 * Parses len bytes of /status JSON into out (which the caller then frees
 * with keel_status_free, also after an error). Fields that are missing or
 * of another type read as zero or empty, so a newer keel's answer with
 * fields added still reads; what is not an object at the top, or not JSON,
 * is an error. Returns 0, or -1 with one line in err.
 */
int keel_status_parse(const char *text, size_t len, keel_status_t *out, char *err, size_t errlen);

void keel_status_free(keel_status_t *s);

/* The worker with this pid, or NULL. */
const keel_status_worker_t *keel_status_find_worker(const keel_status_t *s, int pid);

#endif
