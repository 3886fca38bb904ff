<?php
// Classic: is the worker script (and the app file it loads) in OPcache?
header('Content-Type: application/json');
echo json_encode([
    'pid' => getmypid(),
    'worker' => opcache_is_script_cached(__DIR__ . '/worker.php'),
    'lib' => opcache_is_script_cached(__DIR__ . '/lib/App.php'),
    'never' => opcache_is_script_cached(__DIR__ . '/never.php'),
]);
