#include "worker/integrations.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <main/php.h>
#include <main/php_main.h>
#include <main/php_streams.h>
#include <Zend/zend_compile.h>
#include <Zend/zend_execute.h>
#include <Zend/zend_stream.h>

/* Where to look, in order: the source tree keel was built from (so a build
 * uses the integrations of its own checkout, also when the binary is
 * copied elsewhere), then where `meson install` puts them. */
static const char *const candidates[] = {KEEL_INTEGRATIONS_SOURCE_DIR, KEEL_INTEGRATIONS_INSTALL_DIR};

static char dir[PATH_MAX];
static zend_class_entry *(*next_autoload)(zend_string *name, zend_string *lc_name);

static const char prefix[] = "keel\\"; /* compared with the lowercase name */
#define PREFIX_LEN (sizeof(prefix) - 1)

/* The file of class `name` ("Keel\Laravel\Worker"), into path; false when
 * the name has no part after the framework's, or a part that is not a
 * plain identifier (nothing may climb out of the folder). */
static bool
class_file(const char *name, size_t len, char *path, size_t size)
{
    size_t n = (size_t)snprintf(path, size, "%s/", dir);
    bool first = true; /* the framework's folder, lowercase */
    size_t part = 0, parts = 1;
    for (size_t i = PREFIX_LEN; i < len; i++) {
        char c = name[i];
        if (c == '\\') {
            if (part == 0)
                return false;
            c = '/';
            first = false;
            part = 0;
            parts++;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') {
            if (first && c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            part++;
        } else {
            return false;
        }
        if (n + 1 >= size)
            return false;
        path[n++] = c;
    }
    if (part == 0 || parts < 2 || n + sizeof(".php") > size)
        return false;
    memcpy(path + n, ".php", sizeof(".php"));
    return true;
}

/* Compiles and runs `path` as `require` would, once; as SPL's own
 * spl_autoload() does, so OPcache caches it like any other file. */
static void
require_once_file(const char *path)
{
    zend_string *file = zend_string_init(path, strlen(path), 0);
    zend_file_handle fh;
    zend_stream_init_filename_ex(&fh, file);
    if (php_stream_open_for_zend_ex(&fh, STREAM_OPEN_FOR_INCLUDE) == SUCCESS) {
        if (fh.opened_path == NULL)
            fh.opened_path = zend_string_copy(file);
        zval dummy;
        ZVAL_NULL(&dummy);
        zend_op_array *op = zend_hash_add(&EG(included_files), fh.opened_path, &dummy) != NULL
                                ? zend_compile_file(&fh, ZEND_REQUIRE)
                                : NULL;
        if (op != NULL) {
            zval result;
            ZVAL_UNDEF(&result);
            zend_execute(op, &result);
            destroy_op_array(op);
            efree(op);
            if (EG(exception) == NULL)
                zval_ptr_dtor(&result);
        }
    }
    zend_destroy_file_handle(&fh);
    zend_string_release(file);
}

static zend_class_entry *
autoload(zend_string *name, zend_string *lc_name)
{
    char path[PATH_MAX];
    struct stat st;
    if (ZSTR_LEN(lc_name) > PREFIX_LEN && memcmp(ZSTR_VAL(lc_name), prefix, PREFIX_LEN) == 0 &&
        ZSTR_LEN(name) == ZSTR_LEN(lc_name) && class_file(ZSTR_VAL(name), ZSTR_LEN(name), path, sizeof(path)) &&
        stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        require_once_file(path);
        zend_class_entry *ce = zend_hash_find_ptr(EG(class_table), lc_name);
        if (ce != NULL || EG(exception) != NULL)
            return ce;
    }
    return next_autoload != NULL ? next_autoload(name, lc_name) : NULL;
}

const char *
keel_integrations_dir(void)
{
    if (dir[0] != '\0')
        return dir;
    for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
        struct stat st;
        if (realpath(candidates[i], dir) != NULL && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
            return dir;
        dir[0] = '\0';
    }
    return NULL;
}

void
keel_integrations_autoload_install(void)
{
    if (zend_autoload == autoload || keel_integrations_dir() == NULL)
        return;
    next_autoload = zend_autoload;
    zend_autoload = autoload;
}
