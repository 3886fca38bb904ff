<?php
header('Content-Type: application/json');
$keys = ['HTTPS', 'REQUEST_SCHEME', 'SERVER_PORT', 'SERVER_PROTOCOL', 'SSL_PROTOCOL', 'SSL_CIPHER', 'HTTP_HOST',
         'REMOTE_ADDR', 'REMOTE_PORT', 'SERVER_ADDR'];
$out = [];
foreach ($keys as $k) {
    $out[$k] = $_SERVER[$k] ?? null;
}
echo json_encode($out);
