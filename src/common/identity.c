#include "common/identity.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/units.h"

/* Room for getpwnam_r's and getgrnam_r's strings: a group with many
 * members needs more than sysconf's suggestion, so it grows on ERANGE. */
#define IDENTITY_BUF_START 4096
#define IDENTITY_BUF_MAX   (1 << 20)

static bool
numeric(const char *s, uint64_t *n)
{
    return keel_parse_uint(s, 0, UINT32_MAX - 1, n) == 0;
}

/* Looks `name` up as a user (group false) or a group: by name, else as a
 * number. Returns 0 with the id (and, for a user, its group and name), 1
 * when there is none, or -1 with errno. */
static int
lookup(const char *name, bool group, uid_t *id, gid_t *gid, char *user, size_t userlen)
{
    uint64_t n;
    bool is_number = numeric(name, &n);
    for (size_t size = IDENTITY_BUF_START; size <= IDENTITY_BUF_MAX; size *= 2) {
        char *buf = malloc(size);
        if (buf == NULL)
            return -1;
        int rc;
        if (group) {
            struct group gr, *found = NULL;
            rc = getgrnam_r(name, &gr, buf, size, &found);
            if (rc == 0 && found == NULL && is_number)
                rc = getgrgid_r((gid_t)n, &gr, buf, size, &found);
            if (rc == 0 && found != NULL)
                *gid = found->gr_gid;
            else if (rc == 0)
                rc = -1;
        } else {
            struct passwd pw, *found = NULL;
            rc = getpwnam_r(name, &pw, buf, size, &found);
            if (rc == 0 && found == NULL && is_number)
                rc = getpwuid_r((uid_t)n, &pw, buf, size, &found);
            if (rc == 0 && found != NULL) {
                *id = found->pw_uid;
                *gid = found->pw_gid;
                snprintf(user, userlen, "%s", found->pw_name);
            } else if (rc == 0) {
                rc = -1;
            }
        }
        free(buf);
        if (rc == 0)
            return 0;
        if (rc == -1)
            return 1; /* none by that name or number */
        if (rc != ERANGE) {
            errno = rc;
            return -1;
        }
    }
    errno = ERANGE;
    return -1;
}

int
keel_identity_resolve(keel_identity_t *id, const keel_config_t *cfg, char *err, size_t errlen)
{
    memset(id, 0, sizeof(*id));
    if (cfg->user == NULL) {
        if (cfg->group != NULL) {
            snprintf(err, errlen, "--group %.100s needs --user", cfg->group);
            return -1;
        }
        return 0;
    }
    id->given = true;
    int rc = lookup(cfg->user, false, &id->uid, &id->gid, id->user, sizeof(id->user));
    if (rc != 0) {
        snprintf(err, errlen, "--user %.100s: %s", cfg->user, rc > 0 ? "no such user" : strerror(errno));
        return -1;
    }
    if (cfg->group != NULL && (rc = lookup(cfg->group, true, NULL, &id->gid, NULL, 0)) != 0) {
        snprintf(err, errlen, "--group %.100s: %s", cfg->group, rc > 0 ? "no such group" : strerror(errno));
        return -1;
    }
    id->change = id->uid != geteuid() || id->gid != getegid();
    return 0;
}

/* Whether id may access path with mode, asked by a child that becomes id:
 * the kernel's answer, ACLs and all. Returns 0, or -1 with errno. */
static int
access_as(const keel_identity_t *id, const char *path, int mode)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        char ignored[256];
        if (keel_identity_assume(id, ignored, sizeof(ignored)) != 0)
            _exit(255);
        _exit(access(path, mode) == 0 ? 0 : errno & 0xff);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    errno = WIFEXITED(status) && WEXITSTATUS(status) != 255 ? WEXITSTATUS(status) : EPERM;
    return -1;
}

int
keel_identity_check(const keel_identity_t *id, const keel_config_t *cfg, char *err, size_t errlen)
{
    if (!id->change)
        return 0;
    if (geteuid() != 0) {
        snprintf(err, errlen, "--user %.100s: only root can run PHP as another user (keel runs as uid %u)", cfg->user,
                 (unsigned)geteuid());
        return -1;
    }
    const struct {
        const char *option, *path;
        int mode;
        const char *needs;
    } paths[] = {
        {"--root", cfg->root, R_OK | X_OK, "read"},
        {"--php-ini", cfg->php_ini, R_OK, "read"},
        {"--worker", cfg->worker_script, R_OK, "read"},
        {"--core-dir", cfg->core_dir, W_OK | X_OK, "write into"},
    };
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        if (paths[i].path == NULL || access_as(id, paths[i].path, paths[i].mode) == 0)
            continue;
        snprintf(err, errlen, "%s %.200s: PHP runs as %.64s (--user), who cannot %s it: %s", paths[i].option,
                 paths[i].path, id->user, paths[i].needs, strerror(errno));
        return -1;
    }
    return 0;
}

int
keel_identity_assume(const keel_identity_t *id, char *err, size_t errlen)
{
    if (!id->change)
        return 0;
    if (initgroups(id->user, id->gid) != 0) {
        snprintf(err, errlen, "cannot take %.64s's groups (setgroups): %s", id->user, strerror(errno));
        return -1;
    }
    if (setresgid(id->gid, id->gid, id->gid) != 0) {
        snprintf(err, errlen, "cannot switch to group %u (setgid): %s", (unsigned)id->gid, strerror(errno));
        return -1;
    }
    if (setresuid(id->uid, id->uid, id->uid) != 0) {
        snprintf(err, errlen, "cannot switch to user %.64s (setuid): %s", id->user, strerror(errno));
        return -1;
    }
    uid_t r, e, s;
    gid_t rg, eg, sg;
    if (getresuid(&r, &e, &s) != 0 || getresgid(&rg, &eg, &sg) != 0 || r != id->uid || e != id->uid || s != id->uid ||
        rg != id->gid || eg != id->gid || sg != id->gid) {
        snprintf(err, errlen, "switching to user %.64s did not take", id->user);
        return -1;
    }
    if (id->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
        snprintf(err, errlen, "user %.64s can take root back; refusing to run PHP", id->user);
        return -1;
    }
    return 0;
}
