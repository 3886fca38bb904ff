/* keel's log: one line per event on stderr, prefixed with the time, the
 * process's role and pid, so lines from the front, the zygote and every
 * worker can be told apart in one stream. */
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

void keel_log(keel_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define keel_error(...) keel_log(KEEL_LOG_ERROR, __VA_ARGS__)
#define keel_warn(...)  keel_log(KEEL_LOG_WARN, __VA_ARGS__)
#define keel_info(...)  keel_log(KEEL_LOG_INFO, __VA_ARGS__)

#endif
