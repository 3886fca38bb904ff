<?php
// Responses whose framing PHP gets wrong. One case per ?c=NAME.
while (ob_get_level() > 0) {
    ob_end_flush();
}
switch ($_GET['c'] ?? '') {
// announces 2 bytes, sends 2, flushes, then what a pooling proxy would
// take for a second response
case 'cl_long_flush':
    header('Content-Length: 2');
    echo "ab";
    flush();
    echo "HTTP/1.1 200 OK\r\nContent-Length: 8\r\nX-Smuggled: yes\r\n\r\nsmuggled";
    break;
case 'cl_long':
    header('Content-Length: 2');
    echo "abcdef";
    break;
case 'cl_short':
    header('Content-Length: 100');
    echo "abc";
    break;
case 'cl_short_flush':
    header('Content-Length: 100');
    echo "abc";
    flush();
    echo "def";
    break;
// the whole body, flushed, then the end: the last send has nothing left
case 'cl_exact_flushed':
    header('Content-Length: 6');
    echo "abcdef";
    flush();
    break;
case 'cl_exact':
    header('Content-Length: 3');
    echo "abc";
    break;
case 'code_100':
    http_response_code(100);
    echo "continue?\n";
    break;
case 'code_101':
    http_response_code(101);
    header('Upgrade: evil');
    echo "switch?\n";
    break;
case 'code_103':
    http_response_code(103);
    header('Link: </s.css>; rel=preload');
    echo "early?\n";
    break;
case 'status_header_100':
    header('Status: 100 Continue');
    echo "continue?\n";
    break;
// flush() before any output sends nothing; the status set afterwards is
// the one that counts, and a 204 carries no body
case 'flush_then_204':
    flush();
    http_response_code(204);
    echo "not for the client";
    break;
case 'len52':
    echo str_repeat("0123456789", 5), "!\n";
    break;
case 'stream':
    for ($i = 0; $i < 3; $i++) {
        echo "part $i\n";
        flush();
    }
    break;
default:
    http_response_code(400);
    echo "unknown case\n";
}
