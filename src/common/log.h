/* keel's log: one line per event on stderr, prefixed with the time, the
 * process's role and pid, so lines from the front, the zygote and every
 * worker can be told apart in one stream. Control characters in a message
 * are escaped (common/log_escape.h): whatever a message quotes (a PHP
 * message, a path, a line a script printed) stays inside its line. */
#ifndef KEEL_COMMON_LOG_H
#define KEEL_COMMON_LOG_H

typedef enum {
    KEEL_LOG_ERROR,
    KEEL_LOG_WARN,
    KEEL_LOG_INFO,
} keel_log_level_t;

/* Names this process in every later line ("front", "zygote", "worker 3").
 * The string is copied. */
void keel_log_set_role(const char *role);

/* Where this process's lines go from now on (stderr until told): a worker
 * keeps keel's stderr on a descriptor of its own and gives fds 1 and 2 to
 * PHP. */
void keel_log_set_fd(int fd);

void keel_log(keel_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* As keel_log, followed in the same write by detail's lines (separated by
 * '\n'), each escaped and indented by two spaces: a block such as a
 * backtrace, whose lines never start like one of keel's. */
void keel_log_detail(keel_log_level_t level, const char *detail, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define keel_error(...) keel_log(KEEL_LOG_ERROR, __VA_ARGS__)
#define keel_warn(...)  keel_log(KEEL_LOG_WARN, __VA_ARGS__)
#define keel_info(...)  keel_log(KEEL_LOG_INFO, __VA_ARGS__)

#endif
