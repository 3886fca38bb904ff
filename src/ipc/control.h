/*
 * Payload codecs for the control messages between the front and a
 * generation's zygote (ipc/frame.h: SPAWN, BACKTRACE, WORKER_UP,
 * WORKER_EXIT, ZYGOTE_READY, PHP_INFO). They travel on the control socket,
 * SOCK_SEQPACKET, one frame per message. Front and zygote are always the
 * same binary, so the layouts carry no version.
 *
 * As in ipc/message.h: integers are little-endian; each message has its
 * own struct; encoders (*_put) write into memory the caller supplies, whose
 * size is the message's *_SIZE constant (fixed layouts) or what its *_size
 * function returns; decoders (*_get) take exactly the payload, never read
 * past it, and return KEEL_IPC_MALFORMED for a wrong length or a field out
 * of range, leaving *out unspecified.
 */
#ifndef KEEL_IPC_CONTROL_H
#define KEEL_IPC_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipc/frame.h"

/* Which pool a worker serves. */
typedef enum {
    KEEL_IPC_KIND_CLASSIC = 0, /* a full PHP request per request */
    KEEL_IPC_KIND_WORKER = 1,  /* worker mode: boots the --worker script once */
} keel_ipc_kind_t;

/*
 * SPAWN, front -> zygote: fork a worker. 16 bytes, written by the front:
 *   0   u32  id             the front's id for the worker (echoed in WORKER_UP/EXIT)
 *   4   u32  claim_slot     its claim slot (ipc/queue.h); the zygote checks the range
 *   8   u32  kind           keel_ipc_kind_t; any other value is malformed
 *   12  u32  request_limit  --max-requests for this worker, 0: none
 */
typedef struct {
    uint32_t id;
    uint32_t claim_slot;
    keel_ipc_kind_t kind;
    uint32_t request_limit;
} keel_ipc_spawn_t;

#define KEEL_IPC_SPAWN_SIZE 16
void keel_ipc_spawn_put(uint8_t out[KEEL_IPC_SPAWN_SIZE], const keel_ipc_spawn_t *m);
keel_ipc_result_t keel_ipc_spawn_get(const uint8_t *payload, size_t len, keel_ipc_spawn_t *out);

/*
 * WORKER_UP, zygote -> front: the worker is forked; its socket travels
 * with the frame as SCM_RIGHTS. 8 bytes, written by the zygote:
 *   0   u32  id   the id SPAWN gave
 *   4   u32  pid  1 .. INT32_MAX; anything else is malformed
 */
typedef struct {
    uint32_t id;
    uint32_t pid;
} keel_ipc_worker_up_t;

#define KEEL_IPC_WORKER_UP_SIZE 8
void keel_ipc_worker_up_put(uint8_t out[KEEL_IPC_WORKER_UP_SIZE], const keel_ipc_worker_up_t *m);
keel_ipc_result_t keel_ipc_worker_up_get(const uint8_t *payload, size_t len, keel_ipc_worker_up_t *out);

/*
 * WORKER_EXIT, zygote -> front: a worker was reaped, or never started.
 * 12 bytes, written by the zygote:
 *   0   u32  id           the id SPAWN gave
 *   4   u32  pid          0 .. INT32_MAX; 0: the zygote could not start the
 *                         worker (fork failed, say) and the front asks again
 *   8   u32  wait_status  the int waitpid() gave, as its bits; 0 when pid is 0
 *                         (anything else is malformed)
 */
typedef struct {
    uint32_t id;
    uint32_t pid;
    int wait_status;
} keel_ipc_worker_exit_t;

#define KEEL_IPC_WORKER_EXIT_SIZE 12
void keel_ipc_worker_exit_put(uint8_t out[KEEL_IPC_WORKER_EXIT_SIZE], const keel_ipc_worker_exit_t *m);
keel_ipc_result_t keel_ipc_worker_exit_get(const uint8_t *payload, size_t len, keel_ipc_worker_exit_t *out);

/*
 * BACKTRACE, front -> zygote: log the PHP stack of this worker (a slow or
 * timed-out request); only its parent may read its memory. 8 bytes,
 * written by the front:
 *   0   u32  id   the id SPAWN gave; the zygote finds the worker by it
 *   4   u32  pid  0 .. INT32_MAX, the pid WORKER_UP gave (0: not heard yet),
 *                 for the log only; anything larger is malformed
 */
typedef struct {
    uint32_t id;
    uint32_t pid;
} keel_ipc_backtrace_t;

#define KEEL_IPC_BACKTRACE_SIZE 8
void keel_ipc_backtrace_put(uint8_t out[KEEL_IPC_BACKTRACE_SIZE], const keel_ipc_backtrace_t *m);
keel_ipc_result_t keel_ipc_backtrace_get(const uint8_t *payload, size_t len, keel_ipc_backtrace_t *out);

/*
 * ZYGOTE_READY, zygote -> front: PHP is initialised. 8 bytes, written by
 * the zygote:
 *   0   u32  pid    the zygote's, 1 .. INT32_MAX; anything else is malformed
 *   4   u32  flags  0x1: OPcache came up enabled; other bits are malformed
 */
typedef struct {
    uint32_t pid;
    bool opcache;
} keel_ipc_zygote_ready_t;

#define KEEL_IPC_ZYGOTE_READY_SIZE 8
void keel_ipc_zygote_ready_put(uint8_t out[KEEL_IPC_ZYGOTE_READY_SIZE], const keel_ipc_zygote_ready_t *m);
keel_ipc_result_t keel_ipc_zygote_ready_get(const uint8_t *payload, size_t len, keel_ipc_zygote_ready_t *out);

/* Bytes of a string, not NUL-terminated. */
typedef struct {
    const char *base;
    size_t len;
} keel_ipc_text_t;

/* The longest path PHP_INFO carries: PATH_MAX less its NUL. */
#define KEEL_IPC_PATH_MAX 4095
/* memory_limit -1 (or a value the zygote could not read). */
#define KEEL_IPC_UNLIMITED UINT64_MAX

/*
 * PHP_INFO, zygote -> front, before ZYGOTE_READY: the settings the front
 * budgets memory and watches tmpfs with, as PHP resolved them (php.ini,
 * conf.d and -d values applied). Written by the zygote:
 *   0   u64  memory_limit                     bytes; KEEL_IPC_UNLIMITED: none
 *   8   u64  opcache_memory_consumption       bytes (php.ini says MiB); 0 when unreadable
 *   16  u64  opcache_interned_strings_buffer  bytes (php.ini says MiB); 0 when unreadable
 *   24  u64  opcache_max_wasted_percentage    IEEE 754 binary64, as its bits: the
 *                                             share at which keel swaps generations
 *   32  u32  flags                            0x1: opcache.enable is "1"; other bits
 *                                             are malformed
 *   36  u16 length + bytes  temp_dir          sys_get_temp_dir()
 *       u16 length + bytes  upload_tmp_dir
 *       u16 length + bytes  session_save_dir  session.save_path's directory ("N;MODE;"
 *                                             prefix removed)
 * The strings follow each other and end the payload exactly; each is at
 * most KEEL_IPC_PATH_MAX bytes with no NUL byte, else it is malformed.
 */
typedef struct {
    uint64_t memory_limit;
    uint64_t opcache_memory_consumption;
    uint64_t opcache_interned_strings_buffer;
    double opcache_max_wasted_percentage;
    bool opcache_enabled;
    /* After a get these point into the payload: copy them before it goes. */
    keel_ipc_text_t temp_dir, upload_tmp_dir, session_save_dir;
} keel_ipc_php_info_t;

#define KEEL_IPC_PHP_INFO_FIXED 36
#define KEEL_IPC_PHP_INFO_MAX   (KEEL_IPC_PHP_INFO_FIXED + 3 * (2 + KEEL_IPC_PATH_MAX))

/* The bytes keel_ipc_php_info_put writes for m. A string is cut at its
 * first NUL byte or at KEEL_IPC_PATH_MAX bytes, whichever comes first, so
 * whatever is written decodes. */
size_t keel_ipc_php_info_size(const keel_ipc_php_info_t *m);
/* Writes m into out (keel_ipc_php_info_size(m) bytes); returns that size. */
size_t keel_ipc_php_info_put(uint8_t *out, const keel_ipc_php_info_t *m);
keel_ipc_result_t keel_ipc_php_info_get(const uint8_t *payload, size_t len, keel_ipc_php_info_t *out);

/* The largest frame on a control socket (PHP_INFO at its longest): a
 * receiver's buffer must hold a whole message, since SOCK_SEQPACKET cuts
 * what does not fit. A sender cuts free text (ZYGOTE_FAILED) to fit. */
#define KEEL_IPC_CONTROL_MAX (KEEL_IPC_HEADER_SIZE + KEEL_IPC_PHP_INFO_MAX)

#endif
