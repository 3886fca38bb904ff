/*
 * `keel serve`: the front process around front.c. It validates the
 * options, binds, sets up h2o and the signals, accepts from then on (the
 * probes answer while the first generation boots), starts the first
 * generation, serves, and on SIGTERM/SIGINT drains and stops in order:
 * STARTING -> SERVING -> (SIGTERM: not ready, --drain-delay serving on)
 * -> DRAINING (no new connections, in-flight requests finish) ->
 * STOPPING (generations told to go) -> DONE.
 */
#include "front/server.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <h2o.h>

#include "acme/acme.h"
#include "common/config_file.h"
#include "common/fds.h"
#include "common/identity.h"
#include "common/log.h"
#include "common/options.h"
#include "front/access_log.h"
#include "front/accept_gate.h"
#include "front/admin.h"
#include "front/compress.h"
#include "front/body_timer.h"
#include "front/front.h"
#include "front/front_snapshot.h"
#include "front/health_path.h"
#include "front/http.h"
#include "common/socket_activation.h"
#include "front/listener.h"
#include "front/parser_hooks.h"
#include "front/priority.h"
#include "front/read_park.h"
#include "front/tls.h"
#include "front/watch.h"

/* After the workers are told to go, how long the zygote gets to exit
 * before it is killed (it kills its own stragglers sooner). */
#define ZYGOTE_EXIT_GRACE_MS 10000
/* How often busy workers' memory is checked against the hard limit, and
 * idle workers against their ttl. */
#define TICK_MS 250

/* One public listening socket. */
typedef struct keel_server_s keel_server_t;
typedef struct {
    keel_server_t *server;
    const keel_listen_addr_t *addr; /* as configured */
    h2o_socket_t *sock;
    int fd;
    int unlink_at_exit; /* a Unix socket keel bound (not one passed in) */
    char host[64];
    int port;
    char port_text[8];
} keel_listener_t;

struct keel_server_s {
    keel_front_t front;
    keel_config_args_t config_args; /* cfg's strings point into it */
    h2o_globalconf_t h2o;
    h2o_hostconf_t *hostconf;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    keel_listener_t listeners[KEEL_MAX_LISTEN];
    size_t n_listeners;
    keel_accept_gate_t gate; /* when the listeners are read */
    keel_tls_t *tls;         /* with an https:// listener */
    keel_acme_t *acme;       /* with --acme-domain */
    h2o_socket_t *acme_sock;
    keel_http_tls_t http_tls; /* what the handler needs of TLS */
    h2o_socket_t *signals;
    int signal_fd;
    /* response buffers: memory, then (with a spool directory) a file */
    h2o_buffer_prototype_t spool;
    h2o_buffer_mmap_settings_t spool_mmap;
    h2o_timeout_t tick_timeout; /* periodic memory and age checks */
    h2o_timeout_t stop_timeout; /* --shutdown-timeout, then the zygotes' grace */
    h2o_timeout_t drain_delay;  /* --drain-delay */
    h2o_timeout_entry_t tick_entry, stop_entry, drain_delay_entry;
    keel_admin_t admin;
    keel_admin_t metrics; /* --metrics: read-only */
    keel_access_log_t access_log;
    bool access_log_on;
    keel_sockname_cache_t socknames; /* connections' own addresses (front/params.h) */
    keel_watch_t watch;
};

static void begin_stop(keel_server_t *s);
static void begin_drain(keel_server_t *s, const char *signame);

/* Inside the loop, so h2o frees the socket before the loop ends. */
static void
stop_acme_watch(keel_server_t *s)
{
    if (s->acme_sock != NULL) {
        h2o_socket_close(s->acme_sock);
        s->acme_sock = NULL;
    }
}

/* --- accepting --- */

static void
on_accept(h2o_socket_t *listener, const char *err)
{
    keel_listener_t *l = listener->data;
    keel_server_t *s = l->server;
    if (err != NULL)
        return;
    /* Take a batch per wakeup, as connections arrive in bursts. */
    for (int i = 0; i < 16 && keel_accept_gate_may_accept(&s->gate); i++) {
        h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
        if (sock == NULL) {
            keel_accept_gate_failed(&s->gate, errno);
            return;
        }
        keel_accept_gate_accepted(&s->gate, sock);
        if (l->addr->tls) {
            keel_tls_accept(s->tls, &s->accept_ctx, sock);
        } else {
            h2o_accept(&s->accept_ctx, sock);
            keel_read_park_learn(sock);
        }
    }
}

static void
close_listener(keel_server_t *s)
{
    keel_accept_gate_close(&s->gate);
    for (size_t i = 0; i < s->n_listeners; i++) {
        keel_listener_t *l = &s->listeners[i];
        if (l->sock != NULL) {
            h2o_socket_close(l->sock);
            l->sock = NULL;
        }
        /* what keel bound it removes; a socket passed in is the service
         * manager's */
        if (l->unlink_at_exit && unlink(l->addr->path) != 0 && errno != ENOENT)
            keel_warn("unix:%s: cannot remove the socket: %s", l->addr->path, strerror(errno));
        l->unlink_at_exit = 0;
    }
}

/* The listeners as URLs, for the log: "http://127.0.0.1:8080 unix:/run/keel.sock". */
static void
listener_urls(const keel_server_t *s, char *urls, size_t size)
{
    urls[0] = '\0';
    for (size_t i = 0, n = 0; i < s->n_listeners && n < size; i++) {
        char one[160];
        const keel_listener_t *l = &s->listeners[i];
        if (l->addr->family == KEEL_LISTEN_UNIX)
            snprintf(one, sizeof(one), "unix:%s", l->addr->path);
        else
            snprintf(one, sizeof(one), "%s://%s%s%s:%d", l->addr->tls ? "https" : "http",
                     strchr(l->host, ':') ? "[" : "", l->host, strchr(l->host, ':') ? "]" : "", l->port);
        n += (size_t)snprintf(urls + n, size - n, "%s%s", i ? " " : "", one);
    }
}

/* --- what the front reports --- */

static void
on_files_changed(void *owner, const char *what)
{
    keel_server_t *s = owner;
    char why[PATH_MAX + NAME_MAX + 64];
    snprintf(why, sizeof(why), "--watch: %s changed", what);
    keel_front_reload(&s->front, why, NULL, NULL);
}

static void
on_first_ready(void *owner)
{
    keel_server_t *s = owner;
    keel_front_t *f = &s->front;
    if (f->state != KEEL_FRONT_STARTING)
        return;
    f->state = KEEL_FRONT_SERVING;
    h2o_timeout_link(f->env.loop, &s->tick_timeout, &s->tick_entry);
    char workers[96];
    if (f->cfg.worker_script)
        snprintf(workers, sizeof(workers), "%u worker-mode + %u classic workers", f->cfg.workers,
                 f->cfg.classic_workers);
    else
        snprintf(workers, sizeof(workers), "%u worker%s", f->cfg.workers, f->cfg.workers == 1 ? "" : "s");
    char urls[KEEL_MAX_LISTEN * 80];
    listener_urls(s, urls, sizeof(urls));
    keel_info("ready: %s (%s, generation %u, opcache %s)", urls, workers, f->active->number,
              f->active->opcache ? "on" : "off");
}

static void
on_startup_failed(void *owner)
{
    begin_stop(owner); /* exit code set by the front; the reason is logged */
}

static void
on_all_gone(void *owner)
{
    keel_server_t *s = owner;
    if (s->front.state == KEEL_FRONT_STOPPING)
        s->front.state = KEEL_FRONT_DONE;
}

static void
on_requests_done(void *owner)
{
    keel_server_t *s = owner;
    if (s->front.state == KEEL_FRONT_DRAINING)
        begin_stop(s);
}

static const keel_front_hooks_t front_hooks = {
    .first_ready = on_first_ready,
    .startup_failed = on_startup_failed,
    .all_gone = on_all_gone,
    .requests_done = on_requests_done,
};

/* --- what the admin listener asks --- */

static void
admin_snapshot(void *owner, h2o_mem_pool_t *pool, keel_front_snapshot_t *out)
{
    keel_server_t *s = owner;
    keel_front_snapshot(&s->front, pool, out);
}

/* A reload reads the certificates again first: a bad one refuses the
 * whole reload, with the reason, and the old ones keep serving. */
static int
reload_certificates(keel_server_t *s, const char *why, char *err, size_t errlen)
{
    if (s->tls == NULL || s->front.cfg.tls_cert_count == 0)
        return 0;
    if (keel_tls_reload(s->tls, err, errlen) != 0) {
        s->front.env.counters.reloads_failed++;
        keel_error("reload (%s) refused: %s; the certificates in use stay", why, err);
        return -1;
    }
    keel_info("reload (%s): certificates read again", why);
    return 0;
}

static void
admin_reload(void *owner, keel_admin_reload_done done, void *data)
{
    keel_server_t *s = owner;
    char err[512];
    if (reload_certificates(s, "admin request", err, sizeof(err)) != 0) {
        done(data, 0, err);
        return;
    }
    keel_front_reload(&s->front, "admin request", done, data);
}

static void
admin_forget_reload(void *owner, void *data)
{
    keel_server_t *s = owner;
    keel_front_forget_reload_waiter(&s->front, data);
}

static void
readiness(void *owner, keel_readiness_t *out)
{
    keel_server_t *s = owner;
    keel_front_readiness(&s->front, out);
}

static const keel_admin_ops_t admin_ops = {
    .snapshot = admin_snapshot,
    .reload = admin_reload,
    .forget_reload = admin_forget_reload,
    .readiness = readiness,
};

/* --- lifecycle --- */

static void
on_tick(h2o_timeout_entry_t *entry)
{
    keel_server_t *s = H2O_STRUCT_FROM_MEMBER(keel_server_t, tick_entry, entry);
    keel_front_tick(&s->front);
    if (s->front.state == KEEL_FRONT_SERVING || s->front.state == KEEL_FRONT_DRAINING)
        h2o_timeout_link(s->front.env.loop, &s->tick_timeout, &s->tick_entry);
}

static void
on_stop_timeout(h2o_timeout_entry_t *entry)
{
    keel_server_t *s = H2O_STRUCT_FROM_MEMBER(keel_server_t, stop_entry, entry);
    keel_front_t *f = &s->front;
    if (f->state == KEEL_FRONT_DRAINING) {
        keel_warn("shutdown timeout: %zu requests still running; stopping anyway", f->php.in_flight);
        begin_stop(s);
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

/* Every generation's workers are told to go, then their zygotes; the
 * front is done when the last zygote has exited. */
static void
begin_stop(keel_server_t *s)
{
    keel_front_t *f = &s->front;
    if (f->state >= KEEL_FRONT_STOPPING)
        return;
    f->state = KEEL_FRONT_STOPPING;
    close_listener(s);
    stop_acme_watch(s);
    keel_tls_stop(s->tls);
    if (h2o_timeout_is_linked(&s->tick_entry))
        h2o_timeout_unlink(&s->tick_entry);
    if (h2o_timeout_is_linked(&s->stop_entry))
        h2o_timeout_unlink(&s->stop_entry);
    if (h2o_timeout_is_linked(&s->drain_delay_entry))
        h2o_timeout_unlink(&s->drain_delay_entry);
    keel_front_stop(f);
    if (f->state == KEEL_FRONT_DONE)
        return;
    h2o_timeout_dispose(f->env.loop, &s->stop_timeout);
    h2o_timeout_init(f->env.loop, &s->stop_timeout, ZYGOTE_EXIT_GRACE_MS);
    s->stop_entry.cb = on_stop_timeout;
    h2o_timeout_link(f->env.loop, &s->stop_timeout, &s->stop_entry);
}

static void
begin_drain(keel_server_t *s, const char *signame)
{
    keel_front_t *f = &s->front;
    if (f->state >= KEEL_FRONT_DRAINING)
        return;
    f->stop_requested = true;
    if (h2o_timeout_is_linked(&s->drain_delay_entry))
        h2o_timeout_unlink(&s->drain_delay_entry);
    keel_info("%s: stopping; %zu requests in flight", signame, f->php.in_flight);
    close_listener(s);
    /* Keep-alive connections close after their current request. */
    h2o_context_request_shutdown(&s->ctx);
    if (f->state == KEEL_FRONT_STARTING || f->php.in_flight == 0) {
        begin_stop(s);
        return;
    }
    f->state = KEEL_FRONT_DRAINING;
    s->stop_entry.cb = on_stop_timeout;
    h2o_timeout_link(f->env.loop, &s->stop_timeout, &s->stop_entry);
}

static void
on_drain_delay(h2o_timeout_entry_t *entry)
{
    keel_server_t *s = H2O_STRUCT_FROM_MEMBER(keel_server_t, drain_delay_entry, entry);
    begin_drain(s, "--drain-delay over");
}

/* SIGTERM: not ready at once; with --drain-delay, serving goes on that
 * long so that load balancers see it and stop sending, then the drain.
 * A second SIGTERM, or SIGINT, drains at once. */
static void
on_sigterm(keel_server_t *s)
{
    keel_front_t *f = &s->front;
    if (f->stop_requested || f->cfg.drain_delay_ms == 0 || f->state != KEEL_FRONT_SERVING) {
        begin_drain(s, "SIGTERM");
        return;
    }
    f->stop_requested = true;
    keel_info("SIGTERM: not ready; serving on for --drain-delay (%.1fs), then stopping",
              (double)f->cfg.drain_delay_ms / 1000.0);
    s->drain_delay_entry.cb = on_drain_delay;
    h2o_timeout_link(f->env.loop, &s->drain_delay, &s->drain_delay_entry);
}

static void
on_signal(h2o_socket_t *sock, const char *err)
{
    keel_server_t *s = sock->data;
    (void)err;
    struct signalfd_siginfo si;
    while (read(s->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        switch (si.ssi_signo) {
        case SIGTERM:
            on_sigterm(s);
            break;
        case SIGINT:
            begin_drain(s, "SIGINT");
            break;
        case SIGHUP: {
            char why[512];
            if (reload_certificates(s, "SIGHUP", why, sizeof(why)) == 0)
                keel_front_reload(&s->front, "SIGHUP", NULL, NULL);
            break;
        }
        case SIGUSR1:
            /* logrotate moved the access log */
            if (s->access_log_on) {
                keel_info("SIGUSR1: reopening the access log %s", s->front.cfg.access_log);
                keel_access_log_reopen(&s->access_log);
            }
            break;
        case SIGCHLD: {
            int status;
            pid_t pid;
            while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
                keel_front_reaped(&s->front, pid, status);
            break;
        }
        default:
            break;
        }
    }
}

static int
setup_signals(keel_server_t *s)
{
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGCHLD);
    sigaddset(&mask, SIGHUP);
    sigaddset(&mask, SIGUSR1);
    if (sigprocmask(SIG_BLOCK, &mask, NULL) != 0)
        return -1;
    if ((s->signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
        return -1;
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        return -1;
    return 0;
}

static void
setup_h2o(keel_server_t *s)
{
    keel_front_t *f = &s->front;
    h2o_config_init(&s->h2o);
    /* libh2o refuses a chunked body of exactly its limit (its check is >=
     * where its Content-Length check is >): one byte more here, and http.c
     * answers 413 for the bodies that byte lets through. */
    s->h2o.max_request_entity_size = f->cfg.max_body + 1;
    s->h2o.server_name = h2o_iovec_init(H2O_STRLIT("keel"));
    s->hostconf = h2o_config_register_host(&s->h2o, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(s->hostconf, "/", 0);
    if (f->cfg.health_path != NULL)
        keel_health_path_register(path, f->cfg.health_path, readiness, s);
    /* keel's handler routes each request with the serving generation's
     * paths and hands checked static files to h2o's file handler (which it
     * registers) by absolute path. */
    keel_http_register(s->hostconf, path, &f->routing, &f->php, s->listeners[0].host, s->listeners[0].port,
                       f->cfg.max_body, f->cfg.compress, &s->http_tls);
    if (f->cfg.compress)
        keel_compress_register(path);

    f->env.loop = h2o_evloop_create();
    if (s->access_log_on)
        keel_access_log_register(&s->access_log, path, f->env.loop);
    h2o_context_init(&s->ctx, f->env.loop, &s->h2o);
    if (s->tls != NULL)
        keel_tls_start(s->tls, f->env.loop);
    /* Limits on what a client may send and hold (docs/security.md,
     * "Clients"). */
    keel_parser_hooks_configure(f->cfg.max_header_size);
    keel_body_timer_init(f->env.loop, f->cfg.body_timeout_ms, f->cfg.min_body_rate);
    keel_accept_gate_init(&s->gate, f->env.loop, f->cfg.max_connections);
    s->accept_ctx.ctx = &s->ctx;
    s->accept_ctx.hosts = s->h2o.hosts;
    h2o_timeout_init(f->env.loop, &s->stop_timeout, f->cfg.shutdown_timeout_ms);
    h2o_timeout_init(f->env.loop, &s->drain_delay, f->cfg.drain_delay_ms);
    h2o_timeout_init(f->env.loop, &s->tick_timeout, TICK_MS);
    s->tick_entry.cb = on_tick;
    keel_front_init(f, &front_hooks, s);
}

/* Under load the front is one task among the workers and the rest of the
 * machine; at an equal share it waits for a CPU while the workers it
 * feeds sit idle. It raises itself while that busy (front/priority.h;
 * docs/decisions.md, "The front runs above the workers while it is
 * busy"). Returns -1 (reported) only when an explicit setting fails. */
static int
take_front_priority(keel_front_t *f)
{
    f->priority.steps = f->cfg.front_priority;
    if (keel_priority_probe(f->cfg.front_priority, &f->priority.worker_nice) == 0) {
        f->priority.adaptive = f->cfg.front_priority != 0;
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

/* Who PHP will run as (--user, --group; common/identity.h), checked
 * before anything is bound. Returns 0, or -1 (reported); *as_root says
 * whether PHP will run as root without being told to. */
static int
check_php_user(const keel_config_t *cfg, bool *as_root)
{
    keel_identity_t id;
    char err[512];
    if (keel_identity_resolve(&id, cfg, err, sizeof(err)) != 0 ||
        keel_identity_check(&id, cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "keel: %s\n", err);
        return -1;
    }
    *as_root = geteuid() == 0 && !id.given;
    return 0;
}

/* --- TLS, ACME and the listeners --- */

static void
on_acme_certificate(void *owner, const keel_acme_certificate_t *c)
{
    keel_server_t *s = owner;
    if (s->tls != NULL)
        keel_tls_install(s->tls, c);
}

static const keel_acme_hooks_t acme_hooks = {.certificate = on_acme_certificate};

static void
on_acme_ready(h2o_socket_t *sock, const char *err)
{
    keel_server_t *s = sock->data;
    if (err == NULL && s->acme != NULL)
        keel_acme_run(s->acme);
}

/* The ACME client's descriptor on the loop; h2o closes what it watches,
 * so it gets a copy. Returns 0, or -1 with errno. */
static int
watch_acme(keel_server_t *s)
{
    int fd = fcntl(keel_acme_fd(s->acme), F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    s->acme_sock = h2o_evloop_socket_create(s->front.env.loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    s->acme_sock->data = s;
    h2o_socket_read_start(s->acme_sock, on_acme_ready);
    return 0;
}

/* A test shortens the ACME client's backoff (docs/acme.md, "Tests"). */
static uint64_t
env_ms(const char *name)
{
    const char *v = getenv(name);
    return v != NULL ? strtoull(v, NULL, 10) : 0;
}

/* The ACME client (--acme-domain) and the TLS contexts (an https://
 * listener). Returns 0, or -1 with one line in err. */
static int
setup_tls(keel_server_t *s, char *err, size_t errlen)
{
    keel_config_t *cfg = &s->front.cfg;
    /* every name each --acme-domain value lists */
    static char names_text[KEEL_MAX_ACME_DOMAINS][512]; /* lives for the process, as cfg does */
    const char *names[KEEL_MAX_ACME_DOMAINS * 16];
    size_t n_names = 0;
    for (size_t i = 0; i < cfg->acme_domain_count; i++) {
        snprintf(names_text[i], sizeof(names_text[i]), "%s", cfg->acme_domain[i]);
        char *save = NULL;
        for (char *p = strtok_r(names_text[i], ",", &save); p != NULL && n_names < sizeof(names) / sizeof(names[0]);
             p = strtok_r(NULL, ",", &save))
            names[n_names++] = p;
    }
    if (cfg->acme_domain_count > 0) {
        unsigned challenges = 0;
        for (size_t i = 0; i < cfg->listen_count; i++)
            if (cfg->listen[i].family == KEEL_LISTEN_TCP)
                challenges |= cfg->listen[i].tls ? KEEL_ACME_CHALLENGE_TLS_ALPN01 : KEEL_ACME_CHALLENGE_HTTP01;
        keel_acme_config_t acfg = {
            .domains = cfg->acme_domain,
            .n_domains = cfg->acme_domain_count,
            .directory_url = cfg->acme_directory,
            .email = cfg->acme_email,
            .ca_root = cfg->acme_ca_root,
            .state_dir = cfg->state_dir,
            .challenges = challenges,
            .retry_first_ms = env_ms("KEEL_ACME_RETRY_FIRST_MS"),
            .retry_max_ms = env_ms("KEEL_ACME_RETRY_MAX_MS"),
        };
        if ((s->acme = keel_acme_create(&acfg, &acme_hooks, s, err, errlen)) == NULL)
            return -1;
    }
    if (keel_config_has_tls_listener(cfg)) {
        if ((s->tls = keel_tls_create(cfg, names, n_names, err, errlen)) == NULL)
            return -1;
        keel_tls_set_acme(s->tls, s->acme);
    }
    s->http_tls = (keel_http_tls_t){
        .redirect_https = cfg->redirect_https,
        .hsts_seconds = cfg->hsts_ms / 1000,
        .acme = &s->acme,
    };
    return 0;
}

/* Once the loop has stopped (stop_acme_watch ran inside it). */
static void
stop_tls(keel_server_t *s)
{
    keel_acme_destroy(s->acme);
    s->acme = NULL;
    keel_tls_destroy(s->tls);
    s->tls = NULL;
}

/* Every --listen address: a socket passed in for it (socket activation),
 * else bound here. Returns 0, or -1 with one line in err. */
static int
bind_listeners(keel_server_t *s, int *passed, size_t n_passed, char *err, size_t errlen)
{
    keel_config_t *cfg = &s->front.cfg;
    for (size_t i = 0; i < cfg->listen_count; i++) {
        keel_listener_t *l = &s->listeners[s->n_listeners];
        *l = (keel_listener_t){.server = s, .addr = &cfg->listen[i]};
        l->fd = keel_listen_adopt(l->addr, passed, n_passed, l->host, sizeof(l->host), &l->port);
        if (l->fd < 0) {
            l->fd = keel_listen(l->addr, "--listen", l->host, sizeof(l->host), &l->port, err, errlen);
            if (l->fd < 0)
                return -1;
            l->unlink_at_exit = l->addr->family == KEEL_LISTEN_UNIX;
        }
        snprintf(l->port_text, sizeof(l->port_text), "%d", l->port);
        s->n_listeners++;
        if (l->addr->tls && s->http_tls.https_port == 0)
            s->http_tls.https_port = l->port;
    }
    for (size_t i = 0; i < n_passed; i++)
        if (passed[i] >= 0) {
            keel_warn("socket activation: descriptor %d matches no --listen address; closed", passed[i]);
            if (close(passed[i]) != 0)
                keel_warn("close(%d): %s", passed[i], strerror(errno));
        }
    return 0;
}

int
keel_front_main(int argc, char **argv)
{
    static keel_server_t server; /* lives for the whole process */
    keel_server_t *s = &server;
    keel_front_t *f = &s->front;
    char err[512];

    /* Before anything is opened: keel passes on nothing it did not open
     * itself, so what the launching shell left open is closed, except the
     * sockets a service manager passed in (socket activation). */
    int passed[KEEL_LISTEN_FDS_MAX];
    int n_passed = keel_listen_passed(passed, KEEL_LISTEN_FDS_MAX, err, sizeof(err));
    if (n_passed < 0) {
        fprintf(stderr, "keel: %s\n", err);
        return 2;
    }
    if (keel_fds_close_others(passed, (size_t)n_passed) != 0) {
        fprintf(stderr, "keel: cannot close inherited descriptors: %s\n", strerror(errno));
        return 1;
    }
    keel_log_set_role("front");
    keel_config_defaults(&f->cfg);
    switch (keel_config_load(&f->cfg, argc, argv, &s->config_args, err, sizeof(err))) {
    case KEEL_CONFIG_HELP:
        keel_serve_usage(stdout);
        return 0;
    case KEEL_CONFIG_ERROR:
        fprintf(stderr, "keel: %s\n", err);
        return 2;
    case KEEL_CONFIG_OK:
        break;
    }
    f->env.argc = argc;
    f->env.argv = argv;
    if (f->cfg.php_ini && access(f->cfg.php_ini, R_OK) != 0) {
        fprintf(stderr, "keel: --php-ini %s: %s\n", f->cfg.php_ini, strerror(errno));
        return 2;
    }
    if (f->cfg.core_dir && access(f->cfg.core_dir, W_OK | X_OK) != 0) {
        fprintf(stderr, "keel: --core-dir %s: %s\n", f->cfg.core_dir, strerror(errno));
        return 2;
    }
    if (keel_front_resolve_paths(f, err, sizeof(err)) != 0) {
        fprintf(stderr, "keel: %s\n", err);
        return 2;
    }
    bool php_as_root;
    if (check_php_user(&f->cfg, &php_as_root) != 0 || take_front_priority(f) != 0)
        return 2;
    /* Certificates and the ACME state directory are checked before
     * anything is bound: a bad one is one line and exit 2. */
    if (keel_config_check_tls(&f->cfg, err, sizeof(err)) != 0 || setup_tls(s, err, sizeof(err)) != 0) {
        fprintf(stderr, "keel: %s\n", err);
        return 2;
    }
    const keel_fwd_trust_t trust = {
        .ranges = f->cfg.trusted_proxies,
        .count = f->cfg.trusted_proxy_count,
        .unix_peers = f->cfg.trusted_unix_peers,
    };
    if (f->cfg.access_log != NULL) {
        if (keel_access_log_open(&s->access_log, f->cfg.access_log, f->cfg.access_log_json, &trust, err, sizeof(err)) !=
            0) {
            fprintf(stderr, "keel: --access-log %s\n", err);
            return 2;
        }
        s->access_log_on = true;
        f->php.access_log = true;
    }
    if (bind_listeners(s, passed, (size_t)n_passed, err, sizeof(err)) != 0) {
        fprintf(stderr, "keel: %s\n", err);
        return 2;
    }
    keel_listener_t *first = &s->listeners[0];
    /* One TCP listener bound to one address: SERVER_ADDR and SERVER_PORT
     * are the same for every request. Otherwise they are asked per
     * connection, which tells https:// from http:// ports apart. */
    bool wildcard = strcmp(first->host, "0.0.0.0") == 0 || strcmp(first->host, "::") == 0;
    bool fixed = s->n_listeners == 1 && first->addr->family == KEEL_LISTEN_TCP && !wildcard;
    f->params = (keel_params_ctx_t){
        .server_name = f->cfg.server_name,
        .fallback_name = first->host[0] ? first->host : "localhost",
        .server_addr = fixed ? first->host : NULL,
        .server_port = first->port_text,
        .extra = f->cfg.params,
        .extra_count = f->cfg.param_count,
        .trust = trust,
        .socknames = &s->socknames,
    };
    f->params.listen_addr_len = sizeof(f->params.listen_addr);
    if (getsockname(first->fd, (struct sockaddr *)&f->params.listen_addr, &f->params.listen_addr_len) != 0) {
        fprintf(stderr, "keel: getsockname: %s\n", strerror(errno));
        return 1;
    }
    /* Response buffers: a copy of h2o's socket buffer prototype, spilling
     * to a file in --spool-dir past 1 MiB. A directory keel cannot write
     * to only turns spooling off, with a warning. */
    s->spool = h2o_socket_buffer_prototype;
    s->spool.mmap_settings = NULL;
    if (f->cfg.spool_dir != NULL) {
        if (access(f->cfg.spool_dir, W_OK | X_OK) != 0) {
            if (f->cfg.spool_dir_explicit) {
                fprintf(stderr, "keel: --spool-dir %s: %s\n", f->cfg.spool_dir, strerror(errno));
                return 2;
            }
            keel_warn("responses are buffered in memory only: %s: %s", f->cfg.spool_dir, strerror(errno));
        } else {
            s->spool_mmap.threshold = 1024 * 1024;
            snprintf(s->spool_mmap.fn_template, sizeof(s->spool_mmap.fn_template), "%s/keel.response.XXXXXX",
                     f->cfg.spool_dir);
            s->spool.mmap_settings = &s->spool_mmap;
        }
    }
    f->php.spool = &s->spool;
    if (setup_signals(s) != 0) {
        fprintf(stderr, "keel: signals: %s\n", strerror(errno));
        return 1;
    }
    if (s->access_log_on && keel_access_log_start(&s->access_log, err, sizeof(err)) != 0) {
        fprintf(stderr, "keel: --access-log: %s\n", err);
        return 1;
    }
    setup_h2o(s);
    if (keel_admin_start(&s->admin, f->env.loop, &f->cfg, &admin_ops, s, err, sizeof(err)) != 0) {
        fprintf(stderr, "keel: --admin: %s\n", err);
        return 2;
    }
    if (keel_admin_start_metrics(&s->metrics, f->env.loop, &f->cfg, &admin_ops, s, err, sizeof(err)) != 0) {
        fprintf(stderr, "keel: --metrics: %s\n", err);
        return 2;
    }
    for (size_t i = 0; i < s->n_listeners; i++) {
        keel_listener_t *l = &s->listeners[i];
        l->sock = h2o_evloop_socket_create(f->env.loop, l->fd, H2O_SOCKET_FLAG_DONT_READ);
        l->sock->data = l;
    }
    if (s->acme != NULL && watch_acme(s) != 0) {
        fprintf(stderr, "keel: acme: %s\n", strerror(errno));
        return 1;
    }
    s->signals = h2o_evloop_socket_create(f->env.loop, s->signal_fd, H2O_SOCKET_FLAG_DONT_READ);
    s->signals->data = s;
    h2o_socket_read_start(s->signals, on_signal);

    /* docs/decisions.md, "PHP runs as --user; as root without it, keel
     * warns"; said once nothing can refuse the configuration any more */
    if (php_as_root)
        keel_warn("running as root without --user: PHP runs as root too, and any script can stop keel; "
                  "--user USER runs it as USER (--user root: root is meant)");
    f->state = KEEL_FRONT_STARTING;
    /* Live from here: the probes answer (not ready) while the first
     * generation boots or keeps failing, and PHP requests wait in the
     * front (--max-wait) for it. */
    for (size_t i = 0; i < s->n_listeners; i++)
        keel_accept_gate_listen(&s->gate, s->listeners[i].sock, on_accept);
    keel_admin_accept(&s->admin);
    keel_admin_accept(&s->metrics);
    /* the listeners answer the challenges from now on (front/tls_http.h),
     * PHP or not: the certificate comes while the first generation boots */
    if (s->acme != NULL)
        keel_acme_start(s->acme);
    if (f->cfg.watch)
        keel_watch_start(&s->watch, f->env.loop, f->routing->router.root_len ? f->routing->router.root : "/",
                         f->cfg.watch_ignore_count ? f->cfg.watch_ignore : NULL, f->cfg.watch_ignore_count,
                         on_files_changed, s);
    char urls[KEEL_MAX_LISTEN * 80];
    listener_urls(s, urls, sizeof(urls));
    keel_info("listening: %s; ready once a generation serves", urls);
    if (keel_front_start(f, err, sizeof(err)) != 0) {
        fprintf(stderr, "keel: %s\n", err);
        return 1;
    }
    while (f->state != KEEL_FRONT_DONE)
        h2o_evloop_run(f->env.loop, INT32_MAX);
    if (s->access_log_on)
        keel_access_log_close(&s->access_log);
    stop_tls(s);
    if (f->exit_code == 0)
        keel_info("stopped");
    return f->exit_code;
}
