/*
 * The front's lifecycle: validate options, bind, start the first
 * generation, serve, and shut down in order on SIGTERM/SIGINT.
 */
#include "front/server.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <h2o.h>

#include "common/config_file.h"
#include "common/log.h"
#include "common/options.h"
#include "front/admin.h"
#include "front/etag_match.h"
#include "front/front.h"
#include "front/listener.h"
#include "front/priority.h"
#include "front/read_park.h"

/* After the workers are told to go, how long the zygote gets to exit
 * before it is killed (it kills its own stragglers sooner). */
#define ZYGOTE_EXIT_GRACE_MS 10000
/* How often busy workers' memory is checked against the hard limit, and
 * idle workers against their ttl. */
#define TICK_MS 250

typedef struct {
    h2o_handler_t super;
    keel_front_t *front;
} keel_handler_t;

static void begin_stop(keel_front_t *f);

/* --- HTTP --- */

/*
 * Conditional requests for a static file, made to behave as nginx's:
 * - h2o's file handler answers 304 only when If-None-Match is exactly its
 *   ETag; clients may send a list, weak tags or "*". A header that matches
 *   is replaced with the exact tag so h2o's check succeeds.
 * - nginx answers If-Modified-Since with 304 only for the exact
 *   Last-Modified date (its default "if_modified_since exact"); h2o also
 *   for any later date. Other dates are dropped so h2o sends the file.
 * One stat serves both.
 */
static void
match_conditionals(h2o_req_t *req, const char *file)
{
    ssize_t inm = h2o_find_header(&req->headers, H2O_TOKEN_IF_NONE_MATCH, -1);
    ssize_t ims = h2o_find_header(&req->headers, H2O_TOKEN_IF_MODIFIED_SINCE, -1);
    struct stat st;
    if ((inm == -1 && ims == -1) || stat(file, &st) != 0)
        return;
    if (inm != -1) {
        h2o_iovec_t *value = &req->headers.entries[inm].value;
        /* the same format as h2o_filecache_get_etag */
        char etag[64];
        int n = snprintf(etag, sizeof(etag), "\"%08x-%zx\"", (unsigned)st.st_mtime, (size_t)st.st_size);
        if (keel_etag_list_matches(value->base, value->len, etag, (size_t)n))
            *value = h2o_strdup(&req->pool, etag, (size_t)n);
    }
    if (ims != -1) {
        struct tm tm;
        char date[H2O_TIMESTR_RFC1123_LEN + 1];
        gmtime_r(&st.st_mtime, &tm);
        h2o_time2str_rfc1123(date, &tm);
        if (!h2o_memis(req->headers.entries[ims].value.base, req->headers.entries[ims].value.len, date, strlen(date)))
            h2o_delete_header(&req->headers, ims);
    }
}

static int
on_req(h2o_handler_t *self, h2o_req_t *req)
{
    keel_front_t *f = ((keel_handler_t *)self)->front;
    /* h2o fills a missing Host with the host config's name. HTTP/1.1
     * requires Host (RFC 9112 3.2): 400, as nginx answers. */
    if (req->authority.base == f->hostconf->authority.hostport.base) {
        if (req->version == 0x101) {
            h2o_send_error_400(req, "Bad Request", "Bad Request\n", H2O_SEND_ERROR_HTTP1_CLOSE_CONNECTION);
            return 0;
        }
        /* HTTP/1.0 without Host: no HTTP_HOST, as nginx passes none. */
        req->authority = h2o_iovec_init("", 0);
    }
    size_t plen = req->query_at == SIZE_MAX ? req->path.len : req->query_at;
    keel_route_t route;
    keel_route(&f->router, req->path.base, plen, &route);
    switch (route.kind) {
    case KEEL_ROUTE_STATIC:
        /* h2o's file handler, next on this path, serves it with
         * Content-Type, ETag/Last-Modified/304, Range and HEAD. It maps
         * path_normalized under the root: give it the checked path. */
        req->path_normalized = h2o_strdup(&req->pool, route.path, SIZE_MAX);
        match_conditionals(req, route.file);
        return -1;
    case KEEL_ROUTE_PHP:
    case KEEL_ROUTE_WORKER:
        return keel_php_handle(f, req, &route);
    case KEEL_ROUTE_REDIRECT_SLASH: {
        h2o_iovec_t query = req->query_at == SIZE_MAX
                                ? h2o_iovec_init("", 0)
                                : h2o_iovec_init(req->path.base + req->query_at, req->path.len - req->query_at);
        /* As nginx (absolute_redirect, port_in_redirect): the name the
         * client used, and the port keel listens on. */
        h2o_iovec_t host = keel_host_without_port(
            req->authority.len ? req->authority : h2o_iovec_init(f->listen_host, strlen(f->listen_host)));
        char port[16] = "";
        if (f->listen_port != 80)
            snprintf(port, sizeof(port), ":%d", f->listen_port);
        h2o_iovec_t url = h2o_concat(&req->pool, req->scheme->name, h2o_iovec_init(H2O_STRLIT("://")), host,
                                     h2o_iovec_init(port, strlen(port)), h2o_iovec_init(req->path.base, plen),
                                     h2o_iovec_init(H2O_STRLIT("/")), query);
        h2o_send_redirect(req, 301, "Moved Permanently", url.base, url.len);
        return 0;
    }
    case KEEL_ROUTE_FORBIDDEN:
        h2o_send_error_403(req, "Forbidden", "Forbidden\n", 0);
        return 0;
    case KEEL_ROUTE_BAD_REQUEST:
        h2o_send_error_400(req, "Bad Request", "Bad Request\n", 0);
        return 0;
    case KEEL_ROUTE_NOT_FOUND:
    default:
        h2o_send_error_404(req, "Not Found", "Not Found\n", 0);
        return 0;
    }
}

static void
on_accept(h2o_socket_t *listener, const char *err)
{
    keel_front_t *f = listener->data;
    if (err != NULL)
        return;
    /* Take a batch per wakeup, as connections arrive in bursts. */
    for (int i = 0; i < 16; i++) {
        h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
        if (sock == NULL)
            return;
        h2o_accept(&f->accept_ctx, sock);
        keel_read_park_learn(sock);
    }
}

/* --- lifecycle --- */

void
keel_front_on_first_generation_ready(keel_front_t *f)
{
    if (f->state != KEEL_FRONT_STARTING)
        return;
    f->state = KEEL_FRONT_SERVING;
    h2o_socket_read_start(f->listener, on_accept);
    h2o_timeout_link(f->loop, &f->tick_timeout, &f->tick_entry);
    keel_admin_accept(f);
    if (f->cfg.watch)
        keel_watch_start(f);
    char workers[96];
    if (f->cfg.worker_script)
        snprintf(workers, sizeof(workers), "%u worker-mode + %u classic workers", f->cfg.workers,
                 f->cfg.classic_workers);
    else
        snprintf(workers, sizeof(workers), "%u worker%s", f->cfg.workers, f->cfg.workers == 1 ? "" : "s");
    keel_info("ready: http://%s%s%s:%d (%s, generation %u, opcache %s)", strchr(f->listen_host, ':') ? "[" : "",
              f->listen_host, strchr(f->listen_host, ':') ? "]" : "", f->listen_port, workers, f->active->number,
              f->active->opcache ? "on" : "off");
}

void
keel_front_on_startup_failed(keel_front_t *f, const char *why)
{
    (void)why; /* already logged by the generation */
    if (f->exit_code == 0)
        f->exit_code = 1;
    begin_stop(f);
}

void
keel_front_request_finished(keel_front_t *f)
{
    f->in_flight--;
    if (f->state == KEEL_FRONT_DRAINING && f->in_flight == 0)
        begin_stop(f);
}

void
keel_front_generation_gone(keel_front_t *f)
{
    if (f->state == KEEL_FRONT_STOPPING && h2o_linklist_is_empty(&f->generations))
        f->state = KEEL_FRONT_DONE;
}

static void
on_tick(h2o_timeout_entry_t *entry)
{
    keel_front_t *f = H2O_STRUCT_FROM_MEMBER(keel_front_t, tick_entry, entry);
    keel_workers_tick(f);
    keel_memory_tick(f);
    keel_front_priority_tick(f);
    if (f->state == KEEL_FRONT_SERVING || f->state == KEEL_FRONT_DRAINING)
        h2o_timeout_link(f->loop, &f->tick_timeout, &f->tick_entry);
}

static void
on_stop_timeout(h2o_timeout_entry_t *entry)
{
    keel_front_t *f = H2O_STRUCT_FROM_MEMBER(keel_front_t, stop_entry, entry);
    if (f->state == KEEL_FRONT_DRAINING) {
        keel_warn("shutdown timeout: %zu requests still running; stopping anyway", f->in_flight);
        begin_stop(f);
    } else if (f->state == KEEL_FRONT_STOPPING) {
        for (h2o_linklist_t *l = f->generations.next; l != &f->generations; l = l->next) {
            keel_generation_t *g = H2O_STRUCT_FROM_MEMBER(keel_generation_t, link, l);
            if (g->zygote_pid > 0) {
                keel_warn("zygote of generation %u did not exit; killing it", g->number);
                kill(g->zygote_pid, SIGKILL);
            }
        }
    }
}

static void
close_listener(keel_front_t *f)
{
    if (f->listener != NULL) {
        h2o_socket_close(f->listener);
        f->listener = NULL;
    }
}

/* Every generation's workers are told to go, then their zygotes; the
 * front is done when the last zygote has exited. */
static void
begin_stop(keel_front_t *f)
{
    if (f->state >= KEEL_FRONT_STOPPING)
        return;
    f->state = KEEL_FRONT_STOPPING;
    close_listener(f);
    if (h2o_timeout_is_linked(&f->tick_entry))
        h2o_timeout_unlink(&f->tick_entry);
    for (int k = 0; k < KEEL_POOL_KINDS; k++)
        while (!h2o_linklist_is_empty(&f->queues[k].queue)) {
            keel_php_request_t *pr = H2O_STRUCT_FROM_MEMBER(keel_php_request_t, queue_link, f->queues[k].queue.next);
            keel_dispatch_unqueue(f, pr);
            keel_php_request_reject(pr, 503, "Service Unavailable", "1");
        }
    f->active = f->incoming = NULL;
    for (h2o_linklist_t *l = f->generations.next; l != &f->generations; l = l->next)
        keel_generation_stop(H2O_STRUCT_FROM_MEMBER(keel_generation_t, link, l));
    if (h2o_timeout_is_linked(&f->stop_entry))
        h2o_timeout_unlink(&f->stop_entry);
    if (h2o_linklist_is_empty(&f->generations)) {
        f->state = KEEL_FRONT_DONE;
        return;
    }
    h2o_timeout_dispose(f->loop, &f->stop_timeout);
    h2o_timeout_init(f->loop, &f->stop_timeout, ZYGOTE_EXIT_GRACE_MS);
    f->stop_entry.cb = on_stop_timeout;
    h2o_timeout_link(f->loop, &f->stop_timeout, &f->stop_entry);
}

static void
begin_drain(keel_front_t *f, const char *signame)
{
    if (f->state >= KEEL_FRONT_DRAINING)
        return;
    keel_info("%s: stopping; %zu requests in flight", signame, f->in_flight);
    close_listener(f);
    /* Keep-alive connections close after their current request. */
    h2o_context_request_shutdown(&f->ctx);
    if (f->state == KEEL_FRONT_STARTING || f->in_flight == 0) {
        begin_stop(f);
        return;
    }
    f->state = KEEL_FRONT_DRAINING;
    f->stop_entry.cb = on_stop_timeout;
    h2o_timeout_link(f->loop, &f->stop_timeout, &f->stop_entry);
}

static void
on_signal(h2o_socket_t *sock, const char *err)
{
    keel_front_t *f = sock->data;
    (void)err;
    struct signalfd_siginfo si;
    while (read(f->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        switch (si.ssi_signo) {
        case SIGTERM:
            begin_drain(f, "SIGTERM");
            break;
        case SIGINT:
            begin_drain(f, "SIGINT");
            break;
        case SIGHUP:
            keel_front_reload(f, "SIGHUP", NULL, NULL);
            break;
        case SIGCHLD: {
            int status;
            pid_t pid;
            while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
                keel_generation_reaped(f, pid, status);
            break;
        }
        default:
            break;
        }
    }
}

static int
setup_signals(keel_front_t *f)
{
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGCHLD);
    sigaddset(&mask, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &mask, NULL) != 0)
        return -1;
    if ((f->signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
        return -1;
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        return -1;
    return 0;
}

static void
setup_h2o(keel_front_t *f)
{
    h2o_config_init(&f->h2o);
    f->h2o.max_request_entity_size = f->cfg.max_body;
    f->h2o.server_name = h2o_iovec_init(H2O_STRLIT("keel"));
    h2o_hostconf_t *host = h2o_config_register_host(&f->h2o, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    f->hostconf = host;
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    keel_handler_t *handler = (void *)h2o_create_handler(path, sizeof(*handler));
    handler->super.on_req = on_req;
    handler->front = f;
    /* No index files: directories never reach it (routing runs index.php). */
    static const char *no_index[] = {NULL};
    h2o_file_register(path, f->router.root_len ? f->router.root : "/", no_index, NULL, 0);

    f->loop = h2o_evloop_create();
    h2o_context_init(&f->ctx, f->loop, &f->h2o);
    f->accept_ctx.ctx = &f->ctx;
    f->accept_ctx.hosts = f->h2o.hosts;
    h2o_timeout_init(f->loop, &f->wait_timeout, f->cfg.max_wait_ms);
    h2o_timeout_init(f->loop, &f->zero_timeout, 0);
    h2o_timeout_init(f->loop, &f->stop_timeout, f->cfg.shutdown_timeout_ms);
    h2o_timeout_init(f->loop, &f->tick_timeout, TICK_MS);
    h2o_timeout_init(f->loop, &f->slow_timeout, f->cfg.slow_request_ms);
    h2o_timeout_init(f->loop, &f->request_timeout, f->cfg.request_timeout_ms);
    /* time for the worker to log its backtrace before it is killed */
    h2o_timeout_init(f->loop, &f->kill_timeout, 200);
    f->tick_entry.cb = on_tick;
    h2o_linklist_init_anchor(&f->generations);
    for (int k = 0; k < KEEL_POOL_KINDS; k++)
        h2o_linklist_init_anchor(&f->queues[k].queue);
}

/* Under load the front is one task among the workers and the rest of the
 * machine; at an equal share it waits for a CPU while the workers it
 * feeds sit idle. It raises itself while that busy (front/priority.h;
 * docs/decisions.md, "The front runs above the workers while it is
 * busy"). Returns -1 (reported) only when an explicit setting fails. */
static int
take_front_priority(keel_front_t *f)
{
    if (keel_priority_probe(f->cfg.front_priority, &f->worker_nice) == 0) {
        f->priority_adaptive = f->cfg.front_priority != 0;
        return 0;
    }
    if (f->cfg.front_priority_explicit) {
        fprintf(
            stderr,
            "keel: --front-priority %u: cannot raise the front's priority: %s (needs CAP_SYS_NICE or RLIMIT_NICE)\n",
            f->cfg.front_priority, strerror(errno));
        return -1;
    }
    keel_info("the front runs at the workers' priority: %s (see --front-priority)", strerror(errno));
    return 0;
}

int
keel_front_main(int argc, char **argv)
{
    static keel_front_t front; /* lives for the whole process */
    keel_front_t *f = &front;
    char err[512];

    keel_log_set_role("front");
    keel_config_defaults(&f->cfg);
    /* kept for the whole process: cfg's strings point into it */
    static keel_config_args_t config_args;
    switch (keel_config_load(&f->cfg, argc, argv, &config_args, err, sizeof(err))) {
    case KEEL_CONFIG_HELP:
        keel_serve_usage(stdout);
        return 0;
    case KEEL_CONFIG_ERROR:
        fprintf(stderr, "keel: %s\n", err);
        return 2;
    case KEEL_CONFIG_OK:
        break;
    }
    f->argc = argc;
    f->argv = argv;
    if (f->cfg.php_ini && access(f->cfg.php_ini, R_OK) != 0) {
        fprintf(stderr, "keel: --php-ini %s: %s\n", f->cfg.php_ini, strerror(errno));
        return 2;
    }
    if (f->cfg.core_dir && access(f->cfg.core_dir, W_OK | X_OK) != 0) {
        fprintf(stderr, "keel: --core-dir %s: %s\n", f->cfg.core_dir, strerror(errno));
        return 2;
    }
    if (keel_router_init(&f->router, f->cfg.root, f->cfg.front_controller, f->cfg.worker_script, err, sizeof(err)) !=
        0) {
        fprintf(stderr, "keel: %s\n", err);
        return 2;
    }
    if (take_front_priority(f) != 0)
        return 2;
    f->listen_fd =
        keel_listen(f->cfg.listen, f->listen_host, sizeof(f->listen_host), &f->listen_port, err, sizeof(err));
    if (f->listen_fd < 0) {
        fprintf(stderr, "keel: %s\n", err);
        return 2;
    }
    snprintf(f->listen_port_text, sizeof(f->listen_port_text), "%d", f->listen_port);
    bool wildcard = strcmp(f->listen_host, "0.0.0.0") == 0 || strcmp(f->listen_host, "::") == 0;
    f->params_ctx = (keel_params_ctx_t){
        .router = &f->router,
        .server_name = f->cfg.server_name,
        .fallback_name = f->listen_host,
        .server_addr = wildcard ? NULL : f->listen_host,
        .server_port = f->listen_port_text,
    };
    /* Response buffers: a copy of h2o's socket buffer prototype, spilling
     * to a file in --spool-dir past 1 MiB. A directory keel cannot write
     * to only turns spooling off, with a warning. */
    f->spool = h2o_socket_buffer_prototype;
    f->spool.mmap_settings = NULL;
    if (f->cfg.spool_dir != NULL) {
        if (access(f->cfg.spool_dir, W_OK | X_OK) != 0) {
            if (f->cfg.spool_dir_explicit) {
                fprintf(stderr, "keel: --spool-dir %s: %s\n", f->cfg.spool_dir, strerror(errno));
                return 2;
            }
            keel_warn("responses are buffered in memory only: %s: %s", f->cfg.spool_dir, strerror(errno));
        } else {
            f->spool_mmap.threshold = 1024 * 1024;
            snprintf(f->spool_mmap.fn_template, sizeof(f->spool_mmap.fn_template), "%s/keel.response.XXXXXX",
                     f->cfg.spool_dir);
            f->spool.mmap_settings = &f->spool_mmap;
        }
    }
    if (setup_signals(f) != 0) {
        fprintf(stderr, "keel: signals: %s\n", strerror(errno));
        return 1;
    }
    setup_h2o(f);
    if (keel_admin_start(f, err, sizeof(err)) != 0) {
        fprintf(stderr, "keel: --admin: %s\n", err);
        return 2;
    }
    f->listener = h2o_evloop_socket_create(f->loop, f->listen_fd, H2O_SOCKET_FLAG_DONT_READ);
    f->listener->data = f;
    f->signals = h2o_evloop_socket_create(f->loop, f->signal_fd, H2O_SOCKET_FLAG_DONT_READ);
    f->signals->data = f;
    h2o_socket_read_start(f->signals, on_signal);

    f->state = KEEL_FRONT_STARTING;
    if ((f->incoming = keel_generation_start(f, err, sizeof(err))) == NULL) {
        fprintf(stderr, "keel: %s\n", err);
        return 1;
    }
    while (f->state != KEEL_FRONT_DONE)
        h2o_evloop_run(f->loop, INT32_MAX);
    if (f->exit_code == 0)
        keel_info("stopped");
    return f->exit_code;
}
