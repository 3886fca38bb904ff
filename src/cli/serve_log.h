/*
 * What `keel leakcheck` needs from the log of the `keel serve` it starts:
 * the ports it took (it listens on port 0, so the log is the only place
 * that says which), and PHP running out of memory_limit. Pure.
 */
#ifndef KEEL_CLI_SERVE_LOG_H
#define KEEL_CLI_SERVE_LOG_H

typedef enum {
    KEEL_SERVE_LOG_OTHER,
    KEEL_SERVE_LOG_READY,        /* "front: ready: http://HOST:PORT ..." */
    KEEL_SERVE_LOG_ADMIN,        /* "front: admin: http://HOST:PORT ..." */
    KEEL_SERVE_LOG_MEMORY_LIMIT, /* PHP's "Allowed memory size of N bytes exhausted" */
} keel_serve_log_kind_t;

/* Classifies one line of keel's log (without its newline); *port is set
 * for READY and ADMIN. */
keel_serve_log_kind_t keel_serve_log_scan(const char *line, int *port);

#endif
