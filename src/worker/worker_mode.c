#include "worker/worker_mode.h"

#include <stdlib.h>
#include <string.h>

#include <main/SAPI.h>
#include <main/php.h>
#include <main/php_main.h>
#include <main/php_output.h>
#include <main/php_variables.h>
#include <Zend/zend_exceptions.h>
#include <Zend/zend_ini.h>
#include <ext/session/php_session.h>
#include <ext/standard/basic_functions.h>
#include <ext/spl/spl_exceptions.h>

#include "common/log.h"
#include "ipc/message.h"
#include "worker/intake.h"
#include "worker/opcache_report.h"
#include "worker/request_ini.h"
#include "worker/request_state.h"

/* --- the per-request reset, inside the long-running script --- */

/* Rebuilds the superglobals from the current request. $_FILES is dropped
 * first because parsing a multipart $_POST refills it; $_ENV is left alone
 * (it describes the process, not the request); $GLOBALS belongs to the app.
 *
 * A just-in-time global ($_SERVER, $_REQUEST with auto_globals_jit) that
 * no code compiled in this worker has named is still armed: PHP builds it
 * from the current request when the first code naming it is compiled or
 * loaded from OPcache, as under PHP-FPM. Until then it is left unbuilt;
 * building $_SERVER was the largest part of a small request's cost. Once
 * built it stays wanted, because the code that named it stays loaded. */
static void
rebuild_superglobals(void)
{
    zval *files = &PG(http_globals)[TRACK_VARS_FILES];
    zval_ptr_dtor_nogc(files);
    ZVAL_UNDEF(files);

    zend_string *env = ZSTR_KNOWN(ZEND_STR_AUTOGLOBAL_ENV);
    zend_auto_global *ag;
    /* Registration order is $_GET, $_POST, $_COOKIE, $_SERVER, $_ENV,
     * $_REQUEST, $_FILES: $_REQUEST is built after its sources. Code is
     * already compiled, so just-in-time globals must be filled now too. */
    ZEND_HASH_MAP_FOREACH_PTR(CG(auto_globals), ag)
    {
        if (ag->name == env || ag->auto_global_callback == NULL || zend_string_equals_literal(ag->name, "GLOBALS"))
            continue;
        if (ag->jit && ag->armed)
            continue;
        ag->armed = ag->auto_global_callback(ag->name);
    }
    ZEND_HASH_FOREACH_END();
}

/* Extensions whose request state must not outlive a request: the session
 * (its id and data) and filter (which keeps a raw copy of every request
 * variable). Their request shutdown and startup run around each request. */
static const char *const per_request_modules[] = {"session", "filter"};

static void
cycle_modules(int startup)
{
    for (size_t i = 0; i < sizeof(per_request_modules) / sizeof(per_request_modules[0]); i++) {
        const char *name = per_request_modules[i];
        zend_module_entry *m = zend_hash_str_find_ptr(&module_registry, name, strlen(name));
        if (m == NULL)
            continue;
        if (startup && m->request_startup_func)
            m->request_startup_func(m->type, m->module_number);
        else if (!startup && m->request_shutdown_func)
            m->request_shutdown_func(m->type, m->module_number);
    }
}

/* error_get_last() starts empty in every request, as under PHP-FPM: the
 * previous request's error (its message may quote that request's data)
 * is not the next one's. */
static void
clear_last_error(void)
{
    PG(last_error_type) = 0;
    PG(last_error_lineno) = 0;
    if (PG(last_error_message) != NULL) {
        zend_string_release(PG(last_error_message));
        PG(last_error_message) = NULL;
    }
    if (PG(last_error_file) != NULL) {
        zend_string_release(PG(last_error_file));
        PG(last_error_file) = NULL;
    }
}

/* php_request_startup()'s per-request part, without re-activating the
 * engine the script is running in. */
static void
request_startup(void)
{
    clear_last_error();
    php_output_activate();
    PG(header_is_being_sent) = 0;
    PG(connection_status) = PHP_CONNECTION_NORMAL;
    sapi_activate();
    zend_set_timeout(EG(timeout_seconds), 0);
    if (PG(expose_php) && !SG(headers_sent))
        sapi_add_header(SAPI_PHP_VERSION_HEADER, sizeof(SAPI_PHP_VERSION_HEADER) - 1, 1);
    if (PG(output_handler) && PG(output_handler)[0]) {
        zval oh;
        ZVAL_STRING(&oh, PG(output_handler));
        php_output_start_user(&oh, 0, PHP_OUTPUT_HANDLER_STDFLAGS);
        zval_ptr_dtor(&oh);
    } else if (PG(output_buffering)) {
        php_output_start_user(NULL, PG(output_buffering) > 1 ? PG(output_buffering) : 0, PHP_OUTPUT_HANDLER_STDFLAGS);
    } else if (PG(implicit_flush)) {
        php_output_set_implicit_flush(1);
    }
    cycle_modules(1);
    rebuild_superglobals();
}

/* A bailout during startup (a fatal error while parsing the body) leaves
 * the request half set up; the callable still runs and PHP reports.
 * While it runs, PHP must see a request starting, not a script running
 * keel_handle_request(): an error here (a body over post_max_size, too
 * many uploads) then reads "PHP Request Startup: ..." in Unknown on line
 * 0 and is displayed per display_startup_errors, as under PHP-FPM. There
 * no script has set an error handler yet, so the worker script's is put
 * aside meanwhile: PHP logs the error, and the request finds it in
 * error_get_last() (a framework's handler would throw it, with no frame
 * to throw from, and fail the request). */
static void
request_startup_guarded(void)
{
    zend_execute_data *running = EG(current_execute_data);
    zval handler;
    ZVAL_COPY_VALUE(&handler, &EG(user_error_handler));
    ZVAL_UNDEF(&EG(user_error_handler));
    EG(current_execute_data) = NULL;
    PG(during_request_startup) = 1;
    zend_try
    {
        request_startup();
    }
    zend_end_try();
    PG(during_request_startup) = 0;
    EG(current_execute_data) = running;
    ZVAL_COPY_VALUE(&EG(user_error_handler), &handler);
}

/* An open session is written and closed (the session module's own
 * request shutdown), and $_SESSION forgotten, so the next request starts
 * without one as it would under PHP-FPM. */
static void
close_session(void)
{
    cycle_modules(0);
    zend_hash_str_del(&EG(symbol_table), "_SESSION", sizeof("_SESSION") - 1);
}

/* PHP keeps a request's body (php://input, POST data) in a temp stream
 * that sapi_deactivate() only forgets: an ordinary request frees it with
 * the rest of its resources, but a worker-mode request never ends that
 * way, so every body would stay for the worker's life. It is closed here,
 * unless a php://input stream is still open: that one reads the body
 * directly and would read freed memory, so the body is kept then (a small
 * leak rather than a corrupted heap). */
static void
close_request_body(php_stream *body)
{
    bool live = false;
    zend_resource *res;
    ZEND_HASH_FOREACH_PTR(&EG(regular_list), res)
    {
        if (res->type != php_file_le_stream() || res->ptr == NULL)
            continue;
        php_stream *s = res->ptr;
        if (s == body)
            live = true;
        else if (s->ops != NULL && s->ops->label != NULL && strcmp(s->ops->label, "Input") == 0)
            return;
    }
    ZEND_HASH_FOREACH_END();
    if (live)
        php_stream_close(body);
}

/* The first entry the request registered, or false. */
static bool
next_request_shutdown_function(const keel_worker_t *w, zend_ulong *first)
{
    zend_ulong index;
    ZEND_HASH_FOREACH_NUM_KEY(BG(user_shutdown_function_names), index)
    {
        if (index >= w->boot_shutdown_functions) {
            *first = index;
            return true;
        }
    }
    ZEND_HASH_FOREACH_END();
    return false;
}

/* Returns false when the function failed or called exit(). */
static bool
call_shutdown_function(php_shutdown_function_entry *entry)
{
    bool ok = true;
    zend_try
    {
        zval retval;
        ZVAL_UNDEF(&retval);
        entry->fci.retval = &retval;
        zend_call_function(&entry->fci, &entry->fci_cache);
        zval_ptr_dtor(&retval);
        if (EG(exception) != NULL) {
            if (zend_is_unwind_exit(EG(exception)) || zend_is_graceful_exit(EG(exception))) {
                zend_clear_exception();
                ok = false;
            } else {
                zend_exception_error(EG(exception), E_ERROR); /* reports it and bails out */
            }
        }
    }
    zend_catch
    {
        ok = false;
    }
    zend_end_try();
    return ok;
}

/* Functions the callable registered with register_shutdown_function() run
 * after its request, as PHP-FPM runs them after each request (their output
 * still reaches this client); the worker script's own run when the worker
 * ends. Left to the worker's end, they would pile up, one or more per
 * request. An uncaught exception, a fatal error or exit() in one ends the
 * worker after this request, as in the callable itself. */
static void
run_request_shutdown_functions(keel_worker_t *w)
{
    zend_ulong first;
    while (!w->closing && BG(user_shutdown_function_names) != NULL && next_request_shutdown_function(w, &first)) {
        if (!call_shutdown_function(zend_hash_index_find_ptr(BG(user_shutdown_function_names), first)))
            w->closing = true;
        /* It may have registered more; the table may have moved. */
        if (BG(user_shutdown_function_names) != NULL)
            zend_hash_index_del(BG(user_shutdown_function_names), first);
    }
}

/* php_request_shutdown()'s per-request part: flush output and headers,
 * close the session, delete uploaded files, reset what the request
 * changed about the connection. */
static void
request_shutdown(keel_worker_t *w)
{
    run_request_shutdown_functions(w);
    zend_try
    {
        php_output_end_all();
    }
    zend_end_try();
    zend_try
    {
        close_session();
    }
    zend_end_try();
    zend_try
    {
        php_output_deactivate();
    }
    zend_end_try();
    php_stream *body = SG(request_info).request_body;
    zend_try
    {
        sapi_deactivate();
    }
    zend_end_try();
    if (body != NULL)
        close_request_body(body);
    /* ini_set(), set_time_limit(), ignore_user_abort() and the like in a
     * request last that request only; what the script set while booting
     * stays. */
    zend_try
    {
        keel_request_ini_restore(w->boot_ini);
        keel_request_state_restore(&w->boot_state);
    }
    zend_end_try();
    zend_unset_timeout();
}

static void
back_to_boot_context(keel_worker_t *w)
{
    SG(server_context) = &w->boot;
    keel_request_fill_info(&w->boot);
}

/* Reports the end of a request and frees it. Returns 0, or -1 when the
 * front is gone. */
static int
complete(keel_worker_t *w, keel_request_t *req, keel_ipc_stats_t *stats)
{
    int rc = keel_request_complete(w, req, stats);
    /* Answered what it took: a death from here on loses no request. If the
     * answer could not be sent, the claim stays for the front to see. */
    if (rc == 0)
        keel_intake_release(w);
    keel_request_free(req);
    free(req);
    w->current = NULL;
    return rc;
}

/* --- keel_handle_request() --- */

/* Blocks for the next request; NULL when the front closed the socket
 * (recycling, reload or shutdown). */
static keel_request_t *
wait_for_request(keel_worker_t *w)
{
    keel_ipc_header_t hdr;
    const uint8_t *payload;
    if (keel_intake_next(w, &hdr, &payload) != 0)
        return NULL;
    keel_request_t *req = calloc(1, sizeof(*req));
    if (req == NULL)
        return NULL;
    req->worker = w;
    req->stream = hdr.stream;
    req->start_time = keel_now_seconds();
    if (keel_request_load(req, payload, hdr.length) != 0) {
        keel_request_free(req);
        free(req);
        return NULL;
    }
    keel_request_take_empty_body(req);
    return req;
}

PHP_FUNCTION(keel_handle_request)
{
    zend_fcall_info fci;
    zend_fcall_info_cache fcc;
    ZEND_PARSE_PARAMETERS_START(1, 1)
    Z_PARAM_FUNC(fci, fcc)
    ZEND_PARSE_PARAMETERS_END();

    keel_request_t *ctx = SG(server_context);
    keel_worker_t *w = ctx ? ctx->worker : NULL;
    /* a process PHP forked leaves here, quietly: it never takes a request */
    if (w != NULL)
        keel_channel_guard(&w->ch);
    if (w == NULL || !w->worker_mode || w->current != NULL) {
        zend_throw_exception(spl_ce_RuntimeException,
                             w && w->current
                                 ? "keel_handle_request() called while handling a request"
                                 : "keel_handle_request() called outside worker mode (see keel serve --worker)",
                             0);
        RETURN_THROWS();
    }
    if (!w->booted) {
        w->booted = true;
        w->boot_ini = keel_request_ini_snapshot();
        keel_request_state_snapshot(&w->boot_state);
        w->boot_shutdown_functions =
            BG(user_shutdown_function_names) ? BG(user_shutdown_function_names)->nNextFreeElement : 0;
        if (keel_worker_notify(w, KEEL_IPC_WORKER_READY, NULL) != 0)
            RETURN_FALSE;
        /* Waiting is not running: no time limit ticks while idle. After a
         * request, request_shutdown() has stopped it already. */
        zend_unset_timeout();
    }
    keel_request_t *req = wait_for_request(w);
    if (req == NULL)
        RETURN_FALSE;

    w->current = req;
    SG(server_context) = req;
    /* Also reads the Authorization header; a second php_handle_auth_data()
     * would leak the first one's strings for the worker's lifetime. */
    keel_request_fill_info(req);
    request_startup_guarded();

    zval retval;
    ZVAL_UNDEF(&retval);
    fci.retval = &retval;
    fci.param_count = 0;
    fci.params = NULL;
    zend_call_function(&fci, &fcc);
    zval_ptr_dtor(&retval);

    if (EG(exception)) {
        /* exit() ends the request normally but restarts the worker
         * script. An uncaught exception goes, as at the end of a PHP-FPM
         * script, to the exception handler in force (the request's or the
         * worker script's), and only when there is none, or it throws, is
         * it reported like PHP reports it (500, display_errors). The
         * worker is replaced either way: the callable did not finish, so
         * its state may be broken. All leave the script through the
         * bailout and finish the request there. */
        if (zend_is_unwind_exit(EG(exception)) || zend_is_graceful_exit(EG(exception)))
            zend_bailout();
        if (Z_TYPE(EG(user_exception_handler)) != IS_UNDEF)
            zend_user_exception_handler();
        if (EG(exception))
            zend_exception_error(EG(exception), E_ERROR); /* bails out */
        zend_bailout();
    }

    keel_opcache_report(w, req->stream);
    keel_ipc_stats_t stats;
    keel_request_stats(&stats);
    request_shutdown(w);
    back_to_boot_context(w);
    if (complete(w, req, &stats) != 0)
        RETURN_FALSE;
    /* A shutdown function failed or called exit(): REQ_DONE said the worker
     * ends, so it takes nothing more and its script ends now. */
    if (w->closing)
        RETURN_FALSE;
    RETURN_TRUE;
}

/* --- the worker process --- */

static int
boot_params(keel_request_t *boot, const char *script, const char *script_name, const char *root)
{
    /* The worker script sees a request-less $_SERVER that names it, as
     * FrankenPHP's does, with FRANKENPHP_WORKER set for integrations that
     * detect worker mode that way. */
    const char *kv[][2] = {
        {"SCRIPT_FILENAME", script},
        {"SCRIPT_NAME", script_name},
        {"DOCUMENT_ROOT", root},
        {"FRANKENPHP_WORKER", "1"},
    };
    size_t size = 0;
    for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
        size += keel_ipc_kv_size(strlen(kv[i][0]), strlen(kv[i][1]));
    uint8_t *buf = malloc(size), *p = buf;
    if (buf == NULL)
        return -1;
    for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
        p += keel_ipc_kv_put(p, kv[i][0], strlen(kv[i][0]), kv[i][1], strlen(kv[i][1]));
    int rc = keel_request_load(boot, buf, size);
    free(buf);
    return rc;
}

int
keel_worker_mode_run(keel_worker_t *w, const char *script, const char *script_name, const char *root)
{
    w->worker_mode = true;
    w->boot = (keel_request_t){.worker = w, .boot = true, .body_done = true, .start_time = keel_now_seconds()};
    if (boot_params(&w->boot, script, script_name, root) != 0)
        return 1;
    SG(server_context) = &w->boot;
    keel_request_fill_info(&w->boot);
    if (php_request_startup() == FAILURE) {
        keel_worker_notify(w, KEEL_IPC_BOOT_FAILED, "PHP request startup failed");
        return 1;
    }
    zend_file_handle fh;
    zend_stream_init_filename(&fh, script);
    php_execute_script(&fh);
    zend_destroy_file_handle(&fh);

    int code = 0;
    char why[1024] = "";
    if (PG(last_error_message))
        snprintf(why, sizeof(why), "%s in %s on line %d", ZSTR_VAL(PG(last_error_message)),
                 PG(last_error_file) ? ZSTR_VAL(PG(last_error_file)) : "?", PG(last_error_lineno));
    keel_request_t *req = w->current;
    int exit_status = EG(exit_status);
    keel_ipc_stats_t stats;
    keel_request_stats(&stats);
    /* The script's end also ends a request cut short by exit(), an
     * uncaught exception or a fatal error: PHP's own shutdown flushes its
     * output (a 500 when an error set it) to that request's client. */
    php_request_shutdown(NULL);
    if (req != NULL) {
        /* exit(N) gives N, a fatal error 255: the front logs non-zero. */
        w->closing = true;
        complete(w, req, &stats);
        code = exit_status;
    } else if (!w->booted) {
        keel_worker_notify(w, KEEL_IPC_BOOT_FAILED,
                           why[0] ? why : "the worker script ended before calling keel_handle_request()");
        code = 1;
    }
    SG(server_context) = NULL;
    keel_request_free(&w->boot);
    return code;
}
