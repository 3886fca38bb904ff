/* Prints README.md's option table of `keel serve`, rendered from the
 * option table (common/options.h); scripts/update-readme-options.sh puts
 * it between the README's markers. */
#include <stdio.h>

#include "common/options.h"

int
main(void)
{
    keel_options_markdown(stdout);
    return fflush(stdout) == 0 ? 0 : 1;
}
