/* PHP functions keel adds to every worker. */
#ifndef KEEL_WORKER_FUNCTIONS_H
#define KEEL_WORKER_FUNCTIONS_H

#include <main/php.h>

/* fastcgi_finish_request() and its keel_finish_request() alias,
 * apache_request_headers() and its getallheaders() alias. */
extern const zend_function_entry keel_php_functions[];

#endif
