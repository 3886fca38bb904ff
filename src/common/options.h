/*
 * The options of `keel serve`, as one table: name, kind, where the value
 * goes in keel_config_t, default, range and help text. The command-line
 * parser, the config file's list of names, `keel serve --help`, the
 * defaults and README.md's option table are all derived from it, so they
 * cannot drift apart (README.md is checked by tests/unit/common/test_options.c).
 * Pure: no I/O besides the streams the caller passes in.
 */
#ifndef KEEL_COMMON_OPTIONS_H
#define KEEL_COMMON_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/config.h"

typedef enum {
    KEEL_OPTION_FLAG,     /* no value; sets an int to 1 */
    KEEL_OPTION_UINT,     /* decimal in [min, max], into an unsigned or a uint64_t */
    KEEL_OPTION_SIZE,     /* bytes, with K, M or G: a uint64_t */
    KEEL_OPTION_DURATION, /* ms, s, m or h: a uint64_t of milliseconds */
    KEEL_OPTION_PATH,     /* a const char * into argv, checked by path_rule */
    KEEL_OPTION_STRING,   /* a const char * into argv, unchecked */
    KEEL_OPTION_INI,      /* KEY=VALUE appended to cfg->ini (-d); repeatable */
    KEEL_OPTION_SPECIAL,  /* parsed by the option's own set function */
} keel_option_kind_t;

typedef enum {
    KEEL_PATH_ANY,
    KEEL_PATH_NONEMPTY,
    KEEL_PATH_ABSOLUTE_DIR, /* starts with '/' */
    KEEL_PATH_URL,          /* a request path: starts with '/' */
} keel_option_path_rule_t;

/* A UINT option's max when the count has no bound worth naming (the
 * parser still stops at it): errors say "a number", docs name no range. */
#define KEEL_OPTION_UNBOUNDED UINT32_MAX

typedef struct keel_option_s keel_option_t;

/* A SPECIAL option's parser: stores value into cfg, or returns -1 with
 * one line in err (see keel_option_error). */
typedef int (*keel_option_set_fn)(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err,
                                  size_t errlen);

struct keel_option_s {
    const char *name; /* as typed: "--root", or "-d" (one dash: the value may be attached, "-dKEY=VALUE") */
    const char *arg;  /* the value's placeholder in the docs ("DIR"); NULL for a flag */
    keel_option_kind_t kind;
    size_t field;      /* offsetof(keel_config_t, ...) of the value (not for INI) */
    size_t field_size; /* its sizeof: UINT stores into an unsigned or a uint64_t */
    int has_explicit;
    size_t explicit_field;             /* an int set to 1 when the command line or a file gives the option */
    uint64_t min, max;                 /* UINT, and SPECIAL ones that count */
    const char *example;               /* SIZE, DURATION: the example in error messages ("256M") */
    keel_option_path_rule_t path_rule; /* PATH */
    keel_option_set_fn set;            /* SPECIAL */
    const char *def;     /* default, in the option's own syntax, applied by keel_config_defaults; NULL: zero */
    const char *def_doc; /* the default as the docs show it when it is not def ("off"), or NULL */
    /*
     * One wording for --help and README.md. `code` is in backticks (dropped
     * by --help); "{range}" stands for "MIN to MAX", so the documented range
     * is the one the parser enforces.
     */
    const char *help;
};

/* Every option of `keel serve` but -h/--help, in the order the docs list them. */
extern const keel_option_t keel_options[];
extern const size_t keel_options_count;

/*
 * The option the argument arg names, or NULL. *value is the value given with it
 * ("--name=value", "-dKEY=VALUE"), or NULL when it is the next argument
 * (or, for a flag, absent: a flag matches its name only).
 */
const keel_option_t *keel_option_match(const char *arg, const char **value);

/* The option a config file calls `name`: its name without the dashes
 * ("root", "d"), or NULL. */
const keel_option_t *keel_option_find(const char *name);

/*
 * Parses value (NULL for a flag) and stores it into cfg; does not touch
 * the option's explicit field. Returns 0, or -1 with one line in err.
 * value must outlive cfg: strings are not copied.
 */
int keel_option_set(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err, size_t errlen);

/*
 * Writes a printf-style message into err (truncated to errlen; nothing
 * when errlen is 0) with control characters replaced by '?': messages
 * quote what the user typed, and must stay one line so that a newline in
 * an argument cannot forge a second log line. Returns -1.
 */
int keel_option_error(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* What SIZE and DURATION take, under the options of --help and README.md. */
extern const char keel_units_help[];

/* The text of `keel serve --help`. */
void keel_serve_usage(FILE *out);

/* README.md's option table (Markdown), one row per option, and the units
 * line under it. */
void keel_options_markdown(FILE *out);

/* --- parsing `keel serve`'s options into a keel_config_t --- */

typedef enum {
    KEEL_CONFIG_OK = 0,
    KEEL_CONFIG_HELP = 1,  /* --help was asked for; usage goes to stdout */
    KEEL_CONFIG_ERROR = 2, /* errbuf holds one line naming the problem */
} keel_config_result_t;

/* Fills cfg with defaults: those of the option table (common/options.h),
 * zero for the rest. */
void keel_config_defaults(keel_config_t *cfg);

/*
 * Parses the options of `keel serve` (argv[0] is the first option, not the
 * program name). Strings in cfg point into argv, which must outlive cfg.
 * On error, writes one line (no newline) into errbuf.
 */
keel_config_result_t keel_config_parse_serve(keel_config_t *cfg, int argc, char *const *argv, char *errbuf,
                                             size_t errlen);

#endif
