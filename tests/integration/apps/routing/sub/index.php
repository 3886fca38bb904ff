<?php
header('Content-Type: application/json');
echo json_encode([
    'script' => 'sub-index',
    'SCRIPT_NAME' => $_SERVER['SCRIPT_NAME'] ?? null,
    'REQUEST_URI' => $_SERVER['REQUEST_URI'] ?? null,
]);
