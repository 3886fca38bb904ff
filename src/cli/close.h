/* Closing a descriptor in the CLI commands, its result checked. */
#ifndef KEEL_CLI_CLOSE_H
#define KEEL_CLI_CLOSE_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* close(), its failure said on stderr: on Linux the descriptor is gone
 * either way, so there is nothing to retry, but an EIO or EBADF is a
 * fact worth seeing. */
static inline void
keel_cli_close(int fd, const char *what)
{
    if (close(fd) != 0)
        fprintf(stderr, "keel: closing %s: %s\n", what, strerror(errno));
}

#endif
