#include "front/access_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "front/access_format.h"
#include "front/basic_auth.h"
#include "front/proxy_params.h"

typedef struct {
    h2o_logger_t super;
    keel_access_log_t *log;
} logger_t;

static uint64_t
monotonic_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static keel_access_text_t
text(const char *base, size_t len)
{
    return (keel_access_text_t){base, len};
}

static keel_access_text_t
header(h2o_req_t *req, const h2o_token_t *token)
{
    ssize_t i = h2o_find_header(&req->headers, token, -1);
    if (i == -1)
        return text(NULL, 0);
    return text(req->headers.entries[i].value.base, req->headers.entries[i].value.len);
}

keel_access_php_t *
keel_access_log_php(h2o_req_t *req, keel_pool_kind_t kind)
{
    keel_access_php_t *p = h2o_mem_alloc_pool(&req->pool, sizeof(*p));
    memset(p, 0, sizeof(*p));
    p->kind = kind;
    p->report.submitted_ns = monotonic_ns();
    *h2o_req_getenv(req, H2O_STRLIT(KEEL_ACCESS_PHP_ENV), 1) = h2o_iovec_init(p, sizeof(*p));
    return p;
}

static const keel_access_php_t *
php_side(h2o_req_t *req)
{
    for (size_t i = 0; i + 1 < req->env.size; i += 2)
        if (h2o_memis(req->env.entries[i].base, req->env.entries[i].len, H2O_STRLIT(KEEL_ACCESS_PHP_ENV)))
            return (const keel_access_php_t *)req->env.entries[i + 1].base;
    return NULL;
}

static void
php_facts(const keel_access_php_t *p, keel_access_entry_t *e)
{
    const keel_job_report_t *r = &p->report;
    e->pool = p->kind == KEEL_POOL_WORKER ? KEEL_ACCESS_WORKER : KEEL_ACCESS_CLASSIC;
    e->worker_pid = r->pid;
    e->generation = r->generation;
    if (r->done) {
        e->wait_known = e->php_known = e->memory_known = true;
        e->wait_us = r->stats.taken_ns > r->submitted_ns ? (r->stats.taken_ns - r->submitted_ns) / 1000 : 0;
        e->php_us = r->stats.php_ns / 1000;
        e->zend_peak = r->stats.zend_peak;
        if (r->private_before_known) {
            e->private_change_known = true;
            e->private_change = (int64_t)(r->stats.rss_private - r->private_before);
        }
    } else if (r->pid == 0) {
        /* no worker took it (refused, or it is still waiting as its client leaves) */
        uint64_t now = monotonic_ns();
        e->wait_known = true;
        e->wait_us = now > r->submitted_ns ? (now - r->submitted_ns) / 1000 : 0;
    }
}

/* "2026-12-07T17:48:49.052Z" into buf[72]; the part up to the second is
 * formatted once a second. */
static size_t
iso_time(keel_access_log_t *a, const struct timeval *tv, char *buf)
{
    if (a->iso_prefix[0] == '\0' || tv->tv_sec != a->iso_second) {
        struct tm tm;
        time_t t = tv->tv_sec;
        gmtime_r(&t, &tm);
        snprintf(a->iso_prefix, sizeof(a->iso_prefix), "%04d-%02d-%02dT%02d:%02d:%02d.", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        a->iso_second = tv->tv_sec;
    }
    size_t n = strlen(a->iso_prefix);
    memcpy(buf, a->iso_prefix, n);
    unsigned ms = (unsigned)(tv->tv_usec / 1000);
    buf[n++] = (char)('0' + ms / 100);
    buf[n++] = (char)('0' + ms / 10 % 10);
    buf[n++] = (char)('0' + ms % 10);
    buf[n++] = 'Z';
    return n;
}

static void
on_flush(h2o_timeout_entry_t *entry)
{
    keel_access_log_t *a = H2O_STRUCT_FROM_MEMBER(keel_access_log_t, flush_entry, entry);
    keel_access_writer_flush(&a->writer);
}

static void
log_access(h2o_logger_t *self, h2o_req_t *req)
{
    keel_access_log_t *a = ((logger_t *)self)->log;
    keel_access_entry_t e = {0};

    char addr[KEEL_CIDR_TEXT_MAX];
    size_t alen = keel_proxy_client_text(req, &a->trust, addr);
    e.remote_addr = alen ? text(addr, alen) : text(NULL, 0);
    char user[256];
    keel_access_text_t auth = header(req, H2O_TOKEN_AUTHORIZATION);
    size_t ulen = auth.base != NULL ? keel_basic_auth_user(auth.base, auth.len, user, sizeof(user)) : 0;
    e.remote_user = ulen ? text(user, ulen) : text(NULL, 0);

    h2o_timestamp_t ts;
    h2o_get_timestamp(req->conn->ctx, &req->pool, &ts);
    e.time_local = text(ts.str->log, strlen(ts.str->log));
    char iso[72];
    if (a->json)
        e.time_iso = text(iso, iso_time(a, &ts.at, iso));

    e.method = text(req->input.method.base, req->input.method.len);
    e.target = text(req->input.path.base, req->input.path.len);
    const char *proto = req->version >= 0x200 ? "HTTP/2.0" : req->version == 0x100 ? "HTTP/1.0" : "HTTP/1.1";
    e.protocol = text(proto, strlen(proto));
    /* as nginx: a client that left before the response is 499 */
    e.status = req->res.status != 0 ? req->res.status : 499;
    e.body_bytes_sent = req->bytes_sent;
    e.referer = header(req, H2O_TOKEN_REFERER);
    e.user_agent = header(req, H2O_TOKEN_USER_AGENT);
    if (req->input.authority.len != 0)
        e.host = text(req->input.authority.base, req->input.authority.len);
    int64_t us = (int64_t)(ts.at.tv_sec - req->timestamps.request_begin_at.tv_sec) * 1000000 +
                 (ts.at.tv_usec - req->timestamps.request_begin_at.tv_usec);
    e.request_us = us > 0 ? (uint64_t)us : 0;
    e.pool = KEEL_ACCESS_STATIC;
    const keel_access_php_t *php = php_side(req);
    if (php != NULL)
        php_facts(php, &e);

    size_t need = keel_access_format_bound(&e);
    char *out = keel_access_writer_reserve(&a->writer, need);
    if (out == NULL)
        return;
    size_t n = a->json ? keel_access_format_json(&e, out, need) : keel_access_format_combined(&e, out, need);
    keel_access_writer_commit(&a->writer, n);
    if (!h2o_timeout_is_linked(&a->flush_entry))
        h2o_timeout_link(a->loop, &a->flush_timeout, &a->flush_entry);
}

int
keel_access_log_open(keel_access_log_t *a, const char *path, bool json, const keel_fwd_trust_t *trust, char *err,
                     size_t errlen)
{
    memset(a, 0, sizeof(*a));
    a->json = json;
    a->trust = *trust;
    return keel_access_writer_open(&a->writer, path, err, errlen);
}

int
keel_access_log_start(keel_access_log_t *a, char *err, size_t errlen)
{
    return keel_access_writer_start(&a->writer, err, errlen);
}

void
keel_access_log_register(keel_access_log_t *a, h2o_pathconf_t *path, h2o_loop_t *loop)
{
    a->loop = loop;
    h2o_timeout_init(loop, &a->flush_timeout, KEEL_ACCESS_FLUSH_MS);
    a->flush_entry.cb = on_flush;
    logger_t *l = (void *)h2o_create_logger(path, sizeof(*l));
    l->super.log_access = log_access;
    l->log = a;
}

void
keel_access_log_reopen(keel_access_log_t *a)
{
    keel_access_writer_reopen(&a->writer);
}

void
keel_access_log_close(keel_access_log_t *a)
{
    if (a->loop != NULL && h2o_timeout_is_linked(&a->flush_entry))
        h2o_timeout_unlink(&a->flush_entry);
    keel_access_writer_close(&a->writer);
}
