<?php
// SOURCE-MARKER-deep-c41e
header('Content-Type: application/json');
echo json_encode([
    'script' => 'deep',
    'SCRIPT_NAME' => $_SERVER['SCRIPT_NAME'] ?? null,
    'PATH_INFO' => $_SERVER['PATH_INFO'] ?? null,
]);
