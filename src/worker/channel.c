#include "worker/channel.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHANNEL_INITIAL (64 * 1024)

static int
grow(uint8_t **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : CHANNEL_INITIAL;
    while (n < need)
        n *= 2;
    uint8_t *p = realloc(*buf, n);
    if (p == NULL)
        return -1;
    *buf = p;
    *cap = n;
    return 0;
}

/* How many fork()s made this process, counted in each child by
 * pthread_atfork: process-wide by nature (a fork copies the process), and
 * what tells a child PHP forked from its worker without getpid(), a
 * system call glibc no longer caches and the guard below makes a dozen
 * times a request. */
static volatile sig_atomic_t forks;
static pthread_once_t count_forks_once = PTHREAD_ONCE_INIT;

static void
on_fork_child(void)
{
    forks++;
}

static void
count_forks(void)
{
    /* (without it, only the getpid() at each request's start guards) */
    (void)pthread_atfork(NULL, NULL, on_fork_child);
}

int
keel_channel_init(keel_channel_t *ch, int fd, uint32_t generation)
{
    memset(ch, 0, sizeof(*ch));
    ch->fd = fd;
    ch->owner = getpid();
    pthread_once(&count_forks_once, count_forks);
    ch->forks = forks;
    ch->generation = generation;
    if (grow(&ch->in, &ch->in_cap, CHANNEL_INITIAL) != 0 || grow(&ch->out, &ch->out_cap, CHANNEL_INITIAL) != 0) {
        keel_channel_dispose(ch);
        return -1;
    }
    return 0;
}

void
keel_channel_dispose(keel_channel_t *ch)
{
    free(ch->in);
    free(ch->out);
    ch->in = ch->out = NULL;
}

void
keel_channel_guard(const keel_channel_t *ch)
{
    if (forks != ch->forks)
        _exit(0);
}

void
keel_channel_guard_pid(const keel_channel_t *ch)
{
    /* getpid() is not cached by glibc: a child made without fork() (a raw
     * clone() in an extension) sees its own pid too */
    if (getpid() != ch->owner)
        _exit(0);
}

/* Makes room for `room` more input bytes. Returns 0, or -1 without memory. */
static int
fill_room(keel_channel_t *ch, size_t room)
{
    /* Move the undecoded tail to the front before reading more. */
    if (ch->in_pos > 0) {
        memmove(ch->in, ch->in + ch->in_pos, ch->in_len - ch->in_pos);
        ch->in_len -= ch->in_pos;
        ch->in_pos = 0;
    }
    if (ch->in_cap - ch->in_len < room && grow(&ch->in, &ch->in_cap, ch->in_len + room) != 0)
        return -1;
    return 0;
}

/* Reads once (blocking or not) into the input buffer. Returns bytes read,
 * 0 at end of stream, -1 on error, -2 when it would block. */
static ssize_t
fill(keel_channel_t *ch, int flags)
{
    keel_channel_guard(ch);
    if (fill_room(ch, 16 * 1024) != 0)
        return -1;
    for (;;) {
        /* A blocking wait goes through poll(POLLIN): a task asleep in a
         * blocking recv() on a Unix stream socket is also woken each time
         * the front reads what this worker sent (the kernel signals "space
         * to write" on the same wait queue), a wake-up and two context
         * switches per request for nothing. poll()'s waiters are filtered
         * by event in the waker, so only input wakes this process. */
        if (flags == 0) {
            struct pollfd pfd = {.fd = ch->fd, .events = POLLIN};
            if (poll(&pfd, 1, -1) < 0) {
                if (errno == EINTR)
                    continue;
                return -1;
            }
        }
        ssize_t n = recv(ch->fd, ch->in + ch->in_len, ch->in_cap - ch->in_len, flags);
        if (n >= 0) {
            ch->in_len += (size_t)n;
            return n;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return -2;
        return -1;
    }
}

int
keel_channel_read(keel_channel_t *ch, keel_ipc_header_t *hdr, const uint8_t **payload)
{
    for (;;) {
        size_t size;
        keel_ipc_result_t r = keel_ipc_frame_decode(ch->in + ch->in_pos, ch->in_len - ch->in_pos, hdr, payload, &size);
        if (r == KEEL_IPC_OK) {
            ch->in_pos += size;
            return 0;
        }
        if (r == KEEL_IPC_MALFORMED)
            return -1;
        if (ch->in_len - ch->in_pos + KEEL_IPC_HEADER_SIZE + KEEL_IPC_MAX_PAYLOAD > ch->in_cap &&
            grow(&ch->in, &ch->in_cap, ch->in_len - ch->in_pos + KEEL_IPC_HEADER_SIZE + KEEL_IPC_MAX_PAYLOAD) != 0)
            return -1;
        if (fill(ch, 0) <= 0)
            return -1;
    }
}

bool
keel_channel_has_frame(const keel_channel_t *ch)
{
    keel_ipc_header_t hdr;
    const uint8_t *payload;
    size_t size;
    return keel_ipc_frame_decode(ch->in + ch->in_pos, ch->in_len - ch->in_pos, &hdr, &payload, &size) == KEEL_IPC_OK;
}

bool
keel_channel_has_partial(const keel_channel_t *ch)
{
    return ch->in_len > ch->in_pos;
}

ssize_t
keel_channel_fill_now(keel_channel_t *ch)
{
    return fill(ch, MSG_DONTWAIT);
}

ssize_t
keel_channel_take_message(keel_channel_t *ch, int fd)
{
    keel_channel_guard(ch);
    /* Room for the largest message, so none is truncated. */
    if (fill_room(ch, KEEL_IPC_HEADER_SIZE + KEEL_IPC_MAX_PAYLOAD + KEEL_IPC_HEADER_SIZE) != 0)
        return -1;
    for (;;) {
        ssize_t got = recv(fd, ch->in + ch->in_len, ch->in_cap - ch->in_len, MSG_DONTWAIT);
        if (got > 0) {
            ch->in_len += (size_t)got;
            return got;
        }
        if (got == 0)
            return 0;
        if (errno == EINTR)
            continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? -2 : -1;
    }
}

int
keel_channel_peek_for(keel_channel_t *ch, uint8_t type, uint32_t stream)
{
    keel_channel_guard(ch);
    if (ch->in_cap > ch->in_len) {
        ssize_t n;
        while ((n = recv(ch->fd, ch->in + ch->in_len, ch->in_cap - ch->in_len, MSG_DONTWAIT)) < 0 && errno == EINTR)
            ;
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
            return 1;
        if (n > 0)
            ch->in_len += (size_t)n;
    }
    for (size_t pos = ch->in_pos; pos < ch->in_len;) {
        keel_ipc_header_t hdr;
        const uint8_t *payload;
        size_t size;
        if (keel_ipc_frame_decode(ch->in + pos, ch->in_len - pos, &hdr, &payload, &size) != KEEL_IPC_OK)
            return 0; /* the rest has not arrived (a malformed frame is read, and failed, in order) */
        if (hdr.type == type && hdr.stream == stream)
            return 1;
        pos += size;
    }
    return 0;
}

int
keel_channel_poll(keel_channel_t *ch)
{
    keel_ipc_header_t hdr;
    const uint8_t *payload;
    size_t size;
    keel_ipc_result_t r = keel_ipc_frame_decode(ch->in + ch->in_pos, ch->in_len - ch->in_pos, &hdr, &payload, &size);
    if (r == KEEL_IPC_OK)
        return 1;
    if (r == KEEL_IPC_MALFORMED)
        return -1;
    ssize_t n = fill(ch, MSG_DONTWAIT);
    if (n == -2)
        return 0;
    if (n <= 0)
        return -1;
    r = keel_ipc_frame_decode(ch->in + ch->in_pos, ch->in_len - ch->in_pos, &hdr, &payload, &size);
    return r == KEEL_IPC_OK ? 1 : r == KEEL_IPC_MALFORMED ? -1 : 0;
}

uint8_t *
keel_channel_put_reserve(keel_channel_t *ch, uint8_t type, uint8_t flags, uint32_t stream, size_t payload_len)
{
    keel_channel_guard(ch);
    if (grow(&ch->out, &ch->out_cap, ch->out_len + KEEL_IPC_HEADER_SIZE + payload_len) != 0)
        return NULL;
    keel_ipc_header_t hdr = {
        .type = type, .flags = flags, .generation = ch->generation, .stream = stream, .length = (uint32_t)payload_len};
    keel_ipc_header_encode(ch->out + ch->out_len, &hdr);
    uint8_t *payload = ch->out + ch->out_len + KEEL_IPC_HEADER_SIZE;
    ch->out_len += KEEL_IPC_HEADER_SIZE + payload_len;
    return payload;
}

int
keel_channel_put(keel_channel_t *ch, uint8_t type, uint8_t flags, uint32_t stream, const void *a, size_t alen,
                 const void *b, size_t blen)
{
    uint8_t *p = keel_channel_put_reserve(ch, type, flags, stream, alen + blen);
    if (p == NULL)
        return -1;
    if (alen)
        memcpy(p, a, alen);
    if (blen)
        memcpy(p + alen, b, blen);
    return 0;
}

size_t
keel_channel_pending(const keel_channel_t *ch)
{
    return ch->out_len;
}

int
keel_channel_flush(keel_channel_t *ch)
{
    keel_channel_guard(ch);
    size_t off = 0;
    while (off < ch->out_len) {
        /* MSG_NOSIGNAL: a front that went away is an error to report, not
         * a signal that kills the worker mid-script. */
        ssize_t n = send(ch->fd, ch->out + off, ch->out_len - off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            ch->out_len = 0;
            return -1;
        }
        off += (size_t)n;
    }
    ch->out_len = 0;
    return 0;
}
