#include "cli/svg_plot.h"

#include <inttypes.h>
#include <math.h>

/* The canvas and the plot area inside it, in SVG user units. */
#define WIDTH  800.0
#define HEIGHT 480.0
#define LEFT   80.0
#define RIGHT  24.0
#define TOP    64.0
#define BOTTOM 56.0
#define TICKS  6 /* about as many labelled ticks per axis */

/* The length of the UTF-8 sequence starting at s (1 to 4 bytes), or 0
 * when it is not one: overlong forms, surrogates and values past U+10FFFF
 * included, so the document stays well-formed XML. */
static size_t
utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, min = 0x10000;
    else
        return 0;
    unsigned v = c & (0xff >> (n + 1));
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    return n;
}

void
keel_xml_text(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        switch (*p) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        default: {
            size_t n = *p < 0x20 || *p == 0x7f ? 0 : utf8_len(p);
            if (n == 0) {
                fputc('?', out);
                break;
            }
            fwrite(p, 1, n, out);
            p += n;
            continue;
        }
        }
        p++;
    }
}

/* A tick step of 1, 2 or 5 times a power of ten that cuts range into
 * about TICKS pieces. */
static double
nice_step(double range)
{
    if (!(range > 0))
        return 1;
    double raw = range / TICKS, mag = pow(10, floor(log10(raw))), f = raw / mag;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

typedef struct {
    double x0, x1; /* requests shown */
    double y0, y1; /* MiB shown */
} axes_t;

static double
px(const axes_t *a, double requests)
{
    return LEFT + (requests - a->x0) / (a->x1 - a->x0) * (WIDTH - LEFT - RIGHT);
}

static double
py(const axes_t *a, double mib)
{
    return HEIGHT - BOTTOM - (mib - a->y0) / (a->y1 - a->y0) * (HEIGHT - TOP - BOTTOM);
}

static axes_t
axes_for(const keel_plot_t *p)
{
    double lo = INFINITY, hi = -INFINITY, xmax = 0;
    for (size_t i = 0; i < p->count; i++) {
        double mib = (double)p->samples[i].bytes / 1048576.0;
        lo = fmin(lo, mib);
        hi = fmax(hi, mib);
        xmax = fmax(xmax, (double)p->samples[i].requests);
    }
    if (p->count == 0)
        lo = 0, hi = 1;
    /* a flat series still gets a visible band around it */
    double pad = fmax((hi - lo) * 0.05, 0.25);
    axes_t a = {.x0 = 0, .x1 = xmax > 0 ? xmax : 1};
    double ystep = nice_step(hi - lo + 2 * pad);
    a.y0 = floor((lo - pad) / ystep) * ystep;
    a.y1 = ceil((hi + pad) / ystep) * ystep;
    if (a.y0 < 0 && lo >= 0)
        a.y0 = 0;
    double xstep = nice_step(a.x1);
    a.x1 = ceil(a.x1 / xstep) * xstep;
    return a;
}

static void
grid(FILE *out, const axes_t *a)
{
    fprintf(out, "<g class=\"axes\" stroke=\"#888\" stroke-width=\"1\">\n");
    fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", LEFT, HEIGHT - BOTTOM, WIDTH - RIGHT,
            HEIGHT - BOTTOM);
    fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", LEFT, TOP, LEFT, HEIGHT - BOTTOM);
    fprintf(out, "</g>\n<g class=\"ticks\" font-family=\"sans-serif\" font-size=\"11\" fill=\"#444\">\n");
    double xs = nice_step(a->x1 - a->x0);
    for (double x = a->x0; x <= a->x1 + xs / 2; x += xs)
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.0f</text>\n", px(a, x), HEIGHT - BOTTOM + 16,
                x);
    double ys = nice_step(a->y1 - a->y0);
    int decimals = ys >= 1 ? 0 : ys >= 0.1 ? 1 : 2;
    for (double y = a->y0; y <= a->y1 + ys / 2; y += ys) {
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>\n", LEFT + 1, py(a, y),
                WIDTH - RIGHT, py(a, y));
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.*f</text>\n", LEFT - 6, py(a, y) + 4, decimals,
                y);
    }
    fprintf(out, "</g>\n");
    fprintf(out,
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"12\">"
            "requests served by the worker</text>\n",
            (LEFT + WIDTH - RIGHT) / 2, HEIGHT - 16);
    fprintf(out,
            "<text transform=\"translate(18 %.1f) rotate(-90)\" text-anchor=\"middle\" font-family=\"sans-serif\" "
            "font-size=\"12\">private memory (MiB)</text>\n",
            (TOP + HEIGHT - BOTTOM) / 2);
}

static void
samples(FILE *out, const keel_plot_t *p, const axes_t *a)
{
    fprintf(out, "<g class=\"samples\">\n");
    for (size_t i = 0; i < p->count; i++) {
        const keel_mem_sample_t *s = &p->samples[i];
        int warmup = s->requests < p->fit_from;
        fprintf(out,
                "<circle class=\"sample%s\" data-requests=\"%" PRIu64 "\" data-bytes=\"%" PRIu64
                "\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\" fill-opacity=\"0.7\"/>\n",
                warmup ? " warmup" : "", s->requests, s->bytes, px(a, (double)s->requests),
                py(a, (double)s->bytes / 1048576.0), warmup ? "#bbb" : "#1f6fb4");
    }
    fprintf(out, "</g>\n");
}

static void
fit_line(FILE *out, const keel_plot_t *p, const axes_t *a)
{
    const keel_growth_fit_t *f = p->fit;
    if (f == NULL || !f->valid || p->count == 0)
        return;
    double x0 = (double)p->fit_from, x1 = (double)p->samples[p->count - 1].requests;
    double y0 = (f->intercept + f->slope * x0) / 1048576.0, y1 = (f->intercept + f->slope * x1) / 1048576.0;
    fprintf(out,
            "<line class=\"fit\" data-slope=\"%.3f\" data-lower=\"%.3f\" data-upper=\"%.3f\" x1=\"%.1f\" "
            "y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#d62728\" stroke-width=\"2\"/>\n",
            f->slope, f->lower, f->upper, px(a, x0), py(a, y0), px(a, x1), py(a, y1));
}

int
keel_plot_svg(FILE *out, const keel_plot_t *p)
{
    axes_t a = axes_for(p);
    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n",
            WIDTH, HEIGHT, WIDTH, HEIGHT);
    fputs("<title>", out);
    keel_xml_text(out, p->title);
    fputs("</title>\n", out);
    fprintf(out, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(out, "<text x=\"%.1f\" y=\"24\" font-family=\"sans-serif\" font-size=\"15\">", LEFT);
    keel_xml_text(out, p->title);
    fputs("</text>\n", out);
    if (p->caption) {
        fprintf(out, "<text x=\"%.1f\" y=\"44\" font-family=\"sans-serif\" font-size=\"12\" fill=\"#444\">", LEFT);
        keel_xml_text(out, p->caption);
        fputs("</text>\n", out);
    }
    grid(out, &a);
    samples(out, p, &a);
    fit_line(out, p, &a);
    fputs("</svg>\n", out);
    return ferror(out) ? -1 : 0;
}
