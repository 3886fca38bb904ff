/*
 * Callables a worker-mode request hands to PHP for later: the callback of
 * assert_options(ASSERT_CALLBACK) and the functions register_tick_function()
 * adds. PHP drops both after every PHP-FPM request (the standard
 * extension's request shutdown). In worker mode they would stay, and a
 * closure over one client's data would run in the next client's request.
 * After each request they go back to what the worker script had set while
 * booting.
 */
#ifndef KEEL_WORKER_REQUEST_CALLBACKS_H
#define KEEL_WORKER_REQUEST_CALLBACKS_H

/* Notes the worker script's callables (when booting ended). */
void keel_request_callbacks_snapshot(void);

/* After a request: the assertion callback and the tick functions are the
 * worker script's again. */
void keel_request_callbacks_restore(void);

#endif
