<?php
// Worker-mode fixture for just-in-time superglobals: neither this script
// nor its handler names $_SERVER or $_REQUEST. Only late.php does, and it
// is first loaded by a request, so PHP builds those globals when it
// compiles (or loads from OPcache) that file, as it would under PHP-FPM.

$handler = static function (): void {
    $path = parse_url(getenv('REQUEST_URI') ?: '/', PHP_URL_PATH);
    header('Content-Type: application/json');
    $out = ['pid' => getmypid()];
    switch ($path) {
        case '/plain':
            $out['server_built'] = array_key_exists('_SERVER', $GLOBALS);
            break;
        case '/late':
            $out['cached_before'] = opcache_is_script_cached(__DIR__ . '/late.php');
            $out['seen'] = require_once __DIR__ . '/late.php';
            break;
        case '/call':
            $out['seen'] = late_seen();
            break;
        case '/exit':
            echo json_encode($out);
            exit();
    }
    echo json_encode($out);
};

while (keel_handle_request($handler)) {
}
