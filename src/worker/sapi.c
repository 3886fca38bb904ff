#include "worker/sapi.h"

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <syslog.h>

#include <main/SAPI.h>
#include <main/php.h>
#include <main/php_main.h>
#include <main/php_variables.h>
#include <Zend/zend_extensions.h>
#include <Zend/zend_ini.h>
#include <ext/standard/info.h>

#include "common/ini.h"
#include "common/log.h"
#include "ipc/message.h"
#include "worker/functions.h"
#include "worker/request.h"

/*
 * The SAPI name is "fpm-fcgi". OPcache only enables itself for SAPI names
 * it knows, and of those, PHP-FPM's is the one whose behaviour keel
 * reproduces: applications that test PHP_SAPI see exactly what they see
 * under PHP-FPM. docs/decisions.md records the alternatives.
 */
#define KEEL_SAPI_NAME "fpm-fcgi"

static keel_request_t *
current(void)
{
    return (keel_request_t *)SG(server_context);
}

/* The request, for a callback that reaches the worker's socket (output,
 * headers, the body). In a process PHP forked (pcntl_fork()) it ends that
 * process instead, quietly (keel_channel_guard): a forked child never
 * writes into another request's response or reads its body. */
static keel_request_t *
current_io(void)
{
    keel_request_t *req = SG(server_context);
    if (req != NULL)
        keel_channel_guard(&req->worker->ch);
    return req;
}

static size_t
keel_sapi_ub_write(const char *str, size_t len)
{
    keel_request_t *req = current_io();
    if (req == NULL)
        return len; /* output outside a request (startup warnings) is dropped */
    if (keel_request_output(req, str, len, false) != 0)
        php_handle_aborted_connection();
    return len;
}

static void
keel_sapi_flush(void *server_context)
{
    keel_request_t *req = server_context;
    if (req == NULL)
        return;
    keel_channel_guard(&req->worker->ch);
    /* As a failed write: the script stops here unless ignore_user_abort. */
    if (keel_request_output(req, NULL, 0, true) != 0)
        php_handle_aborted_connection();
}

static int
keel_sapi_send_headers(sapi_headers_struct *headers)
{
    keel_request_t *req = current_io();
    if (req == NULL || req->response_ended || req->boot)
        return SAPI_HEADER_SENT_SUCCESSFULLY; /* nobody to send them to */

    unsigned status = headers->http_response_code ? (unsigned)headers->http_response_code : 200;
    const char *reason = NULL;
    size_t reason_len = 0;
    /* "HTTP/1.1 404 Not Found" set by header(): keep the reason text. */
    if (headers->http_status_line) {
        const char *sp = strchr(headers->http_status_line, ' ');
        if (sp && (sp = strchr(sp + 1, ' ')) != NULL) {
            reason = sp + 1;
            reason_len = strlen(reason);
        }
    }

    size_t size = KEEL_IPC_RESP_HEAD_FIXED;
    if (reason_len)
        size += keel_ipc_kv_size(7, reason_len);
    zend_llist_position pos;
    for (sapi_header_struct *h = zend_llist_get_first_ex(&headers->headers, &pos); h;
         h = zend_llist_get_next_ex(&headers->headers, &pos))
        size += keel_ipc_kv_size(h->header_len, 0) + keel_ipc_kv_size(7, 0); /* room for a Status reason */

    uint8_t *p = keel_channel_put_reserve(&req->worker->ch, KEEL_IPC_RESP_HEAD, 0, req->stream, size);
    if (p == NULL)
        return SAPI_HEADER_SEND_FAILED;
    uint8_t *start = p;
    keel_ipc_resp_head_put(p, status);
    p += KEEL_IPC_RESP_HEAD_FIXED;
    if (reason_len)
        p += keel_ipc_kv_put(p, ":reason", 7, reason, reason_len);
    for (sapi_header_struct *h = zend_llist_get_first_ex(&headers->headers, &pos); h;
         h = zend_llist_get_next_ex(&headers->headers, &pos)) {
        const char *end = h->header + h->header_len;
        const char *colon = memchr(h->header, ':', h->header_len);
        /* header("Name") without a colon still goes out, empty, as PHP-FPM
         * passes it to nginx */
        size_t nlen = colon ? (size_t)(colon - h->header) : h->header_len;
        const char *v = colon ? colon + 1 : end;
        while (v < end && (*v == ' ' || *v == '\t'))
            v++;
        /* A CGI "Status:" header sets the status line, as with PHP-FPM
         * behind nginx, and is not sent itself. */
        if (nlen == 6 && strncasecmp(h->header, "status", 6) == 0) {
            unsigned code = (unsigned)strtoul(v, NULL, 10);
            if (code >= 100 && code <= 999) {
                keel_ipc_resp_head_put(start, code);
                const char *sp = memchr(v, ' ', (size_t)(end - v));
                if (sp && sp + 1 < end)
                    p += keel_ipc_kv_put(p, ":reason", 7, sp + 1, (size_t)(end - sp - 1));
            }
            continue;
        }
        p += keel_ipc_kv_put(p, h->header, nlen, v, (size_t)(end - v));
    }
    /* Entries skipped above leave slack; shrink the frame to what was
     * written by rewriting its length. */
    size_t used = (size_t)(p - start);
    if (used != size) {
        keel_channel_t *ch = &req->worker->ch;
        ch->out_len -= size - used;
        keel_ipc_header_t hdr = {.type = KEEL_IPC_RESP_HEAD,
                                 .flags = 0,
                                 .generation = ch->generation,
                                 .stream = req->stream,
                                 .length = (uint32_t)used};
        keel_ipc_header_encode(start - KEEL_IPC_HEADER_SIZE, &hdr);
    }
    return SAPI_HEADER_SENT_SUCCESSFULLY;
}

static size_t
keel_sapi_read_post(char *buf, size_t len)
{
    keel_request_t *req = current_io();
    return req ? keel_request_read_body(req, buf, len) : 0;
}

static char *
keel_sapi_read_cookies(void)
{
    keel_request_t *req = current();
    return req ? (char *)keel_request_param(req, "HTTP_COOKIE") : NULL;
}

static char *
keel_sapi_getenv(const char *name, size_t name_len)
{
    keel_request_t *req = current();
    if (req == NULL)
        return NULL;
    for (size_t i = 0; i < req->param_count; i++)
        if (req->params[i].name_len == name_len && memcmp(req->params[i].name, name, name_len) == 0)
            return (char *)req->params[i].value;
    return NULL;
}

/* PHP's own import of the process environment, kept to chain to. PHP
 * exposes the hook as a global function pointer; it is set once, in the
 * zygote, before PHP starts. */
static void (*process_environment_import)(zval *array);

static void
keel_sapi_register_variables(zval *track_vars)
{
    keel_request_t *req = current();
    if (req == NULL)
        return;
    /* As PHP-FPM builds it: the process environment first (all of keel's
     * without --clear-env; see worker/process_env.h), then the request's
     * parameters, which win. */
    process_environment_import(track_vars);
    for (size_t i = 0; i < req->param_count; i++) {
        const keel_param_t *p = &req->params[i];
        char *val = (char *)p->value;
        size_t new_len;
        if (sapi_module.input_filter(PARSE_SERVER, p->name, &val, p->value_len, &new_len))
            php_register_variable_safe(p->name, val, new_len, track_vars);
    }
    const char *script = keel_request_param(req, "SCRIPT_NAME");
    const char *info = keel_request_param(req, "PATH_INFO");
    size_t slen = script ? strlen(script) : 0, ilen = info ? strlen(info) : 0;
    char *self = emalloc(slen + ilen + 1);
    memcpy(self, script ? script : "", slen);
    memcpy(self + slen, info ? info : "", ilen);
    self[slen + ilen] = '\0';
    size_t self_len = slen + ilen;
    if (sapi_module.input_filter(PARSE_SERVER, "PHP_SELF", &self, self_len, &self_len))
        php_register_variable_safe("PHP_SELF", self, self_len, track_vars);
    efree(self);
}

/* getenv() without arguments and $_ENV: the process environment plus the
 * request's parameters, as PHP-FPM gives them. */
static void
keel_import_environment(zval *array)
{
    process_environment_import(array);
    keel_request_t *req = current();
    if (req == NULL)
        return;
    for (size_t i = 0; i < req->param_count; i++) {
        zval v;
        ZVAL_STRINGL(&v, req->params[i].value, req->params[i].value_len);
        zend_hash_str_update(Z_ARRVAL_P(array), req->params[i].name, req->params[i].name_len, &v);
    }
}

/* PHP hands its errors here (without an error_log file or syslog) with a
 * syslog priority: LOG_ERR for fatal errors, LOG_WARNING for warnings,
 * LOG_NOTICE for notices and error_log(), LOG_INFO for deprecations
 * (main.c's php_error_cb). keel's log has three levels. */
static void
keel_sapi_log_message(const char *message, int syslog_type)
{
    keel_log_level_t level = syslog_type <= LOG_ERR       ? KEEL_LOG_ERROR
                             : syslog_type == LOG_WARNING ? KEEL_LOG_WARN
                                                          : KEEL_LOG_INFO;
    keel_log(level, "PHP message: %s", message);
}

static zend_result
keel_sapi_get_request_time(double *request_time)
{
    keel_request_t *req = current();
    if (req == NULL)
        return FAILURE;
    *request_time = req->start_time;
    return SUCCESS;
}

static int
keel_sapi_startup(sapi_module_struct *module)
{
    return php_module_startup(module, NULL);
}

/* PHP keeps a pointer to its SAPI module for the life of the process, and
 * keel_php_startup fills in the ini entries before starting PHP: one per
 * process, set once in the zygote and inherited by every worker. */
static sapi_module_struct keel_sapi_module = {
    .name = KEEL_SAPI_NAME,
    .pretty_name = "keel",
    .startup = keel_sapi_startup,
    .shutdown = php_module_shutdown_wrapper,
    .ub_write = keel_sapi_ub_write,
    .flush = keel_sapi_flush,
    .getenv = keel_sapi_getenv,
    .sapi_error = php_error,
    .send_headers = keel_sapi_send_headers,
    .read_post = keel_sapi_read_post,
    .read_cookies = keel_sapi_read_cookies,
    .register_server_variables = keel_sapi_register_variables,
    .log_message = keel_sapi_log_message,
    .get_request_time = keel_sapi_get_request_time,
};

int
keel_php_startup(const keel_config_t *cfg, char *err, size_t errlen)
{
#ifdef ZEND_SIGNALS
    zend_signal_startup();
#endif
    sapi_startup(&keel_sapi_module);
    keel_sapi_module.php_ini_ignore_cwd = 1;
    if (cfg->php_ini)
        keel_sapi_module.php_ini_path_override = strdup(cfg->php_ini);
    /* Production default: OPcache never stats files; code changes arrive
     * with a reload (a new generation). -d (or --watch) decides otherwise. */
    const char *entries[KEEL_MAX_INI_ENTRIES + 2];
    size_t count = 0;
    if (keel_config_ini_value(cfg, "opcache.validate_timestamps") == NULL && !cfg->watch)
        entries[count++] = "opcache.validate_timestamps=0";
    /* OPcache restarts itself in place only when it is full and wastes more
     * than this; keel replaces the generation well before (at PHP's usual
     * 5%, see the zygote's PHP_INFO), so by default OPcache is told to
     * tolerate the most PHP allows, and a full cache merely stops caching
     * until the new generation takes over. */
    if (keel_config_ini_value(cfg, "opcache.max_wasted_percentage") == NULL)
        entries[count++] = "opcache.max_wasted_percentage=50";
    for (size_t i = 0; i < cfg->ini_count; i++)
        entries[count++] = cfg->ini[i];
    keel_sapi_module.ini_entries = keel_ini_entries_build(entries, count);
    keel_sapi_module.additional_functions = keel_php_functions;
    if (keel_sapi_module.ini_entries == NULL) {
        snprintf(err, errlen, "out of memory building php.ini entries");
        return -1;
    }
    process_environment_import = php_import_environment_variables;
    php_import_environment_variables = keel_import_environment;
    if (keel_sapi_module.startup(&keel_sapi_module) == FAILURE) {
        if (PG(last_error_message))
            snprintf(err, errlen, "%s in %s on line %d", ZSTR_VAL(PG(last_error_message)),
                     PG(last_error_file) ? ZSTR_VAL(PG(last_error_file)) : "?", PG(last_error_lineno));
        else
            snprintf(err, errlen, "see the messages logged above");
        return -1;
    }
    return 0;
}

void
keel_php_shutdown(void)
{
    php_module_shutdown();
    sapi_shutdown();
    free(keel_sapi_module.ini_entries);
    keel_sapi_module.ini_entries = NULL;
    free(keel_sapi_module.php_ini_path_override);
    keel_sapi_module.php_ini_path_override = NULL;
}

void
keel_php_settings(keel_php_setting_t *settings, size_t count, char *buf, size_t buflen)
{
    for (size_t i = 0; i < count; i++) {
        if (settings[i].value == buf) {
            /* what sys_get_temp_dir() answers: sys_temp_dir, else TMPDIR, else /tmp */
            const char *dir = zend_ini_string((char *)"sys_temp_dir", sizeof("sys_temp_dir") - 1, 0);
            if (dir == NULL || dir[0] == '\0')
                dir = getenv("TMPDIR");
            snprintf(buf, buflen, "%s", dir && dir[0] ? dir : "/tmp");
            continue;
        }
        settings[i].value = zend_ini_string((char *)settings[i].name, strlen(settings[i].name), 0);
    }
}

bool
keel_php_opcache_enabled(void)
{
    return zend_get_extension("Zend OPcache") != NULL &&
           zend_ini_long("opcache.enable", sizeof("opcache.enable") - 1, 0);
}
