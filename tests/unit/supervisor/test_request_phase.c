/* Tests for src/supervisor/request_phase.c: the whole transition table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "supervisor/request_phase.h"

#define P(x)  KEEL_REQ_##x
#define EV(x) KEEL_REQ_EV_##x

static void
test_table(void **state)
{
    (void)state;
    /* expected[phase][event]; INVALID where the transition must not happen */
    static const keel_req_phase_t expected[KEEL_REQ_PHASES][KEEL_REQ_EVENTS] = {
        /*               WAIT        PUSH       BIND        START          RETRY       ANSWER */
        [P(NEW)] = {P(WAITING), P(QUEUED), P(INVALID), P(INVALID), P(INVALID), P(FINISHED)},
        [P(WAITING)] = {P(INVALID), P(QUEUED), P(INVALID), P(INVALID), P(INVALID), P(FINISHED)},
        [P(QUEUED)] = {P(WAITING), P(INVALID), P(BOUND), P(INVALID), P(NEW), P(FINISHED)},
        [P(BOUND)] = {P(INVALID), P(INVALID), P(INVALID), P(STREAMING), P(NEW), P(FINISHED)},
        [P(STREAMING)] = {P(INVALID), P(INVALID), P(INVALID), P(INVALID), P(INVALID), P(FINISHED)},
        [P(FINISHED)] = {P(INVALID), P(INVALID), P(INVALID), P(INVALID), P(INVALID), P(INVALID)},
    };
    for (int p = 0; p < KEEL_REQ_PHASES; p++)
        for (int e = 0; e < KEEL_REQ_EVENTS; e++) {
            keel_req_phase_t got = keel_req_next((keel_req_phase_t)p, (keel_req_event_t)e);
            if (got != expected[p][e]) {
                print_error("%s + event %d: got %s\n", keel_req_phase_name((keel_req_phase_t)p), e,
                            keel_req_phase_name(got));
                fail();
            }
        }
}

static void
test_out_of_range(void **state)
{
    (void)state;
    assert_int_equal(keel_req_next(P(INVALID), EV(ANSWER)), P(INVALID));
    assert_int_equal(keel_req_next(P(NEW), (keel_req_event_t)KEEL_REQ_EVENTS), P(INVALID));
    assert_string_equal(keel_req_phase_name(P(INVALID)), "invalid");
    assert_string_equal(keel_req_phase_name(P(STREAMING)), "streaming");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_out_of_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
