/* A healthy keel set-up as keel doctor's facts, for the tests of its
 * checks to change one thing at a time. */
#ifndef KEEL_TESTS_UNIT_CLI_DOCTOR_FIXTURE_H
#define KEEL_TESTS_UNIT_CLI_DOCTOR_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/doctor_checks.h"
#include "common/options.h"

typedef struct {
    keel_config_t cfg;
    keel_php_facts_t php;
    keel_doctor_facts_t f;
    keel_findings_t out;
} fixture_t;

static void
php_set(fixture_t *x, const char *name, const char *value)
{
    keel_php_facts_t *p = &x->php;
    for (size_t i = 0; i < p->setting_count; i++)
        if (strcmp(p->setting_names[i], name) == 0) {
            snprintf(p->setting_values[i], sizeof(p->setting_values[i]), "%s", value);
            p->setting_known[i] = true;
            return;
        }
    assert_true(p->setting_count < KEEL_PHP_FACTS_SETTINGS);
    p->setting_names[p->setting_count] = name;
    p->setting_known[p->setting_count] = true;
    snprintf(p->setting_values[p->setting_count++], KEEL_PHP_FACTS_VALUE, "%s", value);
}

static void
php_extension(fixture_t *x, const char *name)
{
    snprintf(x->php.extensions[x->php.extension_count++], KEEL_PHP_FACTS_NAME, "%s", name);
}

/* 1 GiB cgroup v2 limit, 2 CPUs, PHP's defaults with OPcache on, an
 * application of 1000 files and 4 MiB, /dev/shm the only tmpfs, a
 * relative core_pattern, an unprivileged user, keel serve's defaults. */
static fixture_t *
fixture_new(void)
{
    fixture_t *x = calloc(1, sizeof(*x));
    assert_non_null(x);
    keel_config_defaults(&x->cfg);
    x->cfg.root = "/srv/app";
    keel_php_facts_t *p = &x->php;
    p->started = true;
    p->opcache_enabled = true;
    snprintf(p->version, sizeof(p->version), "8.2.36");
    snprintf(p->temp_dir, sizeof(p->temp_dir), "/tmp");
    p->resident_bytes = 24u << 20;
    php_set(x, "memory_limit", "128M");
    php_set(x, "opcache.enable", "1");
    php_set(x, "opcache.memory_consumption", "128");
    php_set(x, "opcache.interned_strings_buffer", "8");
    php_set(x, "opcache.max_accelerated_files", "10000");
    php_set(x, "opcache.validate_timestamps", "0");
    php_set(x, "opcache.revalidate_freq", "2");
    php_set(x, "opcache.file_cache", "");
    php_set(x, "upload_tmp_dir", "");
    php_set(x, "session.save_path", "/var/lib/php/sessions");
    php_set(x, "session.save_handler", "files");
    php_set(x, "session.gc_probability", "0");
    php_set(x, "error_log", "");
    php_extension(x, "Core");
    php_extension(x, "date");
    php_extension(x, "Zend OPcache");

    keel_doctor_facts_t *f = &x->f;
    f->cfg = &x->cfg;
    f->php = &x->php;
    f->root_ok = true;
    snprintf(f->app_dir, sizeof(f->app_dir), "/srv/app");
    f->php_files = 1000;
    f->php_bytes = 4u << 20;
    f->have_limit = true;
    f->limit = (keel_mem_limit_t){.limit = 1ull << 30, .current = 300u << 20, .source = "cgroup v2 memory.max"};
    f->cpus = 2;
    f->front_bytes = 8u << 20;
    f->mount_count = 1;
    snprintf(f->mounts[0].mountpoint, sizeof(f->mounts[0].mountpoint), "/dev/shm");
    snprintf(f->mounts[0].fstype, sizeof(f->mounts[0].fstype), "tmpfs");
    f->have_core_pattern = true;
    snprintf(f->core_pattern, sizeof(f->core_pattern), "core");
    f->euid = 1000;
    return x;
}

/* Runs one check and returns its only finding with `topic`. */
static const keel_finding_t *
check_one(fixture_t *x, void (*check)(const keel_doctor_facts_t *, keel_findings_t *), const char *topic)
{
    x->out.count = 0;
    check(&x->f, &x->out);
    const keel_finding_t *found = NULL;
    for (size_t i = 0; i < x->out.count; i++) {
        if (strcmp(x->out.items[i].topic, topic) == 0) {
            assert_null(found);
            found = &x->out.items[i];
        }
    }
    if (found == NULL)
        fail_msg("no finding about '%s' (%zu findings)", topic, x->out.count);
    return found;
}

#define assert_level(finding, lvl)                                                                                     \
    do {                                                                                                               \
        const keel_finding_t *f_ = (finding);                                                                          \
        if (f_->level != (lvl))                                                                                        \
            fail_msg("expected %s, got %s %s: %s", keel_finding_level_name(lvl), keel_finding_level_name(f_->level),   \
                     f_->topic, f_->text);                                                                             \
    } while (0)

#define assert_says(finding, needle)                                                                                   \
    do {                                                                                                               \
        if (strstr((finding)->text, (needle)) == NULL)                                                                 \
            fail_msg("'%s' not in: %s", (needle), (finding)->text);                                                    \
    } while (0)

#endif
