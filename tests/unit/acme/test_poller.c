/* Tests for src/acme/poller.c with a real epoll set and timerfd: the one
 * descriptor becomes readable when a timer is due or a watched socket is
 * ready, and timers fire in order, once. */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "acme/poller.h"
#include "common/clock.h"

typedef struct {
    keel_acme_timer_t timer;
    int *log;
    int *n;
    int id;
    keel_acme_poller_t *p;
    keel_acme_timer_t *cancel; /* cancelled when this one fires */
} probe_t;

static void
on_probe(keel_acme_timer_t *t)
{
    probe_t *pr = (probe_t *)t;
    pr->log[(*pr->n)++] = pr->id;
    if (pr->cancel != NULL)
        keel_acme_timer_cancel(pr->p, pr->cancel);
}

/* Whether the poller's descriptor is readable within ms. */
static int
readable(keel_acme_poller_t *p, int ms)
{
    struct pollfd pfd = {.fd = p->epoll_fd, .events = POLLIN};
    return poll(&pfd, 1, ms) == 1;
}

static void
test_timers_fire_in_order_once(void **state)
{
    (void)state;
    keel_acme_poller_t p;
    char err[128];
    assert_int_equal(keel_acme_poller_init(&p, err, sizeof(err)), 0);
    int log[8], n = 0;
    probe_t a = {.timer.cb = on_probe, .log = log, .n = &n, .id = 1, .p = &p};
    probe_t b = a, c = a;
    b.id = 2;
    c.id = 3;
    uint64_t now = keel_now_ms();
    keel_acme_timer_arm(&p, &c.timer, now + 30);
    keel_acme_timer_arm(&p, &b.timer, now + 20);
    keel_acme_timer_arm(&p, &a.timer, now + 10);
    assert_false(readable(&p, 0));
    /* the descriptor wakes the host; each run fires what is due */
    while (n < 3) {
        assert_true(readable(&p, 1000));
        keel_acme_poller_run(&p);
    }
    assert_int_equal(log[0], 1);
    assert_int_equal(log[1], 2);
    assert_int_equal(log[2], 3);
    assert_false(a.timer.armed);
    /* nothing armed: the descriptor stays quiet */
    assert_false(readable(&p, 50));
    keel_acme_poller_dispose(&p);
}

static void
test_cancel_and_rearm(void **state)
{
    (void)state;
    keel_acme_poller_t p;
    char err[128];
    assert_int_equal(keel_acme_poller_init(&p, err, sizeof(err)), 0);
    int log[8], n = 0;
    probe_t a = {.timer.cb = on_probe, .log = log, .n = &n, .id = 1, .p = &p};
    probe_t b = a;
    b.id = 2;
    a.cancel = &b.timer; /* a cancels b when it fires, in the same run */
    uint64_t now = keel_now_ms();
    keel_acme_timer_arm(&p, &a.timer, now);
    keel_acme_timer_arm(&p, &b.timer, now);
    keel_acme_timer_arm(&p, &a.timer, now); /* re-arming does not duplicate */
    assert_true(readable(&p, 1000));
    keel_acme_poller_run(&p);
    assert_int_equal(n, 1);
    assert_int_equal(log[0], 1);
    /* a timer far away, cancelled: never fires */
    keel_acme_timer_arm(&p, &b.timer, keel_now_ms() + 20);
    keel_acme_timer_cancel(&p, &b.timer);
    keel_acme_timer_cancel(&p, &b.timer);
    assert_false(readable(&p, 60));
    keel_acme_poller_run(&p);
    assert_int_equal(n, 1);
    /* moved earlier: fires at the new time */
    keel_acme_timer_arm(&p, &b.timer, keel_now_ms() + 10000);
    keel_acme_timer_arm(&p, &b.timer, keel_now_ms() + 10);
    assert_true(readable(&p, 1000));
    keel_acme_poller_run(&p);
    assert_int_equal(n, 2);
    keel_acme_poller_dispose(&p);
}

typedef struct {
    int fd;
    uint32_t events;
    int calls;
} ready_t;

static void
on_ready(void *ctx, int fd, uint32_t events)
{
    ready_t *r = ctx;
    r->fd = fd;
    r->events = events;
    r->calls++;
}

static void
test_sockets_wake_the_descriptor(void **state)
{
    (void)state;
    keel_acme_poller_t p;
    char err[128];
    assert_int_equal(keel_acme_poller_init(&p, err, sizeof(err)), 0);
    ready_t r = {0};
    p.ready = on_ready;
    p.ready_ctx = &r;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    assert_int_equal(keel_acme_poller_watch(&p, sv[0], EPOLLIN, false), 0);
    assert_false(readable(&p, 0));
    assert_int_equal(write(sv[1], "x", 1), 1);
    assert_true(readable(&p, 1000));
    keel_acme_poller_run(&p);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.fd, sv[0]);
    assert_true(r.events & EPOLLIN);
    /* level-triggered: still readable until consumed */
    assert_true(readable(&p, 0));
    char c;
    assert_int_equal(read(sv[0], &c, 1), 1);
    assert_false(readable(&p, 0));
    /* write interest, then none */
    assert_int_equal(keel_acme_poller_watch(&p, sv[0], EPOLLOUT, true), 0);
    assert_true(readable(&p, 1000));
    assert_int_equal(keel_acme_poller_watch(&p, sv[0], 0, true), 0);
    assert_false(readable(&p, 0));
    assert_int_equal(close(sv[0]), 0);
    assert_int_equal(close(sv[1]), 0);
    keel_acme_poller_dispose(&p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timers_fire_in_order_once),
        cmocka_unit_test(test_cancel_and_rearm),
        cmocka_unit_test(test_sockets_wake_the_descriptor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
