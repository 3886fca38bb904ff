<?php
header('Content-Type: application/json');
echo json_encode([
    'pid' => getmypid(),
    'cached' => opcache_is_script_cached(__DIR__ . '/other.php'),
    'cached_never' => opcache_is_script_cached(__DIR__ . '/never.php'),
]);
