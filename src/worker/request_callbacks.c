#include "worker/request_callbacks.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <main/php.h>
#include <Zend/zend_API.h>
#include <Zend/zend_exceptions.h>
#include <Zend/zend_ini.h>
#include <Zend/zend_llist.h>
#include <Zend/zend_operators.h>
#include <ext/standard/basic_functions.h>

#include "common/log.h"
#include "worker/php_call.h"

/* --- assert_options(ASSERT_CALLBACK) --- */

/* The standard extension's assert globals, laid out as in PHP 8.2's
 * ext/standard/assert.c. PHP exports neither them nor a way to reset the
 * callback (assert_options(ASSERT_CALLBACK, null) stores a null, which is
 * not "none"), but the ini entries of two of their fields carry their
 * address and those fields' offsets: when both agree with this layout,
 * the callback is reached through it. */
typedef struct {
    zval callback;
    char *cb;
    bool active;
    bool bail;
    bool warning;
    bool exception;
} keel_assert_globals_t;

static keel_assert_globals_t *asserts; /* NULL when the layout is not this one */
static zval boot_assert_callback;

/* Whether the ini entry `name` updates the field at `offset` of the
 * globals at *base (set by the first entry checked). */
static bool
ini_field_at(const char *name, size_t offset, void **base)
{
    zend_ini_entry *e = zend_hash_str_find_ptr(EG(ini_directives), name, strlen(name));
    if (e == NULL || e->mh_arg2 == NULL || (size_t)e->mh_arg1 != offset || (*base != NULL && *base != e->mh_arg2))
        return false;
    *base = e->mh_arg2;
    return true;
}

static void
snapshot_assert_callback(void)
{
    void *base = NULL;
    ZVAL_UNDEF(&boot_assert_callback);
    if (!ini_field_at("assert.active", offsetof(keel_assert_globals_t, active), &base) ||
        !ini_field_at("assert.exception", offsetof(keel_assert_globals_t, exception), &base)) {
        keel_warn("cannot find PHP's assertion settings; a request's assert_options(ASSERT_CALLBACK) may reach the "
                  "next ones");
        asserts = NULL;
        return;
    }
    asserts = base;
    ZVAL_COPY(&boot_assert_callback, &asserts->callback);
}

static void
restore_assert_callback(void)
{
    zval *cb = &asserts->callback;
    if (Z_TYPE_P(cb) == Z_TYPE(boot_assert_callback) &&
        (Z_ISUNDEF_P(cb) || zend_is_identical(cb, &boot_assert_callback)))
        return;
    zval old;
    ZVAL_COPY_VALUE(&old, cb);
    ZVAL_COPY(cb, &boot_assert_callback);
    zval_ptr_dtor(&old);
}

/* --- register_tick_function() --- */

/* An entry of the standard extension's list of tick functions, as PHP 8.2
 * lays it out (private to ext/standard/basic_functions.c; the list's
 * element size checks it). Only read, to note the worker script's. */
typedef struct {
    zend_fcall_info fci;
    zend_fcall_info_cache fci_cache;
    bool calling;
} keel_tick_entry_t;

/* Both functions are wrapped so that a request that called one is
 * noticed; the list is rebuilt only then. */
static zif_handler register_tick_original, unregister_tick_original;
static bool ticks_changed, restoring_ticks;
/* The worker script's tick functions, each as [callable, arg...], or UNDEF
 * when it registered none. */
static zval boot_ticks;

static PHP_FUNCTION(keel_register_tick_function)
{
    if (!restoring_ticks)
        ticks_changed = true;
    register_tick_original(INTERNAL_FUNCTION_PARAM_PASSTHRU);
}

static PHP_FUNCTION(keel_unregister_tick_function)
{
    if (!restoring_ticks)
        ticks_changed = true;
    unregister_tick_original(INTERNAL_FUNCTION_PARAM_PASSTHRU);
}

static void
snapshot_ticks(void)
{
    zend_function *reg = keel_php_function("register_tick_function");
    zend_function *unreg = keel_php_function("unregister_tick_function");
    if (reg == NULL || unreg == NULL)
        return;
    keel_php_wrap(reg, zif_keel_register_tick_function, &register_tick_original);
    keel_php_wrap(unreg, zif_keel_unregister_tick_function, &unregister_tick_original);
    ticks_changed = false;
    ZVAL_UNDEF(&boot_ticks);
    zend_llist *list = BG(user_tick_functions);
    if (list == NULL || zend_llist_count(list) == 0)
        return;
    if (list->size != sizeof(keel_tick_entry_t)) {
        keel_warn("cannot note the worker script's tick functions; a request that registers its own drops them");
        return;
    }
    array_init(&boot_ticks);
    zend_llist_position pos;
    for (keel_tick_entry_t *e = zend_llist_get_first_ex(list, &pos); e != NULL;
         e = zend_llist_get_next_ex(list, &pos)) {
        zval call;
        array_init_size(&call, e->fci.param_count + 1);
        Z_TRY_ADDREF(e->fci.function_name);
        add_next_index_zval(&call, &e->fci.function_name);
        for (uint32_t i = 0; i < e->fci.param_count; i++) {
            Z_TRY_ADDREF(e->fci.params[i]);
            add_next_index_zval(&call, &e->fci.params[i]);
        }
        add_next_index_zval(&boot_ticks, &call);
    }
}

/* The list is emptied, not freed: PHP created it with the tick hook that
 * runs it, and a new list would add a second hook. The worker script's
 * functions are then registered again, in their order. */
static void
restore_ticks(void)
{
    ticks_changed = false;
    zend_llist *list = BG(user_tick_functions);
    if (list != NULL)
        zend_llist_clean(list);
    if (Z_TYPE(boot_ticks) != IS_ARRAY)
        return;
    restoring_ticks = true;
    zval *call;
    ZEND_HASH_FOREACH_VAL(Z_ARRVAL(boot_ticks), call)
    {
        uint32_t n = zend_hash_num_elements(Z_ARRVAL_P(call)), i = 0;
        zval *args = safe_emalloc(n, sizeof(*args), 0), *arg;
        ZEND_HASH_FOREACH_VAL(Z_ARRVAL_P(call), arg)
        {
            ZVAL_COPY_VALUE(&args[i++], arg);
        }
        ZEND_HASH_FOREACH_END();
        keel_php_call("register_tick_function", n, args, NULL);
        efree(args);
        if (EG(exception) != NULL) {
            zend_clear_exception();
            keel_warn("cannot register a tick function of the worker script again");
        }
    }
    ZEND_HASH_FOREACH_END();
    restoring_ticks = false;
}

void
keel_request_callbacks_snapshot(void)
{
    snapshot_assert_callback();
    snapshot_ticks();
}

void
keel_request_callbacks_restore(void)
{
    if (asserts != NULL)
        restore_assert_callback();
    if (ticks_changed)
        restore_ticks();
}
