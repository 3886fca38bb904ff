#include "cli/doctor.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli/doctor_checks.h"
#include "cli/doctor_gather.h"
#include "common/config_file.h"
#include "common/options.h"

static const char usage[] = "Usage: keel doctor [the options of keel serve, or --config FILE]\n"
                            "\n"
                            "Checks a set-up before production and prints one line per finding, starting\n"
                            "with error, warn or ok, with what to do: the memory budget against the limit\n"
                            "(with the arithmetic); OPcache against the application's files, compiled size\n"
                            "and interned strings; opcache.validate_timestamps and how deploys reach the\n"
                            "workers; memory-backed directories PHP writes to; where core dumps land; PHP\n"
                            "running as root; the admin listener beyond loopback; recycling in worker mode;\n"
                            "PHP extensions known to misbehave in forked or long-running workers. PHP is\n"
                            "started the way keel's zygote starts it, so its php.ini, -d values and\n"
                            "extensions are the ones keel serve would run with.\n"
                            "\n"
                            "It reports what keel serve would refuse rather than refusing it. Exit status:\n"
                            "1 when a finding is an error, 0 otherwise, 2 for options keel serve does not\n"
                            "take. See keel serve --help for the options.\n";

int
keel_doctor_main(int argc, char **argv)
{
    keel_config_t cfg;
    keel_config_args_t keep = {0};
    char err[512];
    keel_config_defaults(&cfg);
    switch (keel_config_load(&cfg, argc, argv, &keep, err, sizeof(err))) {
    case KEEL_CONFIG_HELP:
        fputs(usage, stdout);
        keel_config_args_free(&keep);
        return 0;
    case KEEL_CONFIG_ERROR:
        printf("error options: %s\n", err);
        keel_config_args_free(&keep);
        return 2;
    case KEEL_CONFIG_OK:
        break;
    }
    keel_php_facts_t *php = keel_doctor_php_facts_map(err, sizeof(err));
    keel_doctor_facts_t *facts = calloc(1, sizeof(*facts));
    keel_findings_t *findings = calloc(1, sizeof(*findings));
    int rc = 2;
    if (php == NULL || facts == NULL || findings == NULL) {
        fprintf(stderr, "keel doctor: %s\n", php == NULL ? err : "out of memory");
    } else if (keel_doctor_gather(&cfg, facts, php, err, sizeof(err)) != 0) {
        fprintf(stderr, "keel doctor: %s\n", err);
    } else {
        keel_doctor_run(facts, findings);
        keel_findings_print(stdout, findings);
        size_t errors = 0, warnings = 0;
        for (size_t i = 0; i < findings->count; i++) {
            errors += findings->items[i].level == KEEL_FINDING_ERROR;
            warnings += findings->items[i].level == KEEL_FINDING_WARN;
        }
        fprintf(stderr, "keel doctor: %zu error%s, %zu warning%s\n", errors, errors == 1 ? "" : "s", warnings,
                warnings == 1 ? "" : "s");
        rc = fflush(stdout) != 0 ? 2 : errors ? 1 : 0;
    }
    free(findings);
    free(facts);
    keel_doctor_php_facts_unmap(php);
    keel_config_args_free(&keep);
    return rc;
}
