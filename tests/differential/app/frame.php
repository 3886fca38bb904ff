<?php
// Responses whose framing PHP gets wrong: a Content-Length that does not
// match the body, 1xx as the final status. One case per ?c=NAME.
require_once __DIR__ . '/lib/serve.php';

function keel_diff_frame(): void
{
    $c = $_GET['c'] ?? '';
    switch ($c) {
    // announces 2 bytes, sends 2, flushes, then sends a whole second response
    case 'cl_long_flush': header('Content-Length: 2'); echo "ab"; flush();
        echo "HTTP/1.1 200 OK\r\nContent-Length: 7\r\nX-Smuggled: yes\r\n\r\nsmuggled"; break;
    case 'cl_long': header('Content-Length: 2'); echo "abcdef"; break;
    case 'cl_short': header('Content-Length: 100'); echo "abc"; break;
    case 'cl_short_flush': header('Content-Length: 100'); echo "abc"; flush(); echo "def"; break;
    case 'cl_exact': header('Content-Length: 3'); echo "abc"; break;
    case 'cl_bad': header('Content-Length: 12x'); echo "abc"; break;
    case 'code_100': http_response_code(100); echo "continue?\n"; break;
    case 'code_101': http_response_code(101); header('Upgrade: evil'); echo "switch?\n"; break;
    case 'code_103': http_response_code(103); header('Link: </s.css>; rel=preload'); echo "early?\n"; break;
    case 'status_header_100': header('Status: 100 Continue'); echo "continue?\n"; break;
    case 'len52': echo str_repeat("0123456789", 5), "!\n"; break;
    default: http_response_code(400); echo "unknown case $c\n";
    }
}

keel_diff_serve('keel_diff_frame');
