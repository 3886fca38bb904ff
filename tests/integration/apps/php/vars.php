<?php
// Echoes what PHP saw of the request.
header('Content-Type: application/json');
$headers = [];
foreach ($_SERVER as $k => $v) {
    if (strncmp($k, 'HTTP_', 5) === 0) {
        $headers[$k] = $v;
    }
}
echo json_encode([
    'GET' => $_GET,
    'POST' => $_POST,
    'COOKIE' => $_COOKIE,
    'REQUEST_METHOD' => $_SERVER['REQUEST_METHOD'] ?? null,
    'CONTENT_TYPE' => $_SERVER['CONTENT_TYPE'] ?? null,
    'CONTENT_LENGTH' => $_SERVER['CONTENT_LENGTH'] ?? null,
    'HTTP' => $headers,
    'input' => file_get_contents('php://input'),
]);
