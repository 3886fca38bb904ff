/*
 * keel doctor's OPcache checks: is it on, is it sized for the
 * application's files, compiled code and interned strings, and how do
 * deploys reach the workers.
 *
 * The sizes are estimates from the source, with factors measured here
 * with PHP 8.2 by compiling Debian's Symfony, Twig and PSR packages
 * (1,215 files, 4.9 MiB) with opcache_compile_file(): compiled code took
 * 2.6 to 3.2 times the source's bytes of opcache.memory_consumption, and
 * 0.39 to 0.46 times of the interned strings buffer. The checks use 3 and
 * 0.5. Both buffers also hold fixed parts, measured the same way: the
 * interned strings buffer lives inside memory_consumption, which also
 * keeps 48 bytes per key slot; the interned strings hash takes a quarter
 * of its buffer, and PHP's own strings about 0.4 MiB of it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/doctor_checks.h"
#include "common/units.h"
#include "supervisor/budget.h"

#define COMPILED_PER_SOURCE_BYTE 3.0
#define INTERNED_PER_SOURCE_BYTE 0.5
#define KEY_SLOT_BYTES           48
#define STARTUP_INTERNED_BYTES   (512u << 10)
/* keel starts a new generation below these (supervisor/opcache_policy.h) */
#define SWAP_MEMORY_FREE   0.10
#define SWAP_KEYS_USED     0.90
#define SWAP_INTERNED_FREE 0.05
/* Past this share of what fits, a finding warns: little room to grow. */
#define WARN_SHARE 0.70

static uint64_t
uint_setting(const keel_php_facts_t *php, const char *name, uint64_t fallback)
{
    const char *v = keel_php_facts_value(php, name);
    uint64_t n;
    return v != NULL && keel_parse_uint(v, 0, UINT32_MAX, &n) == 0 ? n : fallback;
}

/* OPcache figures matter only when PHP started with it on. */
static bool
opcache_on(const keel_doctor_facts_t *f)
{
    return f->php->started && f->php->opcache_enabled;
}

/* x rounded up to a multiple of `step`. */
static uint64_t
round_up(double x, uint64_t step)
{
    uint64_t n = x > 0 ? (uint64_t)x : 0;
    return (n / step + 1) * step;
}

void
keel_doctor_check_opcache_files(const keel_doctor_facts_t *f, keel_findings_t *out)
{
    static const char topic[] = "opcache files";
    if (!f->php->started || !f->root_ok)
        return;
    if (!f->php->opcache_enabled) {
        keel_finding_add(out, KEEL_FINDING_WARN, "opcache",
                         "OPcache is off for keel's workers: every request compiles every script it includes; "
                         "enable it (opcache.enable=1 in php.ini, or remove -d opcache.enable=0)");
        return;
    }
    uint64_t setting = uint_setting(f->php, "opcache.max_accelerated_files", 10000);
    uint64_t keys = keel_opcache_max_keys(setting);
    uint64_t files = f->php_files;
    char fix[160];
    snprintf(fix, sizeof(fix), "set -d opcache.max_accelerated_files=%" PRIu64, round_up((double)files * 1.5, 1000));
    if ((double)files >= SWAP_KEYS_USED * (double)keys)
        keel_finding_add(out, KEEL_FINDING_ERROR, topic,
                         "%" PRIu64 " PHP file%s under %s, OPcache holds %" PRIu64
                         " (opcache.max_accelerated_files=%" PRIu64 "); keel starts a new generation when 90%% of "
                         "them are used, so this application would be swapped again and again: %s",
                         files, files == 1 ? "" : "s", f->app_dir, keys, setting, fix);
    else if ((double)files >= WARN_SHARE * SWAP_KEYS_USED * (double)keys)
        keel_finding_add(out, KEEL_FINDING_WARN, topic,
                         "%" PRIu64 " PHP file%s under %s, OPcache holds %" PRIu64
                         " (opcache.max_accelerated_files=%" PRIu64 "), and keel swaps generations at 90%%: "
                         "little room for new files or a second key per file (relative includes); %s",
                         files, files == 1 ? "" : "s", f->app_dir, keys, setting, fix);
    else
        keel_finding_add(out, KEEL_FINDING_OK, topic,
                         "%" PRIu64 " PHP file%s under %s; OPcache holds %" PRIu64
                         " (opcache.max_accelerated_files=%" PRIu64 ")",
                         files, files == 1 ? "" : "s", f->app_dir, keys, setting);
}

void
keel_doctor_check_opcache_memory(const keel_doctor_facts_t *f, keel_findings_t *out)
{
    static const char topic[] = "opcache memory";
    if (!opcache_on(f) || !f->root_ok)
        return;
    uint64_t mc = uint_setting(f->php, "opcache.memory_consumption", 128) << 20;
    uint64_t interned = uint_setting(f->php, "opcache.interned_strings_buffer", 8) << 20;
    uint64_t keys = keel_opcache_max_keys(uint_setting(f->php, "opcache.max_accelerated_files", 10000));
    double room = (1 - SWAP_MEMORY_FREE) * (double)mc - (double)interned - (double)(KEY_SLOT_BYTES * keys);
    double need = COMPILED_PER_SOURCE_BYTE * (double)f->php_bytes;
    char src[32], est[32], avail[32], mcs[32], ints[32], slots[32];
    keel_format_bytes(src, sizeof(src), f->php_bytes);
    keel_format_bytes(est, sizeof(est), (uint64_t)need);
    keel_format_bytes(avail, sizeof(avail), room > 0 ? (uint64_t)room : 0);
    keel_format_bytes(mcs, sizeof(mcs), mc);
    keel_format_bytes(ints, sizeof(ints), interned);
    keel_format_bytes(slots, sizeof(slots), KEY_SLOT_BYTES * keys);
    char sums[512];
    snprintf(sums, sizeof(sums),
             "%s of PHP source compiles to about %s (3x); OPcache has room for %s before keel swaps generations "
             "(90%% of opcache.memory_consumption %s, less the interned strings buffer %s and %s of key slots)",
             src, est, avail, mcs, ints, slots);
    /* what would hold it with half again as much room */
    uint64_t fix = round_up(
        ((need * 1.5 + (double)interned + (double)(KEY_SLOT_BYTES * keys)) / (1 - SWAP_MEMORY_FREE)) / 1048576.0, 32);
    if (need >= room)
        keel_finding_add(out, KEEL_FINDING_ERROR, topic,
                         "%s: the application does not fit, and each generation would fill up and be replaced; set "
                         "-d opcache.memory_consumption=%" PRIu64,
                         sums, fix);
    else if (need >= WARN_SHARE * room)
        keel_finding_add(out, KEEL_FINDING_WARN, topic,
                         "%s: little room to grow; set -d opcache.memory_consumption=%" PRIu64, sums, fix);
    else
        keel_finding_add(out, KEEL_FINDING_OK, topic, "%s", sums);
}

void
keel_doctor_check_interned_strings(const keel_doctor_facts_t *f, keel_findings_t *out)
{
    static const char topic[] = "opcache interned strings";
    if (!opcache_on(f) || !f->root_ok)
        return;
    uint64_t buffer = uint_setting(f->php, "opcache.interned_strings_buffer", 8) << 20;
    /* a quarter is its hash table; PHP's own strings come first */
    double room = (1 - SWAP_INTERNED_FREE - 0.25) * (double)buffer - (double)STARTUP_INTERNED_BYTES;
    double need = INTERNED_PER_SOURCE_BYTE * (double)f->php_bytes;
    char est[32], avail[32], buf[32];
    keel_format_bytes(est, sizeof(est), (uint64_t)need);
    keel_format_bytes(avail, sizeof(avail), room > 0 ? (uint64_t)room : 0);
    keel_format_bytes(buf, sizeof(buf), buffer);
    char sums[384];
    snprintf(sums, sizeof(sums),
             "the application's strings take about %s (half its source); the buffer has room for %s before keel "
             "swaps generations (opcache.interned_strings_buffer %s, less its hash table and PHP's own strings)",
             est, avail, buf);
    uint64_t fix = round_up(((need * 1.5 + STARTUP_INTERNED_BYTES) / (1 - SWAP_INTERNED_FREE - 0.25)) / 1048576.0, 8);
    if (need >= room)
        keel_finding_add(
            out, KEEL_FINDING_ERROR, topic,
            "%s: it does not fit, and a full buffer is what corrupts heaps under other servers; here "
            "each generation would fill up and be replaced: set -d opcache.interned_strings_buffer=%" PRIu64,
            sums, fix);
    else if (need >= WARN_SHARE * room)
        keel_finding_add(out, KEEL_FINDING_WARN, topic,
                         "%s: little room to grow; set -d opcache.interned_strings_buffer=%" PRIu64, sums, fix);
    else
        keel_finding_add(out, KEEL_FINDING_OK, topic, "%s", sums);
}

void
keel_doctor_check_deploys(const keel_doctor_facts_t *f, keel_findings_t *out)
{
    static const char topic[] = "deploys";
    if (!opcache_on(f))
        return;
    const char *vt = keel_php_facts_value(f->php, "opcache.validate_timestamps");
    bool validate = vt != NULL && strcmp(vt, "1") == 0;
    if (f->cfg->watch)
        keel_finding_add(out, KEEL_FINDING_WARN, topic,
                         "--watch reloads whenever a file under the root changes: meant for development, where a "
                         "half-copied deploy would be loaded as it lands; in production drop --watch and run "
                         "keel reload (or send SIGHUP) once the new code is in place");
    else if (validate)
        keel_finding_add(out, KEEL_FINDING_WARN, topic,
                         "opcache.validate_timestamps=1 (revalidate_freq %s s): workers recompile files they see "
                         "change, one by one, so during a deploy a request can run old and new files together, and "
                         "every request stats its files; remove it (keel's default is 0) and run keel reload after "
                         "each deploy: a new generation with fresh OPcache takes over once it is ready",
                         keel_php_facts_value(f->php, "opcache.revalidate_freq")
                             ? keel_php_facts_value(f->php, "opcache.revalidate_freq")
                             : "2");
    else
        keel_finding_add(out, KEEL_FINDING_OK, topic,
                         "opcache.validate_timestamps=0: workers never look at files again, so a deploy reaches them "
                         "only through keel reload (or SIGHUP), which starts a new generation with fresh OPcache and "
                         "switches to it once it is ready; make it the last step of every deploy");
}
