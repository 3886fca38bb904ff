/*
 * PHP's process environment, set in the zygote before PHP starts (its
 * workers inherit it), the way PHP-FPM sets a pool's (sapi/fpm's
 * fpm_env.c): --clear-env empties it (`clear_env = yes`); each --env
 * KEY=VALUE then sets one (`env[KEY] = VALUE`), a VALUE of `$NAME` taking
 * keel's own NAME (empty when unset), read before anything is cleared;
 * and when PHP runs as another user, USER and HOME name that user unless
 * an --env sets them. $_SERVER and getenv() see the result (worker/sapi.c).
 */
#ifndef KEEL_WORKER_PROCESS_ENV_H
#define KEEL_WORKER_PROCESS_ENV_H

#include <stddef.h>

#include "common/config.h"

/* Applies cfg's environment options to this process. user is the name PHP
 * switches to, or NULL when it stays who it is. Returns 0, or -1 with a
 * message in err (out of memory, or an entry setenv() refuses). */
int keel_process_env_apply(const keel_config_t *cfg, const char *user, char *err, size_t errlen);

#endif
