#include "worker/request_signals.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <main/php.h>
#include <Zend/zend_exceptions.h>

#include "common/log.h"
#include "worker/php_call.h"

/* pcntl keeps its handlers in globals it does not export, so
 * pcntl_signal() is wrapped: the first time a request changes a signal, the
 * handler in force is noted, PHP's (pcntl_signal_get_handler()) and the
 * kernel's (a disposition keel or PHP set in C, such as SIGPIPE ignored).
 * Process-wide because PHP calls the wrapper without any context of
 * keel's; a worker runs one request at a time. */
static zif_handler pcntl_signal_original;
static struct {
    zval php;            /* a callable, or the int pcntl_signal_get_handler() gave */
    struct sigaction os; /* the kernel's disposition then */
} noted[NSIG];
/* Bit sig - 1 for each signal noted: most requests change none, and then
 * the restore after them touches nothing else. */
static uint64_t changed;
_Static_assert(NSIG - 1 <= 64, "one bit per signal");
static bool restoring; /* keel's own calls are not a request's changes */

static void
note(int sig)
{
    zval arg;
    ZVAL_LONG(&arg, sig);
    if (!keel_php_call("pcntl_signal_get_handler", 1, &arg, &noted[sig].php) || EG(exception) != NULL ||
        sigaction(sig, NULL, &noted[sig].os) != 0) {
        zval_ptr_dtor(&noted[sig].php);
        ZVAL_UNDEF(&noted[sig].php);
        return; /* pcntl_signal() itself rejects what cannot be read */
    }
    changed |= UINT64_C(1) << (sig - 1);
}

static PHP_FUNCTION(keel_pcntl_signal)
{
    zval *signo = ZEND_NUM_ARGS() > 0 ? ZEND_CALL_ARG(execute_data, 1) : NULL;
    if (!restoring && signo != NULL && Z_TYPE_P(signo) == IS_LONG && Z_LVAL_P(signo) > 0 && Z_LVAL_P(signo) < NSIG &&
        Z_LVAL_P(signo) != SIGKILL && Z_LVAL_P(signo) != SIGSTOP && !(changed & (UINT64_C(1) << (Z_LVAL_P(signo) - 1))))
        note((int)Z_LVAL_P(signo));
    pcntl_signal_original(INTERNAL_FUNCTION_PARAM_PASSTHRU);
}

/* pcntl_alarm() and pcntl_sigprocmask() change the process, not PHP: a
 * pending alarm raises SIGALRM (whose default ends the worker) in whichever
 * later request it falls, and a blocked SIGTERM leaves the worker deaf to
 * keel. They are wrapped so that a request that called them is noticed,
 * and only then is anything put back: most requests call neither. */
static zif_handler pcntl_alarm_original, pcntl_sigprocmask_original;
static bool alarm_set, mask_changed;
static sigset_t boot_mask; /* the signal mask when booting ended */

static PHP_FUNCTION(keel_pcntl_alarm)
{
    alarm_set = true;
    pcntl_alarm_original(INTERNAL_FUNCTION_PARAM_PASSTHRU);
}

static PHP_FUNCTION(keel_pcntl_sigprocmask)
{
    mask_changed = true;
    pcntl_sigprocmask_original(INTERNAL_FUNCTION_PARAM_PASSTHRU);
}

void
keel_request_signals_watch(void)
{
    zend_function *fn = keel_php_function("pcntl_signal");
    if (fn != NULL)
        keel_php_wrap(fn, zif_keel_pcntl_signal, &pcntl_signal_original);
    fn = keel_php_function("pcntl_alarm");
    if (fn != NULL)
        keel_php_wrap(fn, zif_keel_pcntl_alarm, &pcntl_alarm_original);
    fn = keel_php_function("pcntl_sigprocmask");
    if (fn != NULL) {
        if (sigprocmask(SIG_SETMASK, NULL, &boot_mask) == 0)
            keel_php_wrap(fn, zif_keel_pcntl_sigprocmask, &pcntl_sigprocmask_original);
        else
            keel_warn("cannot read the signal mask: %s; requests may change it for the next ones", strerror(errno));
    }
    alarm_set = mask_changed = false;
}

static void
put_back(int sig)
{
    bool callable = Z_TYPE(noted[sig].php) != IS_LONG;
    zval args[2];
    ZVAL_LONG(&args[0], sig);
    if (callable)
        ZVAL_COPY_VALUE(&args[1], &noted[sig].php);
    else
        ZVAL_LONG(&args[1],
                  noted[sig].os.sa_handler == SIG_IGN ? (zend_long)(intptr_t)SIG_IGN : (zend_long)(intptr_t)SIG_DFL);
    keel_php_call("pcntl_signal", 2, args, NULL);
    if (EG(exception) != NULL) {
        zend_clear_exception();
        keel_warn("cannot put back the handler of signal %d", sig);
    }
    /* pcntl only knows its own handlers: the kernel's disposition, which
     * may be a C handler, is put back as it was */
    if (!callable && sigaction(sig, &noted[sig].os, NULL) != 0)
        keel_warn("cannot put back the disposition of signal %d: %s", sig, strerror(errno));
    zval_ptr_dtor(&noted[sig].php);
    ZVAL_UNDEF(&noted[sig].php);
}

void
keel_request_signals_restore(void)
{
    /* Cancelled before its handler goes: a SIGALRM cannot then arrive
     * between the two. An alarm the worker script set while booting was
     * replaced by the request's anyway. */
    if (alarm_set) {
        alarm_set = false;
        alarm(0);
    }
    restoring = true;
    while (changed != 0) {
        int sig = __builtin_ctzll(changed) + 1;
        changed &= changed - 1;
        put_back(sig);
    }
    restoring = false;
    /* Last, so that a signal the request kept blocked and that arrived
     * meanwhile is delivered to the worker script's handler, not the
     * request's. */
    if (mask_changed) {
        mask_changed = false;
        if (sigprocmask(SIG_SETMASK, &boot_mask, NULL) != 0)
            keel_warn("cannot put back the signal mask: %s", strerror(errno));
    }
}
