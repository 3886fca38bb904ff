<?php
// Every request must start from a clean slate.
header('Content-Type: application/json');

function counter() {
    static $n = 0;
    $n++;
    return $n;
}

$report = [
    'pid' => getmypid(),
    'static' => counter(),
    'global_seen' => isset($GLOBALS['keel_leak_global']) ? $GLOBALS['keel_leak_global'] : null,
    'function_seen' => function_exists('keel_leak_function'),
    'constant_seen' => defined('KEEL_LEAK_CONSTANT'),
    'class_seen' => class_exists('KeelLeakClass', false),
    'get_x_seen' => $_GET['x'] ?? null,
    'server_header_seen' => $_SERVER['HTTP_X_LEAK'] ?? null,
    'ini_seen' => ini_get('precision'),
];

if (isset($_GET['define'])) {
    $GLOBALS['keel_leak_global'] = 'leaked-' . $_GET['define'];
    eval('function keel_leak_function() { return 1; }');
    define('KEEL_LEAK_CONSTANT', 1);
    eval('class KeelLeakClass {}');
    ini_set('precision', '3');
    counter();
    counter();
}
echo json_encode($report);
