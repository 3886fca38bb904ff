<?php
// Worker-mode fixture for memory governance. Boots once per worker, then:
//   /retain?bytes=N  keeps N more bytes (one string whose Zend allocation is
//                    N bytes when N is a multiple of 4096) for the worker's
//                    life, and reports the total kept
//   anything else    answers without keeping anything
// Every answer says which process served it and how many requests it saw.
$kept = [];
$keptBytes = 0;
$count = 0;

while (keel_handle_request(function () use (&$kept, &$keptBytes, &$count) {
    $count++;
    $path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH);
    if ($path === '/retain') {
        $bytes = max(32, (int)($_GET['bytes'] ?? 4096));
        // A zend_string of length L takes 24 + L + 1 bytes.
        $kept[] = str_repeat('r', $bytes - 25);
        $keptBytes += $bytes;
    }
    header('Content-Type: application/json');
    echo json_encode([
        'pid' => getmypid(),
        'count' => $count,
        'kept_bytes' => $keptBytes,
        'usage' => memory_get_usage(),
    ]);
})) {
}
