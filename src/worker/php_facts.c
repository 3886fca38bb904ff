#include "worker/php_facts.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <main/php.h>
#include <main/php_version.h>
#include <Zend/zend_extensions.h>

#include "common/statm.h"
#include "common/text.h"
#include "worker/sapi.h"

static void
add_extension(keel_php_facts_t *out, const char *name)
{
    if (out->extension_count < KEEL_PHP_FACTS_EXTENSIONS)
        keel_str_copy(out->extensions[out->extension_count++], KEEL_PHP_FACTS_NAME, name);
}

/* Zend extensions (OPcache, Xdebug) are listed apart from modules. */
static void
add_zend_extension(zend_extension *ext, void *arg)
{
    add_extension(arg, ext->name);
}

void
keel_php_facts_gather(const keel_config_t *cfg, const char *const *names, size_t count, keel_php_facts_t *out)
{
    memset(out, 0, sizeof(*out));
    keel_str_copy(out->version, sizeof(out->version), PHP_VERSION);
    if (keel_php_startup(cfg, out->error, sizeof(out->error)) != 0)
        return;
    out->started = true;
    out->opcache_enabled = keel_php_opcache_enabled();

    if (count > KEEL_PHP_FACTS_SETTINGS)
        count = KEEL_PHP_FACTS_SETTINGS;
    keel_php_setting_t settings[KEEL_PHP_FACTS_SETTINGS + 1];
    for (size_t i = 0; i < count; i++)
        settings[i] = (keel_php_setting_t){names[i], NULL};
    settings[count] = (keel_php_setting_t){"temp_dir", out->temp_dir};
    keel_php_settings(settings, count + 1, out->temp_dir, sizeof(out->temp_dir));
    out->setting_count = count;
    for (size_t i = 0; i < count; i++) {
        out->setting_names[i] = names[i];
        out->setting_known[i] = settings[i].value != NULL;
        if (settings[i].value != NULL)
            keel_str_copy(out->setting_values[i], KEEL_PHP_FACTS_VALUE, settings[i].value);
    }

    zend_module_entry *module;
    ZEND_HASH_MAP_FOREACH_PTR(&module_registry, module)
    {
        add_extension(out, module->name);
    }
    ZEND_HASH_FOREACH_END();
    zend_llist_apply_with_argument(&zend_extensions, (llist_apply_with_arg_func_t)add_zend_extension, out);

    keel_statm_t m;
    if (keel_statm_read(getpid(), -1, &m) == 0)
        out->resident_bytes = m.resident;
}
