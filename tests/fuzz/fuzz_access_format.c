/* Fuzzes the access log's formats (front/access_format.h): the input is
 * split on NUL bytes into the text fields, each an exact-size copy, and
 * its first bytes give the numbers. Checks: a line within the bound,
 * ending with its only newline; the JSON line is a JSON object of the 19
 * fields whose strings decode back to the bytes given when those are
 * UTF-8; the combined line holds no byte nginx would have escaped. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "front/access_format.h"
#include "fuzz_check.h"

#define FIELDS 10

static bool
valid_utf8(const char *s, size_t n)
{
    /* jansson decides: a string it refuses is not UTF-8 */
    json_t *j = json_stringn(s, n);
    bool ok = j != NULL;
    json_decref(j);
    return ok;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8)
        return 0;
    keel_access_entry_t e = {0};
    e.status = data[0] | (data[1] << 8);
    e.body_bytes_sent = (uint64_t)data[2] << 40 | data[3];
    e.request_us = (uint64_t)data[4] << 20;
    e.pool = (keel_access_pool_t)(data[5] % 3);
    e.worker_pid = data[6];
    e.generation = data[7];
    e.wait_known = e.php_known = e.memory_known = e.private_change_known = data[5] & 0x80;
    e.private_change = -(int64_t)data[6] * 4096;
    data += 8;
    size -= 8;

    char *copies[FIELDS] = {0};
    keel_access_text_t *fields[FIELDS] = {&e.remote_addr, &e.remote_user, &e.time_local, &e.time_iso,   &e.method,
                                          &e.target,      &e.protocol,    &e.referer,    &e.user_agent, &e.host};
    const uint8_t *p = data, *end = data + size;
    for (int i = 0; i < FIELDS && p <= end; i++) {
        const uint8_t *z = memchr(p, 0, (size_t)(end - p));
        size_t n = z ? (size_t)(z - p) : (size_t)(end - p);
        if (n == 1 && p[0] == 0xff) {
            p += n + 1; /* absent */
            continue;
        }
        copies[i] = fuzz_dup(p, n);
        *fields[i] = (keel_access_text_t){copies[i], n};
        p += n + 1;
    }
    /* the time comes from h2o, copied as it is */
    e.time_local = (keel_access_text_t){"07/Dec/2026:17:48:49 +0000", 26};

    size_t bound = keel_access_format_bound(&e);
    char *out = malloc(bound);
    CHECK(out != NULL);
    size_t n = keel_access_format_combined(&e, out, bound);
    CHECK(n > 0 && n <= bound && out[n - 1] == '\n');
    for (size_t i = 0; i + 1 < n; i++) {
        unsigned char c = (unsigned char)out[i];
        CHECK(c >= 0x20 && c < 0x7f && (c != '\\' || out[i + 1] == 'x'));
    }

    n = keel_access_format_json(&e, out, bound);
    CHECK(n > 0 && n <= bound && out[n - 1] == '\n');
    CHECK(memchr(out, '\n', n - 1) == NULL);
    json_error_t err;
    json_t *obj = json_loadb(out, n, 0, &err);
    CHECK(obj != NULL && json_is_object(obj) && json_object_size(obj) == 19);
    const char *keys[] = {"remote_addr", "remote_user", NULL,      "time",       "method",
                          "uri",         "protocol",    "referer", "user_agent", "host"};
    for (int i = 0; i < FIELDS; i++) {
        if (keys[i] == NULL)
            continue;
        json_t *v = json_object_get(obj, keys[i]);
        CHECK(v != NULL);
        if (fields[i]->base == NULL) {
            CHECK(json_is_null(v));
        } else if (valid_utf8(fields[i]->base, fields[i]->len)) {
            CHECK(json_is_string(v) && json_string_length(v) == fields[i]->len &&
                  memcmp(json_string_value(v), fields[i]->base, fields[i]->len) == 0);
        }
    }
    json_decref(obj);
    free(out);
    for (int i = 0; i < FIELDS; i++)
        free(copies[i]);
    return 0;
}
