/*
 * Signal handlers a worker-mode request installs with pcntl_signal() last
 * that request; the worker script's own stay. Under PHP-FPM, pcntl's
 * request shutdown drops every handler after each request. In worker mode
 * the requests run inside the worker script's one PHP request, so a
 * request's handler (a closure over that request's data) would stay and
 * run in whichever later request the signal arrived.
 *
 * Likewise an alarm a request left pending (pcntl_alarm()) is cancelled,
 * and the signal mask (pcntl_sigprocmask()) goes back to the worker
 * script's: process state no request should leave to the next client.
 */
#ifndef KEEL_WORKER_REQUEST_SIGNALS_H
#define KEEL_WORKER_REQUEST_SIGNALS_H

/* Starts noting requests' changes (when booting ended). Does nothing
 * without the pcntl extension. */
void keel_request_signals_watch(void);

/* After a request: a pending alarm it set is cancelled, every signal it
 * changed gets back the handler it had before (the PHP callable, or the
 * kernel's disposition), and the signal mask is the worker script's. */
void keel_request_signals_restore(void);

#endif
