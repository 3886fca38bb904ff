/* keel doctor's checks of the set-up around PHP: the application's paths,
 * PHP starting, core dumps, the user PHP runs as, the admin listener. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "cli/doctor_checks.h"

void
keel_doctor_check_app(const keel_doctor_facts_t *f, keel_findings_t *out)
{
    if (!f->root_ok)
        keel_finding_add(out, KEEL_FINDING_ERROR, "application", "%s; keel serve refuses to start without it",
                         f->root_error);
    else
        keel_finding_add(out, KEEL_FINDING_OK, "application", "%s%s%s", f->app_dir,
                         f->cfg->worker_script ? ", worker script " : "",
                         f->cfg->worker_script ? f->cfg->worker_script : "");
}

void
keel_doctor_check_php(const keel_doctor_facts_t *f, keel_findings_t *out)
{
    const keel_php_facts_t *php = f->php;
    if (!php->started) {
        keel_finding_add(out, KEEL_FINDING_ERROR, "php",
                         "PHP %s did not start as keel's zygote starts it: %s; keel serve would fail the same way "
                         "(check php.ini, -d values, extensions and opcache.preload)",
                         php->version, php->error);
        return;
    }
    keel_finding_add(out, KEEL_FINDING_OK, "php", "PHP %s starts as keel's zygote starts it, with %zu extensions%s",
                     php->version, php->extension_count, php->opcache_enabled ? ", OPcache on" : "");
}

/* Where a core_pattern puts dumps: a pipe to a program, or a path
 * (relative ones land in the crashing process's working directory). */
void
keel_doctor_check_core_dumps(const keel_doctor_facts_t *f, keel_findings_t *out)
{
    static const char topic[] = "core dumps";
    const char *dir = f->cfg->core_dir;
    if (dir == NULL) {
        keel_finding_add(out, KEEL_FINDING_OK, topic,
                         "off for PHP workers (no --core-dir), whatever core_pattern says: crashes cannot fill the "
                         "application's directory with core files");
        return;
    }
    if (f->root_ok && keel_path_within(dir, f->app_dir)) {
        keel_finding_add(out, KEEL_FINDING_ERROR, topic,
                         "--core-dir %s is inside the application (%s): dumps of a crashing worker would be deployed, "
                         "served or fill its disk; choose a directory outside it",
                         dir, f->app_dir);
        return;
    }
    if (!f->have_core_pattern) {
        keel_finding_add(out, KEEL_FINDING_WARN, topic,
                         "cannot read /proc/sys/kernel/core_pattern: where dumps land is up to it");
        return;
    }
    const char *p = f->core_pattern;
    if (p[0] == '|') {
        keel_finding_add(out, KEEL_FINDING_WARN, topic,
                         "core_pattern pipes dumps to a program (%s): they go there, not to --core-dir %s (read them "
                         "with that tool, e.g. coredumpctl)",
                         p + 1, dir);
        return;
    }
    if (p[0] != '/') {
        keel_finding_add(out, KEEL_FINDING_OK, topic,
                         "core_pattern '%s' is relative to the crashing process's directory, and keel moves a "
                         "crashing worker into --core-dir %s first: dumps land there, the newest 3 kept",
                         p, dir);
        return;
    }
    if (f->root_ok && keel_path_within(p, f->app_dir))
        keel_finding_add(out, KEEL_FINDING_ERROR, topic,
                         "core_pattern '%s' writes dumps into the application (%s), not into --core-dir %s: set "
                         "kernel.core_pattern to a directory outside it (or a relative name such as 'core', which "
                         "keel sends to --core-dir)",
                         p, f->app_dir, dir);
    else if (!keel_path_within(p, dir))
        keel_finding_add(out, KEEL_FINDING_WARN, topic,
                         "core_pattern '%s' is an absolute path, so dumps land there and not in --core-dir %s, "
                         "which keel cannot prune",
                         p, dir);
    else
        keel_finding_add(out, KEEL_FINDING_OK, topic, "core_pattern '%s' writes into --core-dir %s", p, dir);
}

void
keel_doctor_check_user(const keel_doctor_facts_t *f, keel_findings_t *out)
{
    if (f->euid == 0)
        keel_finding_add(out, KEEL_FINDING_WARN, "user",
                         "keel runs PHP as root: a flaw in the application or an extension then owns the machine "
                         "(or the container, and what it mounts); run keel as an unprivileged user (USER in the "
                         "image, User= in a systemd unit)");
    else
        keel_finding_add(out, KEEL_FINDING_OK, "user", "PHP runs as uid %u, not root", (unsigned)f->euid);
}

/* Whether host (as --admin takes it, IPv6 possibly in brackets) is a
 * loopback address: 127.0.0.0/8, ::1, ::ffff:127.x.x.x, or localhost. */
static bool
is_loopback(const char *host, size_t len)
{
    char h[64];
    if (len >= 2 && host[0] == '[' && host[len - 1] == ']')
        host++, len -= 2;
    if (len == 0 || len >= sizeof(h))
        return false;
    memcpy(h, host, len);
    h[len] = '\0';
    if (strcmp(h, "localhost") == 0)
        return true;
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, h, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, h, &a6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&a6) || (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
    return false;
}

void
keel_doctor_check_admin(const keel_doctor_facts_t *f, keel_findings_t *out)
{
    static const char topic[] = "admin";
    const char *a = f->cfg->admin;
    if (a == NULL) {
        keel_finding_add(out, KEEL_FINDING_OK, topic, "the admin listener is off (--admin off)");
        return;
    }
    const char *colon = strrchr(a, ':');
    size_t hostlen = colon ? (size_t)(colon - a) : strlen(a);
    if (is_loopback(a, hostlen)) {
        keel_finding_add(out, KEEL_FINDING_OK, topic, "the admin listener %s is reachable from this machine only", a);
        return;
    }
    if (f->admin_token) /* --admin-token */
        keel_finding_add(out, KEEL_FINDING_OK, topic, "the admin listener %s is beyond loopback, behind a token", a);
    else
        keel_finding_add(out, KEEL_FINDING_ERROR, topic,
                         "the admin listener %s is reachable beyond this machine, with no token: anyone who reaches "
                         "it can read /status and /metrics and POST /reload (keel serve refuses to start so); bind "
                         "it to loopback (--admin 127.0.0.1:9180), or give it --admin-token FILE",
                         a);
}
