#include "cli/status_table.h"

#include <inttypes.h>
#include <math.h>

#include "supervisor/budget.h"

const char *
keel_format_age(char *buf, size_t len, double seconds)
{
    if (!(seconds >= 0))
        seconds = 0;
    if (seconds < 60) {
        snprintf(buf, len, "%.1fs", seconds);
        return buf;
    }
    /* whole seconds from here; 2^53 s is past any uptime */
    uint64_t s = seconds < 9e15 ? (uint64_t)seconds : (uint64_t)9e15;
    if (s < 3600)
        snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
    else if (s < 86400)
        snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, s % 3600 / 60);
    else
        snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h", s / 86400, s % 86400 / 3600);
    return buf;
}

static const char *
bytes(char *buf, size_t len, uint64_t v)
{
    return keel_format_bytes(buf, len, v);
}

static void
summary(FILE *out, const keel_status_t *s)
{
    fprintf(out, "keel %s: %s", s->version[0] ? s->version : "?", s->state[0] ? s->state : "?");
    if (s->generation)
        fprintf(out, ", generation %" PRIu32, s->generation);
    fprintf(out, "; %" PRIu64 " requests, %" PRIu64 " in flight; queue: %" PRIu64 " classic, %" PRIu64 " worker-mode\n",
            s->requests_total, s->in_flight, s->queue_classic, s->queue_worker);
    fprintf(out, "crashes %" PRIu64 "; reloads %" PRIu64 " ok, %" PRIu64 " failed; recycles:", s->worker_crashes,
            s->reloads_ok, s->reloads_failed);
    for (size_t i = 0; i < s->recycle_count; i++)
        fprintf(out, "%s %s %" PRIu64, i ? "," : "", s->recycles[i].name, s->recycles[i].count);
    fprintf(out, "%s\n", s->recycle_count ? "" : " none");
}

static void
generations(FILE *out, const keel_status_t *s)
{
    fprintf(out, "\n%-11s %-10s %-8s %s\n", "GENERATION", "STATE", "ZYGOTE", "OPCACHE");
    for (size_t i = 0; i < s->generation_count; i++) {
        const keel_status_generation_t *g = &s->generations[i];
        fprintf(out, "%-11" PRIu32 " %-10s %-8d %s\n", g->number, g->state, g->zygote_pid, g->opcache ? "on" : "off");
    }
    if (s->generation_count == 0)
        fprintf(out, "(none)\n");
}

static void
workers(FILE *out, const keel_status_t *s)
{
    fprintf(out, "\n%-8s %-4s %-8s %-14s %9s %11s %12s %11s %8s\n", "PID", "GEN", "MODE", "STATE", "REQUESTS",
            "PRIVATE", "GROWTH/REQ", "ZEND PEAK", "AGE");
    for (size_t i = 0; i < s->worker_count; i++) {
        const keel_status_worker_t *w = &s->workers[i];
        char priv[32], peak[32], age[32], growth[32];
        snprintf(growth, sizeof(growth), "%.0f B",
                 fabs(w->growth_bytes_per_request) < 0.5 ? 0.0 : w->growth_bytes_per_request);
        fprintf(out, "%-8d %-4" PRIu32 " %-8s %-14s %9" PRIu64 " %11s %12s %11s %8s\n", w->pid, w->generation, w->mode,
                w->state, w->requests, bytes(priv, sizeof(priv), w->private_bytes), growth,
                bytes(peak, sizeof(peak), w->zend_peak_bytes), keel_format_age(age, sizeof(age), w->age_seconds));
    }
    if (s->worker_count == 0)
        fprintf(out, "(no workers)\n");
}

static void
memory(FILE *out, const keel_status_t *s)
{
    char a[32], b[32];
    if (!s->have_memory) {
        fprintf(out, "memory:  limit unknown\n");
        return;
    }
    if (s->limit_bytes)
        fprintf(out, "memory:  limit %s (%s), in use %s", bytes(a, sizeof(a), s->limit_bytes), s->limit_source,
                bytes(b, sizeof(b), s->current_bytes));
    else
        fprintf(out, "memory:  no limit (%s), in use %s", s->limit_source, bytes(b, sizeof(b), s->current_bytes));
    if (s->have_budget)
        fprintf(out, "; budget %s, %s (room for %" PRIu64 " workers)", bytes(a, sizeof(a), s->budget_bytes),
                s->budget_fits ? "fits" : "does not fit", s->budget_max_workers);
    fputc('\n', out);
}

static void
opcache(FILE *out, const keel_status_t *s)
{
    char a[32], b[32], c[32], d[32], e[32];
    if (!s->have_opcache) {
        fprintf(out, "opcache: no figures (off, or no worker reported yet)\n");
        return;
    }
    uint64_t lookups = s->opcache_hits + s->opcache_misses;
    fprintf(out,
            "opcache: %s used, %s free, %s wasted; interned strings %s used, %s free; keys %" PRIu64 " of %" PRIu64
            "; hit rate %.1f%%; %" PRIu64 " restarts, %" PRIu64 " generation swaps\n",
            bytes(a, sizeof(a), s->opcache_used), bytes(b, sizeof(b), s->opcache_free),
            bytes(c, sizeof(c), s->opcache_wasted), bytes(d, sizeof(d), s->interned_used),
            bytes(e, sizeof(e), s->interned_free), s->cached_keys, s->max_cached_keys,
            lookups ? 100.0 * (double)s->opcache_hits / (double)lookups : 0.0, s->opcache_restarts,
            s->generation_swaps);
}

static void
tmpfs(FILE *out, const keel_status_t *s)
{
    fprintf(out, "tmpfs:  ");
    for (size_t i = 0; i < s->tmpfs_count; i++) {
        char a[32];
        fprintf(out, "%s %s %s used", i ? "," : "", s->tmpfs[i].path, bytes(a, sizeof(a), s->tmpfs[i].used_bytes));
    }
    fprintf(out, "%s\n", s->tmpfs_count ? "" : " none that PHP writes to");
}

void
keel_status_table(FILE *out, const keel_status_t *s)
{
    summary(out, s);
    generations(out, s);
    workers(out, s);
    fputc('\n', out);
    memory(out, s);
    opcache(out, s);
    tmpfs(out, s);
}
