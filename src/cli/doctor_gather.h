/*
 * Gathering what keel doctor's checks look at: the application's files,
 * PHP started as a zygote starts it, the memory limit, memory-backed
 * mounts, core_pattern, the user. All the I/O of keel doctor is here; the
 * checks (cli/doctor_checks.h) are pure.
 */
#ifndef KEEL_CLI_DOCTOR_GATHER_H
#define KEEL_CLI_DOCTOR_GATHER_H

#include <stddef.h>

#include "cli/doctor_checks.h"
#include "common/config.h"

/*
 * Fills f for cfg. PHP is started in a child process (a preload or an
 * extension that crashes or hangs is then a finding, not the doctor's
 * end), which writes into *php: memory shared with it, that the caller
 * maps (keel_doctor_php_facts_map). Returns 0, or -1 with err when the
 * facts could not be gathered at all.
 */
int keel_doctor_gather(const keel_config_t *cfg, keel_doctor_facts_t *f, keel_php_facts_t *php, char *err,
                       size_t errlen);

/* Memory for the PHP facts that a forked child can write into; NULL with
 * err. Free with keel_doctor_php_facts_unmap. */
keel_php_facts_t *keel_doctor_php_facts_map(char *err, size_t errlen);
void keel_doctor_php_facts_unmap(keel_php_facts_t *php);

#endif
