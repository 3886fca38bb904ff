#include "supervisor/tmpfs.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "supervisor/budget.h"

#define MIB ((uint64_t)1 << 20)

keel_shmem_split_t
keel_shmem_split(uint64_t total, uint64_t opcache_resident, uint64_t keel_own)
{
    keel_shmem_split_t s = {.total = total};
    s.opcache = opcache_resident < total ? opcache_resident : total;
    uint64_t left = total - s.opcache;
    s.keel = keel_own < left ? keel_own : left;
    s.files = left - s.keel;
    return s;
}

keel_growth_t
keel_growth_check(keel_growth_watch_t *w, uint64_t bytes, uint64_t now_ms, uint64_t threshold)
{
    keel_growth_t g = {0};
    if (!w->started || bytes < w->base_bytes || now_ms < w->base_ms) {
        /* the first look, or a low point: growth counts from here */
        w->started = true;
        w->base_bytes = bytes;
        w->base_ms = now_ms;
        return g;
    }
    g.from = w->base_bytes;
    g.grew = bytes - w->base_bytes;
    g.over_ms = now_ms - w->base_ms;
    if (g.grew >= threshold && threshold != 0) {
        g.warn = true;
        w->base_bytes = bytes;
        w->base_ms = now_ms;
    }
    return g;
}

const char *
keel_span_format(char *buf, size_t len, uint64_t ms)
{
    if (ms < 10000)
        snprintf(buf, len, "%" PRIu64 ".%" PRIu64 " s", ms / 1000, ms % 1000 / 100);
    else if (ms < 120000)
        snprintf(buf, len, "%" PRIu64 " s", (ms + 500) / 1000);
    else
        snprintf(buf, len, "%" PRIu64 " min", (ms + 30000) / 60000);
    return buf;
}

const char *
keel_growth_format(char *buf, size_t len, uint64_t grew, uint64_t over_ms)
{
    char size[32], span[32];
    snprintf(buf, len, "grew %s in %s", keel_format_bytes(size, sizeof(size), grew),
             keel_span_format(span, sizeof(span), over_ms));
    return buf;
}

/* Bytes a directory of `after` holds more than in `before`. */
static uint64_t
growth_of(const keel_dir_table_t *before, const keel_dir_bytes_t *d)
{
    if (before != NULL)
        for (size_t i = 0; i < before->count && i < KEEL_DIRS_MAX; i++)
            if (before->dirs[i].depth == d->depth && strcmp(before->dirs[i].path, d->path) == 0)
                return d->bytes > before->dirs[i].bytes ? d->bytes - before->dirs[i].bytes : 0;
    return d->bytes;
}

static bool
is_child(const keel_dir_bytes_t *child, const keel_dir_bytes_t *parent)
{
    size_t n = strnlen(parent->path, KEEL_DIR_PATH);
    return parent->depth > 0 && child->depth == parent->depth + 1 && strncmp(child->path, parent->path, n) == 0 &&
           child->path[n] == '/';
}

size_t
keel_dir_growth_top(const keel_dir_table_t *before, const keel_dir_table_t *after, keel_dir_growth_t *out, size_t max)
{
    size_t n = after->count < KEEL_DIRS_MAX ? after->count : KEEL_DIRS_MAX;
    uint64_t grew[KEEL_DIRS_MAX];
    bool used[KEEL_DIRS_MAX] = {false};
    for (size_t i = 0; i < n; i++)
        grew[i] = growth_of(before, &after->dirs[i]);
    uint64_t floor = MIB;
    size_t written = 0;
    while (written < max) {
        /* the mount's own files and its entries: where growth shows first */
        size_t best = n;
        for (size_t i = 0; i < n; i++)
            if (!used[i] && after->dirs[i].depth <= 1 && (best == n || grew[i] > grew[best]))
                best = i;
        if (best == n || grew[best] < floor || grew[best] == 0)
            break;
        if (written == 0 && grew[best] / 20 > floor)
            floor = grew[best] / 20;
        used[best] = true;
        /* down to the child that holds most of it, while one does */
        size_t cur = best;
        for (;;) {
            size_t child = n;
            for (size_t j = 0; j < n; j++)
                if (is_child(&after->dirs[j], &after->dirs[cur]) && (child == n || grew[j] > grew[child]))
                    child = j;
            if (child == n || grew[child] == 0 || grew[child] < grew[cur] - grew[cur] / 5)
                break;
            cur = child;
        }
        out[written++] =
            (keel_dir_growth_t){.path = after->dirs[cur].path, .grew = grew[cur], .bytes = after->dirs[cur].bytes};
    }
    return written;
}
