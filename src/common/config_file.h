/*
 * keel's config file: the options of `keel serve` one per line, with the
 * same names as on the command line, without the leading dashes:
 *
 *     # /etc/keel.conf
 *     root = /srv/app/public
 *     workers = 8
 *     max-worker-memory = 256M
 *     d = memory_limit=256M        # repeatable, as -d
 *     retry-idempotent = true      # a flag: true/false, yes/no, on/off, 1/0
 *     server-name = "example.com"  # a value may be quoted ("..." or '...')
 *
 * Underscores may stand for dashes (max_worker_memory). A line that names
 * no option, or whose value the option refuses, is an error naming the
 * line. Options given on the command line come after the file's, so they
 * win.
 */
#ifndef KEEL_COMMON_CONFIG_FILE_H
#define KEEL_COMMON_CONFIG_FILE_H

#include <stddef.h>

#include "common/options.h"

typedef struct {
    char **argv; /* "--name", "value", ... ; owned, free with keel_config_args_free */
    int argc;
    char *storage;
} keel_config_args_t;

/*
 * Turns config text into command-line arguments. Pure (fuzzed). Returns 0,
 * or -1 with one line in err naming the line that is wrong, a name that is
 * no option of `keel serve` included.
 */
int keel_config_file_to_args(const char *text, size_t len, keel_config_args_t *out, char *err, size_t errlen);

void keel_config_args_free(keel_config_args_t *args);

/* A flag's value in the config file: 1 for true, yes, on or 1, 0 for
 * false, no, off or 0 (any case), -1 for anything else. */
int keel_parse_bool(const char *value);

/*
 * Parses `keel serve` options, reading the file named by --config (if
 * any) first. `keep` receives the arguments cfg's strings point into; the
 * caller frees it after cfg's last use (normally never: the process ends).
 */
keel_config_result_t keel_config_load(keel_config_t *cfg, int argc, char *const *argv, keel_config_args_t *keep,
                                      char *err, size_t errlen);

#endif
