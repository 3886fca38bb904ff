/*
 * Who PHP runs as (--user, --group). The front binds its ports as the user
 * keel was started as; each zygote takes on the PHP user right after exec,
 * before PHP starts, and its workers inherit it, so PHP code cannot signal
 * the front or reach what only root may (docs/security.md).
 */
#ifndef KEEL_COMMON_IDENTITY_H
#define KEEL_COMMON_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/config.h"

typedef struct {
    bool given;  /* --user was given */
    bool change; /* it differs from the process's own user or group: the zygote switches */
    uid_t uid;
    gid_t gid;
    char user[64]; /* the user's name, for initgroups() and messages */
} keel_identity_t;

/* Resolves cfg's --user and --group (names, or numbers that name an
 * existing user or group). Returns 0, or -1 with one line in err. */
int keel_identity_resolve(keel_identity_t *id, const keel_config_t *cfg, char *err, size_t errlen);

/* What `keel serve` checks before it binds anything: this process may
 * become id, and PHP as id can read the root, php.ini and the worker
 * script and write into --core-dir. Returns 0, or -1 with one line in
 * err. */
int keel_identity_check(const keel_identity_t *id, const keel_config_t *cfg, char *err, size_t errlen);

/* Becomes id for good when it says to change: the user's supplementary
 * groups, then the group, then the user (real, effective and saved), and
 * checks that root cannot be taken back. Returns 0, or -1 with one line
 * in err. */
int keel_identity_assume(const keel_identity_t *id, char *err, size_t errlen);

#endif
