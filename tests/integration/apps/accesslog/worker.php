<?php
// Worker mode: /leak?kb=N keeps N KiB more in the worker for good (a
// leaking route); any other path keeps nothing.
$kept = [];
while (keel_handle_request(function () use (&$kept) {
    $path = parse_url($_SERVER["REQUEST_URI"], PHP_URL_PATH);
    if ($path === "/leak") {
        $kept[] = str_repeat("k", (int)($_GET["kb"] ?? 0) * 1024);
    }
    echo "worker pid=", getmypid(), " kept=", count($kept), "\n";
})) {
}
