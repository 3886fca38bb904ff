/*
 * `keel doctor`'s checks: pure functions from facts gathered beforehand
 * (the options, PHP as a zygote sees it, the application's files, the
 * machine) to findings, each one line that says what is wrong, with the
 * arithmetic where there is some, and what to do. Unit-tested with facts
 * made up for each case (tests/unit/cli/test_doctor_*.c); the gathering is
 * cli/doctor_gather.c.
 */
#ifndef KEEL_CLI_DOCTOR_CHECKS_H
#define KEEL_CLI_DOCTOR_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "common/config.h"
#include "supervisor/meminfo.h"
#include "worker/php_facts.h"

typedef enum {
    KEEL_FINDING_OK,
    KEEL_FINDING_WARN,
    KEEL_FINDING_ERROR,
} keel_finding_level_t;

typedef struct {
    keel_finding_level_t level;
    char topic[32];  /* "memory budget", "opcache files", ... */
    char text[1536]; /* what was found, and what to do */
} keel_finding_t;

#define KEEL_FINDINGS_MAX 64

typedef struct {
    keel_finding_t items[KEEL_FINDINGS_MAX];
    size_t count; /* findings past KEEL_FINDINGS_MAX are dropped */
} keel_findings_t;

#define KEEL_DOCTOR_MOUNTS 64

typedef struct {
    const keel_config_t *cfg;
    /* the application */
    bool root_ok;
    char root_error[512]; /* why --root or --worker cannot be used */
    char app_dir[1024];   /* where its code is: the root, or the Composer project around it */
    uint64_t php_files;   /* *.php under app_dir */
    uint64_t php_bytes;   /* their size */
    /* PHP, started as a zygote starts it */
    const keel_php_facts_t *php;
    /* the machine */
    bool have_limit;
    keel_mem_limit_t limit;
    unsigned cpus;
    uint64_t front_bytes;                    /* resident size of a keel process before PHP: the front's, about */
    keel_mount_t mounts[KEEL_DOCTOR_MOUNTS]; /* the memory-backed ones */
    uint64_t mount_used[KEEL_DOCTOR_MOUNTS];
    size_t mount_count;
    bool have_core_pattern;
    char core_pattern[256]; /* /proc/sys/kernel/core_pattern, without its newline */
    uid_t euid;
    /* The admin listener has no token option yet; one is expected, and
     * the check already asks whether it is set. */
    bool admin_token;
} keel_doctor_facts_t;

/* The ini settings the checks read: what the gatherer asks PHP for. */
extern const char *const keel_doctor_settings[];
extern const size_t keel_doctor_settings_count;

/* Appends a finding (dropped past KEEL_FINDINGS_MAX). */
void keel_finding_add(keel_findings_t *out, keel_finding_level_t level, const char *topic, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "ok", "warn", "error" */
const char *keel_finding_level_name(keel_finding_level_t level);

/* Prints one line per finding: "LEVEL  topic: text". */
void keel_findings_print(FILE *out, const keel_findings_t *f);

/* The worst level among the findings (OK when there are none). */
keel_finding_level_t keel_findings_worst(const keel_findings_t *f);

/* --- the checks, in the order keel doctor runs them --- */

/* The root and worker script exist; PHP starts. */
void keel_doctor_check_app(const keel_doctor_facts_t *f, keel_findings_t *out);
void keel_doctor_check_php(const keel_doctor_facts_t *f, keel_findings_t *out);
/* The pool against the memory limit, with the arithmetic. */
void keel_doctor_check_budget(const keel_doctor_facts_t *f, keel_findings_t *out);
/* Directories PHP writes to that are memory-backed. */
void keel_doctor_check_tmpfs(const keel_doctor_facts_t *f, keel_findings_t *out);
/* --max-requests and memory ceilings in worker mode; --max-requests-jitter. */
void keel_doctor_check_recycling(const keel_doctor_facts_t *f, keel_findings_t *out);
/* OPcache on, and sized for the application: files, memory, interned strings. */
void keel_doctor_check_opcache_files(const keel_doctor_facts_t *f, keel_findings_t *out);
void keel_doctor_check_opcache_memory(const keel_doctor_facts_t *f, keel_findings_t *out);
void keel_doctor_check_interned_strings(const keel_doctor_facts_t *f, keel_findings_t *out);
/* opcache.validate_timestamps and how deploys reach the workers. */
void keel_doctor_check_deploys(const keel_doctor_facts_t *f, keel_findings_t *out);
/* Extensions known to misbehave in long-running or forked workers. */
void keel_doctor_check_extensions(const keel_doctor_facts_t *f, keel_findings_t *out);
/* Where core dumps of crashing workers would land. */
void keel_doctor_check_core_dumps(const keel_doctor_facts_t *f, keel_findings_t *out);
/* PHP running as root. */
void keel_doctor_check_user(const keel_doctor_facts_t *f, keel_findings_t *out);
/* The admin listener reachable beyond loopback without a token. */
void keel_doctor_check_admin(const keel_doctor_facts_t *f, keel_findings_t *out);

/* Every check above, in order. */
void keel_doctor_run(const keel_doctor_facts_t *f, keel_findings_t *out);

/* --- helpers the checks share (exposed for their tests) --- */

/* The number of scripts OPcache holds for opcache.max_accelerated_files=n:
 * the prime it rounds up to, as PHP does (n clamped to 200..1000000). */
uint64_t keel_opcache_max_keys(uint64_t n);

/* Whether a path lies in dir (equal, or below it on a component boundary). */
bool keel_path_within(const char *path, const char *dir);

#endif
