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

#include "ipc/message.h"
#include "worker/channel.h"
#include "worker/request_state.h"

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
    uint64_t taken_ns; /* CLOCK_MONOTONIC when it was taken: REQ_DONE reports it */
    /* request body: frames are pulled from the channel as PHP reads */
    const uint8_t *body_pos;
    size_t body_left;
    bool body_done;
    bool client_gone;    /* the front sent ABORT */
    bool response_ended; /* RESP_END sent (fastcgi_finish_request) */
    bool boot;           /* worker mode's boot context: no client, output dropped */
} keel_request_t;

struct keel_worker_s {
    keel_channel_t ch;
    unsigned slot;
    uint64_t requests;
    int statm_fd; /* /proc/self/statm, kept open */
    /* the last figure read from it, and the Zend heap's size then */
    struct {
        bool known;
        uint64_t private_bytes;
        uint64_t zend_usage, zend_real, zend_real_peak;
        uint64_t read_ns;
    } rss;
    /* the generation's queue for this worker's pool (ipc/queue.h) */
    int queue_fd;
    int epoll_fd;           /* waits on ch.fd and queue_fd */
    uint32_t *claim;        /* its claim slot, shared with the front */
    const uint32_t *leave;  /* set by the front when it lets this worker go */
    bool dismissed;         /* the front sent DISMISS: exit once idle */
    uint64_t request_limit; /* --max-requests for this worker (0: none): past it, it takes no more */
    /* worker mode */
    bool worker_mode;
    bool booted;                      /* keel_handle_request() has been reached */
    keel_request_t boot;              /* context of the worker script itself */
    keel_request_t *current;          /* the request the callable is serving, or NULL */
    bool closing;                     /* it will exit after this request: REQ_DONE says so */
    bool opcache_reset_requested;     /* the script called opcache_reset(): REQ_DONE says so */
    uint64_t opcache_reported_ms;     /* when OPcache figures were last sent */
    struct _zend_array *boot_ini;     /* ini entries the script changed while booting (request_ini.h) */
    keel_request_state_t boot_state;  /* process state when booting ended (request_state.h) */
    uint64_t boot_shutdown_functions; /* register_shutdown_function() entries from index on are a request's */
};

/* Looks up a parameter by name; NULL when absent. */
const char *keel_request_param(const keel_request_t *req, const char *name);

/* Fills req's parameters from a REQUEST payload (copied). Returns 0, or -1
 * for a malformed payload or no memory. */
int keel_request_load(keel_request_t *req, const uint8_t *payload, size_t len);
void keel_request_free(keel_request_t *req);

/* Points SG(request_info) at req's parameters. */
void keel_request_fill_info(keel_request_t *req);

/* The Zend memory figures, taken at the end of a request's script. */
void keel_request_stats(keel_ipc_stats_t *stats);

/* After PHP is done with req: drains its unread body and reports the end
 * of the response and of the request (with stats) to the front. Returns
 * 0, or -1 when the front is gone. */
int keel_request_complete(keel_worker_t *w, keel_request_t *req, keel_ipc_stats_t *stats);

double keel_now_seconds(void);

/* Sends a frame with no request attached (WORKER_READY, BOOT_FAILED). */
int keel_worker_notify(keel_worker_t *w, uint8_t type, const char *text);

/* For a request without a body, reads its end now, so that an ABORT from
 * the front can be noticed while the script runs (see check_abort). */
void keel_request_take_empty_body(keel_request_t *req);

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
