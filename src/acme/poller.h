/* What the ACME client waits on, folded into one descriptor for the host's
 * event loop: an epoll set holding the HTTP client's sockets and a timerfd
 * armed for the earliest of its timers. The host watches poller_fd for
 * readability and calls keel_acme_poller_run when it is readable; nothing
 * here blocks. */
#ifndef KEEL_ACME_POLLER_H
#define KEEL_ACME_POLLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct keel_acme_timer_s keel_acme_timer_t;
typedef void (*keel_acme_timer_cb)(keel_acme_timer_t *timer);

/* Embedded in its owner; cb finds the owner from the pointer. */
struct keel_acme_timer_s {
    keel_acme_timer_cb cb;
    uint64_t at_ms; /* keel_now_ms() time it fires at, when armed */
    bool armed;
    keel_acme_timer_t *next; /* the poller's list of armed timers */
};

/* A socket of the poller's set is ready: events are EPOLLIN/EPOLLOUT/... */
typedef void (*keel_acme_ready_cb)(void *ctx, int fd, uint32_t events);

typedef struct {
    int epoll_fd;
    int timer_fd;
    uint64_t programmed_ms; /* when timer_fd fires; 0 = disarmed */
    keel_acme_timer_t *timers;
    keel_acme_ready_cb ready; /* set by whoever adds sockets */
    void *ready_ctx;
} keel_acme_poller_t;

/* Creates the epoll set and its timerfd (both close-on-exec). Returns 0,
 * or -1 with the reason in err. */
int keel_acme_poller_init(keel_acme_poller_t *p, char *err, size_t errlen);

/* Closes both descriptors. Timers are forgotten, not fired. */
void keel_acme_poller_dispose(keel_acme_poller_t *p);

/* Watches fd for events (EPOLLIN, EPOLLOUT, or both), known saying whether
 * it is watched already; events 0 stops watching it. Returns 0, or -1 with
 * errno set. */
int keel_acme_poller_watch(keel_acme_poller_t *p, int fd, uint32_t events, bool known);

/* Arms timer to fire at at_ms (keel_now_ms() time; in the past: on the next
 * run), replacing any earlier arming. */
void keel_acme_timer_arm(keel_acme_poller_t *p, keel_acme_timer_t *timer, uint64_t at_ms);
void keel_acme_timer_cancel(keel_acme_poller_t *p, keel_acme_timer_t *timer);

/* Hands every ready socket to the ready callback, then fires each timer
 * that is due (callbacks may arm and cancel timers), then re-arms the
 * timerfd for the earliest timer left. */
void keel_acme_poller_run(keel_acme_poller_t *p);

#endif
