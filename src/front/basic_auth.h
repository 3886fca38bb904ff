/* The user name in HTTP Basic credentials, as nginx's $remote_user gives
 * it to PHP-FPM in REMOTE_USER. Pure, so it is fuzzed. */
#ifndef KEEL_FRONT_BASIC_AUTH_H
#define KEEL_FRONT_BASIC_AUTH_H

#include <stddef.h>

/*
 * For an Authorization value "Basic <base64 of user:password>", writes the
 * user (the decoded text before the first ':') into out and returns its
 * length. Returns 0 for any other scheme, bad base64, no ':' or a user
 * that does not fit outlen.
 */
size_t keel_basic_auth_user(const char *value, size_t len, char *out, size_t outlen);

#endif
