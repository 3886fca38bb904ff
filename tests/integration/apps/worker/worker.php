<?php
// Worker-mode fixture: boots once, then serves requests in a loop. The
// path of each request picks what the callable does (see the match below).
require __DIR__ . '/lib/App.php';

$app = new App();
$bootPid = getmypid();
// Settings the worker script makes while booting last for the worker; the
// same calls inside a request last that request (see /ini-*).
ini_set('precision', '7');
set_include_path('/from-boot');
umask(0027);
putenv('KEEL_FROM_BOOT=boot');
// XML errors collected, not reported: each request starts with none.
libxml_use_internal_errors(true);
$bootServer = [
    'FRANKENPHP_WORKER' => $_SERVER['FRANKENPHP_WORKER'] ?? null,
    'SCRIPT_FILENAME' => $_SERVER['SCRIPT_FILENAME'] ?? null,
    'SCRIPT_NAME' => $_SERVER['SCRIPT_NAME'] ?? null,
];

function json_out(array $data): void
{
    header('Content-Type: application/json');
    echo json_encode($data);
}

/** Waits (bounded) until $file exists. */
function wait_for_file(string $file, float $max): bool
{
    $deadline = microtime(true) + $max;
    while (!file_exists($file) && microtime(true) < $deadline) {
        usleep(10000);
    }
    return file_exists($file);
}

$handler = function () use ($app, $bootPid, $bootServer) {
    $app->count++;
    $path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH);
    switch ($path) {
        case '/state':
            json_out([
                'count' => $app->count,
                'pid' => getmypid(),
                'boot_pid' => $bootPid,
                'booted_at' => $app->bootedAt,
                'worker' => $_SERVER['FRANKENPHP_WORKER'] ?? null,
                'boot_server' => $bootServer,
                'script_name' => $_SERVER['SCRIPT_NAME'] ?? null,
                'sapi' => PHP_SAPI,
            ]);
            break;

        case '/xml':
            if (isset($_GET['bad'])) {
                simplexml_load_string('<doc>' . $_GET['bad'] . '</wrong>');
            }
            json_out([
                'pid' => getmypid(),
                'internal' => libxml_use_internal_errors(),
                'errors' => array_map(fn ($e) => trim($e->message), libxml_get_errors()),
            ]);
            break;

        case '/vars':
            json_out([
                'pid' => getmypid(),
                'GET' => $_GET,
                'POST' => $_POST,
                'COOKIE' => $_COOKIE,
                'FILES' => $_FILES,
                'REQUEST' => $_REQUEST,
                'X_CUSTOM' => $_SERVER['HTTP_X_CUSTOM'] ?? null,
                'REQUEST_METHOD' => $_SERVER['REQUEST_METHOD'] ?? null,
                'QUERY_STRING' => $_SERVER['QUERY_STRING'] ?? null,
                'raw_body' => file_get_contents('php://input'),
            ]);
            break;

        case '/status404':
            http_response_code(404);
            header('X-A: set-by-previous');
            setcookie('leaky', 'yes');
            echo 'not here';
            break;

        case '/ob-open':
            // Leaves two buffers open; their content must still reach this client.
            ob_start();
            echo "level1 ";
            ob_start();
            echo "level2-still-buffered";
            break;

        case '/ob-level':
            json_out(['pid' => getmypid(), 'level' => ob_get_level()]);
            break;

        case '/upload':
            $out = [];
            foreach ($_FILES as $k => $f) {
                $out[$k] = [
                    'tmp_name' => $f['tmp_name'],
                    'exists' => is_file($f['tmp_name']),
                    'uploaded' => is_uploaded_file($f['tmp_name']),
                    'size' => $f['size'],
                    'sha1' => is_file($f['tmp_name']) ? sha1_file($f['tmp_name']) : null,
                ];
            }
            json_out(['pid' => getmypid(), 'files' => $out]);
            break;

        case '/session-write':
            // No session_write_close(): keel must write and close it.
            session_start();
            $_SESSION['v'] = $_GET['v'] ?? '';
            json_out(['pid' => getmypid(), 'id' => session_id()]);
            break;

        case '/session-read':
            session_start();
            json_out(['pid' => getmypid(), 'id' => session_id(), 'session' => $_SESSION]);
            break;

        case '/session-peek':
            json_out([
                'pid' => getmypid(),
                'isset' => isset($_SESSION),
                'status' => session_status(),
            ]);
            break;

        case '/limits-set':
            ignore_user_abort(true);
            set_time_limit(123);
            json_out([
                'pid' => getmypid(),
                'ignore_user_abort' => ignore_user_abort(),
                'max_execution_time' => ini_get('max_execution_time'),
            ]);
            break;

        case '/limits-get':
            json_out([
                'pid' => getmypid(),
                'ignore_user_abort' => ignore_user_abort(),
                'max_execution_time' => ini_get('max_execution_time'),
            ]);
            break;

        case '/throw':
            echo "before-throw\n";
            throw new RuntimeException('worker-boom');

        case '/throw-handled':
            set_exception_handler(function (Throwable $e): void {
                http_response_code(503);
                echo "handled: ", $e->getMessage(), " by ", getmypid(), "\n";
            });
            echo "before-throw\n";
            throw new RuntimeException('worker-boom');

        case '/fatal':
            echo "before-fatal\n";
            this_function_does_not_exist_anywhere();
            echo "after-fatal\n";
            break;

        case '/exit':
            http_response_code(202);
            header('X-Exit: yes');
            echo "bye from " . getmypid() . "\n";
            exit();

        case '/finish':
            echo "finished-early " . getmypid() . "\n";
            // ?fn= picks one of the three names of the same function.
            $fn = $_GET['fn'] ?? 'fastcgi_finish_request';
            if (!in_array($fn, ['fastcgi_finish_request', 'keel_finish_request', 'frankenphp_finish_request'], true)) {
                $fn = 'fastcgi_finish_request';
            }
            $fn();
            $ok = wait_for_file($_GET['file'], (float)($_GET['max'] ?? 10));
            file_put_contents($_GET['marker'], $ok ? 'released' : 'timeout');
            break;

        case '/nested':
            // keel_handle_request() from inside the callable must throw.
            try {
                keel_handle_request(function () {
                    echo "inner-callable-ran";
                });
                echo "no-exception";
            } catch (RuntimeException $e) {
                echo "caught ", get_class($e), ": ", $e->getMessage();
            }
            break;

        case '/auth':
            json_out([
                'pid' => getmypid(),
                'user' => $_SERVER['PHP_AUTH_USER'] ?? null,
                'pw' => $_SERVER['PHP_AUTH_PW'] ?? null,
                'memory' => memory_get_usage(),
            ]);
            break;

        case '/input-keep':
            // Keeps a php://input stream past its request (an application
            // bug, which must still not corrupt anything).
            $GLOBALS['kept_input'] = fopen('php://input', 'r');
            echo stream_get_contents($GLOBALS['kept_input']);
            break;

        case '/input-kept':
            $kept = $GLOBALS['kept_input'] ?? null;
            if ($kept === null) {
                echo 'none';
                break;
            }
            rewind($kept);
            echo 'kept:', stream_get_contents($kept);
            break;

        case '/input-drop':
            if (isset($GLOBALS['kept_input'])) {
                fclose($GLOBALS['kept_input']);
                unset($GLOBALS['kept_input']);
            }
            echo 'dropped';
            break;

        case '/ini-get':
            json_out([
                'pid' => getmypid(),
                'precision' => ini_get('precision'),
                'include_path' => get_include_path(),
                'default_charset' => ini_get('default_charset'),
            ]);
            break;

        case '/ini-set':
            ini_set('precision', '3');
            set_include_path('/from-request');
            ini_set('default_charset', 'ISO-8859-1');
            json_out(['pid' => getmypid(), 'precision' => ini_get('precision')]);
            break;

        case '/warn':
            // The message carries this request's query string.
            trigger_error('warned about ' . ($_GET['secret'] ?? ''), E_USER_WARNING);
            json_out(['pid' => getmypid(), 'last' => error_get_last()['message'] ?? null]);
            break;

        case '/last-error':
            json_out(['pid' => getmypid(), 'last' => error_get_last()]);
            break;

        case '/process-set':
            // State PHP-FPM resets after every request.
            putenv('KEEL_FROM_REQUEST=yes');
            putenv('KEEL_FROM_BOOT=request');
            umask(0);
            setlocale(LC_ALL, 'C');
            mt_srand(42);
            mt_rand();
            $next = mt_rand(); // what the next mt_rand() would give if the seed stayed
            mt_srand(42);
            mt_rand();
            json_out(['pid' => getmypid(), 'size' => filesize($_GET['file']), 'seeded_next' => $next]);
            break;

        case '/process-get':
            json_out([
                'pid' => getmypid(),
                'env' => getenv('KEEL_FROM_REQUEST'),
                'boot_env' => getenv('KEEL_FROM_BOOT'),
                'umask' => umask(),
                'locale' => setlocale(LC_ALL, '0'),
                'mt_rand' => mt_rand(),
                'size' => isset($_GET['file']) ? filesize($_GET['file']) : null,
            ]);
            break;

        case '/opcache':
            json_out([
                'pid' => getmypid(),
                'worker' => opcache_is_script_cached(__FILE__),
                'lib' => opcache_is_script_cached(__DIR__ . '/lib/App.php'),
                'classic' => opcache_is_script_cached(__DIR__ . '/classic_opcache.php'),
                'never' => opcache_is_script_cached(__DIR__ . '/never.php'),
            ]);
            break;

        default:
            json_out([
                'pid' => getmypid(),
                'path' => $path,
                'script_name' => $_SERVER['SCRIPT_NAME'] ?? null,
                'count' => $app->count,
            ]);
    }
};

while (keel_handle_request($handler)) {
    gc_collect_cycles();
}
