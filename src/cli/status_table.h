/*
 * `keel status`'s picture: what /status holds, as tables for a terminal
 * (an operator over SSH). Pure: writes to the stream it is given.
 */
#ifndef KEEL_CLI_STATUS_TABLE_H
#define KEEL_CLI_STATUS_TABLE_H

#include <stdio.h>

#include "cli/status_json.h"

/* A summary line, the generations, one row per worker (pid, generation,
 * mode, state, requests, private memory, growth per request, Zend peak,
 * age), then memory and budget, OPcache, tmpfs and the queue. */
void keel_status_table(FILE *out, const keel_status_t *s);

/* "9.3s", "4m05s", "2h03m", "3d04h": an age at a glance. Returns buf. */
const char *keel_format_age(char *buf, size_t len, double seconds);

#endif
