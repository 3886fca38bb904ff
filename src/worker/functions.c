#include "worker/functions.h"

#include <main/SAPI.h>
#include <main/php_output.h>
#include <ext/standard/head.h>

#include "worker/request.h"
#include "worker/worker_mode.h"

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_keel_finish_request, 0, 0, _IS_BOOL, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_keel_request_headers, 0, 0, IS_ARRAY, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_keel_handle_request, 0, 1, _IS_BOOL, 0)
ZEND_ARG_TYPE_INFO(0, handler, IS_CALLABLE, 0)
ZEND_END_ARG_INFO()

/* As PHP-FPM's: flush everything, end the client's response, and let the
 * script go on; later output is discarded. */
static PHP_FUNCTION(keel_finish_request)
{
    ZEND_PARSE_PARAMETERS_NONE();
    keel_request_t *req = SG(server_context);
    if (req == NULL || req->response_ended)
        RETURN_FALSE;
    php_output_end_all();
    php_header();
    keel_request_end_response(req);
    RETURN_TRUE;
}

/* "HTTP_ACCEPT_LANGUAGE" -> "Accept-Language", as PHP-FPM spells them. */
static void
add_header(zval *ret, const char *name, size_t len, const char *value, size_t value_len)
{
    char buf[256];
    if (len >= sizeof(buf))
        return;
    int upper = 1;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (c == '_') {
            buf[i] = '-';
            upper = 1;
        } else {
            buf[i] = upper ? (char)toupper((unsigned char)c) : (char)tolower((unsigned char)c);
            upper = 0;
        }
    }
    add_assoc_stringl_ex(ret, buf, len, (char *)value, value_len);
}

static PHP_FUNCTION(keel_request_headers)
{
    ZEND_PARSE_PARAMETERS_NONE();
    array_init(return_value);
    keel_request_t *req = SG(server_context);
    if (req == NULL)
        return;
    for (size_t i = 0; i < req->param_count; i++) {
        const keel_param_t *p = &req->params[i];
        if (p->name_len > 5 && memcmp(p->name, "HTTP_", 5) == 0)
            add_header(return_value, p->name + 5, p->name_len - 5, p->value, p->value_len);
        else if (strcmp(p->name, "CONTENT_TYPE") == 0 || strcmp(p->name, "CONTENT_LENGTH") == 0)
            add_header(return_value, p->name, p->name_len, p->value, p->value_len);
    }
}

const zend_function_entry keel_php_functions[] = {
    ZEND_RAW_FENTRY("fastcgi_finish_request", zif_keel_finish_request, arginfo_keel_finish_request, 0)
        ZEND_RAW_FENTRY("keel_finish_request", zif_keel_finish_request, arginfo_keel_finish_request, 0)
            ZEND_RAW_FENTRY("apache_request_headers", zif_keel_request_headers, arginfo_keel_request_headers, 0)
                ZEND_RAW_FENTRY("getallheaders", zif_keel_request_headers, arginfo_keel_request_headers, 0)
                    ZEND_RAW_FENTRY("keel_handle_request", zif_keel_handle_request, arginfo_keel_handle_request, 0)
    /* FrankenPHP's names, so worker scripts and integrations written for
     * it (Symfony Runtime's FrankenPHP runtime) run unchanged. */
    ZEND_RAW_FENTRY("frankenphp_handle_request", zif_keel_handle_request, arginfo_keel_handle_request, 0)
        ZEND_RAW_FENTRY("frankenphp_finish_request", zif_keel_finish_request, arginfo_keel_finish_request, 0)
            ZEND_RAW_FENTRY("frankenphp_request_headers", zif_keel_request_headers, arginfo_keel_request_headers, 0)
                PHP_FE_END};
