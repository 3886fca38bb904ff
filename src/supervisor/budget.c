#include "supervisor/budget.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>

/* The sums saturate: a figure too large to add up cannot fit anyway, and
 * a wrapped sum would claim it does. */
static uint64_t
add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t
mul_sat(uint64_t a, uint64_t b)
{
    return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

/* Everything but the workers. */
static uint64_t
fixed_bytes(const keel_budget_input_t *in)
{
    uint64_t sum = add_sat(in->opcache_bytes, in->front_bytes);
    sum = add_sat(sum, in->zygote_bytes);
    sum = add_sat(sum, in->reserve_bytes);
    return add_sat(sum, in->tmpfs_bytes);
}

keel_budget_t
keel_budget_compute(const keel_budget_input_t *in, uint64_t limit)
{
    keel_budget_t b = {0};
    uint64_t fixed = fixed_bytes(in);
    b.needed = add_sat(fixed, mul_sat(in->workers, in->per_worker_bytes));
    b.limit = limit;
    b.fits = b.needed <= limit;
    if (limit == UINT64_MAX || (in->per_worker_bytes == 0 && fixed <= limit)) {
        b.max_workers = UINT_MAX;
    } else if (fixed > limit) {
        b.max_workers = 0;
    } else {
        uint64_t n = (limit - fixed) / in->per_worker_bytes;
        b.max_workers = n > UINT_MAX ? UINT_MAX : (unsigned)n;
    }
    return b;
}

unsigned
keel_workers_auto(unsigned cpus, const keel_budget_input_t *in, uint64_t limit)
{
    unsigned by_cpu = cpus > UINT_MAX / 2 ? UINT_MAX : cpus * 2;
    unsigned by_memory = keel_budget_compute(in, limit).max_workers;
    unsigned n = by_cpu < by_memory ? by_cpu : by_memory;
    /* One worker that may not fit beats a server that serves nothing; the
     * budget line says why it is tight. */
    return n > 0 ? n : 1;
}

static const char *
plural(uint64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

int
keel_budget_format(char *buf, size_t len, const keel_budget_input_t *in, const keel_budget_t *b, const char *source)
{
    char limit[32], needed[32], opcache[32], front[32], zygote[32], worker[32], tmpfs[32], reserve[32];
    char limit_part[64], room[64];

    if (b->limit == UINT64_MAX)
        snprintf(limit_part, sizeof(limit_part), "no limit");
    else
        snprintf(limit_part, sizeof(limit_part), "limit %s", keel_format_bytes(limit, sizeof(limit), b->limit));
    if (b->max_workers == UINT_MAX)
        snprintf(room, sizeof(room), "no limit on workers");
    else
        snprintf(room, sizeof(room), "room for %u %s", b->max_workers, plural(b->max_workers, "worker", "workers"));

    return snprintf(
        buf, len,
        "memory budget: %s (%s); needed %s = opcache %s + front %s + zygote %s + %u %s x %s"
        " + tmpfs %s + reserve %s; %s (%s)",
        limit_part, source ? source : "unknown source", keel_format_bytes(needed, sizeof(needed), b->needed),
        keel_format_bytes(opcache, sizeof(opcache), in->opcache_bytes),
        keel_format_bytes(front, sizeof(front), in->front_bytes),
        keel_format_bytes(zygote, sizeof(zygote), in->zygote_bytes), in->workers,
        plural(in->workers, "worker", "workers"), keel_format_bytes(worker, sizeof(worker), in->per_worker_bytes),
        keel_format_bytes(tmpfs, sizeof(tmpfs), in->tmpfs_bytes),
        keel_format_bytes(reserve, sizeof(reserve), in->reserve_bytes), b->fits ? "fits" : "does not fit", room);
}

const char *
keel_format_bytes(char *buf, size_t len, uint64_t bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    const unsigned last = sizeof(units) / sizeof(units[0]) - 1;

    if (len == 0)
        return buf;
    unsigned u = 0;
    while (u < last && bytes >> (10 * (u + 1)) != 0)
        u++;
    if (u == 0) {
        snprintf(buf, len, "%" PRIu64 " B", bytes);
        return buf;
    }
    for (;;) {
        uint64_t unit = (uint64_t)1 << (10 * u);
        uint64_t whole = bytes / unit, rem = bytes % unit;
        /* Tenths rounded to nearest, in integers: rem * 10 cannot overflow
         * since unit <= 2^60. */
        uint64_t tenth = (rem * 10 + unit / 2) / unit;
        if (tenth == 10) {
            whole++;
            tenth = 0;
        }
        /* 1023.96 MiB would print as "1024.0 MiB": say "1.0 GiB". */
        if (whole == 1024 && u < last) {
            u++;
            continue;
        }
        /* GiB and up always carry the decimal (sizes that large are rarely
         * whole, and "2.0 GiB" reads as a measurement); smaller units only
         * when the figure is not a whole number of them. */
        if (u >= 3 || rem != 0)
            snprintf(buf, len, "%" PRIu64 ".%" PRIu64 " %s", whole, tenth, units[u]);
        else
            snprintf(buf, len, "%" PRIu64 " %s", whole, units[u]);
        return buf;
    }
}
