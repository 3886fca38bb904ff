#include "cli/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme/curl_api.h"

#include "cli/http_get.h"
#include "cli/status_json.h"
#include "cli/status_table.h"
#include "common/config.h"

#define STATUS_TIMEOUT_MS 10000

static const char usage[] = "Usage: keel status [--admin HOST:PORT]\n"
                            "\n"
                            "Prints what the running keel's /status holds, as tables: generations; workers with\n"
                            "pid, state, requests, private memory, growth per request and age; the memory limit\n"
                            "and budget; OPcache; tmpfs; the queue.\n"
                            "\n"
                            "  --admin HOST:PORT   the server's admin listener (default: " KEEL_DEFAULT_ADMIN ")\n";

static int
show(const char *url)
{
    char err[512];
    long code = 0;
    char *body = NULL;
    size_t len = 0;
    if (keel_http_get(url, STATUS_TIMEOUT_MS, &code, &body, &len, err, sizeof(err)) != 0) {
        fprintf(stderr, "keel status: cannot read keel's admin listener: %s\n", err);
        return 1;
    }
    if (code != 200) {
        fprintf(stderr, "keel status: %s answered HTTP %ld\n", url, code);
        free(body);
        return 1;
    }
    keel_status_t s;
    int rc = keel_status_parse(body, len, &s, err, sizeof(err));
    free(body);
    if (rc != 0) {
        fprintf(stderr, "keel status: %s: %s\n", url, err);
        keel_status_free(&s);
        return 1;
    }
    keel_status_table(stdout, &s);
    keel_status_free(&s);
    return fflush(stdout) == 0 ? 0 : 1;
}

int
keel_status_main(int argc, char **argv)
{
    const char *addr = KEEL_DEFAULT_ADMIN;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(argv[i], "--admin") == 0 && i + 1 < argc) {
            addr = argv[++i];
        } else if (strncmp(argv[i], "--admin=", 8) == 0) {
            addr = argv[i] + 8;
        } else {
            fprintf(stderr, "keel status: unknown option '%s' (see keel status --help)\n", argv[i]);
            return 2;
        }
    }
    char url[512], err[512];
    if (keel_admin_url(url, sizeof(url), addr, "/status", err, sizeof(err)) != 0) {
        fprintf(stderr, "keel status: %s\n", err);
        return 2;
    }
    if (keel_curl()->global_init(CURL_GLOBAL_NOTHING) != CURLE_OK) {
        fprintf(stderr, "keel status: cannot start libcurl\n");
        return 1;
    }
    int rc = show(url);
    keel_curl()->global_cleanup();
    return rc;
}
