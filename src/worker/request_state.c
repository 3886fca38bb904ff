#include "worker/request_state.h"

#include <locale.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <main/php.h>
#include <Zend/zend_API.h>
#include <Zend/zend_operators.h>
#include <Zend/zend_stack.h>
#include <ext/date/php_date.h>
#include <ext/libxml/php_libxml.h>
/* mbstring's header has an inline function that compares signed with
 * unsigned; it is PHP's code, not keel's. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <ext/mbstring/mbstring.h>
#pragma GCC diagnostic pop
#include <ext/random/php_random.h>
#include <ext/standard/basic_functions.h>
#include <ext/standard/php_filestat.h>
#include <ext/standard/url_scanner_ex.h>

#include "common/log.h"
#include "worker/php_call.h"
#include "worker/request_callbacks.h"
#include "worker/request_signals.h"

/* An extension's globals: PHP does not export them by name, but the module
 * entry carries their address (non-thread-safe builds). NULL when the
 * extension is not loaded, or its globals are not `size` bytes (at least
 * `size` when !exact). */
static void *
module_globals(const char *name, size_t size, bool exact)
{
    zend_module_entry *m = zend_hash_str_find_ptr(&module_registry, name, strlen(name));
    if (m == NULL || m->globals_size < size || (exact && m->globals_size != size))
        return NULL;
    return m->globals_ptr;
}

/* Calls `name` with the one string argument arg; true when it returned
 * true. */
static bool
call_with_string(const char *name, const char *arg)
{
    zval a, ret;
    ZVAL_STRING(&a, arg);
    bool ok = keel_php_call(name, 1, &a, &ret) && Z_TYPE(ret) == IS_TRUE;
    zval_ptr_dtor(&ret);
    zval_ptr_dtor(&a);
    return ok;
}

/* True when a and b are the same handler or setting; unset (UNDEF) and
 * null alike. */
static bool
same_setting(zval *a, zval *b)
{
    bool a_unset = Z_TYPE_P(a) <= IS_NULL, b_unset = Z_TYPE_P(b) <= IS_NULL;
    if (a_unset || b_unset)
        return a_unset == b_unset;
    return zend_is_identical(a, b);
}

/* libxml_use_internal_errors() as the worker script left it, and no error
 * a request collected under it: the errors describe that request's
 * documents, and kept on, they pile up for the worker's life. (PHP's own
 * per-request reset of libxml also frees the list.) The entity loader and
 * the streams context go back to the worker script's too: a request's may
 * hold that request's data (a closure over it, a context with a user's
 * credentials), and PHP drops both after every request. */
static void
restore_libxml(keel_request_state_t *s)
{
    zend_libxml_globals *x = s->xml;
    /* internal errors are on exactly when there is an error list */
    if ((x->error_list != NULL) != s->xml_internal_errors) {
        zval arg;
        ZVAL_BOOL(&arg, s->xml_internal_errors);
        keel_php_call("libxml_use_internal_errors", 1, &arg, NULL);
    }
    if (x->error_list != NULL && zend_llist_count(x->error_list) != 0)
        keel_php_call("libxml_clear_errors", 0, NULL, NULL);
    if (!same_setting(&x->entity_loader.callback, &s->xml_entity_loader)) {
        /* through the function, which also (un)installs libxml's hook */
        zval arg;
        if (Z_ISUNDEF(s->xml_entity_loader))
            ZVAL_NULL(&arg);
        else
            ZVAL_COPY_VALUE(&arg, &s->xml_entity_loader);
        keel_php_call("libxml_set_external_entity_loader", 1, &arg, NULL);
    }
    if (!same_setting(&x->stream_context, &s->xml_streams_context)) {
        zval_ptr_dtor(&x->stream_context);
        ZVAL_UNDEF(&x->stream_context);
        if (!Z_ISUNDEF(s->xml_streams_context))
            ZVAL_COPY(&x->stream_context, &s->xml_streams_context);
    }
}

/* Two mbstring regex settings live where keel cannot read them (the regex
 * globals are private to mbstring, and its accessors are not exported):
 * mb_regex_encoding() and the string mb_ereg_search_init() keeps for the
 * mb_ereg_search*() functions, which under PHP-FPM are dropped after each
 * request (the string is the request's data). So the two functions are
 * wrapped, a call is noted, and only then is the function called again
 * after the request: with the worker script's encoding, and with an empty
 * string in place of the request's. Process-wide because PHP calls the
 * wrappers without any context of keel's; a worker runs one request at a
 * time. */
static zif_handler mb_regex_encoding_handler, mb_ereg_search_init_handler;
static bool mb_regex_encoding_set, mb_ereg_search_used;
/* mb_regex_set_options() too. PHP-FPM keeps those from one request of a
 * child to the next (mbstring never resets them); they are still a
 * request's choice, not the worker script's. */
static zif_handler mb_regex_set_options_handler;
static bool mb_regex_options_set;

static PHP_FUNCTION(keel_mb_regex_encoding)
{
    if (ZEND_NUM_ARGS() > 0)
        mb_regex_encoding_set = true;
    mb_regex_encoding_handler(INTERNAL_FUNCTION_PARAM_PASSTHRU);
}

static PHP_FUNCTION(keel_mb_ereg_search_init)
{
    mb_ereg_search_used = true;
    mb_ereg_search_init_handler(INTERNAL_FUNCTION_PARAM_PASSTHRU);
}

static PHP_FUNCTION(keel_mb_regex_set_options)
{
    if (ZEND_NUM_ARGS() > 0)
        mb_regex_options_set = true;
    mb_regex_set_options_handler(INTERNAL_FUNCTION_PARAM_PASSTHRU);
}

/* Installs its wrapper; returns the options in force (as the function
 * gives them, malloc'd), or NULL. */
static char *
hook_mb_regex_options(void)
{
    zend_function *fn = keel_php_function("mb_regex_set_options");
    if (fn == NULL)
        return NULL;
    zval ret;
    keel_php_call("mb_regex_set_options", 0, NULL, &ret);
    char *options = Z_TYPE(ret) == IS_STRING ? strdup(Z_STRVAL(ret)) : NULL;
    zval_ptr_dtor(&ret);
    if (options == NULL)
        return NULL;
    keel_php_wrap(fn, zif_keel_mb_regex_set_options, &mb_regex_set_options_handler);
    mb_regex_options_set = false;
    return options;
}

/* Installs the wrappers; returns the regex encoding in force (malloc'd),
 * or NULL when mbstring has no regex functions. */
static char *
hook_mb_regex(void)
{
    zend_function *enc = keel_php_function("mb_regex_encoding");
    zend_function *init = keel_php_function("mb_ereg_search_init");
    if (enc == NULL || init == NULL)
        return NULL;
    zval ret;
    keel_php_call("mb_regex_encoding", 0, NULL, &ret);
    char *name = Z_TYPE(ret) == IS_STRING ? strdup(Z_STRVAL(ret)) : NULL;
    zval_ptr_dtor(&ret);
    if (name == NULL)
        return NULL;
    keel_php_wrap(enc, zif_keel_mb_regex_encoding, &mb_regex_encoding_handler);
    keel_php_wrap(init, zif_keel_mb_ereg_search_init, &mb_ereg_search_init_handler);
    mb_regex_encoding_set = mb_ereg_search_used = false;
    return name;
}

static void
restore_mb_regex_options(const char *options)
{
    if (!mb_regex_options_set)
        return;
    mb_regex_options_set = false;
    zval arg, ret;
    ZVAL_STRING(&arg, options);
    keel_php_call("mb_regex_set_options", 1, &arg, &ret);
    if (Z_TYPE(ret) != IS_STRING)
        keel_warn("cannot set mb_regex_set_options() back to %s", options);
    zval_ptr_dtor(&ret);
    zval_ptr_dtor(&arg);
}

static void
restore_mb_regex(const char *encoding)
{
    if (mb_regex_encoding_set) {
        mb_regex_encoding_set = false;
        if (!call_with_string("mb_regex_encoding", encoding))
            keel_warn("cannot set mb_regex_encoding() back to %s", encoding);
    }
    if (mb_ereg_search_used) {
        mb_ereg_search_used = false;
        if (!call_with_string("mb_ereg_search_init", ""))
            keel_warn("cannot drop the request's mb_ereg_search_init() string");
    }
}

static void
snapshot_mbstring(keel_request_state_t *s)
{
    zend_mbstring_globals *mb = s->mb;
    s->mb_internal = mb->current_internal_encoding;
    s->mb_http_output = mb->current_http_output_encoding;
    s->mb_illegal_mode = mb->current_filter_illegal_mode;
    s->mb_illegal_char = mb->current_filter_illegal_substchar;
    size_t n = mb->current_detect_order_list_size;
    s->mb_detect_order = n != 0 ? malloc(n * sizeof(*s->mb_detect_order)) : NULL;
    if (s->mb_detect_order != NULL) {
        memcpy(s->mb_detect_order, mb->current_detect_order_list, n * sizeof(*s->mb_detect_order));
        s->mb_detect_order_size = n;
    } else if (n != 0) {
        keel_warn("out of memory noting mb_detect_order(); requests may change it for the next ones");
    }
    s->mb_regex_encoding = hook_mb_regex();
    s->mb_regex_options = hook_mb_regex_options();
}

/* output_add_rewrite_var() and the session's transparent ids keep their
 * variables and the URL rewriter's state in the standard extension's
 * globals, which PHP clears after every request (its URL scanner's request
 * shutdown and startup, not exported). Kept, the rewriter would stay marked
 * active: the next request's output_add_rewrite_var() would install no
 * rewriter, and its variables would join the previous request's. */
static void
forget_url_rewriter(url_adapt_state_ex_t *ctx)
{
    smart_str_free(&ctx->tag);
    smart_str_free(&ctx->arg);
    smart_str_free(&ctx->val);
    smart_str_free(&ctx->buf);
    smart_str_free(&ctx->result);
    smart_str_free(&ctx->form_app);
    smart_str_free(&ctx->url_app);
    smart_str_free(&ctx->attr_val);
    /* what PHP zeroes when a request starts; the tag table after it stays */
    memset(ctx, 0, offsetof(url_adapt_state_ex_t, tags));
}

static void
forget_url_rewriters(void)
{
    forget_url_rewriter(&BG(url_adapt_session_ex));
    forget_url_rewriter(&BG(url_adapt_output_ex));
}

/* $_ENV as the worker script left it. PHP builds it afresh for every
 * PHP-FPM request; in worker mode it is built once, so what a request
 * wrote there (Dotenv run per request, an app's own cache of a user's
 * data) would reach every later request. It is built now if no code has
 * named it yet (auto_globals_jit), so that there is a worker script's
 * version to go back to. */
static void
snapshot_env_array(keel_request_state_t *s)
{
    ZVAL_UNDEF(&s->env_array);
    zend_is_auto_global(ZSTR_KNOWN(ZEND_STR_AUTOGLOBAL_ENV));
    zval *env = zend_hash_find(&EG(symbol_table), ZSTR_KNOWN(ZEND_STR_AUTOGLOBAL_ENV));
    if (env != NULL) {
        ZVAL_DEREF(env);
        if (Z_TYPE_P(env) == IS_ARRAY)
            ZVAL_COPY(&s->env_array, env);
    }
}

/* The array is shared with the snapshot, so a request that wrote to
 * $_ENV has a copy of its own: the same array means nothing changed (the
 * common case, a pointer comparison). Replacing the variable also undoes
 * a reference a request made to it. */
static void
restore_env_array(keel_request_state_t *s)
{
    if (Z_TYPE(s->env_array) != IS_ARRAY)
        return;
    zval *env = zend_hash_find(&EG(symbol_table), ZSTR_KNOWN(ZEND_STR_AUTOGLOBAL_ENV));
    if (env != NULL && Z_TYPE_P(env) == IS_ARRAY && Z_ARR_P(env) == Z_ARR(s->env_array))
        return;
    Z_ADDREF(s->env_array);
    zend_hash_update(&EG(symbol_table), ZSTR_KNOWN(ZEND_STR_AUTOGLOBAL_ENV), &s->env_array);
}

void
keel_request_state_snapshot(keel_request_state_t *s)
{
    ALLOC_HASHTABLE(s->env_keys);
    zend_hash_init(s->env_keys, 8, NULL, ZVAL_PTR_DTOR, 0);
    zend_string *name;
    ZEND_HASH_FOREACH_STR_KEY(&BG(putenv_ht), name)
    {
        if (name == NULL)
            continue;
        /* the setting that gives the variable its value now: "NAME=value",
         * or "NAME" when the script unset it */
        const char *value = getenv(ZSTR_VAL(name));
        zval setting;
        ZVAL_STR(&setting, value != NULL ? zend_strpprintf(0, "%s=%s", ZSTR_VAL(name), value) : zend_string_copy(name));
        zend_hash_add(s->env_keys, name, &setting);
    }
    ZEND_HASH_FOREACH_END();
    /* umask() has no read-only form: read it by setting it back. */
    s->umask = umask(0);
    umask(s->umask);
    BG(umask) = -1; /* from here on, a change is a request's */
    const char *loc = setlocale(LC_ALL, NULL);
    s->locale = loc ? strdup(loc) : NULL;
    s->ctype = BG(ctype_string) ? zend_string_copy(BG(ctype_string)) : NULL;
    BG(locale_changed) = 0;
    ZVAL_COPY(&s->error_handler, &EG(user_error_handler));
    s->error_handler_reporting = EG(user_error_handler_error_reporting);
    s->error_handlers_below = zend_stack_count(&EG(user_error_handlers));
    ZVAL_COPY(&s->exception_handler, &EG(user_exception_handler));
    s->exception_handlers_below = zend_stack_count(&EG(user_exception_handlers));
    /* mbstring's globals end differently depending on whether it was built
     * with its regex functions (Debian's is, PHP's own configuration header
     * says not): they must hold the leading part, where keel's fields are. */
    s->mb =
        module_globals("mbstring", offsetof(zend_mbstring_globals, http_output_conv_mimetypes) + sizeof(void *), false);
    if (s->mb != NULL)
        snapshot_mbstring(s);
    s->xml = module_globals("libxml", sizeof(zend_libxml_globals), true);
    s->xml_internal_errors = s->xml != NULL && s->xml->error_list != NULL;
    ZVAL_UNDEF(&s->xml_entity_loader);
    ZVAL_UNDEF(&s->xml_streams_context);
    if (s->xml != NULL) {
        if (!Z_ISUNDEF(s->xml->entity_loader.callback))
            ZVAL_COPY(&s->xml_entity_loader, &s->xml->entity_loader.callback);
        if (!Z_ISUNDEF(s->xml->stream_context))
            ZVAL_COPY(&s->xml_streams_context, &s->xml->stream_context);
    }
    s->date = module_globals("date", sizeof(zend_date_globals), true);
    s->timezone = s->date != NULL && s->date->timezone != NULL ? estrdup(s->date->timezone) : NULL;
    /* Rewrite variables are a request's: none carries over from booting,
     * so the first request starts as every later one does. */
    forget_url_rewriters();
    snapshot_env_array(s);
    keel_request_callbacks_snapshot();
    keel_request_signals_watch();
}

/* The zone date_default_timezone_set() chose; NULL means date.timezone.
 * Only the string is replaced: the extension's cache of parsed zones stays,
 * since DateTime objects the script kept may point into it. */
static void
restore_timezone(const keel_request_state_t *s)
{
    zend_date_globals *date = s->date;
    if (date == NULL)
        return;
    if (date->timezone == s->timezone ||
        (date->timezone != NULL && s->timezone != NULL && strcmp(date->timezone, s->timezone) == 0))
        return;
    if (date->timezone != NULL)
        efree(date->timezone);
    date->timezone = s->timezone != NULL ? estrdup(s->timezone) : NULL;
}

/* Puts `boot` in *current unless it is there already. */
static void
set_handler(zval *current, zval *boot)
{
    if (same_setting(current, boot))
        return;
    zval old;
    ZVAL_COPY_VALUE(&old, current);
    ZVAL_COPY(current, boot);
    zval_ptr_dtor(&old);
}

/* Handlers a request pushed are popped as restore_error_handler() and
 * restore_exception_handler() pop them; the one in force is then the
 * script's own. (A request that popped the script's handlers cannot get
 * those below the one in force back.) */
static void
restore_handlers(keel_request_state_t *s)
{
    while (zend_stack_count(&EG(user_error_handlers)) > s->error_handlers_below) {
        zval old;
        ZVAL_COPY_VALUE(&old, &EG(user_error_handler));
        EG(user_error_handler_error_reporting) = zend_stack_int_top(&EG(user_error_handlers_error_reporting));
        zend_stack_del_top(&EG(user_error_handlers_error_reporting));
        ZVAL_COPY_VALUE(&EG(user_error_handler), (zval *)zend_stack_top(&EG(user_error_handlers)));
        zend_stack_del_top(&EG(user_error_handlers));
        zval_ptr_dtor(&old);
    }
    set_handler(&EG(user_error_handler), &s->error_handler);
    EG(user_error_handler_error_reporting) = s->error_handler_reporting;
    while (zend_stack_count(&EG(user_exception_handlers)) > s->exception_handlers_below) {
        zval old;
        ZVAL_COPY_VALUE(&old, &EG(user_exception_handler));
        ZVAL_COPY_VALUE(&EG(user_exception_handler), (zval *)zend_stack_top(&EG(user_exception_handlers)));
        zend_stack_del_top(&EG(user_exception_handlers));
        zval_ptr_dtor(&old);
    }
    set_handler(&EG(user_exception_handler), &s->exception_handler);
}

/* A variable the worker script set with putenv() while booting, and a
 * request set again, gets the script's value back through putenv() itself:
 * its entries in putenv_ht are private to PHP. */
static void
restore_boot_env(const keel_request_state_t *s)
{
    zend_string *name;
    zval *setting;
    ZEND_HASH_FOREACH_STR_KEY_VAL(s->env_keys, name, setting)
    {
        const char *now = getenv(ZSTR_VAL(name));
        const char *eq = memchr(Z_STRVAL_P(setting), '=', Z_STRLEN_P(setting));
        const char *boot = eq != NULL ? eq + 1 : NULL;
        if (now == boot || (now != NULL && boot != NULL && strcmp(now, boot) == 0))
            continue;
        if (!call_with_string("putenv", Z_STRVAL_P(setting)))
            keel_warn("cannot set %s back to the worker script's value", ZSTR_VAL(name));
    }
    ZEND_HASH_FOREACH_END();
}

/* Variables a request set with putenv() get their earlier values back:
 * deleting an entry of putenv_ht does that (its destructor). */
static void
restore_env(const keel_request_state_t *s)
{
    HashTable *env = &BG(putenv_ht);
    if (zend_hash_num_elements(s->env_keys) != 0)
        restore_boot_env(s);
    if (zend_hash_num_elements(env) == zend_hash_num_elements(s->env_keys))
        return; /* no new names (the common case: none at all) */
    zend_string *name;
    uint32_t n = 0;
    zend_string **gone = safe_emalloc(zend_hash_num_elements(env), sizeof(*gone), 0);
    ZEND_HASH_FOREACH_STR_KEY(env, name)
    {
        if (name != NULL && !zend_hash_exists(s->env_keys, name))
            gone[n++] = zend_string_copy(name);
    }
    ZEND_HASH_FOREACH_END();
    for (uint32_t i = 0; i < n; i++) {
        zend_hash_del(env, gone[i]);
        zend_string_release(gone[i]);
    }
    efree(gone);
}

static void
restore_mbstring(const keel_request_state_t *s)
{
    zend_mbstring_globals *mb = s->mb;
    /* encodings are static descriptions: only pointers change */
    mb->current_internal_encoding = s->mb_internal;
    mb->current_http_output_encoding = s->mb_http_output;
    mb->current_filter_illegal_mode = s->mb_illegal_mode;
    mb->current_filter_illegal_substchar = s->mb_illegal_char;
    size_t n = s->mb_detect_order_size;
    if (s->mb_detect_order != NULL &&
        (mb->current_detect_order_list_size != n ||
         memcmp(mb->current_detect_order_list, s->mb_detect_order, n * sizeof(*s->mb_detect_order)) != 0)) {
        /* mb_detect_order() frees the list it replaces: a fresh copy */
        const mbfl_encoding **list = safe_emalloc(n, sizeof(*list), 0);
        memcpy(list, s->mb_detect_order, n * sizeof(*list));
        if (mb->current_detect_order_list != NULL)
            efree(ZEND_VOIDP(mb->current_detect_order_list));
        mb->current_detect_order_list = list;
        mb->current_detect_order_list_size = n;
    }
    if (s->mb_regex_encoding != NULL)
        restore_mb_regex(s->mb_regex_encoding);
    if (s->mb_regex_options != NULL)
        restore_mb_regex_options(s->mb_regex_options);
}

/* strtok() keeps the string it tokenizes between calls: a request's
 * string, which the next request's strtok($token) would go on with. PHP
 * drops it after every request. */
static void
forget_strtok(void)
{
    if (BG(strtok_string) == NULL)
        return;
    zend_string_release(BG(strtok_string));
    BG(strtok_string) = NULL;
    BG(strtok_last) = NULL;
}

void
keel_request_state_restore(keel_request_state_t *s)
{
    forget_url_rewriters();
    /* PHP remembers the last file it stat()ed; the file may change before
     * the next request asks again. */
    php_clear_stat_cache(0, NULL, 0);
    forget_strtok();
    restore_env(s);
    restore_env_array(s);
    keel_request_callbacks_restore();
    if (BG(umask) != -1) {
        umask(s->umask);
        BG(umask) = -1;
    }
    if (BG(locale_changed)) {
        if (s->locale != NULL && setlocale(LC_ALL, s->locale) == NULL)
            keel_warn("cannot set the locale back to %s", s->locale);
        zend_update_current_locale();
        if (BG(ctype_string) != NULL)
            zend_string_release(BG(ctype_string));
        BG(ctype_string) = s->ctype ? zend_string_copy(s->ctype) : NULL;
        BG(locale_changed) = 0;
    }
    restore_handlers(s);
    keel_request_signals_restore();
    restore_timezone(s);
    if (s->xml != NULL)
        restore_libxml(s);
    if (s->mb != NULL)
        restore_mbstring(s);
    /* As after each PHP-FPM request: the next mt_rand(), rand() or
     * lcg_value() seeds itself afresh, so one request's mt_srand() does not
     * make the next ones' numbers predictable. */
    RANDOM_G(mt19937_seeded) = false;
    RANDOM_G(combined_lcg_seeded) = false;
}
