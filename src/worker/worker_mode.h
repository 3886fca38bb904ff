/*
 * Worker mode: the worker process runs the --worker script once; the
 * script boots the application and loops on keel_handle_request(), which
 * hands it one request after another inside a single PHP request, with
 * everything a request owns reset in between.
 */
#ifndef KEEL_WORKER_WORKER_MODE_H
#define KEEL_WORKER_WORKER_MODE_H

#include <main/php.h>

#include "worker/request.h"

/*
 * Runs the worker script `script` (absolute path) whose SCRIPT_NAME is
 * `script_name`, under document root `root`. Returns the process exit
 * code: 0 when the script ended after keel_handle_request() returned
 * false, 1 when it must be replaced (exit(), an uncaught exception or a
 * fatal error in a request, or a failed boot, reported as BOOT_FAILED).
 */
int keel_worker_mode_run(keel_worker_t *w, const char *script, const char *script_name, const char *root);

/* keel_handle_request(callable): see the README. */
PHP_FUNCTION(keel_handle_request);

#endif
