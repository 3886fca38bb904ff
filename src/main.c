/* keel's entry point: dispatches to the front (`keel serve`) or, when the
 * front re-executes itself, to a generation zygote (`keel zygote`). */
#include <stdio.h>
#include <string.h>

#include "cli/doctor.h"
#include "cli/leakcheck.h"
#include "cli/reload.h"
#include "cli/status.h"
#include "common/config.h"
#include "front/server.h"
#include "worker/zygote.h"

static const char usage[] = "Usage: keel <command> [options]\n"
                            "\n"
                            "keel is a PHP application server.\n"
                            "\n"
                            "Commands:\n"
                            "  serve      serve a PHP application over HTTP (keel serve --help)\n"
                            "  reload     start a new generation of a running keel (keel reload --help)\n"
                            "  status     show a running keel's workers, memory and OPcache (keel status --help)\n"
                            "  leakcheck  measure an application's memory growth per request (keel leakcheck --help)\n"
                            "  doctor     check a set-up before production (keel doctor --help)\n"
                            "  version    print keel's version\n"
                            "\n"
                            "Options:\n"
                            "  -h, --help     show this help\n"
                            "  --version      print keel's version, as `keel version` does\n";

int
main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("keel %s\n", KEEL_VERSION);
        return 0;
    }
    if (strcmp(cmd, "serve") == 0)
        return keel_front_main(argc - 2, argv + 2);
    if (strcmp(cmd, "reload") == 0)
        return keel_reload_main(argc - 2, argv + 2);
    if (strcmp(cmd, "status") == 0)
        return keel_status_main(argc - 2, argv + 2);
    if (strcmp(cmd, "leakcheck") == 0)
        return keel_leakcheck_main(argc - 2, argv + 2);
    if (strcmp(cmd, "doctor") == 0)
        return keel_doctor_main(argc - 2, argv + 2);
    /* Internal: the front starts each generation as `keel zygote N ...`. */
    if (strcmp(cmd, "zygote") == 0)
        return keel_zygote_main(argc - 1, argv + 1);
    fprintf(stderr, "keel: unknown command '%s' (see keel --help)\n", cmd);
    return 2;
}
