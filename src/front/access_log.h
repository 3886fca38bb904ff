/*
 * --access-log: an h2o logger on the public listener's path (the admin
 * and metrics listeners have their own configuration, so their requests
 * are never in it). For each request it gathers the facts
 * (access_format.h), with those of the PHP side that php_request.c
 * leaves in the request (KEEL_ACCESS_PHP_ENV), formats the line and hands
 * it to the writer thread (access_writer.h).
 */
#ifndef KEEL_FRONT_ACCESS_LOG_H
#define KEEL_FRONT_ACCESS_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <h2o.h>

#include "common/cidr.h"
#include "front/access_writer.h"
#include "front/forwarded.h"
#include "front/job.h"

/* The request environment slot where php_request.c leaves a
 * keel_access_php_t for the logger. */
#define KEEL_ACCESS_PHP_ENV "keel.php"

typedef struct {
    keel_pool_kind_t kind;
    keel_job_report_t report;
} keel_access_php_t;

typedef struct {
    keel_access_writer_t writer;
    h2o_loop_t *loop;
    bool json;
    keel_fwd_trust_t trust; /* --trusted-proxy: the client the log shows */
    h2o_timeout_t flush_timeout;
    h2o_timeout_entry_t flush_entry;
    time_t iso_second;   /* the second iso_prefix spells, as gmtime gave it */
    char iso_prefix[64]; /* "2026-12-07T17:48:49." (room for any int gmtime gives) */
} keel_access_log_t;

/* Opens --access-log's PATH (or "-": stdout), before anything binds.
 * Returns 0, or -1 with a message in err. */
int keel_access_log_open(keel_access_log_t *a, const char *path, bool json, const keel_fwd_trust_t *trust, char *err,
                         size_t errlen);

/* Starts the writer thread (with the front's signals blocked, so it never
 * takes one). Returns 0, or -1 with a message in err. */
int keel_access_log_start(keel_access_log_t *a, char *err, size_t errlen);

/* Logs every request of path from now on, handing lines over on loop. */
void keel_access_log_register(keel_access_log_t *a, h2o_pathconf_t *path, h2o_loop_t *loop);

/* SIGUSR1: the file is reopened (logrotate moved it). */
void keel_access_log_reopen(keel_access_log_t *a);

/* Writes what is left and stops the writer. */
void keel_access_log_close(keel_access_log_t *a);

/* Where php_request.c records a request's PHP side (when the access log
 * is on): allocated in req's pool, and found there by the logger. */
keel_access_php_t *keel_access_log_php(h2o_req_t *req, keel_pool_kind_t kind);

#endif
