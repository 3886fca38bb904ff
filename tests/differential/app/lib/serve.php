<?php
// Runs $handler once, as a script does under PHP-FPM; as keel's worker
// script (the worker-mode comparison, test_diff_worker.py) it runs it for
// every request instead, inside the one booted script.
function keel_diff_serve(callable $handler): void
{
    if (!empty($_SERVER['FRANKENPHP_WORKER']) && function_exists('keel_handle_request')) {
        while (keel_handle_request($handler)) {
        }
    } else {
        $handler();
    }
}
