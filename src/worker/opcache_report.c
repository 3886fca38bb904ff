#include "worker/opcache_report.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <main/SAPI.h>
#include <main/php.h>
#include <Zend/zend_API.h>

#include "common/clock.h"
#include "ipc/message.h"

#define REPORT_INTERVAL_MS 500

static PHP_FUNCTION(keel_opcache_reset)
{
    ZEND_PARSE_PARAMETERS_NONE();
    keel_request_t *req = SG(server_context);
    /* The reset happens as a new generation, with fresh shared memory,
     * once this one's requests are done: nothing is freed under code that
     * is running. */
    if (req != NULL && req->worker != NULL)
        req->worker->opcache_reset_requested = true;
    RETURN_TRUE;
}

void
keel_opcache_hook_reset(void)
{
    zend_function *fn = zend_hash_str_find_ptr(CG(function_table), "opcache_reset", sizeof("opcache_reset") - 1);
    if (fn != NULL && fn->type == ZEND_INTERNAL_FUNCTION)
        fn->internal_function.handler = zif_keel_opcache_reset;
}

static uint64_t
number(HashTable *ht, const char *group, const char *key)
{
    zval *z = group ? zend_hash_str_find(ht, group, strlen(group)) : NULL;
    HashTable *h = group ? (z && Z_TYPE_P(z) == IS_ARRAY ? Z_ARRVAL_P(z) : NULL) : ht;
    if (h == NULL || (z = zend_hash_str_find(h, key, strlen(key))) == NULL)
        return 0;
    switch (Z_TYPE_P(z)) {
    case IS_LONG:
        return Z_LVAL_P(z) > 0 ? (uint64_t)Z_LVAL_P(z) : 0;
    case IS_DOUBLE:
        return Z_DVAL_P(z) > 0 ? (uint64_t)Z_DVAL_P(z) : 0;
    case IS_TRUE:
        return 1;
    default:
        return 0;
    }
}

void
keel_opcache_report(keel_worker_t *w, uint32_t stream)
{
    uint64_t now = keel_now_ms();
    if (now - w->opcache_reported_ms < REPORT_INTERVAL_MS)
        return;
    w->opcache_reported_ms = now;
    zval fname, retval, arg;
    ZVAL_STRINGL(&fname, "opcache_get_status", sizeof("opcache_get_status") - 1);
    ZVAL_FALSE(&arg);
    ZVAL_UNDEF(&retval);
    if (call_user_function(CG(function_table), NULL, &fname, &retval, 1, &arg) != SUCCESS ||
        Z_TYPE(retval) != IS_ARRAY) {
        zval_ptr_dtor(&fname);
        zval_ptr_dtor(&retval);
        return;
    }
    HashTable *st = Z_ARRVAL(retval);
    keel_ipc_opcache_stats_t m = {
        .used = number(st, "memory_usage", "used_memory"),
        .free = number(st, "memory_usage", "free_memory"),
        .wasted = number(st, "memory_usage", "wasted_memory"),
        .interned_used = number(st, "interned_strings_usage", "used_memory"),
        .interned_free = number(st, "interned_strings_usage", "free_memory"),
        .keys = number(st, "opcache_statistics", "num_cached_keys"),
        .max_keys = number(st, "opcache_statistics", "max_cached_keys"),
        .oom_restarts = number(st, "opcache_statistics", "oom_restarts"),
        .hash_restarts = number(st, "opcache_statistics", "hash_restarts"),
        .manual_restarts = number(st, "opcache_statistics", "manual_restarts"),
        .hits = number(st, "opcache_statistics", "hits"),
        .misses = number(st, "opcache_statistics", "misses"),
        .restart_pending = number(st, NULL, "restart_pending") != 0,
        .cache_full = number(st, NULL, "cache_full") != 0,
    };
    zval_ptr_dtor(&fname);
    zval_ptr_dtor(&retval);
    uint8_t *p = keel_channel_put_reserve(&w->ch, KEEL_IPC_OPCACHE_STATS, 0, stream, KEEL_IPC_OPCACHE_STATS_SIZE);
    if (p != NULL)
        keel_ipc_opcache_stats_put(p, &m);
}
