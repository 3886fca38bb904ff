/* keel doctor's findings, the settings its checks read, and the order the
 * checks run in. */
#include <stdarg.h>
#include <string.h>

#include "cli/doctor_checks.h"
#include "common/text.h"

const char *const keel_doctor_settings[] = {
    "memory_limit",
    "opcache.enable",
    "opcache.memory_consumption",
    "opcache.interned_strings_buffer",
    "opcache.max_accelerated_files",
    "opcache.validate_timestamps",
    "opcache.revalidate_freq",
    "opcache.file_cache",
    "upload_tmp_dir",
    "session.save_path",
    "session.save_handler",
    "session.gc_probability",
    "error_log",
    /* what makes a listed extension safe (cli/doctor_extensions.c) */
    "grpc.enable_fork_support",
    "imagick.set_single_thread",
    "xdebug.mode",
    "pcov.enabled",
    "datadog.trace.generate_root_span",
};
const size_t keel_doctor_settings_count = sizeof(keel_doctor_settings) / sizeof(keel_doctor_settings[0]);

void
keel_finding_add(keel_findings_t *out, keel_finding_level_t level, const char *topic, const char *fmt, ...)
{
    if (out->count == KEEL_FINDINGS_MAX)
        return;
    keel_finding_t *f = &out->items[out->count++];
    f->level = level;
    keel_str_copy(f->topic, sizeof(f->topic), topic);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->text, sizeof(f->text), fmt, ap);
    va_end(ap);
    /* one line each, whatever a path or a PHP message held */
    for (char *p = f->text; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
}

const char *
keel_finding_level_name(keel_finding_level_t level)
{
    return level == KEEL_FINDING_ERROR ? "error" : level == KEEL_FINDING_WARN ? "warn" : "ok";
}

void
keel_findings_print(FILE *out, const keel_findings_t *f)
{
    for (size_t i = 0; i < f->count; i++)
        fprintf(out, "%-5s %s: %s\n", keel_finding_level_name(f->items[i].level), f->items[i].topic, f->items[i].text);
}

keel_finding_level_t
keel_findings_worst(const keel_findings_t *f)
{
    keel_finding_level_t worst = KEEL_FINDING_OK;
    for (size_t i = 0; i < f->count; i++)
        if (f->items[i].level > worst)
            worst = f->items[i].level;
    return worst;
}

uint64_t
keel_opcache_max_keys(uint64_t n)
{
    /* zend_accelerator_hash.c's table, and the bounds ZendAccelerator.c
     * puts on the setting */
    static const uint64_t primes[] = {223,   463,   983,    1979,   3907,   7963,   16229,
                                      32531, 65407, 130987, 262237, 524521, 1048793};
    if (n < 200)
        n = 200;
    if (n > 1000000)
        n = 1000000;
    for (size_t i = 0; i < sizeof(primes) / sizeof(primes[0]); i++)
        if (n <= primes[i])
            return primes[i];
    return primes[sizeof(primes) / sizeof(primes[0]) - 1];
}

bool
keel_path_within(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (n == 0 || strncmp(path, dir, n) != 0)
        return false;
    return path[n] == '\0' || path[n] == '/' || (n == 1 && dir[0] == '/');
}

void
keel_doctor_run(const keel_doctor_facts_t *f, keel_findings_t *out)
{
    keel_doctor_check_app(f, out);
    keel_doctor_check_php(f, out);
    keel_doctor_check_budget(f, out);
    keel_doctor_check_tmpfs(f, out);
    keel_doctor_check_recycling(f, out);
    keel_doctor_check_opcache_files(f, out);
    keel_doctor_check_opcache_memory(f, out);
    keel_doctor_check_interned_strings(f, out);
    keel_doctor_check_deploys(f, out);
    keel_doctor_check_extensions(f, out);
    keel_doctor_check_core_dumps(f, out);
    keel_doctor_check_user(f, out);
    keel_doctor_check_admin(f, out);
}
