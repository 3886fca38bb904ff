/* Fuzzes the config file reader: any text either fails with a message or
 * gives arguments that are NUL-terminated and come in the shapes the
 * command-line parser takes: options of the table, each with its value
 * unless it is a flag. */
#include <stddef.h>
#include <stdint.h>

#include "common/config_file.h"
#include "common/options.h"
#include "fuzz_check.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_dup(data, size);
    keel_config_args_t args;
    char err[256];
    if (keel_config_file_to_args(text, size, &args, err, sizeof(err)) == 0) {
        for (int i = 0; i < args.argc; i++) {
            CHECK(args.argv[i] != NULL);
            CHECK(args.argv[i][0] == '-');
            if (args.argv[i][1] == '-' || args.argv[i][1] == 'd')
                CHECK(strlen(args.argv[i]) < size + 3);
            /* a known option, its value never attached ... */
            const char *attached;
            const keel_option_t *opt = keel_option_match(args.argv[i], &attached);
            CHECK(opt != NULL && attached == NULL);
            /* ... and given next, but for the flags */
            if (opt->kind != KEEL_OPTION_FLAG)
                i++;
            CHECK(i < args.argc);
        }
        keel_config_t cfg;
        keel_config_defaults(&cfg);
        /* what the file gives is never an unknown option */
        if (keel_config_parse_serve(&cfg, args.argc, args.argv, err, sizeof(err)) == KEEL_CONFIG_ERROR)
            CHECK(strncmp(err, "unknown option", 14) != 0);
        keel_config_args_free(&args);
    } else {
        CHECK(memchr(err, '\0', sizeof(err)) != NULL);
    }
    free(text);
    return 0;
}
