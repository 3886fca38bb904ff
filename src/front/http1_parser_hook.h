/* Names under which the front keeps copies of the request headers that
 * libh2o consumes itself; see http1_parser_hook.c and params.c. */
#ifndef KEEL_FRONT_HTTP1_PARSER_HOOK_H
#define KEEL_FRONT_HTTP1_PARSER_HOOK_H

#define KEEL_HDR_CONTENT_LENGTH    "x-keel-content-length"
#define KEEL_HDR_TRANSFER_ENCODING "x-keel-transfer-encoding"
#define KEEL_HDR_EXPECT            "x-keel-expect"
#define KEEL_HDR_UPGRADE           "x-keel-upgrade"

#endif
