<?php
header('Content-Type: application/json');
$st = function_exists('opcache_get_status') ? opcache_get_status(false) : false;
echo json_encode([
    'sapi' => php_sapi_name(),
    'opcache_loaded' => extension_loaded('Zend OPcache'),
    'opcache_enabled' => is_array($st) ? $st['opcache_enabled'] : null,
]);
