#include "cli/leak_report.h"

#include <inttypes.h>
#include <math.h>

#include "supervisor/budget.h"

static const uint64_t marks[] = {1000, 10000, 100000};

keel_leak_plan_t
keel_leak_plan(uint64_t requests)
{
    keel_leak_plan_t p = {.requests = requests, .warmup = requests / 10, .interval = requests / KEEL_LEAK_SAMPLES};
    if (p.warmup < 50)
        p.warmup = 50;
    if (p.interval == 0)
        p.interval = 1;
    return p;
}

uint64_t
keel_leak_next_stop(const keel_leak_plan_t *p, uint64_t done)
{
    for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
        if (marks[i] > done && marks[i] < p->requests)
            return marks[i];
    return p->requests;
}

int
keel_leak_is_mark(uint64_t requests)
{
    for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
        if (marks[i] == requests)
            return 1;
    return 0;
}

const char *
keel_format_growth(char *buf, size_t len, double v)
{
    if (!isfinite(v))
        v = 0;
    if (fabs(v) >= 9.95)
        snprintf(buf, len, "%.0f", v);
    else if (fabs(v) < 0.05)
        snprintf(buf, len, "0");
    else
        snprintf(buf, len, "%.1f", v);
    return buf;
}

int
keel_growth_line(char *buf, size_t len, const keel_growth_fit_t *f, uint64_t requests)
{
    char n[32], a[32], b[32];
    return snprintf(buf, len, "growth: %s B/request (95%% CI %s\xe2\x80\x93%s) over %" PRIu64 " requests",
                    keel_format_growth(n, sizeof(n), f->slope), keel_format_growth(a, sizeof(a), f->lower),
                    keel_format_growth(b, sizeof(b), f->upper), requests);
}

static void
mark_line(FILE *out, const keel_mem_sample_t *base, const keel_mem_sample_t *s)
{
    char mem[32], delta[32], per[32];
    int64_t d = (int64_t)(s->bytes - base->bytes);
    fprintf(out, "at %" PRIu64 " requests: private memory %s", s->requests,
            keel_format_bytes(mem, sizeof(mem), s->bytes));
    if (s->requests > base->requests) {
        double rate = (double)d / (double)(s->requests - base->requests);
        fprintf(out, ", %s%s since request %" PRIu64 " (%s B/request)", d < 0 ? "-" : "+",
                keel_format_bytes(delta, sizeof(delta), (uint64_t)(d < 0 ? -d : d)), base->requests,
                keel_format_growth(per, sizeof(per), rate));
    }
    fputc('\n', out);
}

void
keel_leak_marks(FILE *out, const keel_mem_sample_t *s, size_t n, uint64_t fit_from)
{
    size_t b = 0;
    while (b < n && s[b].requests < fit_from)
        b++;
    /* marks in the warm-up: the figure alone, there is no base yet */
    for (size_t i = 0; i < b && i + 1 < n; i++)
        if (keel_leak_is_mark(s[i].requests)) {
            char mem[32];
            fprintf(out, "at %" PRIu64 " requests: private memory %s (in the warm-up)\n", s[i].requests,
                    keel_format_bytes(mem, sizeof(mem), s[i].bytes));
        }
    if (b == n)
        return;
    if (keel_leak_is_mark(s[b].requests) && b + 1 < n) {
        char mem[32];
        fprintf(out, "at %" PRIu64 " requests: private memory %s (the fit starts here)\n", s[b].requests,
                keel_format_bytes(mem, sizeof(mem), s[b].bytes));
    }
    for (size_t i = b + 1; i + 1 < n; i++)
        if (keel_leak_is_mark(s[i].requests))
            mark_line(out, &s[b], &s[i]);
    if (n - 1 > b)
        mark_line(out, &s[b], &s[n - 1]);
}
