/*
 * systemd's socket activation protocol (sd_listen_fds(3)): the sockets a
 * service manager passes in at descriptors 3, 4, ... when LISTEN_PID names
 * this process. The reading of the variables is pure (unit-tested and
 * fuzzed with the listen addresses); front/listener.c does the I/O.
 */
#ifndef KEEL_COMMON_SOCKET_ACTIVATION_H
#define KEEL_COMMON_SOCKET_ACTIVATION_H

#include <stddef.h>
#include <sys/types.h>

/* The first descriptor passed (SD_LISTEN_FDS_START). */
#define KEEL_LISTEN_FDS_START 3
/* More than keel can use (KEEL_MAX_LISTEN) is refused rather than guessed at. */
#define KEEL_LISTEN_FDS_MAX 16

/*
 * How many sockets were passed to the process self, from the values of
 * LISTEN_PID and LISTEN_FDS (either NULL when unset). Returns the count
 * (0: none were passed, or they were meant for another process), or -1
 * with one line in err when the variables are malformed.
 */
int keel_socket_activation_count(const char *listen_pid, const char *listen_fds, pid_t self, char *err, size_t errlen);

#endif
