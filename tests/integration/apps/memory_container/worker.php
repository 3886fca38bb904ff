<?php
// Worker-mode fixture for memory pressure: each request keeps ?kb= KiB
// (default 256) for the worker's life, then sleeps ?ms= (default 20), so
// workers grow under load as a leaking application's do. Answers with the
// process and what it keeps.
$kept = [];
$keptKb = 0;
while (keel_handle_request(function () use (&$kept, &$keptKb) {
    $kb = (int)($_GET['kb'] ?? 256);
    if ($kb > 0) {
        // a zend_string of length L takes 24 + L + 1 bytes
        $kept[] = str_repeat('k', $kb * 1024 - 25);
        $keptKb += $kb;
    }
    usleep((int)($_GET['ms'] ?? 20) * 1000);
    header('Content-Type: application/json');
    echo json_encode(['pid' => getmypid(), 'kept_kb' => $keptKb]);
})) {
}
