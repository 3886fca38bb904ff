<?php
// What PHP sees of the client and of the server it was asked for.
header('Content-Type: application/json');
$keys = ['REMOTE_ADDR', 'REMOTE_PORT', 'HTTPS', 'REQUEST_SCHEME', 'SERVER_NAME', 'SERVER_PORT', 'HTTP_HOST',
         'HTTP_X_FORWARDED_FOR', 'HTTP_X_FORWARDED_PROTO'];
$out = [];
foreach ($keys as $k) {
    $out[$k] = $_SERVER[$k] ?? null;
}
echo json_encode($out);
