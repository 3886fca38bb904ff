<?php
header('Content-Type: application/json');
$s = $_SERVER;
echo json_encode([
    'REMOTE_ADDR' => $s['REMOTE_ADDR'] ?? null,
    'SERVER_PORT' => $s['SERVER_PORT'] ?? null,
    'SERVER_PROTOCOL' => $s['SERVER_PROTOCOL'] ?? null,
    'DOCUMENT_ROOT' => $s['DOCUMENT_ROOT'] ?? null,
    'REQUEST_METHOD' => $s['REQUEST_METHOD'] ?? null,
    'HTTPS' => $s['HTTPS'] ?? null,
    'getallheaders' => function_exists('getallheaders') ? getallheaders() : null,
]);
