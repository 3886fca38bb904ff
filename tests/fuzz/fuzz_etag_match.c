/* Fuzzes If-None-Match parsing: never reads past the field, and agrees
 * with a simple restatement of the rule on what must match. */
#include <stddef.h>
#include <stdint.h>

#include "front/etag_match.h"
#include "fuzz_check.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* First byte picks how much of the input is the list; the rest is the tag. */
    if (size == 0)
        return 0;
    size_t split = data[0] % size;
    char *list = fuzz_dup(data + 1, split > 0 ? split - 1 : 0);
    size_t list_len = split > 0 ? split - 1 : 0;
    size_t tag_len = size - 1 - list_len;
    char *tag = fuzz_dup(data + 1 + list_len, tag_len);
    int m = keel_etag_list_matches(list, list_len, tag, tag_len);
    CHECK(m == 0 || m == 1);
    /* A list that is exactly the quoted tag always matches. */
    if (tag_len >= 2 && tag[0] == '"' && tag[tag_len - 1] == '"' && memchr(tag + 1, '"', tag_len - 2) == NULL)
        CHECK(keel_etag_list_matches(tag, tag_len, tag, tag_len) == 1);
    free(list);
    free(tag);
    return 0;
}
