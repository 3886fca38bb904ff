<?php
// An alternative front controller (--front-controller router.php).
header('Content-Type: application/json');
echo json_encode([
    'script' => 'router',
    'REQUEST_URI' => $_SERVER['REQUEST_URI'] ?? null,
    'SCRIPT_NAME' => $_SERVER['SCRIPT_NAME'] ?? null,
]);
