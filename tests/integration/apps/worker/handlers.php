<?php
// Worker script whose boot installs an error handler: a request's own
// handlers must be gone after it, the boot one must stay.
set_error_handler(function (int $no, string $msg): bool {
    echo "boot-handler:", $msg, "\n";
    return true;
});
// The worker's time zone, and a date kept across requests.
date_default_timezone_set('Europe/Paris');
mb_internal_encoding('ISO-8859-1');
mb_substitute_character(0x3F);
mb_detect_order('UTF-8, ISO-8859-1');
mb_regex_encoding('EUC-JP');
$bootDate = new DateTimeImmutable('2021-06-01 12:00');

// Answers a document load with the 'who' option of the stream context
// libxml passed: which streams context the load used.
final class ContextProbe
{
    /** @var resource|null */
    public $context;
    private string $data = '';

    public function stream_open(string $path, string $mode, int $options, ?string &$opened): bool
    {
        $who = stream_context_get_options($this->context)['probe']['who'] ?? 'none';
        $this->data = '<who>' . $who . '</who>';
        return true;
    }

    public function stream_read(int $count): string
    {
        $chunk = substr($this->data, 0, $count);
        $this->data = substr($this->data, strlen($chunk));
        return $chunk;
    }

    public function stream_eof(): bool
    {
        return $this->data === '';
    }

    public function stream_stat(): array
    {
        return [];
    }

    public function url_stat(string $path, int $flags): array
    {
        return ['size' => 0];
    }
}
stream_wrapper_register('probe', ContextProbe::class);
// libxml's entity loader while booting: loads what was asked for.
$bootLoader = static fn (?string $public, string $system, array $context) => $system;
libxml_set_external_entity_loader($bootLoader);
// A signal handler installed while booting.
$bootSignal = static function (int $signo): void {
};
pcntl_signal(SIGUSR1, $bootSignal);

// An assertion callback, a tick function, regex options, an $_ENV entry
// and a blocked signal, all set while booting: each must stay.
$bootAssert = static function (): void {
};
assert_options(ASSERT_CALLBACK, $bootAssert);
$bootTicks = 0;
register_tick_function(static function () use (&$bootTicks): void {
    $bootTicks++;
});
$requestTicks = [];
mb_regex_set_options('m');
$_ENV['FROM_BOOT'] = 'boot';
pcntl_sigprocmask(SIG_BLOCK, [SIGWINCH]);

/** Whether signal $signo is blocked for this process. */
function signal_blocked(int $signo): bool
{
    preg_match('/^SigBlk:\s*([0-9a-f]+)$/m', file_get_contents('/proc/self/status'), $m);
    return (hexdec(substr($m[1], -8)) >> ($signo - 1) & 1) === 1;
}

/** Whether the kernel ignores signal $signo for this process. */
function signal_ignored(int $signo): bool
{
    preg_match('/^SigIgn:\s*([0-9a-f]+)$/m', file_get_contents('/proc/self/status'), $m);
    return (hexdec(substr($m[1], -8)) >> ($signo - 1) & 1) === 1;
}

// Runs when the worker ends, not after each request.
register_shutdown_function(function () {
    $log = getenv('KEEL_TEST_SHUTDOWN_LOG');
    if ($log !== false) {
        file_put_contents($log, "boot\n", FILE_APPEND);
    }
});

$handler = function () use ($bootDate, $bootLoader, $bootSignal, $bootAssert, &$bootTicks, &$requestTicks) {
    switch (parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH)) {
        case '/install':
            set_error_handler(function (int $no, string $msg): bool {
                echo "request-handler:", $msg, "\n";
                return true;
            });
            set_error_handler(function (int $no, string $msg): bool {
                echo "nested-request-handler:", $msg, "\n";
                return true;
            });
            set_exception_handler(function (Throwable $e): void {
            });
            trigger_error('during install', E_USER_NOTICE);
            break;
        case '/register':
            // Runs after this request, as under PHP-FPM, and may still write
            // to this request's client.
            $log = $_GET['log'];
            register_shutdown_function(function () use ($log) {
                file_put_contents($log, "request\n", FILE_APPEND);
                echo "from-shutdown-function\n";
            });
            echo "registered\n";
            break;
        case '/register-exit':
            register_shutdown_function(function () {
                exit();
            });
            echo "pid:", getmypid(), "\n";
            break;
        case '/tz-set':
            // a user's own zone, for this request only
            date_default_timezone_set('Asia/Tokyo');
            echo date_default_timezone_get(), "\n";
            break;
        case '/tz-get':
            echo date_default_timezone_get(), " ", $bootDate->format('c T'), "\n";
            break;
        case '/mb-set':
            mb_internal_encoding('UTF-16');
            mb_substitute_character('none');
            mb_detect_order('ASCII');
            mb_regex_encoding('UTF-8');
            echo mb_internal_encoding(), " ", implode(',', mb_detect_order()), " ", mb_regex_encoding(), "\n";
            break;
        case '/mb-search-set':
            // a search over this request's data, left where it ended
            mb_ereg_search_init('greetings from ' . $_GET['who']);
            mb_ereg_search('from (\\w+)');
            echo json_encode(mb_ereg_search_getregs()), " ", mb_ereg_search_getpos(), "\n";
            break;
        case '/mb-search-get':
            echo json_encode(mb_ereg_search_getregs()), " ", mb_ereg_search_getpos(), "\n";
            break;
        case '/xml-errors-on':
            // left on, with the errors of a document holding this request's data
            libxml_use_internal_errors(true);
            simplexml_load_string('<secret>' . $_GET['who'] . '</wrong>');
            echo count(libxml_get_errors()) > 0 ? "errors kept\n" : "no errors\n";
            break;
        case '/xml-errors-get':
            // what the next request finds: PHP's default, and no errors
            $was = libxml_use_internal_errors();
            echo json_encode(['internal' => $was, 'errors' => count(libxml_get_errors())]), "\n";
            break;
        case '/strtok-start':
            echo strtok($_GET['words'], ' '), "\n";
            break;
        case '/strtok-next':
            // without a string of its own: PHP warns and answers false
            var_dump(@strtok(' '));
            break;
        case '/rewrite-add':
            // PHP adds the variable to each form of this request's output
            output_add_rewrite_var('who', $_GET['who']);
            echo '<form action="/next"></form>', "\n";
            break;
        case '/rewrite-get':
            output_add_rewrite_var('page', '2');
            echo '<form action="/next"></form>', "\n";
            break;
        case '/xml-set':
            // a loader and a context that carry this request's data
            $who = $_GET['who'];
            libxml_set_external_entity_loader(static fn (?string $public, string $system, array $context) => $who ? $system : null);
            libxml_set_streams_context(stream_context_create(['probe' => ['who' => $who]]));
            echo simplexml_load_file('probe://doc'), "\n";
            break;
        case '/xml-get':
            $loader = libxml_get_external_entity_loader();
            echo $loader === $bootLoader ? 'boot' : ($loader === null ? 'none' : 'other'), " loader, ",
                simplexml_load_file('probe://doc'), "\n";
            break;
        case '/signals-set':
            // handlers that would run this request's code in a later one
            $who = $_GET['who'];
            pcntl_signal(SIGUSR1, static function () use ($who): void {
                echo $who;
            });
            pcntl_signal(SIGUSR2, static function () use ($who): void {
                echo $who;
            });
            pcntl_signal(SIGPIPE, SIG_DFL);
            echo $who, " ", signal_ignored(SIGPIPE) ? 'ignored' : 'default', "\n";
            break;
        case '/signals-get':
            $usr1 = pcntl_signal_get_handler(SIGUSR1);
            echo $usr1 === $bootSignal ? 'boot' : 'other', " ", var_export(pcntl_signal_get_handler(SIGUSR2), true),
                " ", signal_ignored(SIGPIPE) ? 'ignored' : 'default', "\n";
            break;
        case '/assert-set':
            // a callback over this request's data, left in place
            $who = $_GET['who'];
            assert_options(ASSERT_CALLBACK, static function () use ($who): void {
                echo "assert callback of ", $who, "\n";
            });
            echo $who, "\n";
            break;
        case '/assert-get':
            $cb = assert_options(ASSERT_CALLBACK);
            echo $cb === $bootAssert ? 'boot' : ($cb === null ? 'none' : 'other'), "\n";
            break;
        case '/ticks-set':
            $who = $_GET['who'];
            register_tick_function(static function () use ($who, &$requestTicks): void {
                $requestTicks[$who] = true;
            });
            echo $who, "\n";
            break;
        case '/ticks-get':
            // which tick functions run for code declared with ticks
            $bootTicks = 0;
            $requestTicks = [];
            declare(ticks=1) {
                $a = 1;
                $b = 2;
            }
            echo $bootTicks > 0 ? 'boot' : 'no boot', " [", implode(',', array_keys($requestTicks)), "]\n";
            break;
        case '/mb-options-set':
            mb_regex_set_options('ix');
            echo mb_regex_set_options(), "\n";
            break;
        case '/mb-options-get':
            echo mb_regex_set_options(), "\n";
            break;
        case '/env-set':
            // this request's data in $_ENV, and the worker script's entry gone
            $_ENV['WHO'] = $_GET['who'];
            unset($_ENV['FROM_BOOT']);
            echo $_ENV['WHO'], "\n";
            break;
        case '/env-get':
            echo json_encode([$_ENV['WHO'] ?? null, $_ENV['FROM_BOOT'] ?? null]), "\n";
            break;
        case '/alarm-set':
            // an alarm whose SIGALRM, with no handler, would end the worker
            // in the middle of a later client's request
            pcntl_alarm(300);
            echo "alarm\n";
            break;
        case '/alarm-get':
            // pcntl_alarm(0) cancels a pending alarm and gives its seconds
            echo pcntl_alarm(0) > 0 ? "pending\n" : "none\n";
            break;
        case '/mask-set':
            // SIGTERM blocked: keel could no longer stop the worker
            pcntl_sigprocmask(SIG_BLOCK, [SIGTERM, SIGUSR2]);
            pcntl_sigprocmask(SIG_UNBLOCK, [SIGWINCH]);
            echo "blocked\n";
            break;
        case '/mask-get':
            echo implode(' ', array_map(static fn (string $name): string =>
                $name . ':' . (signal_blocked(constant($name)) ? 'blocked' : 'open'), ['SIGTERM', 'SIGUSR2', 'SIGWINCH'])), "\n";
            break;
        case '/mb-get':
            echo mb_internal_encoding(), " ", mb_substitute_character(), " ",
                implode(',', mb_detect_order()), " ", mb_regex_encoding(), "\n";
            break;
        case '/startup-error':
            echo error_get_last()['message'] ?? 'none', "\n";
            break;
        case '/pid':
            echo "pid:", getmypid(), "\n";
            break;
        case '/probe':
            trigger_error('probe', E_USER_NOTICE);
            // set_exception_handler() returns the handler in force
            $previous = set_exception_handler(null);
            restore_exception_handler();
            echo "exception-handler:", $previous === null ? "none" : "set", "\n";
            break;
    }
};

while (keel_handle_request($handler)) {
}
