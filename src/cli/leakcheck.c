#include "cli/leakcheck.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "acme/curl_api.h"

#include "cli/close.h"
#include "cli/growth_fit.h"
#include "cli/leak_report.h"
#include "cli/load.h"
#include "cli/serve_child.h"
#include "cli/serve_log.h"
#include "cli/status_json.h"
#include "cli/svg_plot.h"
#include "common/clock.h"
#include "common/units.h"
#include "supervisor/budget.h"

/* How long keel may take to say it is ready (PHP boot, preload). */
#define START_TIMEOUT_MS 60000
/* /status failing this many times in a row ends the run. */
#define STATUS_FAILURES_MAX 5
/* How often the progress bar is redrawn. */
#define PROGRESS_MS 100
#define MAX_INI     256

static const char usage[] =
    "Usage: keel leakcheck --root DIR [--worker SCRIPT] [--url PATH] [--requests N]\n"
    "                      [--plot FILE] [--max-growth BYTES] [-d KEY=VALUE ...]\n"
    "\n"
    "Starts its own keel on free loopback ports with one worker and no recycling, sends\n"
    "N requests for PATH on a few keep-alive connections, samples the worker's private\n"
    "memory from /status as it goes, and reports the growth per request with its 95%\n"
    "confidence interval, and the memory at 1k, 10k and 100k requests:\n"
    "\n"
    "  growth: N B/request (95% CI A-B) over R requests\n"
    "\n"
    "A worker that reaches memory_limit or dies ends the run early with the figure so far.\n"
    "\n"
    "Options:\n"
    "  --root DIR           document root, as for keel serve (required)\n"
    "  --worker SCRIPT      worker mode, as for keel serve\n"
    "  --url PATH           the request path and query to send (default: /)\n"
    "  --requests N         requests to send, 100 or more (default: 10000)\n"
    "  --concurrency N      requests in flight, each on its own connection, 1 to 64 (default: 4)\n"
    "  --plot FILE          write memory against requests, with the fitted line, as SVG\n"
    "  --max-growth BYTES   exit 1 when the growth per request is above BYTES (K, M allowed)\n"
    "  -d KEY=VALUE         a php.ini value, as for keel serve (repeatable)\n"
    "  --php-ini FILE       the php.ini to load, as for keel serve\n"
    "  -h, --help           show this help\n"
    "\n"
    "Exit status: 0 within --max-growth, 1 above it, 2 bad options, keel did not start or\n"
    "no PHP worker served the URL, 3 the run ended early (and stayed within --max-growth).\n";

typedef struct {
    const char *root, *worker, *url, *plot, *php_ini;
    uint64_t requests;
    unsigned concurrency;
    bool have_max_growth;
    uint64_t max_growth;
    const char *ini[MAX_INI];
    size_t ini_count;
} options_t;

typedef enum {
    END_NONE,
    END_DONE,
    END_MEMORY_LIMIT,
    END_WORKER_GONE,
    END_SERVE_EXITED,
    END_NO_WORKER,
    END_STATUS_FAILED,
    END_INTERRUPTED,
} end_t;

typedef struct {
    const options_t *opt;
    keel_leak_plan_t plan;
    keel_serve_child_t serve;
    keel_load_t *load;
    char status_url[128];
    int sigfd;
    uint64_t stop_at;     /* requests released so far: the run pauses there */
    uint64_t next_sample; /* completed requests that call for the next sample */
    bool want_now;        /* an error answer: look at the worker at once */
    bool pending_at_stop; /* the /status in flight was asked for at a pause */
    unsigned status_failures;
    end_t end;
    char end_detail[512];
    bool memory_limit_seen;
    int pid; /* the worker measured; 0 until it served a request */
    char mode[KEEL_STATUS_NAME];
    keel_mem_sample_t samples[KEEL_GROWTH_MAX_SAMPLES];
    size_t count;
    uint64_t last_draw_ms;
    bool progress;
    bool ready, have_admin;
    int port, admin_port;
} run_t;

/* --- options --- */

static int
option_error(const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "keel leakcheck: ");
    fprintf(stderr, fmt, a, b);
    fprintf(stderr, " (see keel leakcheck --help)\n");
    return 2;
}

/* The value of the option at argv[*i] ("--name value" or "--name=value",
 * "-dKEY=VALUE"), or NULL when it has none. */
static const char *
value_of(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=' && name[1] == '-')
        return a + n + 1;
    if (a[n] != '\0' && name[1] != '-')
        return a + n;
    if (a[n] == '\0' && *i + 1 < argc)
        return argv[++*i];
    return NULL;
}

static int
parse_options(int argc, char **argv, options_t *o)
{
    *o = (options_t){.url = "/", .requests = 10000, .concurrency = 4};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v;
        uint64_t n;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            return 1;
        } else if ((v = value_of(argc, argv, &i, "--root")) != NULL) {
            o->root = v;
        } else if ((v = value_of(argc, argv, &i, "--worker")) != NULL) {
            o->worker = v;
        } else if ((v = value_of(argc, argv, &i, "--url")) != NULL) {
            if (v[0] != '/')
                return option_error("--url %s: expected a path starting with /%s", v, "");
            o->url = v;
        } else if ((v = value_of(argc, argv, &i, "--requests")) != NULL) {
            if (keel_parse_uint(v, KEEL_LEAK_MIN_REQUESTS, 1000000000, &n) != 0)
                return option_error("--requests %s: expected a number from 100 to 1000000000%s", v, "");
            o->requests = n;
        } else if ((v = value_of(argc, argv, &i, "--concurrency")) != NULL) {
            if (keel_parse_uint(v, 1, KEEL_LOAD_MAX_CONCURRENCY, &n) != 0)
                return option_error("--concurrency %s: expected a number from 1 to 64%s", v, "");
            o->concurrency = (unsigned)n;
        } else if ((v = value_of(argc, argv, &i, "--plot")) != NULL) {
            o->plot = v;
        } else if ((v = value_of(argc, argv, &i, "--max-growth")) != NULL) {
            if (keel_parse_size(v, &o->max_growth) != 0)
                return option_error("--max-growth %s: expected bytes per request, like 1024 or 4K%s", v, "");
            o->have_max_growth = true;
        } else if ((v = value_of(argc, argv, &i, "--php-ini")) != NULL) {
            o->php_ini = v;
        } else if ((v = value_of(argc, argv, &i, "-d")) != NULL) {
            if (o->ini_count == MAX_INI)
                return option_error("too many -d options%s%s", "", "");
            o->ini[o->ini_count++] = v;
        } else {
            return option_error("unknown option or missing value: '%s'%s", a, "");
        }
    }
    if (o->root == NULL)
        return option_error("--root is required%s%s", "", "");
    return 0;
}

/* keel serve's arguments: free loopback ports (the log says which), one
 * worker, no recycling (serve's defaults), and the user's PHP settings. */
static char **
serve_argv(const options_t *o)
{
    char **v = calloc(24 + 2 * o->ini_count, sizeof(char *));
    if (v == NULL)
        return NULL;
    size_t n = 0;
    const char *fixed[] = {"keel", "serve", "--root", o->root, "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
                           "--workers", "1",
                           /* measuring, not serving: the budget is no reason to refuse */
                           "--allow-overcommit", "--shutdown-timeout", "5s"};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        v[n++] = (char *)fixed[i];
    if (o->worker) {
        v[n++] = (char *)"--worker";
        v[n++] = (char *)o->worker;
    }
    if (o->php_ini) {
        v[n++] = (char *)"--php-ini";
        v[n++] = (char *)o->php_ini;
    }
    for (size_t i = 0; i < o->ini_count; i++) {
        v[n++] = (char *)"-d";
        v[n++] = (char *)o->ini[i];
    }
    v[n] = NULL;
    return v;
}

/* --- keel's log --- */

static void
on_log_line(void *ctx, const char *line)
{
    run_t *r = ctx;
    int port = 0;
    switch (keel_serve_log_scan(line, &port)) {
    case KEEL_SERVE_LOG_READY:
        r->port = port;
        r->ready = true;
        break;
    case KEEL_SERVE_LOG_ADMIN:
        r->admin_port = port;
        r->have_admin = true;
        break;
    case KEEL_SERVE_LOG_MEMORY_LIMIT:
        if (!r->memory_limit_seen) {
            const char *msg = strstr(line, "Allowed memory size");
            snprintf(r->end_detail, sizeof(r->end_detail), "%s", msg ? msg : line);
        }
        r->memory_limit_seen = true;
        break;
    case KEEL_SERVE_LOG_OTHER:
        break;
    }
}

/* Waits for keel's "admin:" and "ready:" lines. Returns 0, or 2 after
 * saying why keel did not start, or 3 when interrupted. */
static int
wait_ready(run_t *r)
{
    uint64_t deadline = keel_now_ms() + START_TIMEOUT_MS;
    while (!(r->ready && r->have_admin)) {
        struct pollfd p[2] = {{.fd = r->serve.log_fd, .events = POLLIN}, {.fd = r->sigfd, .events = POLLIN}};
        uint64_t now = keel_now_ms();
        if (now >= deadline) {
            fprintf(stderr, "keel leakcheck: keel serve did not get ready within %d s; its log ends with:\n",
                    START_TIMEOUT_MS / 1000);
            keel_serve_child_print_tail(&r->serve, stderr, "  ");
            return 2;
        }
        int n = poll(p, 2, (int)(deadline - now));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "keel leakcheck: poll: %s\n", strerror(errno));
            return 2;
        }
        if (p[1].revents)
            return 3;
        if (p[0].revents && keel_serve_child_read(&r->serve, on_log_line, r) <= 0 && !(r->ready && r->have_admin)) {
            fprintf(stderr, "keel leakcheck: keel serve did not start; its log ends with:\n");
            keel_serve_child_print_tail(&r->serve, stderr, "  ");
            return 2;
        }
    }
    return 0;
}

/* --- sampling --- */

static bool
worker_has_left(const keel_status_worker_t *w)
{
    /* with no recycling, a worker leaves only because it failed or exited */
    return strcmp(w->state, "leaving") == 0 || strcmp(w->state, "leaving-busy") == 0 ||
           strcmp(w->state, "closed") == 0 || strcmp(w->state, "retiring") == 0;
}

static void
add_sample(run_t *r, const keel_status_worker_t *w, bool at_stop)
{
    if (r->count > 0 && w->requests <= r->samples[r->count - 1].requests)
        return;
    /* the last slots are kept for the pauses at the marks and the end */
    if (r->count >= KEEL_GROWTH_MAX_SAMPLES - (at_stop ? 0 : 8))
        return;
    r->samples[r->count++] = (keel_mem_sample_t){.requests = w->requests, .bytes = w->private_bytes};
}

/* Reads one /status answer: finds (or first picks) the worker, samples
 * it, and notices when it is gone. */
static void
on_status(run_t *r, const keel_status_t *s, bool at_stop)
{
    const keel_status_worker_t *w = NULL;
    if (r->pid == 0) {
        /* the worker that serves the URL is the one with requests */
        for (size_t i = 0; i < s->worker_count; i++)
            if (s->workers[i].requests > 0 && (w == NULL || s->workers[i].requests > w->requests))
                w = &s->workers[i];
        if (w == NULL) {
            if (at_stop && keel_load_counts(r->load)->completed > 0) {
                r->end = END_NO_WORKER;
                snprintf(r->end_detail, sizeof(r->end_detail),
                         "no PHP worker served %s (a static file, or a URL keel answers itself?)", r->opt->url);
            }
            return;
        }
        r->pid = w->pid;
        snprintf(r->mode, sizeof(r->mode), "%s", w->mode);
    } else if ((w = keel_status_find_worker(s, r->pid)) == NULL || worker_has_left(w)) {
        r->end = END_WORKER_GONE;
        return;
    }
    add_sample(r, w, at_stop);
}

static void
on_side_result(run_t *r)
{
    long code;
    const char *body;
    size_t len;
    char err[256];
    if (!keel_load_side_result(r->load, &code, &body, &len, err, sizeof(err)))
        return;
    bool at_stop = r->pending_at_stop;
    r->pending_at_stop = false;
    keel_status_t s;
    int ok = code == 200 && keel_status_parse(body, len, &s, err, sizeof(err)) == 0;
    if (!ok) {
        if (code != 0 && code != 200)
            snprintf(err, sizeof(err), "HTTP %ld", code);
        if (code == 200)
            keel_status_free(&s);
        if (++r->status_failures >= STATUS_FAILURES_MAX) {
            r->end = END_STATUS_FAILED;
            snprintf(r->end_detail, sizeof(r->end_detail), "%s: %s", r->status_url, err);
        }
        return;
    }
    r->status_failures = 0;
    on_status(r, &s, at_stop);
    keel_status_free(&s);
    if (!at_stop || r->end != END_NONE)
        return;
    /* a pause is sampled: go on to the next one, or finish */
    if (r->memory_limit_seen) {
        r->end = END_MEMORY_LIMIT;
    } else if (r->stop_at >= r->plan.requests) {
        r->end = END_DONE;
    } else {
        r->stop_at = keel_leak_next_stop(&r->plan, r->stop_at);
        keel_load_allow(r->load, r->stop_at);
    }
}

/* Asks /status when a sample is due: at every pause (nothing in flight),
 * every plan.interval requests, and at once after an error answer. */
static void
maybe_sample(run_t *r)
{
    if (keel_load_side_busy(r->load))
        return;
    const keel_load_counts_t *k = keel_load_counts(r->load);
    bool at_stop = k->completed == k->issued && k->issued == r->stop_at;
    if (!at_stop && k->completed < r->next_sample && !r->want_now)
        return;
    if (!keel_load_side_start(r->load, r->status_url)) {
        r->end = END_STATUS_FAILED;
        snprintf(r->end_detail, sizeof(r->end_detail), "cannot start a request for %s", r->status_url);
        return;
    }
    r->pending_at_stop = at_stop;
    r->want_now = false;
    r->next_sample = k->completed + r->plan.interval;
}

static void
draw_progress(run_t *r, bool last)
{
    uint64_t now = keel_now_ms();
    if (!r->progress || (!last && now - r->last_draw_ms < PROGRESS_MS))
        return;
    r->last_draw_ms = now;
    const keel_load_counts_t *k = keel_load_counts(r->load);
    enum { WIDTH = 30 };
    unsigned filled = (unsigned)(k->completed * WIDTH / r->plan.requests);
    char bar[WIDTH + 1], mem[32] = "?";
    for (unsigned i = 0; i < WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[WIDTH] = '\0';
    if (r->count)
        keel_format_bytes(mem, sizeof(mem), r->samples[r->count - 1].bytes);
    fprintf(stderr, "\r[%s] %3u%% %" PRIu64 "/%" PRIu64 " requests, worker at %s\033[K", bar,
            (unsigned)(k->completed * 100 / r->plan.requests), k->completed, r->plan.requests, mem);
    if (last)
        fputs("\r\033[K", stderr);
}

/* The run itself: drives requests and samples until it ends. */
static void
drive(run_t *r)
{
    uint64_t failures_seen = 0;
    r->stop_at = keel_leak_next_stop(&r->plan, 0);
    r->next_sample = r->plan.interval;
    keel_load_allow(r->load, r->stop_at);
    while (r->end == END_NONE) {
        maybe_sample(r);
        struct curl_waitfd fds[2] = {{.fd = r->serve.log_fd, .events = CURL_WAIT_POLLIN},
                                     {.fd = r->sigfd, .events = CURL_WAIT_POLLIN}};
        char err[256];
        if (keel_load_run(r->load, fds, 2, 1000, err, sizeof(err)) != 0) {
            r->end = END_STATUS_FAILED;
            snprintf(r->end_detail, sizeof(r->end_detail), "%s", err);
            break;
        }
        if (fds[1].revents) {
            r->end = END_INTERRUPTED;
            break;
        }
        if (fds[0].revents && keel_serve_child_read(&r->serve, on_log_line, r) <= 0) {
            r->end = END_SERVE_EXITED;
            break;
        }
        const keel_load_counts_t *k = keel_load_counts(r->load);
        if (k->server_errors > failures_seen) {
            failures_seen = k->server_errors;
            r->want_now = true;
        }
        /* out of memory: let what is in flight finish, sample, and stop */
        if (r->memory_limit_seen && r->stop_at != k->issued) {
            keel_load_hold(r->load);
            r->stop_at = k->issued;
        }
        on_side_result(r);
        draw_progress(r, false);
    }
    /* PHP's message may still be in the pipe when /status showed the
     * worker gone: it, not the death, is the cause to report. */
    if (r->end == END_WORKER_GONE || r->end == END_INTERRUPTED || r->end == END_STATUS_FAILED)
        keel_serve_child_read(&r->serve, on_log_line, r);
    if (r->end == END_WORKER_GONE && r->memory_limit_seen)
        r->end = END_MEMORY_LIMIT;
    draw_progress(r, true);
}

/* --- the report --- */

static void
write_plot(const run_t *r, uint64_t fit_from, const keel_growth_fit_t *fit, const char *line, int *rc)
{
    FILE *f = fopen(r->opt->plot, "we");
    if (f == NULL) {
        fprintf(stderr, "keel leakcheck: cannot write the plot to %s: %s\n", r->opt->plot, strerror(errno));
        *rc = 2;
        return;
    }
    char title[1024];
    snprintf(title, sizeof(title), "keel leakcheck: GET %s, %s (%s mode)", r->opt->url, r->opt->root,
             r->mode[0] ? r->mode : "?");
    keel_plot_t p = {
        .samples = r->samples, .count = r->count, .fit_from = fit_from, .fit = fit, .title = title, .caption = line};
    int wrc = keel_plot_svg(f, &p);
    if (fclose(f) != 0 || wrc != 0) {
        fprintf(stderr, "keel leakcheck: cannot write the plot to %s\n", r->opt->plot);
        *rc = 2;
        return;
    }
    printf("plot: %s\n", r->opt->plot);
}

static const char *
end_sentence(const run_t *r, char *buf, size_t len)
{
    uint64_t reached = r->count ? r->samples[r->count - 1].requests : 0;
    switch (r->end) {
    case END_MEMORY_LIMIT:
        snprintf(buf, len, "ended early: the worker reached memory_limit after %" PRIu64 " requests (%s)", reached,
                 r->end_detail);
        break;
    case END_WORKER_GONE:
        snprintf(buf, len, "ended early: the worker (pid %d) died or exited after %" PRIu64 " requests", r->pid,
                 reached);
        break;
    case END_SERVE_EXITED:
        snprintf(buf, len, "ended early: keel serve exited after %" PRIu64 " requests", reached);
        break;
    case END_NO_WORKER:
        snprintf(buf, len, "ended early: %s", r->end_detail);
        break;
    case END_STATUS_FAILED:
        snprintf(buf, len, "ended early: cannot read keel's /status (%s)", r->end_detail);
        break;
    case END_INTERRUPTED:
        snprintf(buf, len, "interrupted after %" PRIu64 " requests", reached);
        break;
    case END_NONE:
    case END_DONE:
        buf[0] = '\0';
        break;
    }
    return buf;
}

static int
report(run_t *r)
{
    const keel_load_counts_t *k = keel_load_counts(r->load);
    bool early = r->end != END_DONE;
    uint64_t reached = r->count ? r->samples[r->count - 1].requests : 0;
    /* a run cut short fits what it has: its last nine tenths */
    uint64_t fit_from = r->plan.warmup;
    if (early && reached / 10 < fit_from)
        fit_from = reached / 10;
    size_t first = 0;
    while (first < r->count && r->samples[first].requests < fit_from)
        first++;
    keel_growth_fit_t fit;
    if (keel_growth_fit(r->samples + first, r->count - first, &fit) != 0) {
        fprintf(stderr, "keel leakcheck: out of memory fitting the samples\n");
        return 2;
    }

    char who[64] = "no PHP worker";
    if (r->pid)
        snprintf(who, sizeof(who), "%s mode, worker pid %d", r->mode, r->pid);
    printf("keel leakcheck: GET %s on %s (%s), %" PRIu64 " requests on %u connections\n", r->opt->url, r->opt->root,
           who, r->plan.requests, r->opt->concurrency);
    char sentence[1024];
    if (early) {
        printf("%s\n", end_sentence(r, sentence, sizeof(sentence)));
        if (r->end == END_SERVE_EXITED || r->end == END_WORKER_GONE) {
            fprintf(stderr, "keel's log ends with:\n");
            keel_serve_child_print_tail(&r->serve, stderr, "  ");
        }
    }
    printf("answers: %" PRIu64 " ok, %" PRIu64 " 4xx, %" PRIu64 " 5xx or none", k->ok, k->client_errors,
           k->server_errors);
    if (k->last_status)
        printf(" (last error status %ld)", k->last_status);
    else if (k->last_error[0])
        printf(" (last: %s)", k->last_error);
    printf("\nsamples: %zu of the worker's private memory from /status, fitted from request %" PRIu64 "\n", r->count,
           fit_from);
    keel_leak_marks(stdout, r->samples, r->count, fit_from);

    char line[256];
    /* a URL no worker serves is a mistake in the command, not a finding */
    int rc = r->end == END_NO_WORKER ? 2 : early ? 3 : 0;
    if (!fit.valid) {
        snprintf(line, sizeof(line), "growth: no figure, %zu samples past request %" PRIu64 " are too few to fit",
                 fit.samples, fit_from);
        printf("%s\n", line);
        rc = early ? rc : 2;
    } else {
        keel_growth_line(line, sizeof(line), &fit, reached);
        printf("%s\n", line);
        if (r->opt->have_max_growth) {
            bool over = fit.slope > (double)r->opt->max_growth;
            printf("%s --max-growth %" PRIu64 " B/request\n", over ? "above" : "within", r->opt->max_growth);
            if (over)
                rc = 1;
        }
    }
    if (r->opt->plot)
        write_plot(r, fit_from, &fit, line, &rc);
    return fflush(stdout) == 0 ? rc : 2;
}

/* --- the command --- */

static int
run_with_keel(run_t *r)
{
    int rc = wait_ready(r);
    if (rc != 0)
        return rc;
    char url[8192], err[256];
    int n = snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", r->port, r->opt->url);
    snprintf(r->status_url, sizeof(r->status_url), "http://127.0.0.1:%d/status", r->admin_port);
    if (n < 0 || (size_t)n >= sizeof(url)) {
        fprintf(stderr, "keel leakcheck: --url is too long\n");
        return 2;
    }
    if ((r->load = keel_load_new(url, r->opt->concurrency, err, sizeof(err))) == NULL) {
        fprintf(stderr, "keel leakcheck: %s\n", err);
        return 2;
    }
    drive(r);
    rc = report(r);
    keel_load_free(r->load);
    return rc;
}

int
keel_leakcheck_main(int argc, char **argv)
{
    options_t opt;
    int rc = parse_options(argc, argv, &opt);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    char **args = serve_argv(&opt);
    run_t *r = calloc(1, sizeof(*r));
    if (args == NULL || r == NULL) {
        fprintf(stderr, "keel leakcheck: out of memory\n");
        free(args);
        free(r);
        return 2;
    }
    r->opt = &opt;
    r->sigfd = -1;
    r->plan = keel_leak_plan(opt.requests);
    r->progress = isatty(STDERR_FILENO) == 1;
    /* Ctrl-C and SIGTERM end the run with the figure so far: taken
     * through a signalfd in the same wait as the traffic. */
    sigset_t mask, saved;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGHUP);
    char err[256];
    if (sigprocmask(SIG_BLOCK, &mask, &saved) != 0 || (r->sigfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
        fprintf(stderr, "keel leakcheck: signalfd: %s\n", strerror(errno));
        rc = 2;
    } else if (keel_curl()->global_init(CURL_GLOBAL_NOTHING) != CURLE_OK) {
        fprintf(stderr, "keel leakcheck: cannot start libcurl\n");
        rc = 2;
    } else {
        if (keel_serve_child_start(&r->serve, args, &saved, err, sizeof(err)) != 0) {
            fprintf(stderr, "keel leakcheck: cannot start keel serve: %s\n", err);
            rc = 2;
        } else {
            rc = run_with_keel(r);
            keel_serve_child_stop(&r->serve);
        }
        keel_curl()->global_cleanup();
    }
    if (r->sigfd >= 0)
        keel_cli_close(r->sigfd, "the signalfd");
    free(args);
    free(r);
    return rc;
}
