/*
 * libcurl, loaded when something needs it: the ACME client, OCSP stapling
 * and the CLI commands that read the admin listener. Linked into the
 * executable, libcurl and the two dozen libraries it needs (GnuTLS,
 * Kerberos, LDAP, SSH, ...) were mapped into every keel process, the
 * zygote and each PHP worker included, which never use them: about 5 MB
 * of PSS on an idle four-worker server, and more per worker
 * (docs/decisions.md, "libcurl is loaded when used").
 *
 * Code calls libcurl through keel_curl()->name(...), name being the
 * function's without its "curl_" prefix; the types are libcurl's own.
 */
#ifndef KEEL_ACME_CURL_API_H
#define KEEL_ACME_CURL_API_H

#include <stddef.h>

#include <curl/curl.h>

#define KEEL_CURL_FUNCTIONS(X)                                                                                         \
    X(global_init)                                                                                                     \
    X(global_cleanup)                                                                                                  \
    X(easy_init)                                                                                                       \
    X(easy_cleanup)                                                                                                    \
    X(easy_setopt)                                                                                                     \
    X(easy_getinfo)                                                                                                    \
    X(easy_perform)                                                                                                    \
    X(easy_strerror)                                                                                                   \
    X(multi_init)                                                                                                      \
    X(multi_cleanup)                                                                                                   \
    X(multi_setopt)                                                                                                    \
    X(multi_add_handle)                                                                                                \
    X(multi_remove_handle)                                                                                             \
    X(multi_assign)                                                                                                    \
    X(multi_info_read)                                                                                                 \
    X(multi_perform)                                                                                                   \
    X(multi_poll)                                                                                                      \
    X(multi_socket_action)                                                                                             \
    X(multi_strerror)                                                                                                  \
    X(slist_append)                                                                                                    \
    X(slist_free_all)                                                                                                  \
    X(url)                                                                                                             \
    X(url_cleanup)                                                                                                     \
    X(url_get)                                                                                                         \
    X(url_set)                                                                                                         \
    X(free)                                                                                                            \
    X(getdate)

#define KEEL_CURL_MEMBER(name) __typeof__(curl_##name) *name;
typedef struct {
    KEEL_CURL_FUNCTIONS(KEEL_CURL_MEMBER)
} keel_curl_api_t;
#undef KEEL_CURL_MEMBER

/* Loads libcurl once; later calls do nothing. Returns 0, or -1 with one
 * line in err naming what is missing. */
int keel_curl_load(char *err, size_t errlen);

/* libcurl's functions. Loads it on first use; a process that cannot load
 * it says why on stderr and exits 1 (a server loads it with
 * keel_curl_load() while it starts, where a failure is an error it
 * reports). */
const keel_curl_api_t *keel_curl(void);

#endif
