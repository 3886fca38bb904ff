#include "acme/poller.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"

/* Events taken per epoll_wait; the set is level-triggered, so what is left
 * is reported again on the next run. */
#define POLLER_BATCH 16

int
keel_acme_poller_init(keel_acme_poller_t *p, char *err, size_t errlen)
{
    memset(p, 0, sizeof(*p));
    p->timer_fd = -1;
    p->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (p->epoll_fd < 0) {
        snprintf(err, errlen, "epoll_create1: %s", strerror(errno));
        return -1;
    }
    p->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (p->timer_fd < 0) {
        snprintf(err, errlen, "timerfd_create: %s", strerror(errno));
        keel_acme_poller_dispose(p);
        return -1;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = p->timer_fd};
    if (epoll_ctl(p->epoll_fd, EPOLL_CTL_ADD, p->timer_fd, &ev) != 0) {
        snprintf(err, errlen, "epoll_ctl: %s", strerror(errno));
        keel_acme_poller_dispose(p);
        return -1;
    }
    return 0;
}

void
keel_acme_poller_dispose(keel_acme_poller_t *p)
{
    /* Nothing can be done about a failing close of a descriptor that is
     * going away; it is not reused either way. */
    if (p->timer_fd >= 0)
        (void)close(p->timer_fd);
    if (p->epoll_fd >= 0)
        (void)close(p->epoll_fd);
    p->timer_fd = p->epoll_fd = -1;
    p->timers = NULL;
}

int
keel_acme_poller_watch(keel_acme_poller_t *p, int fd, uint32_t events, bool known)
{
    struct epoll_event ev = {.events = events, .data.fd = fd};
    if (events == 0)
        return epoll_ctl(p->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
    return epoll_ctl(p->epoll_fd, known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev);
}

/* Programs the timerfd for the earliest armed timer, or disarms it. */
static void
program(keel_acme_poller_t *p)
{
    uint64_t earliest = 0;
    for (keel_acme_timer_t *t = p->timers; t != NULL; t = t->next)
        if (earliest == 0 || t->at_ms < earliest)
            earliest = t->at_ms;
    if (earliest == p->programmed_ms)
        return;
    struct itimerspec its;
    memset(&its, 0, sizeof(its));
    if (earliest != 0) {
        /* An absolute time in the past fires at once (timers are armed
         * at 1 ms or later, so it_value is never the 0 that disarms). */
        its.it_value.tv_sec = (time_t)(earliest / 1000);
        its.it_value.tv_nsec = (long)(earliest % 1000) * 1000000L;
    }
    if (timerfd_settime(p->timer_fd, earliest != 0 ? TFD_TIMER_ABSTIME : 0, &its, NULL) != 0) {
        /* Cannot happen with a valid descriptor and time; if it did, the
         * next socket event would re-program it. */
        keel_error("acme: timerfd_settime: %s", strerror(errno));
        return;
    }
    p->programmed_ms = earliest;
}

void
keel_acme_timer_cancel(keel_acme_poller_t *p, keel_acme_timer_t *timer)
{
    if (!timer->armed)
        return;
    for (keel_acme_timer_t **l = &p->timers; *l != NULL; l = &(*l)->next) {
        if (*l == timer) {
            *l = timer->next;
            break;
        }
    }
    timer->armed = false;
    timer->next = NULL;
    program(p);
}

void
keel_acme_timer_arm(keel_acme_poller_t *p, keel_acme_timer_t *timer, uint64_t at_ms)
{
    keel_acme_timer_cancel(p, timer);
    timer->at_ms = at_ms > 0 ? at_ms : 1;
    timer->armed = true;
    timer->next = p->timers;
    p->timers = timer;
    program(p);
}

void
keel_acme_poller_run(keel_acme_poller_t *p)
{
    struct epoll_event evs[POLLER_BATCH];
    int n = epoll_wait(p->epoll_fd, evs, POLLER_BATCH, 0);
    if (n < 0 && errno != EINTR)
        keel_error("acme: epoll_wait: %s", strerror(errno));
    for (int i = 0; i < n; i++) {
        if (evs[i].data.fd == p->timer_fd) {
            uint64_t expirations;
            /* EAGAIN: re-programmed since it fired; nothing to clear. */
            if (read(p->timer_fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
                keel_error("acme: timerfd read: %s", strerror(errno));
            p->programmed_ms = 0;
            continue;
        }
        if (p->ready != NULL)
            p->ready(p->ready_ctx, evs[i].data.fd, evs[i].events);
    }
    /* Fire due timers one at a time: a callback may arm or cancel others. */
    for (;;) {
        uint64_t now = keel_now_ms();
        keel_acme_timer_t *due = NULL;
        for (keel_acme_timer_t *t = p->timers; t != NULL; t = t->next)
            if (t->at_ms <= now && (due == NULL || t->at_ms < due->at_ms))
                due = t;
        if (due == NULL)
            break;
        keel_acme_timer_cancel(p, due);
        due->cb(due);
    }
    program(p);
}
