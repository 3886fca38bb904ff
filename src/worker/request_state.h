/*
 * Process state that PHP's standard extensions reset after every request
 * (their request shutdown or startup) and that worker mode, where requests
 * run inside the worker script's one PHP request, would carry from one
 * request to the next: the stat cache (a file changed between two requests
 * would keep its old size), variables set with putenv(), the umask, the
 * locale, and the seeding of mt_rand()/rand() and lcg_value(). As with ini
 * settings (request_ini.h), what the worker script set while booting stays.
 * So do the zone set with date_default_timezone_set() (a user's time
 * zone set per request would reach the next user's request) and mbstring's
 * mb_internal_encoding(), mb_http_output(), mb_substitute_character(),
 * mb_detect_order(), mb_regex_encoding() and mb_regex_set_options(), the
 * $_ENV array (built once in worker mode, once per request under
 * PHP-FPM), and libxml's
 * libxml_use_internal_errors(), libxml_set_external_entity_loader() and
 * libxml_set_streams_context(); the strings a request gave strtok() and
 * mb_ereg_search_init(), the XML errors it collected and the variables it
 * gave output_add_rewrite_var() are dropped.
 * Error and exception handlers a request installed (set_error_handler(),
 * set_exception_handler()) go too, as the engine drops them after each
 * PHP-FPM request, and so do the callables of request_callbacks.h and the
 * signal state of request_signals.h.
 */
#ifndef KEEL_WORKER_REQUEST_STATE_H
#define KEEL_WORKER_REQUEST_STATE_H

#include <stdbool.h>
#include <sys/types.h>

#include <Zend/zend_types.h>

typedef struct {
    HashTable *env_keys; /* putenv() settings the script made while booting, by name */
    mode_t umask;        /* the umask when booting ended */
    char *locale;        /* setlocale(LC_ALL, NULL) when booting ended (malloc'd) */
    zend_string *ctype;  /* PHP's own note of LC_CTYPE then */
    /* the error and exception handlers then, and how many lay below them */
    zval error_handler;
    int error_handler_reporting;
    int error_handlers_below;
    zval exception_handler;
    int exception_handlers_below;
    struct _zend_libxml_globals *xml;         /* libxml's globals, if loaded */
    bool xml_internal_errors;                 /* libxml_use_internal_errors() */
    zval xml_entity_loader;                   /* libxml_set_external_entity_loader(), or UNDEF */
    zval xml_streams_context;                 /* libxml_set_streams_context(), or UNDEF */
    struct _zend_date_globals *date;          /* the date extension's globals, if found */
    struct _zend_mbstring_globals *mb;        /* mbstring's, if loaded */
    const void *mb_internal, *mb_http_output; /* mb_internal_encoding(), mb_http_output() */
    int mb_illegal_mode, mb_illegal_char;     /* mb_substitute_character() */
    const void **mb_detect_order;             /* mb_detect_order(): a copy (malloc'd) */
    size_t mb_detect_order_size;
    char *mb_regex_encoding; /* mb_regex_encoding() (malloc'd), or NULL without it */
    char *mb_regex_options;  /* mb_regex_set_options() (malloc'd), or NULL without it */
    zval env_array;          /* $_ENV when booting ended (shared, not copied) */
    char *timezone;          /* date_default_timezone_set() while booting, or NULL (emalloc'd) */
} keel_request_state_t;

/* Notes the state the worker script left (when it first asks for a
 * request). */
void keel_request_state_snapshot(keel_request_state_t *s);

/* After a request: puts the state back as noted. */
void keel_request_state_restore(keel_request_state_t *s);

#endif
