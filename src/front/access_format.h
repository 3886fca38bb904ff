/*
 * One access log line from one request's facts: nginx's `combined` format
 * byte for byte, or a JSON object with what only keel knows. Pure (no I/O,
 * no h2o), unit-tested against lines nginx wrote, and fuzzed.
 *
 * combined:
 *   $remote_addr - $remote_user [$time_local] "$request" $status
 *   $body_bytes_sent "$http_referer" "$http_user_agent"
 * Each value escaped as nginx escapes variables (`"`, `\`, bytes below
 * 0x20 and from 0x7f as \xHH); a value the request lacks is "-", one it
 * has empty is empty.
 *
 * json: {"time", "remote_addr", "remote_user", "method", "uri", "protocol",
 * "status", "body_bytes_sent", "referer", "user_agent", "host",
 * "request_time", "pool", "worker_pid", "generation", "wait_ms", "php_ms",
 * "zend_peak_bytes", "private_change_bytes"}: null for what the request
 * lacks or did not reach; strings escaped for JSON, and a byte that is not
 * part of valid UTF-8 written as \u00HH.
 */
#ifndef KEEL_FRONT_ACCESS_FORMAT_H
#define KEEL_FRONT_ACCESS_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes and a length; base NULL: the request has none. */
typedef struct {
    const char *base;
    size_t len;
} keel_access_text_t;

typedef enum {
    KEEL_ACCESS_STATIC, /* answered by the front without PHP: files, redirects, refusals, probes */
    KEEL_ACCESS_CLASSIC,
    KEEL_ACCESS_WORKER,
} keel_access_pool_t;

typedef struct {
    keel_access_text_t remote_addr;
    keel_access_text_t remote_user;              /* from Basic credentials */
    keel_access_text_t time_local;               /* "07/Dec/2026:17:48:49 +0000" */
    keel_access_text_t time_iso;                 /* "2026-12-07T17:48:49.052Z" */
    keel_access_text_t method, target, protocol; /* the request line: "GET", "/a?b", "HTTP/1.1" */
    int status;
    uint64_t body_bytes_sent;
    keel_access_text_t referer, user_agent, host;
    uint64_t request_us; /* from its first byte to the log line */
    keel_access_pool_t pool;
    /* PHP: a worker ran it (pid and generation not 0), it waited, it ran */
    int worker_pid;
    uint32_t generation;
    bool wait_known, php_known, memory_known, private_change_known;
    uint64_t wait_us, php_us;
    uint64_t zend_peak;
    int64_t private_change;
} keel_access_entry_t;

/* Writes e's line, with its newline, into out[cap]. Returns its length,
 * or 0 when it does not fit (the caller grows out and tries again). */
size_t keel_access_format_combined(const keel_access_entry_t *e, char *out, size_t cap);
size_t keel_access_format_json(const keel_access_entry_t *e, char *out, size_t cap);

/* The most a line can take for e (both formats), so one allocation
 * always fits. */
size_t keel_access_format_bound(const keel_access_entry_t *e);

#endif
