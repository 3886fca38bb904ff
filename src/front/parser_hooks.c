#include "front/parser_hooks.h"

/* Set once by keel_parser_hooks_configure before the first connection:
 * libh2o calls the hooks without any context of keel's. */
static size_t max_head = KEEL_MAX_HEADER_SIZE_LIMIT;

void
keel_parser_hooks_configure(size_t max_header_size)
{
    max_head = max_header_size;
}

size_t
keel_parser_hooks_max_header_size(void)
{
    return max_head;
}
