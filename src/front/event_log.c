#include "front/event_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/utf8.h"

static const char *const kind_names[KEEL_EVENT_KINDS] = {
    [KEEL_EVENT_RECYCLE] = "recycle",   [KEEL_EVENT_CRASH] = "crash", [KEEL_EVENT_EXIT] = "exit",
    [KEEL_EVENT_TIMEOUT] = "timeout",   [KEEL_EVENT_POOL] = "pool",   [KEEL_EVENT_GENERATION] = "generation",
    [KEEL_EVENT_PRESSURE] = "pressure", [KEEL_EVENT_OOM] = "oom",
};

const char *
keel_event_kind_name(keel_event_kind_t kind)
{
    return (unsigned)kind < KEEL_EVENT_KINDS ? kind_names[kind] : "unknown";
}

static int
is_front_kind(keel_event_kind_t kind)
{
    return kind == KEEL_EVENT_GENERATION || kind == KEEL_EVENT_PRESSURE || kind == KEEL_EVENT_OOM;
}

uint64_t
keel_event_add(keel_event_log_t *log, uint64_t at_ms, keel_event_kind_t kind, uint32_t generation, int pid,
               const char *what, const char *fmt, ...)
{
    keel_event_t *e;
    if (is_front_kind(kind))
        e = &log->front[log->front_added++ % KEEL_EVENT_FRONT_CAP];
    else
        e = &log->worker[log->worker_added++ % KEEL_EVENT_WORKER_CAP];
    e->seq = ++log->last_seq;
    e->at_ms = at_ms;
    e->kind = kind;
    e->generation = generation;
    e->pid = pid;
    keel_utf8_clean(e->what, sizeof(e->what), what ? what : "", what ? strlen(what) : 0);
    /* room to cut at a character boundary rather than at a byte */
    char raw[KEEL_EVENT_TEXT * 2];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof(raw) ? (size_t)n : sizeof(raw) - 1;
    keel_utf8_clean(e->text, sizeof(e->text), raw, len);
    return e->seq;
}

/* Appends ring's events above after, oldest first, to out[*n..max). */
static void
collect(const keel_event_t *ring, size_t cap, uint64_t added, uint64_t after, const keel_event_t **out, size_t *n,
        size_t max)
{
    uint64_t first = added > cap ? added - cap : 0;
    for (uint64_t i = first; i < added && *n < max; i++) {
        const keel_event_t *e = &ring[i % cap];
        if (e->seq > after)
            out[(*n)++] = e;
    }
}

size_t
keel_event_since(const keel_event_log_t *log, uint64_t after, const keel_event_t **out, size_t max)
{
    const keel_event_t *w[KEEL_EVENT_WORKER_CAP], *f[KEEL_EVENT_FRONT_CAP];
    size_t nw = 0, nf = 0, n = 0;
    collect(log->worker, KEEL_EVENT_WORKER_CAP, log->worker_added, after, w, &nw, KEEL_EVENT_WORKER_CAP);
    collect(log->front, KEEL_EVENT_FRONT_CAP, log->front_added, after, f, &nf, KEEL_EVENT_FRONT_CAP);
    /* both are in seq order: merge */
    size_t i = 0, j = 0;
    while (n < max && (i < nw || j < nf)) {
        if (j >= nf || (i < nw && w[i]->seq < f[j]->seq))
            out[n++] = w[i++];
        else
            out[n++] = f[j++];
    }
    return n;
}
