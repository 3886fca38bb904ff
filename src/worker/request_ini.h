/*
 * ini settings in worker mode. Under PHP-FPM an ini_set(), set_time_limit()
 * or set_include_path() lasts one request; a worker-mode request runs inside
 * the worker script's own PHP request, where it would last until the worker
 * ends and reach every later client. The worker keeps what its script set
 * while booting and puts that back after each request.
 */
#ifndef KEEL_WORKER_REQUEST_INI_H
#define KEEL_WORKER_REQUEST_INI_H

#include <Zend/zend_types.h>

/* The ini entries the worker script changed while booting, with their
 * values then (call when it first asks for a request). */
HashTable *keel_request_ini_snapshot(void);

/* After a request: every entry it changed goes back to the value in
 * `boot`, or to its startup value when the script had not changed it. */
void keel_request_ini_restore(HashTable *boot);

#endif
