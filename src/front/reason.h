/* Standard HTTP reason phrases, for status lines of PHP responses. */
#ifndef KEEL_FRONT_REASON_H
#define KEEL_FRONT_REASON_H

/* The RFC 9110 phrase for status, or "" for codes it does not name. */
const char *keel_http_reason(unsigned status);

#endif
