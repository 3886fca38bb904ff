/*
 * A `keel serve` that a CLI command starts for itself (`keel leakcheck`):
 * the same binary, run again through /proc/self/exe, with its log on a
 * pipe the command reads. The child is in its own process group, so a
 * Ctrl-C reaches only the command, which then stops it in order; and it
 * gets SIGTERM should the command die first.
 */
#ifndef KEEL_CLI_SERVE_CHILD_H
#define KEEL_CLI_SERVE_CHILD_H

#include <signal.h>
#include <stdio.h>
#include <stddef.h>
#include <sys/types.h>

/* Log lines kept for telling the user why keel stopped or did not start. */
#define KEEL_SERVE_TAIL_LINES 12
#define KEEL_SERVE_LINE_MAX   4096

typedef struct {
    pid_t pid;  /* 0 once reaped */
    int log_fd; /* read end of its stderr (non-blocking); -1 at EOF */
    char partial[KEEL_SERVE_LINE_MAX];
    size_t partial_len;
    char tail[KEEL_SERVE_TAIL_LINES][512]; /* the last lines, oldest first from tail_next */
    unsigned tail_next, tail_count;
} keel_serve_child_t;

/*
 * Starts `/proc/self/exe serve ARGS...` (argv: "keel", "serve", ...), with stdin
 * and stdout on /dev/null and stderr on a pipe. `mask` is the signal mask
 * the child gets back before exec (the caller may have blocked signals for
 * a signalfd). Returns 0, or -1 with one line in err.
 */
int keel_serve_child_start(keel_serve_child_t *c, char *const argv[], const sigset_t *mask, char *err, size_t errlen);

typedef void (*keel_serve_line_fn)(void *ctx, const char *line);

/* Reads what the log pipe holds now and calls fn for each complete line
 * (a line longer than KEEL_SERVE_LINE_MAX comes in pieces). Returns 1
 * while the pipe is open, 0 once it reached EOF (keel exited), -1 on a
 * read error. */
int keel_serve_child_read(keel_serve_child_t *c, keel_serve_line_fn fn, void *ctx);

/* Writes the kept log lines to out, each after `indent`. */
void keel_serve_child_print_tail(const keel_serve_child_t *c, FILE *out, const char *indent);

/* Closes the pipe, sends SIGTERM (unless it already exited) and waits for
 * it. Returns its wait status, or -1 if it could not be waited for. */
int keel_serve_child_stop(keel_serve_child_t *c);

#endif
