/* Tests for src/cli/serve_log.c, on lines keel serve logged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cli/serve_log.h"

static void
test_ports(void **state)
{
    (void)state;
    int port = 0;
    assert_int_equal(keel_serve_log_scan("2026-12-07T16:43:21.419Z info keel[12679] front: ready: "
                                         "http://127.0.0.1:18181 (1 worker-mode + 1 classic workers, generation 1)",
                                         &port),
                     KEEL_SERVE_LOG_READY);
    assert_int_equal(port, 18181);
    assert_int_equal(keel_serve_log_scan("2026-12-07T16:43:21.300Z info keel[12679] front: admin: "
                                         "http://127.0.0.1:18182 (/status, /metrics, POST /reload)",
                                         &port),
                     KEEL_SERVE_LOG_ADMIN);
    assert_int_equal(port, 18182);
    assert_int_equal(keel_serve_log_scan("x info keel[1] front: admin: http://[::1]:9180 (/status)", &port),
                     KEEL_SERVE_LOG_ADMIN);
    assert_int_equal(port, 9180);
    assert_int_equal(keel_serve_log_scan("x info keel[1] front: ready: http://127.0.0.1:65535", &port),
                     KEEL_SERVE_LOG_READY);
    assert_int_equal(port, 65535);
}

static void
test_not_ports(void **state)
{
    (void)state;
    int port = -7;
    const char *lines[] = {
        "",
        "x info keel[1] front: ready: http://127.0.0.1:0 (...)",
        "x info keel[1] front: ready: http://127.0.0.1:65536",
        "x info keel[1] front: ready: http://127.0.0.1:1234567",
        "x info keel[1] front: ready: http://127.0.0.1 (no port)",
        "x info keel[1] front: ready: http://[::1 (broken)",
        "x info keel[1] front: ready: http://[::1]9180",
        "x info keel[1] worker 2: PHP message: ready: http://127.0.0.1:80",
        "x info keel[1] front: admin listener off: ready: http://127.0.0.1:80",
        "x info keel[1] front: memory budget: limit 1.0 GiB",
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        assert_int_equal(keel_serve_log_scan(lines[i], &port), KEEL_SERVE_LOG_OTHER);
    assert_int_equal(port, -7);
}

static void
test_memory_limit(void **state)
{
    (void)state;
    int port = 0;
    assert_int_equal(keel_serve_log_scan("2026-12-07T16:43:23.584Z info keel[12688] worker 2: PHP message: PHP Fatal "
                                         "error:  Allowed memory size of 4194304 bytes exhausted (tried to allocate "
                                         "2097152 bytes) in /srv/worker.php on line 33",
                                         &port),
                     KEEL_SERVE_LOG_MEMORY_LIMIT);
    assert_int_equal(keel_serve_log_scan("Allowed memory size of the cache", &port), KEEL_SERVE_LOG_OTHER);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ports),
        cmocka_unit_test(test_not_ports),
        cmocka_unit_test(test_memory_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
