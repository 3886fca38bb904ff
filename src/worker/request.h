/*
 * One request as the worker sees it: the parameters the front computed
 * (CGI-style, like FastCGI params), the body arriving in frames, and the
 * response leaving in frames. SG(server_context) points at this.
 */
#ifndef KEEL_WORKER_REQUEST_H
#define KEEL_WORKER_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "worker/channel.h"

typedef struct {
    const char *name; /* NUL-terminated, in keel_request_t.strings */
    const char *value;
    size_t name_len, value_len;
} keel_param_t;

typedef struct keel_worker_s keel_worker_t;

typedef struct {
    keel_worker_t *worker;
    uint32_t stream;
    char *strings; /* owns every name and value, each NUL-terminated */
    keel_param_t *params;
    size_t param_count;
    double start_time;
    /* request body: frames are pulled from the channel as PHP reads */
    const uint8_t *body_pos;
    size_t body_left;
    bool body_done;
    bool client_gone;    /* the front sent ABORT */
    bool response_ended; /* RESP_END sent (fastcgi_finish_request) */
} keel_request_t;

struct keel_worker_s {
    keel_channel_t ch;
    unsigned slot;
    uint64_t requests;
    int statm_fd; /* /proc/self/statm, kept open: read after every request */
};

/* Looks up a parameter by name; NULL when absent. */
const char *keel_request_param(const keel_request_t *req, const char *name);

/* Serves requests on w's channel until the front closes it. Returns the
 * process exit code. */
int keel_worker_serve(keel_worker_t *w);

/* Pulls up to len body bytes into buf; returns the count, 0 at the end of
 * the body. */
size_t keel_request_read_body(keel_request_t *req, char *buf, size_t len);

/* Sends the response's end to the front now (fastcgi_finish_request):
 * output after this is discarded. */
void keel_request_end_response(keel_request_t *req);

/* Queues output; pushes it to the front when enough has gathered or when
 * flush is set. Returns 0, or -1 when the client or front is gone. */
int keel_request_output(keel_request_t *req, const char *data, size_t len, bool flush);

#endif
