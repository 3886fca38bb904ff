#include "worker/classic.h"

#include <main/SAPI.h>
#include <main/php.h>
#include <main/php_main.h>
#include <Zend/zend_stream.h>

#include "common/log.h"
#include "worker/intake.h"
#include "worker/opcache_report.h"

static void
run_script(keel_request_t *req)
{
    keel_request_fill_info(req);
    SG(server_context) = req;
    if (php_request_startup() == FAILURE) {
        keel_error("PHP request startup failed for %s", SG(request_info).path_translated);
        php_request_shutdown(NULL);
        return;
    }
    zend_file_handle fh;
    zend_stream_init_filename(&fh, SG(request_info).path_translated);
    php_execute_script(&fh);
    zend_destroy_file_handle(&fh);
}

/* Runs one request to completion and reports it. Returns 0, or -1 when
 * the front is gone. */
static int
serve_one(keel_worker_t *w, uint32_t stream, const uint8_t *payload, size_t len)
{
    keel_request_t req = {.worker = w, .stream = stream, .start_time = keel_now_seconds()};
    if (keel_request_load(&req, payload, len) != 0) {
        keel_request_free(&req);
        return -1;
    }
    keel_request_take_empty_body(&req);
    run_script(&req);
    keel_opcache_report(w, stream);
    keel_ipc_stats_t stats;
    keel_request_stats(&stats);
    php_request_shutdown(NULL);
    SG(server_context) = NULL;
    int rc = keel_request_complete(w, &req, &stats);
    /* Answered what it took: a death from here on loses no request. If the
     * answer could not be sent, the claim stays for the front to see. */
    if (rc == 0)
        keel_intake_release(w);
    keel_request_free(&req);
    return rc;
}

int
keel_worker_serve(keel_worker_t *w)
{
    keel_ipc_header_t hdr;
    const uint8_t *payload;
    if (keel_worker_notify(w, KEEL_IPC_WORKER_READY, NULL) != 0)
        return 0;
    for (;;) {
        /* A process PHP forked comes back here when its copy of the script
         * ends: it leaves instead of taking a request. */
        keel_channel_guard(&w->ch);
        if (keel_intake_next(w, &hdr, &payload) != 0)
            return 0; /* the front closed our socket or is gone: time to go */
        if (serve_one(w, hdr.stream, payload, hdr.length) != 0)
            return 0;
    }
}
