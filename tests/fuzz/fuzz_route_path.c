/*
 * Fuzzes request path decoding: the input is the raw path of a request
 * target. Whatever keel_path_decode lets through is about to be joined to
 * the document root, so the checks below are the security properties the
 * header promises, checked on the output rather than trusted.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "front/route_path.h"
#include "fuzz_check.h"

/* The end of the first segment with a non-empty name followed by ".php",
 * found segment by segment (a different walk from the code under test). */
static size_t
php_prefix_oracle(const char *path, size_t len)
{
    size_t start = 0;
    while (start <= len) {
        const char *slash = memchr(path + start, '/', len - start);
        size_t end = slash ? (size_t)(slash - path) : len;
        if (end - start > 4 && memcmp(path + end - 4, ".php", 4) == 0)
            return end;
        if (!slash)
            break;
        start = end + 1;
    }
    return 0;
}

static void
check_php_prefix(const char *path, size_t len)
{
    size_t p = keel_path_php_prefix(path, len);
    CHECK(p <= len);
    if (p != 0) {
        CHECK(p >= 5);
        CHECK(memcmp(path + p - 4, ".php", 4) == 0);
        CHECK(path[p - 5] != '/');
        CHECK(p == len || path[p] == '/'); /* the rest is PATH_INFO */
    }
    CHECK(p == php_prefix_oracle(path, len));
}

/* The file-name rules stay in bounds, and a name they call PHP source
 * does carry ".ph" somewhere (in any case). */
static void
check_name_rules(const char *path, size_t len)
{
    if (keel_path_is_php_source(path, len)) {
        int found = 0;
        for (size_t i = 0; i + 3 <= len && !found; i++)
            found = path[i] == '.' && (path[i + 1] | 0x20) == 'p' && (path[i + 2] | 0x20) == 'h';
        CHECK(found);
    }
    (void)keel_path_has_dotfile(path, len);
    (void)keel_path_is_under(path, len, "uploads");
}

static void
check_decoded(const char *out, size_t n)
{
    CHECK(n >= 1 && out[0] == '/');
    CHECK(out[n] == '\0');
    CHECK(memchr(out, '\0', n) == NULL);
    for (size_t i = 0; i < n; i++) {
        if (out[i] != '/')
            continue;
        CHECK(i + 1 == n || out[i + 1] != '/');
        /* No segment may start with '.', except a top-level ".well-known". */
        if (i + 1 < n && out[i + 1] == '.') {
            const char *seg = out + i + 1, *slash = memchr(seg, '/', n - (i + 1));
            size_t seg_len = slash ? (size_t)(slash - seg) : n - (i + 1);
            CHECK(i == 0 && seg_len == 11 && memcmp(seg, ".well-known", 11) == 0);
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *raw = (const char *)data;
    /* Exactly the documented room: len + 1 bytes. */
    char *out = malloc(size + 1);
    CHECK(out != NULL);
    size_t n = (size_t)-1;
    keel_path_result_t r = keel_path_decode(raw, size, out, &n);

    if (size == 0 || raw[0] != '/')
        CHECK(r == KEEL_PATH_BAD_REQUEST);
    if (memchr(raw, '\0', size) != NULL)
        CHECK(r != KEEL_PATH_OK);

    if (r == KEEL_PATH_OK) {
        CHECK(n <= size);
        check_decoded(out, n);
        check_php_prefix(out, n);
        check_name_rules(out, n);
        /* what decoding lets through has no dotfile segment */
        CHECK(!keel_path_has_dotfile(out, n));

        /* A raw path with nothing to decode, merge or resolve comes out
         * unchanged. */
        if (memchr(raw, '%', size) == NULL && memmem(raw, size, "//", 2) == NULL && memmem(raw, size, "/.", 2) == NULL)
            CHECK(n == size && memcmp(out, raw, size) == 0);

        /* Decoding is idempotent when no '%' survives into the output. */
        if (memchr(out, '%', n) == NULL) {
            char *again = malloc(n + 1);
            size_t n2 = 0;
            CHECK(again != NULL);
            CHECK(keel_path_decode(out, n, again, &n2) == KEEL_PATH_OK);
            CHECK(n2 == n && memcmp(again, out, n) == 0);
            free(again);
        }
    } else {
        CHECK(r == KEEL_PATH_BAD_REQUEST || r == KEEL_PATH_FORBIDDEN);
    }
    free(out);

    /* The prefix finder and the name rules must stay in bounds on any bytes at all. */
    check_php_prefix(raw, size);
    check_name_rules(raw, size);
    return 0;
}
