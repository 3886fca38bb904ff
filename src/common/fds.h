/*
 * Descriptors a process did not open itself. keel passes nothing to PHP
 * but stdin, stdout and stderr: what the launching shell left open is
 * closed as a process starts, and what keel hands across exec at fixed
 * numbers becomes close-on-exec once it has arrived.
 */
#ifndef KEEL_COMMON_FDS_H
#define KEEL_COMMON_FDS_H

#include <stddef.h>

/* Closes every descriptor above 2 except the n in keep. Returns 0, or -1
 * with errno. */
int keel_fds_close_others(const int *keep, size_t n);

/* Sets close-on-exec on fd. Returns 0, or -1 with errno. */
int keel_fd_set_cloexec(int fd);

/* Puts /dev/null on stdin: nothing keel runs reads the terminal keel was
 * started from. Returns 0, or -1 with errno. */
int keel_fds_null_stdin(void);

#endif
