/*
 * One HTTP GET to a keel admin listener, for the CLI commands (libcurl;
 * see docs/decisions.md).
 */
#ifndef KEEL_CLI_HTTP_GET_H
#define KEEL_CLI_HTTP_GET_H

#include <stddef.h>

#include <curl/curl.h>

/* The largest answer kept: /status of a full pool is a few hundred KiB. */
#define KEEL_HTTP_GET_MAX (16u << 20)

/*
 * Writes "http://HOST:PORT/path" for an --admin address ("HOST:PORT",
 * "[V6]:PORT", or a bare IPv6 address with its port after the last colon)
 * into out. Returns 0, or -1 with one line in err.
 */
int keel_admin_url(char *out, size_t cap, const char *admin, const char *path, char *err, size_t errlen);

/*
 * GETs url, waiting at most timeout_ms. Returns 0 with the HTTP status in
 * *status and the body (malloc'd, NUL-terminated, the caller frees it) in
 * *body and *len; or -1 with one line in err (no connection, timeout, an
 * answer larger than KEEL_HTTP_GET_MAX).
 */
int keel_http_get(const char *url, long timeout_ms, long *status, char **body, size_t *len, char *err, size_t errlen);

/* CURLOPT_OPENSOCKETFUNCTION for every handle of the CLI: curl's own
 * sockets are not close-on-exec, keel's are. */
curl_socket_t keel_curl_open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr);

#endif
