#include "common/config_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/options.h"

static const char *
trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/*
 * A value as written after '=': surrounding whitespace dropped, then either
 * a quoted string ("..." or '...', the quotes removed, nothing inside
 * special; only whitespace or a comment may follow), or the text up to a
 * comment ('#' after whitespace). NULL: a quote that does not end, or
 * text after the closing quote.
 */
static const char *
strip_value(char *v)
{
    while (*v == ' ' || *v == '\t')
        v++;
    if (*v == '"' || *v == '\'') {
        char *close = strchr(v + 1, *v);
        if (close == NULL)
            return NULL;
        const char *rest = close + 1;
        while (*rest == ' ' || *rest == '\t' || *rest == '\r')
            rest++;
        if (*rest != '\0' && *rest != '#')
            return NULL;
        *close = '\0';
        return v + 1;
    }
    for (char *h = v; (h = strchr(h, '#')) != NULL; h++)
        if (h == v || h[-1] == ' ' || h[-1] == '\t') {
            *h = '\0';
            break;
        }
    return trim(v);
}

int
keel_parse_bool(const char *value)
{
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(value, yes[i]) == 0)
            return 1;
        if (strcasecmp(value, no[i]) == 0)
            return 0;
    }
    return -1;
}

void
keel_config_args_free(keel_config_args_t *args)
{
    free(args->argv);
    free(args->storage);
    args->argv = NULL;
    args->storage = NULL;
    args->argc = 0;
}

int
keel_config_file_to_args(const char *text, size_t len, keel_config_args_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    /* Every line gives at most two arguments: "--name" and its value,
     * both stored in one copy of the text plus room for the dashes. */
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    out->storage = malloc(len * 2 + lines * 4 + 1);
    out->argv = calloc(lines * 2 + 1, sizeof(char *));
    if (out->storage == NULL || out->argv == NULL) {
        keel_config_args_free(out);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char *store = out->storage;
    size_t start = 0, lineno = 0;
    /* where each value is tried (static: the struct is large, and the
     * parsing is done once per process) */
    static keel_config_t scratch;
    while (start <= len) {
        size_t end = start;
        while (end < len && text[end] != '\n')
            end++;
        lineno++;
        char line[4096];
        size_t n = end - start;
        if (n >= sizeof(line)) {
            snprintf(err, errlen, "line %zu: too long", lineno);
            goto Fail;
        }
        memcpy(line, text + start, n);
        line[n] = '\0';
        start = end + 1;
        if (memchr(line, '\0', n) != NULL) {
            snprintf(err, errlen, "line %zu: a NUL byte", lineno);
            goto Fail;
        }
        /* comments: '#' at the start or after whitespace, outside quotes
         * (strip_value below) */
        char *eq = strchr(line, '=');
        for (char *h = line; (h = strchr(h, '#')) != NULL && (eq == NULL || h < eq); h++)
            if (h == line || h[-1] == ' ' || h[-1] == '\t') {
                *h = '\0';
                eq = NULL;
                break;
            }
        const char *whole = trim(line);
        if (*whole == '\0')
            continue;
        if (eq == NULL) {
            snprintf(err, errlen, "line %zu: expected NAME = VALUE", lineno);
            goto Fail;
        }
        *eq = '\0';
        char *name = (char *)trim(line);
        const char *value = strip_value(eq + 1);
        if (value == NULL) {
            snprintf(err, errlen, "line %zu: a quote that does not end, or text after the closing quote", lineno);
            goto Fail;
        }
        for (char *c = name; *c; c++)
            if (*c == '_')
                *c = '-';
        if (*name == '\0' || strchr(name, ' ') || strchr(name, '\t')) {
            snprintf(err, errlen, "line %zu: expected NAME = VALUE", lineno);
            goto Fail;
        }
        if (strcmp(name, "config") == 0) {
            snprintf(err, errlen, "line %zu: a config file cannot name another", lineno);
            goto Fail;
        }
        /* Unknown names are refused here, where the line is known. */
        const keel_option_t *opt = keel_option_find(name);
        if (opt == NULL) {
            keel_option_error(err, errlen, "line %zu: unknown option '%s'", lineno, name);
            goto Fail;
        }
        if (opt->kind == KEEL_OPTION_FLAG) {
            int on = keel_parse_bool(value);
            if (on < 0) {
                keel_option_error(err, errlen, "line %zu: %s takes true or false (yes/no, on/off, 1/0), got '%s'",
                                  lineno, name, value);
                goto Fail;
            }
            if (on) {
                out->argv[out->argc++] = store;
                store += sprintf(store, "%s", opt->name) + 1;
            }
            continue;
        }
        /* A value that does not parse is refused here too, where its line
         * is known (the command line's come after, and are checked there). */
        char why[256];
        keel_config_defaults(&scratch);
        if (keel_option_set(opt, &scratch, value, why, sizeof(why)) != 0) {
            snprintf(err, errlen, "line %zu: %s", lineno, why);
            goto Fail;
        }
        out->argv[out->argc++] = store;
        store += sprintf(store, "%s", opt->name) + 1;
        out->argv[out->argc++] = store;
        store += sprintf(store, "%s", value) + 1;
    }
    return 0;
Fail:
    keel_config_args_free(out);
    return -1;
}

static char *
read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "rbe");
    if (fp == NULL) {
        snprintf(err, errlen, "--config %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        size_t got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (got == 0)
            break;
        if (n == cap) {
            if (cap >= (1u << 20)) {
                snprintf(err, errlen, "--config %s: larger than 1 MiB", path);
                free(buf);
                fclose(fp);
                return NULL;
            }
            char *bigger = realloc(buf, cap *= 2);
            if (bigger == NULL)
                free(buf);
            buf = bigger;
        }
    }
    int failed = ferror(fp);
    fclose(fp);
    if (buf == NULL || failed) {
        snprintf(err, errlen, "--config %s: cannot read it", path);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

keel_config_result_t
keel_config_load(keel_config_t *cfg, int argc, char *const *argv, keel_config_args_t *keep, char *err, size_t errlen)
{
    memset(keep, 0, sizeof(*keep));
    const char *path = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            path = argv[i + 1];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            path = argv[i] + 9;
    }
    keel_config_args_t file = {0};
    if (path != NULL) {
        size_t len;
        char *text = read_file(path, &len, err, errlen);
        if (text == NULL)
            return KEEL_CONFIG_ERROR;
        char why[256];
        int rc = keel_config_file_to_args(text, len, &file, why, sizeof(why));
        free(text);
        if (rc != 0) {
            snprintf(err, errlen, "--config %s: %s", path, why);
            return KEEL_CONFIG_ERROR;
        }
    }
    /* the file's options first, then the command line's, which win */
    char **all = calloc((size_t)(file.argc + argc) + 1, sizeof(char *));
    if (all == NULL) {
        keel_config_args_free(&file);
        snprintf(err, errlen, "out of memory");
        return KEEL_CONFIG_ERROR;
    }
    int n = 0;
    for (int i = 0; i < file.argc; i++)
        all[n++] = file.argv[i];
    for (int i = 0; i < argc; i++)
        all[n++] = argv[i];
    keel_config_result_t r = keel_config_parse_serve(cfg, n, all, err, errlen);
    if (r == KEEL_CONFIG_ERROR && path != NULL && strncmp(err, "--config", 8) != 0) {
        char tmp[512];
        snprintf(tmp, sizeof(tmp), "%s (options from --config %s come first)", err, path);
        snprintf(err, errlen, "%s", tmp);
    }
    free(file.argv);
    file.argv = all; /* cfg points into file.storage and argv's strings */
    *keep = file;
    return r;
}
