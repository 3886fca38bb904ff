#include "worker/request_ini.h"

#include <main/php.h>
#include <Zend/zend_hash.h>
#include <Zend/zend_ini.h>

HashTable *
keel_request_ini_snapshot(void)
{
    HashTable *boot;
    ALLOC_HASHTABLE(boot);
    zend_hash_init(boot, 8, NULL, ZVAL_PTR_DTOR, 0);
    if (EG(modified_ini_directives) == NULL)
        return boot;
    zend_ini_entry *e;
    ZEND_HASH_FOREACH_PTR(EG(modified_ini_directives), e)
    {
        zval v;
        if (e->value != NULL)
            ZVAL_STR_COPY(&v, e->value);
        else
            ZVAL_NULL(&v);
        zend_hash_update(boot, e->name, &v);
    }
    ZEND_HASH_FOREACH_END();
    return boot;
}

/* Whether entry e holds the value `want` (a string zval, or null). */
static bool
holds(const zend_ini_entry *e, const zval *want)
{
    if (Z_TYPE_P(want) != IS_STRING)
        return e->value == NULL;
    return e->value != NULL && zend_string_equals(e->value, Z_STR_P(want));
}

void
keel_request_ini_restore(HashTable *boot)
{
    HashTable *modified = EG(modified_ini_directives);
    if (modified == NULL)
        return;
    /* Usually nothing differs: only entries that do are touched, since
     * altering an entry runs its handler (max_execution_time re-arms the
     * time limit). Their names are noted first, because restoring one
     * removes it from the table walked. */
    zend_string **names = NULL;
    uint32_t n = 0;
    zend_ini_entry *e;
    ZEND_HASH_FOREACH_PTR(modified, e)
    {
        zval *want = zend_hash_find(boot, e->name);
        if (want != NULL && holds(e, want))
            continue;
        if (names == NULL)
            names = safe_emalloc(zend_hash_num_elements(modified), sizeof(*names), 0);
        names[n++] = zend_string_copy(e->name);
    }
    ZEND_HASH_FOREACH_END();
    if (names == NULL)
        return;
    for (uint32_t i = 0; i < n; i++) {
        zval *want = zend_hash_find(boot, names[i]);
        if (want != NULL && Z_TYPE_P(want) == IS_STRING)
            zend_alter_ini_entry_ex(names[i], Z_STR_P(want), PHP_INI_USER, PHP_INI_STAGE_RUNTIME, 0);
        else
            zend_restore_ini_entry(names[i], PHP_INI_STAGE_RUNTIME);
        zend_string_release(names[i]);
    }
    efree(names);
}
