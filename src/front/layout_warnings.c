/* The pure half of front/layout.h: which warnings a root's layout calls
 * for. */
#include "front/layout.h"

#include <stdarg.h>
#include <stdio.h>

/* Appends printf-style text to out at *used, never past outlen. */
static void __attribute__((format(printf, 4, 5))) append(char *out, size_t outlen, size_t *used, const char *fmt, ...)
{
    if (*used + 1 >= outlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + *used, outlen - *used, fmt, ap);
    va_end(ap);
    if (n > 0)
        *used += (size_t)n < outlen - *used ? (size_t)n : outlen - *used - 1;
}

size_t
keel_layout_warnings(const keel_layout_facts_t *facts, const char *root, char *out, size_t outlen)
{
    size_t used = 0, count = 0;
    if (outlen == 0)
        return 0;
    out[0] = '\0';
    if (facts->composer_json || facts->vendor_dir || facts->git) {
        const char *found[3];
        size_t n = 0;
        if (facts->composer_json)
            found[n++] = "composer.json";
        if (facts->vendor_dir)
            found[n++] = "vendor/";
        if (facts->git)
            found[n++] = ".git";
        append(out, outlen, &used, "--root %s holds ", root);
        for (size_t i = 0; i < n; i++)
            append(out, outlen, &used, "%s%s", i ? ", " : "", found[i]);
        append(out, outlen, &used,
               ": it looks like a project, not its public folder; every file in it but dotfiles and PHP source is "
               "served (database files, composer.lock, logs): point --root at the folder meant for the web "
               "(public/, web/)");
        count++;
    }
    if (facts->worker_mode && facts->classic_count > 0) {
        if (count > 0)
            append(out, outlen, &used, "\n");
        append(out, outlen, &used, "worker mode: ");
        size_t named = 0;
        while (named < 5 && named < facts->classic_count && facts->classic[named] != NULL)
            named++;
        for (size_t i = 0; i < named; i++)
            append(out, outlen, &used, "%s%s", i ? ", " : "", facts->classic[i]);
        if (facts->classic_count > named)
            append(out, outlen, &used, " and %zu more", facts->classic_count - named);
        append(out, outlen, &used,
               " under %s run%s in classic workers, past the worker script; only the root's index.php, the front "
               "controller and paths that match no file go to it",
               root, facts->classic_count == 1 ? "s" : "");
        count++;
    }
    return count;
}
