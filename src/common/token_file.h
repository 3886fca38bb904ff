/*
 * The admin listener's bearer token, read from a file (--admin-token FILE)
 * by `keel serve` and by `keel reload`, so both take the same bytes from
 * it: the file's content without trailing whitespace (a final newline).
 */
#ifndef KEEL_COMMON_TOKEN_FILE_H
#define KEEL_COMMON_TOKEN_FILE_H

#include <stddef.h>

/* Longest token accepted, in bytes. */
#define KEEL_TOKEN_MAX 4096

/*
 * Reads the token in path into out (cap bytes, NUL-terminated). It must be
 * 1 to KEEL_TOKEN_MAX visible ASCII characters (no spaces, no control
 * bytes). Returns its length, or -1 with one line in err naming the file.
 * *loose is set when others than the file's owner may read it.
 */
long keel_token_file_read(const char *path, char *out, size_t cap, int *loose, char *err, size_t errlen);

#endif
