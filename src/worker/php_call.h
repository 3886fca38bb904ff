/*
 * Calling PHP's internal functions from keel's C code, and wrapping one so
 * that keel learns when a script calls it (for state PHP keeps where keel
 * cannot read it).
 */
#ifndef KEEL_WORKER_PHP_CALL_H
#define KEEL_WORKER_PHP_CALL_H

#include <stdbool.h>
#include <stdint.h>

#include <Zend/zend_API.h>

/* An internal PHP function by name, or NULL. */
zend_function *keel_php_function(const char *name);

/* Calls the internal function `name` with argc arguments. Returns false
 * when PHP has no such function; else its return value is in *ret (the
 * caller frees it), or dropped when ret is NULL. */
bool keel_php_call(const char *name, uint32_t argc, zval *argv, zval *ret);

/* Makes PHP run `wrapper` for fn, and keeps the function's own handler in
 * *original for the wrapper to call. Wrapping twice changes nothing. */
void keel_php_wrap(zend_function *fn, zif_handler wrapper, zif_handler *original);

#endif
