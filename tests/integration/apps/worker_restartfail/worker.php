<?php
// Boots fine until the test creates fail-boot.flag next to this script;
// from then on every boot throws. GET /exit forces a restart.
if (file_exists(__DIR__ . '/fail-boot.flag')) {
    throw new RuntimeException('restart-boot-failure-marker');
}
$n = 0;
while (keel_handle_request(function () use (&$n) {
    $n++;
    if (parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) === '/exit') {
        echo "exiting ", getmypid();
        exit(0);
    }
    echo "worker ", getmypid(), " n=", $n;
})) {
    gc_collect_cycles();
}
