<?php
// A classic script next to the worker script: full request startup and
// shutdown, so its static counter is always 1.
function bump(): int
{
    static $n = 0;
    return ++$n;
}
header('Content-Type: application/json');
echo json_encode([
    'pid' => getmypid(),
    'count' => bump(),
    'worker' => $_SERVER['FRANKENPHP_WORKER'] ?? null,
    'app_class_loaded' => class_exists('App', false),
]);
