<?php
// A worker script written for FrankenPHP, in the shape its documentation
// gives: it must run unchanged under keel.
ignore_user_abort(true);

if (($_SERVER['FRANKENPHP_WORKER'] ?? '') !== '1') {
    // Not in worker mode: behave as a plain front controller would.
    echo "not-worker-mode";
    return;
}

$booted = ['pid' => getmypid(), 'at' => microtime(true)];
$requests = 0;

$handler = static function () use (&$requests, $booted) {
    $requests++;
    header('Content-Type: application/json');
    echo json_encode([
        'mode' => 'frankenphp-worker',
        'FRANKENPHP_WORKER' => $_SERVER['FRANKENPHP_WORKER'] ?? null,
        'requests' => $requests,
        'pid' => getmypid(),
        'boot' => $booted,
        'uri' => $_SERVER['REQUEST_URI'],
        'GET' => $_GET,
        'ignore_user_abort' => ignore_user_abort(),
        'x_test' => frankenphp_request_headers()['X-Test'] ?? null,
    ]);
};

$maxRequests = (int)($_SERVER['MAX_REQUESTS'] ?? 0);
for ($nbRequests = 0; !$maxRequests || $nbRequests < $maxRequests; ++$nbRequests) {
    $keepRunning = \frankenphp_handle_request($handler);

    gc_collect_cycles();

    if (!$keepRunning) {
        break;
    }
}
