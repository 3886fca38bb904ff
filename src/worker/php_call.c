#include "worker/php_call.h"

#include <string.h>

zend_function *
keel_php_function(const char *name)
{
    zend_function *fn = zend_hash_str_find_ptr(CG(function_table), name, strlen(name));
    return fn != NULL && fn->type == ZEND_INTERNAL_FUNCTION ? fn : NULL;
}

bool
keel_php_call(const char *name, uint32_t argc, zval *argv, zval *ret)
{
    zval dropped;
    zval *out = ret != NULL ? ret : &dropped;
    ZVAL_UNDEF(out);
    zend_function *fn = keel_php_function(name);
    if (fn != NULL)
        zend_call_known_function(fn, NULL, NULL, out, argc, argv, NULL);
    if (ret == NULL)
        zval_ptr_dtor(&dropped);
    return fn != NULL;
}

void
keel_php_wrap(zend_function *fn, zif_handler wrapper, zif_handler *original)
{
    if (fn->internal_function.handler == wrapper)
        return;
    *original = fn->internal_function.handler;
    fn->internal_function.handler = wrapper;
}
