/*
 * What keel writes into its log on someone else's behalf (a PHP message,
 * a line a worker printed, a file name) must not be able to start a line
 * of its own: control characters are written as escapes, so one message
 * is always one line and cannot pose as a line keel wrote.
 */
#ifndef KEEL_COMMON_LOG_ESCAPE_H
#define KEEL_COMMON_LOG_ESCAPE_H

#include <stddef.h>

/* Copies src[0..len) into dst[cap] (cap > 0, NUL-terminated), writing each
 * control character (below 0x20, and 0x7f) as an escape: \n, \r, \t, or
 * \xHH. Other bytes (UTF-8 included) are copied as they are. When dst is
 * too small the copy stops before the first character that does not fit
 * whole. Returns the length written. */
size_t keel_log_escape(char *dst, size_t cap, const char *src, size_t len);

#endif
