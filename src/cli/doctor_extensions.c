/*
 * PHP extensions known to misbehave under keel's process model, with the
 * reason and the fix. Two kinds of trouble:
 *
 * - fork: keel initialises PHP once in the zygote and forks every worker
 *   from it, so an extension that starts threads in MINIT loses them in
 *   the workers (fork copies only the calling thread);
 * - worker mode: one PHP request spans a worker's whole life, so an
 *   extension that keeps per-request state and clears it at RSHUTDOWN
 *   (profilers, tracers, coverage, runtime patching) accumulates it, or
 *   treats every request as one.
 *
 * The sources: grpc/grpc#11711 and #20250 (fork support), Imagick's
 * issue #295 and its set_single_thread setting (OpenMP threads), php-pm's
 * issue #455 and New Relic's own notes on long-running processes,
 * DataDog/dd-trace-php#2902 (root spans in long-running processes), the
 * FrankenPHP discussions on OpenTelemetry and Xdebug in worker mode, and
 * the PHP RFC "request lifecycle hooks", which describes why RINIT and
 * RSHUTDOWN run once per worker.
 */
#include <stdio.h>
#include <string.h>

#include "cli/doctor_checks.h"

typedef struct {
    const char *name;      /* as PHP lists the module */
    bool worker_mode_only; /* harmless in classic mode */
    const char *safe_key;  /* the setting that makes it safe, or NULL */
    const char *safe_value;
    keel_finding_level_t level;
    const char *why;
    const char *fix;
} rule_t;

static const rule_t rules[] = {
    {"grpc", false, "grpc.enable_fork_support", "1", KEEL_FINDING_ERROR,
     "grpc starts threads when PHP starts, and keel forks every worker from that process: without fork support the "
     "workers hang (grpc/grpc#11711)",
     "-d grpc.enable_fork_support=1 -d grpc.poll_strategy=epoll1"},
    {"imagick", false, "imagick.set_single_thread", "1", KEEL_FINDING_WARN,
     "ImageMagick's OpenMP threads do not survive the fork from keel's zygote and have hung and crashed forked PHP "
     "processes (Imagick issue #295)",
     "-d imagick.set_single_thread=1"},
    {"xdebug", false, "xdebug.mode", "off", KEEL_FINDING_WARN,
     "a debugger and profiler: it slows every request several times over, and in worker mode a trace or profile "
     "spans the whole worker",
     "do not load it in production, or -d xdebug.mode=off"},
    {"swoole", false, NULL, NULL, KEEL_FINDING_WARN,
     "brings its own event loop, coroutine hooks on PHP's I/O and process management, meant for its own server, "
     "not for another server's workers",
     "do not load it for keel"},
    {"openswoole", false, NULL, NULL, KEEL_FINDING_WARN,
     "brings its own event loop, coroutine hooks on PHP's I/O and process management, meant for its own server, "
     "not for another server's workers",
     "do not load it for keel"},
    {"newrelic", true, NULL, NULL, KEEL_FINDING_WARN,
     "the agent makes one transaction of each PHP request, which in worker mode is the worker's whole life: every "
     "request is folded into one endless transaction whose data accumulates",
     "call newrelic_end_transaction() and newrelic_start_transaction() around each request in the worker script"},
    {"ddtrace", true, "datadog.trace.generate_root_span", "0", KEEL_FINDING_WARN,
     "opens a root span per PHP request, which in worker mode never closes, so traces pile up in memory "
     "(DataDog/dd-trace-php#2902)",
     "-d datadog.trace.generate_root_span=0 and open a span per request in the worker script"},
    {"opentelemetry", true, NULL, NULL, KEEL_FINDING_WARN,
     "auto-instrumentation hooks the start and end of a PHP request, which in worker mode happen once per worker",
     "start and end a span per request in the worker script"},
    {"blackfire", true, NULL, NULL, KEEL_FINDING_WARN,
     "profiles a PHP request, which in worker mode lasts as long as the worker", "profile in classic mode"},
    {"tideways", true, NULL, NULL, KEEL_FINDING_WARN,
     "collects per PHP request, which in worker mode lasts as long as the worker, unless the worker script starts "
     "and stops it per request",
     "use its worker-mode integration, or do not load it in worker mode"},
    {"tideways_xhprof", true, NULL, NULL, KEEL_FINDING_WARN,
     "a profiler collecting per PHP request, which in worker mode lasts as long as the worker: its data only grows",
     "enable and disable it around each request in the worker script"},
    {"xhprof", true, NULL, NULL, KEEL_FINDING_WARN,
     "a profiler collecting per PHP request, which in worker mode lasts as long as the worker: its data only grows",
     "enable and disable it around each request in the worker script"},
    {"pcov", true, "pcov.enabled", "0", KEEL_FINDING_WARN,
     "collects code coverage per PHP request, which in worker mode lasts as long as the worker: coverage only grows",
     "-d pcov.enabled=0 (coverage belongs in tests)"},
    {"uopz", true, NULL, NULL, KEEL_FINDING_WARN,
     "undoes a request's function overrides when the PHP request ends, which in worker mode is never: overrides "
     "leak from one request into the next",
     "do not load it in production"},
};

void
keel_doctor_check_extensions(const keel_doctor_facts_t *f, keel_findings_t *out)
{
    static const char topic[] = "extensions";
    if (!f->php->started)
        return;
    bool worker_mode = f->cfg->worker_script != NULL;
    size_t found = 0;
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        const rule_t *r = &rules[i];
        if (!keel_php_facts_has_extension(f->php, r->name) || (r->worker_mode_only && !worker_mode))
            continue;
        const char *v = r->safe_key ? keel_php_facts_value(f->php, r->safe_key) : NULL;
        if (v != NULL && strcmp(v, r->safe_value) == 0)
            continue;
        found++;
        keel_finding_add(out, r->level, topic, "%s is loaded%s: %s; %s", r->name,
                         r->worker_mode_only ? " in worker mode" : "", r->why, r->fix);
    }
    if (found == 0) {
        char names[512] = "";
        size_t len = 0;
        for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
            int w = snprintf(names + len, sizeof(names) - len, "%s%s", i ? ", " : "", rules[i].name);
            if (w > 0 && (size_t)w < sizeof(names) - len)
                len += (size_t)w;
        }
        keel_finding_add(out, KEEL_FINDING_OK, topic,
                         "none of the %zu loaded is known to misbehave in %s workers (checked: %s)",
                         f->php->extension_count, worker_mode ? "long-running, forked" : "forked", names);
    }
}
