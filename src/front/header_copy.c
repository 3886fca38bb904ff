#include "front/header_copy.h"

#include <string.h>
#include <strings.h>

const char *const keel_header_originals[KEEL_HDR_COPIES] = {"content-length", "transfer-encoding", "expect", "upgrade"};
const char *const keel_header_copies[KEEL_HDR_COPIES] = {KEEL_HDR_CONTENT_LENGTH, KEEL_HDR_TRANSFER_ENCODING,
                                                         KEEL_HDR_EXPECT, KEEL_HDR_UPGRADE};

const char *
keel_header_copy_original(const char *name, size_t len)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < KEEL_HDR_COPIES; i++)
        if (strlen(keel_header_copies[i]) == len && strncasecmp(name, keel_header_copies[i], len) == 0)
            return keel_header_originals[i];
    return NULL;
}
