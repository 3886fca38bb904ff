/*
 * The plot `keel leakcheck --plot FILE` writes: a worker's private memory
 * against the requests it served, one dot per sample, with the fitted
 * line. SVG, because it is text a test can parse, needs no library, and
 * any browser shows it. Pure: writes to the stream it is given.
 *
 * For whoever reads the file with a program: each sample is a
 * <circle class="sample"> (class "sample warmup" before the fit starts)
 * with data-requests and data-bytes attributes holding the exact figures;
 * the fit is a <line class="fit"> with data-slope, data-lower and
 * data-upper (bytes per request).
 */
#ifndef KEEL_CLI_SVG_PLOT_H
#define KEEL_CLI_SVG_PLOT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/growth_fit.h"
#include "supervisor/leak.h"

typedef struct {
    const keel_mem_sample_t *samples; /* in request order */
    size_t count;
    uint64_t fit_from;            /* samples at fewer requests are the warm-up, drawn apart */
    const keel_growth_fit_t *fit; /* NULL, or not valid: no line */
    const char *title;            /* text; escaped here */
    const char *caption;          /* a second line under the title, or NULL; escaped here */
} keel_plot_t;

/* Writes the SVG document. Returns 0, or -1 when the stream reports an
 * error. */
int keel_plot_svg(FILE *out, const keel_plot_t *p);

/* Writes s as XML character data: markup characters as entities, control
 * characters and bytes that are not UTF-8 as '?'. */
void keel_xml_text(FILE *out, const char *s);

#endif
