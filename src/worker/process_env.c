#include "worker/process_env.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Does an --env entry set name? */
static int
env_sets(const keel_config_t *cfg, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < cfg->env_count; i++)
        if (strncmp(cfg->env[i], name, n) == 0 && cfg->env[i][n] == '=')
            return 1;
    return 0;
}

static int
set(const char *name, const char *value, char *err, size_t errlen)
{
    if (setenv(name, value, 1) != 0) {
        snprintf(err, errlen, "--env %s: %s", name, strerror(errno));
        return -1;
    }
    return 0;
}

int
keel_process_env_apply(const keel_config_t *cfg, const char *user, char *err, size_t errlen)
{
    /* Names and values first, "$NAME" read from keel's own environment
     * while it is still there. */
    char *copies[KEEL_MAX_ENV];
    const char *values[KEEL_MAX_ENV];
    size_t n = cfg->env_count;
    int rc = -1;
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(cfg->env[i], '=');
        copies[i] = strndup(cfg->env[i], (size_t)(eq - cfg->env[i]));
        values[i] = eq + 1;
        if (values[i][0] == '$') {
            const char *from = getenv(values[i] + 1);
            values[i] = from != NULL ? from : "";
        }
        values[i] = values[i] != NULL ? strdup(values[i]) : NULL;
        if (copies[i] == NULL || values[i] == NULL) {
            snprintf(err, errlen, "out of memory");
            n = i + 1;
            goto Done;
        }
    }
    if (cfg->clear_env && clearenv() != 0) {
        snprintf(err, errlen, "--clear-env: cannot clear the environment");
        goto Done;
    }
    for (size_t i = 0; i < n; i++)
        if (set(copies[i], values[i], err, errlen) != 0)
            goto Done;
    if (user != NULL) {
        struct passwd *pw = getpwnam(user);
        if (!env_sets(cfg, "USER") && set("USER", user, err, errlen) != 0)
            goto Done;
        if (pw != NULL && !env_sets(cfg, "HOME") && set("HOME", pw->pw_dir, err, errlen) != 0)
            goto Done;
    }
    rc = 0;
Done:
    for (size_t i = 0; i < n; i++) {
        free(copies[i]);
        free((char *)values[i]);
    }
    return rc;
}
