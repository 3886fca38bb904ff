/* Tests for src/cli/svg_plot.c. The integration tests parse a whole plot
 * with an XML parser; these check what goes into it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/svg_plot.h"

static char *
plot(const keel_plot_t *p)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    assert_int_equal(keel_plot_svg(f, p), 0);
    assert_int_equal(fclose(f), 0);
    return text;
}

static char *
xml_text(const char *s)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    keel_xml_text(f, s);
    assert_int_equal(fclose(f), 0);
    return text;
}

static size_t
count(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static void
test_samples_and_fit(void **state)
{
    (void)state;
    keel_mem_sample_t s[20];
    for (size_t i = 0; i < 20; i++)
        s[i] = (keel_mem_sample_t){.requests = 100 * (i + 1), .bytes = (5u << 20) + 4096 * 100 * (i + 1)};
    keel_growth_fit_t fit = {.valid = true, .slope = 4096, .lower = 4090, .upper = 4100, .intercept = 5u << 20};
    keel_plot_t p = {.samples = s, .count = 20, .fit_from = 300, .fit = &fit, .title = "GET /", .caption = "growth"};
    char *svg = plot(&p);
    static const char head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"";
    assert_true(strncmp(svg, head, sizeof(head) - 1) == 0);
    assert_int_equal(count(svg, "<circle class=\"sample"), 20);
    assert_int_equal(count(svg, "<circle class=\"sample warmup\""), 2);
    assert_non_null(strstr(svg, "data-requests=\"100\" data-bytes=\"5652480\""));
    assert_non_null(strstr(svg, "data-requests=\"2000\" data-bytes=\"13434880\""));
    assert_int_equal(count(svg, "<line class=\"fit\""), 1);
    assert_non_null(strstr(svg, "data-slope=\"4096.000\" data-lower=\"4090.000\" data-upper=\"4100.000\""));
    assert_non_null(strstr(svg, "<title>GET /</title>"));
    assert_non_null(strstr(svg, ">growth</text>"));
    assert_non_null(strstr(svg, "requests served by the worker"));
    assert_non_null(strstr(svg, "private memory (MiB)"));
    size_t len = strlen(svg);
    assert_true(len > 7 && strcmp(svg + len - 7, "</svg>\n") == 0);
    /* every circle lies in the canvas */
    for (const char *c = svg; (c = strstr(c, " cx=\"")) != NULL; c++) {
        double x = strtod(c + 5, NULL), y = strtod(strstr(c, " cy=\"") + 5, NULL);
        assert_true(x >= 0 && x <= 800 && y >= 0 && y <= 480);
    }
    free(svg);
}

static void
test_no_fit_no_line(void **state)
{
    (void)state;
    keel_mem_sample_t s[2] = {{10, 1 << 20}, {20, 1 << 20}};
    keel_growth_fit_t invalid = {0};
    keel_plot_t p = {.samples = s, .count = 2, .fit = &invalid, .title = "t"};
    char *svg = plot(&p);
    assert_int_equal(count(svg, "<circle"), 2);
    assert_null(strstr(svg, "class=\"fit\""));
    free(svg);
    p.fit = NULL;
    p.count = 0;
    svg = plot(&p);
    assert_int_equal(count(svg, "<circle"), 0);
    assert_non_null(strstr(svg, "</svg>"));
    free(svg);
}

static void
test_flat_series_gets_a_band(void **state)
{
    (void)state;
    keel_mem_sample_t s[3] = {{1, 7u << 20}, {2, 7u << 20}, {3, 7u << 20}};
    keel_plot_t p = {.samples = s, .count = 3, .title = "flat"};
    char *svg = plot(&p);
    /* all at the same height, inside the plot area rather than on its edge */
    const char *c = strstr(svg, " cy=\"");
    assert_non_null(c);
    double y = strtod(c + 5, NULL);
    assert_true(y > 64 && y < 480 - 56);
    free(svg);
}

static void
test_text_is_escaped(void **state)
{
    (void)state;
    char *t = xml_text("/a?b=<c>&d=\"e\"");
    assert_string_equal(t, "/a?b=&lt;c&gt;&amp;d=&quot;e&quot;");
    free(t);
    /* UTF-8 passes; control characters and broken sequences do not */
    t = xml_text("4096\xe2\x80\x93"
                 "4100 \x01\x7f \xff \xc0\xaf \xed\xa0\x80 \xe2\x82 \xf4\x90\x80\x80 \xf0\x9f\x98\x80");
    assert_string_equal(t, "4096\xe2\x80\x93"
                           "4100 ?? ? ?? ??? ?? ???? \xf0\x9f\x98\x80");
    free(t);
    keel_plot_t p = {.title = "<script>", .caption = "a&b"};
    char *svg = plot(&p);
    assert_null(strstr(svg, "<script>"));
    assert_non_null(strstr(svg, "&lt;script&gt;"));
    assert_non_null(strstr(svg, "a&amp;b"));
    free(svg);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples_and_fit),
        cmocka_unit_test(test_no_fit_no_line),
        cmocka_unit_test(test_flat_series_gets_a_band),
        cmocka_unit_test(test_text_is_escaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
