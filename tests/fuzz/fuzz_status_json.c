/*
 * Fuzzes src/cli/status_json.c, which reads the admin listener's /status
 * answer for `keel status` and `keel leakcheck`: the bytes come over a
 * socket, so whatever arrives must give an error or a result whose strings
 * are terminated, cut to their fields and free of control characters, with
 * counts that match the arrays.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cli/status_json.h"
#include "fuzz_check.h"

static void
check_text(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    CHECK(n < cap);
    for (size_t i = 0; i < n; i++)
        CHECK((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] != 0x7f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_dup(data, size);
    keel_status_t s;
    char err[128];
    int rc = keel_status_parse(text, size, &s, err, sizeof(err));
    if (rc != 0) {
        CHECK(strnlen(err, sizeof(err)) < sizeof(err));
        CHECK(s.workers == NULL && s.generations == NULL);
    } else {
        check_text(s.version, sizeof(s.version));
        check_text(s.state, sizeof(s.state));
        check_text(s.limit_source, sizeof(s.limit_source));
        CHECK(s.recycle_count <= KEEL_STATUS_RECYCLE_REASONS);
        for (size_t i = 0; i < s.recycle_count; i++)
            check_text(s.recycles[i].name, sizeof(s.recycles[i].name));
        CHECK(s.tmpfs_count <= KEEL_STATUS_TMPFS);
        for (size_t i = 0; i < s.tmpfs_count; i++)
            check_text(s.tmpfs[i].path, sizeof(s.tmpfs[i].path));
        CHECK((s.worker_count == 0) == (s.workers == NULL));
        for (size_t i = 0; i < s.worker_count; i++) {
            check_text(s.workers[i].mode, sizeof(s.workers[i].mode));
            check_text(s.workers[i].state, sizeof(s.workers[i].state));
            CHECK(s.workers[i].pid >= 0);
            CHECK(s.workers[i].age_seconds == s.workers[i].age_seconds); /* not NaN */
            CHECK(keel_status_find_worker(&s, s.workers[i].pid) != NULL);
        }
        CHECK((s.generation_count == 0) == (s.generations == NULL));
        for (size_t i = 0; i < s.generation_count; i++)
            check_text(s.generations[i].state, sizeof(s.generations[i].state));
    }
    keel_status_free(&s);
    free(text);
    return 0;
}
