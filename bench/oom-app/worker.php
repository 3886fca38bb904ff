<?php
// bench/oom.sh: a worker-mode application whose workers grow. Each request
// keeps ?kb= KiB (default 256) for the worker's life, then takes ?ms=
// milliseconds (default 20), so under load the workers together grow past
// any container limit unless something recycles them.
$kept = [];
$keptKb = 0;
while (keel_handle_request(function () use (&$kept, &$keptKb) {
    $kb = (int)($_GET['kb'] ?? 256);
    if ($kb > 0) {
        $kept[] = str_repeat('k', $kb * 1024 - 25);
        $keptKb += $kb;
    }
    usleep((int)($_GET['ms'] ?? 20) * 1000);
    header('Content-Type: application/json');
    echo json_encode(['pid' => getmypid(), 'kept_kb' => $keptKb]), "\n";
})) {
}
