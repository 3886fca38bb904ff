#include "cli/status_json.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static uint64_t
get_u64(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (json_is_integer(v))
        return json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
    if (json_is_real(v)) {
        double d = json_real_value(v);
        /* 2^64 is the first double past UINT64_MAX */
        return d > 0 && d < 18446744073709551616.0 ? (uint64_t)d : 0;
    }
    return 0;
}

static uint32_t
get_u32(const json_t *obj, const char *key)
{
    uint64_t v = get_u64(obj, key);
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* A pid: positive, or 0 when absent or out of range. */
static int
get_pid(const json_t *obj, const char *key)
{
    uint64_t v = get_u64(obj, key);
    return v > INT_MAX ? 0 : (int)v;
}

static double
get_double(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    double d = json_is_number(v) ? json_number_value(v) : 0.0;
    return isfinite(d) ? d : 0.0;
}

static bool
get_bool(const json_t *obj, const char *key)
{
    return json_is_true(json_object_get(obj, key));
}

/* Copies a string value into dst[cap], cut short, control characters
 * (and DEL) replaced: the text is shown on terminals. */
static void
copy_clean(char *dst, size_t cap, const char *src, size_t len)
{
    size_t n = len < cap - 1 ? len : cap - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    dst[n] = '\0';
}

static void
get_str(const json_t *obj, const char *key, char *dst, size_t cap)
{
    const json_t *v = json_object_get(obj, key);
    if (json_is_string(v))
        copy_clean(dst, cap, json_string_value(v), json_string_length(v));
    else
        dst[0] = '\0';
}

static void
parse_worker(const json_t *o, keel_status_worker_t *w)
{
    w->id = get_u32(o, "id");
    w->pid = get_pid(o, "pid");
    w->generation = get_u32(o, "generation");
    get_str(o, "mode", w->mode, sizeof(w->mode));
    get_str(o, "state", w->state, sizeof(w->state));
    w->requests = get_u64(o, "requests");
    w->private_bytes = get_u64(o, "private_bytes");
    w->private_precise_bytes = get_u64(o, "private_precise_bytes");
    w->zend_peak_bytes = get_u64(o, "zend_peak_bytes");
    w->growth_bytes_per_request = get_double(o, "growth_bytes_per_request");
    w->age_seconds = get_double(o, "age_seconds");
}

static void
parse_generation(const json_t *o, keel_status_generation_t *g)
{
    g->number = get_u32(o, "number");
    get_str(o, "state", g->state, sizeof(g->state));
    g->zygote_pid = get_pid(o, "zygote_pid");
    g->opcache = get_bool(o, "opcache");
}

/* calloc's an array for the objects of `arr` (entries that are not
 * objects are skipped). Returns 0, or -1 when out of memory. */
static int
alloc_objects(const json_t *arr, size_t elem, void **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(arr); i++)
        n += json_is_object(json_array_get(arr, i));
    if (n == 0)
        return 0;
    *out = calloc(n, elem);
    return *out == NULL ? -1 : 0;
}

static int
parse_workers(const json_t *root, keel_status_t *s)
{
    const json_t *arr = json_object_get(root, "workers");
    if (alloc_objects(arr, sizeof(*s->workers), (void **)&s->workers, &s->worker_count) != 0)
        return -1;
    for (size_t i = 0; i < json_array_size(arr); i++)
        if (json_is_object(json_array_get(arr, i)))
            parse_worker(json_array_get(arr, i), &s->workers[s->worker_count++]);
    return 0;
}

static int
parse_generations(const json_t *root, keel_status_t *s)
{
    const json_t *arr = json_object_get(root, "generations");
    if (alloc_objects(arr, sizeof(*s->generations), (void **)&s->generations, &s->generation_count) != 0)
        return -1;
    for (size_t i = 0; i < json_array_size(arr); i++)
        if (json_is_object(json_array_get(arr, i)))
            parse_generation(json_array_get(arr, i), &s->generations[s->generation_count++]);
    return 0;
}

static void
parse_memory(const json_t *root, keel_status_t *s)
{
    const json_t *m = json_object_get(root, "memory");
    if (!json_is_object(m))
        return;
    s->have_memory = true;
    s->limit_bytes = get_u64(m, "limit_bytes");
    get_str(m, "limit_source", s->limit_source, sizeof(s->limit_source));
    s->current_bytes = get_u64(m, "current_bytes");
    if (json_object_get(m, "budget_bytes") != NULL) {
        s->have_budget = true;
        s->budget_bytes = get_u64(m, "budget_bytes");
        s->budget_fits = get_bool(m, "budget_fits");
        s->budget_max_workers = get_u64(m, "budget_max_workers");
    }
}

static void
parse_opcache(const json_t *root, keel_status_t *s)
{
    const json_t *o = json_object_get(root, "opcache");
    if (!json_is_object(o))
        return;
    s->have_opcache = true;
    s->opcache_used = get_u64(o, "used_bytes");
    s->opcache_free = get_u64(o, "free_bytes");
    s->opcache_wasted = get_u64(o, "wasted_bytes");
    s->interned_used = get_u64(o, "interned_used_bytes");
    s->interned_free = get_u64(o, "interned_free_bytes");
    s->cached_keys = get_u64(o, "cached_keys");
    s->max_cached_keys = get_u64(o, "max_cached_keys");
    s->opcache_restarts = get_u64(o, "restarts");
    s->opcache_hits = get_u64(o, "hits");
    s->opcache_misses = get_u64(o, "misses");
    s->generation_swaps = get_u64(o, "generation_swaps");
}

static void
parse_small_parts(const json_t *root, keel_status_t *s)
{
    const json_t *q = json_object_get(root, "queue");
    s->queue_classic = get_u64(q, "classic");
    s->queue_worker = get_u64(q, "worker");

    const json_t *r = json_object_get(root, "recycles");
    const char *name;
    const json_t *v;
    json_object_foreach((json_t *)r, name, v)
    {
        if (s->recycle_count == KEEL_STATUS_RECYCLE_REASONS)
            break;
        copy_clean(s->recycles[s->recycle_count].name, sizeof(s->recycles[0].name), name, strlen(name));
        s->recycles[s->recycle_count++].count = get_u64(r, name);
    }

    const json_t *reloads = json_object_get(root, "reloads");
    s->reloads_ok = get_u64(reloads, "ok");
    s->reloads_failed = get_u64(reloads, "failed");

    const json_t *t = json_object_get(root, "tmpfs");
    for (size_t i = 0; i < json_array_size(t) && s->tmpfs_count < KEEL_STATUS_TMPFS; i++) {
        const json_t *e = json_array_get(t, i);
        if (!json_is_object(e))
            continue;
        get_str(e, "path", s->tmpfs[s->tmpfs_count].path, sizeof(s->tmpfs[0].path));
        s->tmpfs[s->tmpfs_count++].used_bytes = get_u64(e, "used_bytes");
    }
}

int
keel_status_parse(const char *text, size_t len, keel_status_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        snprintf(err, errlen, "not JSON: %s (line %d)", jerr.text, jerr.line);
        return -1;
    }
    if (!json_is_object(root)) {
        snprintf(err, errlen, "not a /status answer: the JSON is not an object");
        json_decref(root);
        return -1;
    }
    get_str(root, "version", out->version, sizeof(out->version));
    get_str(root, "state", out->state, sizeof(out->state));
    out->generation = get_u32(root, "generation");
    out->requests_total = get_u64(root, "requests_total");
    out->in_flight = get_u64(root, "in_flight");
    out->worker_crashes = get_u64(root, "worker_crashes");
    parse_small_parts(root, out);
    parse_memory(root, out);
    parse_opcache(root, out);
    int rc = parse_generations(root, out) == 0 && parse_workers(root, out) == 0 ? 0 : -1;
    if (rc != 0)
        snprintf(err, errlen, "out of memory reading /status");
    json_decref(root);
    return rc;
}

void
keel_status_free(keel_status_t *s)
{
    free(s->workers);
    free(s->generations);
    s->workers = NULL;
    s->generations = NULL;
    s->worker_count = s->generation_count = 0;
}

const keel_status_worker_t *
keel_status_find_worker(const keel_status_t *s, int pid)
{
    for (size_t i = 0; i < s->worker_count; i++)
        if (s->workers[i].pid == pid)
            return &s->workers[i];
    return NULL;
}
