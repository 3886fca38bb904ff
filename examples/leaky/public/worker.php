<?php
// examples/leaky: a worker-mode app with a deliberate, known leak.
//
// Every request appends one string to an array that lives as long as the
// worker process, so the worker's private memory grows by a known amount
// per request: LEAK_BYTES (default 4096). The string's length is chosen so
// that PHP's allocator hands out exactly LEAK_BYTES for it (a zend_string of
// length L takes 24 + L + 1 bytes, and blocks above 3 KiB are whole 4 KiB
// pages), so keep LEAK_BYTES a multiple of 4096 for an exact figure. The
// array's own slot adds 16 bytes per request (PHP 8.2 packed array),
// amortised over its doublings.
//
//   LEAK_BYTES=8192 build/keel serve --root examples/leaky/public \
//       --worker examples/leaky/public/worker.php --workers 4 --max-worker-memory 64M
//
//   GET /              leaks LEAK_BYTES and answers with the worker's figures
//   GET /?bytes=N      leaks N bytes for this request instead (N >= 32)
//   GET /?bytes=0      leaks nothing

declare(strict_types=1);

const DEFAULT_LEAK_BYTES = 4096;

$leakBytes = (int)(getenv('LEAK_BYTES') ?: DEFAULT_LEAK_BYTES);
$leaked = [];      // never emptied: this is the leak
$leakedBytes = 0;
$requests = 0;

$handler = function () use (&$leaked, &$leakedBytes, &$requests, $leakBytes): void {
    $requests++;
    $bytes = isset($_GET['bytes']) ? (int)$_GET['bytes'] : $leakBytes;
    if ($bytes >= 32) {
        $leaked[] = str_repeat('L', $bytes - 25);
        $leakedBytes += $bytes;
    }
    header('Content-Type: application/json');
    echo json_encode([
        'pid' => getmypid(),
        'requests' => $requests,
        'leak_bytes_per_request' => $bytes >= 32 ? $bytes : 0,
        'leaked_bytes' => $leakedBytes,
        'zend_usage' => memory_get_usage(),
    ]), "\n";
};

while (keel_handle_request($handler)) {
    // nothing between requests: the leak stays
}
