/* Fuzzes the UTF-8 cleaner that stands between bytes from PHP or a client
 * and the dashboard's JSON: its output is always well-formed, bounded and
 * NUL-terminated, and well-formed input comes through unchanged. */
#include <stddef.h>
#include <stdint.h>

#include "common/utf8.h"
#include "fuzz_check.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = fuzz_dup(data, size);
    size_t cap = size * 3 + 1;
    char *out = malloc(cap);
    CHECK(out != NULL);
    size_t n = keel_utf8_clean(out, cap, in, size);
    CHECK(n < cap && out[n] == '\0');
    CHECK(keel_utf8_valid(out, n));
    if (keel_utf8_valid(in, size))
        CHECK(n == size && memcmp(out, in, size) == 0);
    /* a small buffer: still well-formed, a prefix of the whole */
    char small[7];
    size_t m = keel_utf8_clean(small, sizeof(small), in, size);
    CHECK(m < sizeof(small) && small[m] == '\0');
    CHECK(keel_utf8_valid(small, m));
    CHECK(m <= n && memcmp(small, out, m) == 0);
    free(out);
    free(in);
    return 0;
}
