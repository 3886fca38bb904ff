/*
 * Pure checks on request paths, before the filesystem is consulted:
 * percent-decoding, refusal of dot segments and NULs, finding the PHP
 * script in "/script.php/extra", and the names never sent as files. No
 * I/O, so it is fuzzed.
 */
#ifndef KEEL_FRONT_ROUTE_PATH_H
#define KEEL_FRONT_ROUTE_PATH_H

#include <stddef.h>

typedef enum {
    KEEL_PATH_OK = 0,
    KEEL_PATH_BAD_REQUEST, /* no leading '/', bad %-escape, NUL byte, ".." above the root -> 400 */
    KEEL_PATH_FORBIDDEN,   /* a dotfile segment (".env", ".git") -> 403 */
} keel_path_result_t;

/*
 * Decodes the path part of a request target (raw, without the query) into
 * out, which must have room for len + 1 bytes; repeated slashes collapse
 * into one as nginx's merge_slashes does, and "." and ".." segments
 * (encoded or not) are resolved as nginx resolves them; ".." can never
 * climb above "/". Other segments that begin with '.' are refused, except
 * a top-level "/.well-known" (RFC 8615), so ".env" never reaches the
 * filesystem.
 * On KEEL_PATH_OK, out is NUL-terminated and *out_len is its length.
 */
keel_path_result_t keel_path_decode(const char *raw, size_t len, char *out, size_t *out_len);

/*
 * For a decoded path, returns the length of the shortest prefix that ends
 * a segment with ".php" ("/a.php" in "/a.php/x/y"), or 0 when no segment
 * does. The remainder, if any, starts with '/' and is the PATH_INFO.
 */
size_t keel_path_php_prefix(const char *path, size_t len);

/*
 * True when a file name (one segment, len bytes) is one PHP may run, or a
 * copy of one, so it is never sent as a static file: case-insensitively,
 * it carries ".php", ".php" and digits ("php5", "php7.4"), ".phtml",
 * ".pht", ".phps", ".phar" or ".phpt" followed by the end of the name or
 * by anything but a letter or digit ("X.PHP", "index.php~", "a.php.bak",
 * "shell.php;.jpg"); "a.phpx" or "phpinfo.txt" are not.
 */
int keel_path_is_php_source(const char *name, size_t len);

/* True when a root-relative path (starting with '/') has a segment that
 * starts with '.', other than a top-level ".well-known": the dotfile rule
 * of keel_path_decode, for paths that did not come through it (where a
 * symlink leads). */
int keel_path_has_dotfile(const char *path, size_t len);

/* True when a root-relative path ("/uploads/a/x.php") is dir or lies
 * under it; dir is a --no-php value, whose slashes at either end do not
 * count ("uploads", "/uploads/"). Segments compare exactly. */
int keel_path_is_under(const char *path, size_t len, const char *dir);

#endif
