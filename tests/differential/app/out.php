<?php
// Response-side behaviour: one case per ?c=NAME.
require_once __DIR__ . '/lib/serve.php';

function keel_diff_out(): void
{
    $c = $_GET['c'] ?? '';
    switch ($c) {
    case 'replace': header('X-A: 1'); header('X-A: 2'); echo "replaced\n"; break;
    case 'append': header('X-A: 1'); header('X-A: 2', false); header('x-a: 3', false); echo "appended\n"; break;
    case 'replace_case': header('X-Case: 1'); header('x-case: 2'); echo "ok\n"; break;
    case 'status_404': header('HTTP/1.1 404 Not Found'); echo "nf\n"; break;
    case 'status_10_404': header('HTTP/1.0 404 Not Found'); echo "nf\n"; break;
    case 'custom_reason': header('HTTP/1.1 299 Custom Thing'); echo "custom\n"; break;
    case 'custom_reason_404': header('HTTP/1.1 404 Gone Fishing'); echo "fish\n"; break;
    case 'custom_reason_500': header('HTTP/1.1 500 Oops We Broke'); echo "oops\n"; break;
    case 'status_no_reason': header('HTTP/1.1 222'); echo "noreason\n"; break;
    case 'status_unknown_code': http_response_code(299); echo "299\n"; break;
    case 'status_header': header('Status: 403 Forbidden'); echo "st\n"; break;
    case 'status_header_custom': header('Status: 402 Pay Me'); echo "st\n"; break;
    case 'response_code_418': http_response_code(418); echo json_encode(http_response_code()), "\n"; break;
    case 'response_code_get': echo json_encode(http_response_code()), "\n"; break;
    case 'response_code_twice': http_response_code(404); http_response_code(410); echo "gone\n"; break;
    case 'header_code_param': header('X-Code: 1', true, 451); echo "451\n"; break;
    case 'location': header('Location: /elsewhere'); echo "moved\n"; break;
    case 'location_abs': header('Location: http://example.com/x?y=1'); break;
    case 'location_201': http_response_code(201); header('Location: /created'); echo "created\n"; break;
    case 'location_301': header('Location: /perm', true, 301); break;
    case 'location_after_307': http_response_code(307); header('Location: /temp'); break;
    case 'location_after_404': http_response_code(404); header('Location: /nf'); break;
    case 'location_after_303': header('HTTP/1.1 303 See Other'); header('Location: /other'); break;
    case 'location_308': header('Location: /p', true, 308); break;
    case 'remove_one': header('X-A: 1'); header('X-B: 2'); header_remove('X-A'); echo "r1\n"; break;
    case 'remove_all': header('X-A: 1'); header_remove(); echo "rall\n"; break;
    case 'remove_xpb': header_remove('X-Powered-By'); echo "rx\n"; break;
    case 'remove_ct': header_remove('Content-Type'); echo "rct\n"; break;
    case 'empty_value': header('X-Empty:'); header('X-Space: '); echo "e\n"; break;
    case 'no_colon': header('NoColonHere'); echo "nc\n"; break;
    case 'crlf_injection': @header("X-Inj: a\r\nX-Evil: b"); echo json_encode(headers_list()), "\n"; break;
    case 'long_header': header('X-Long: ' . str_repeat('v', 3000)); echo "long\n"; break;
    case 'many_headers': for ($i = 0; $i < 60; $i++) header("X-H$i: value $i"); echo "many\n"; break;
    case 'odd_value': header("X-Odd: \t spaced  value \t"); echo "odd\n"; break;
    case 'content_type_json': header('Content-Type: application/json'); echo "{}\n"; break;
    case 'content_type_nocharset': header('Content-Type: text/plain'); echo "t\n"; break;
    case 'default_charset': ini_set('default_charset', 'ISO-8859-1'); echo "cs\n"; break;
    case 'content_length_set': header('Content-Length: 3'); echo "abc"; break;
    case 'headers_sent': $a = headers_sent(); echo "x"; $b = headers_sent(); flush(); $c2 = headers_sent($f, $l);
        echo json_encode([$a, $b, $c2, basename((string)$f), $l]), "\n"; break;
    case 'headers_list': header('X-A: 1'); setcookie('c', 'v'); echo json_encode(headers_list()), "\n"; break;
    case 'header_after_output': echo "out"; flush(); header('X-Late: 1'); echo json_encode(error_get_last()['message'] ?? null), "\n"; break;
    case 'cookie_simple': setcookie('a', 'b'); echo "c\n"; break;
    case 'cookie_multi': setcookie('a', '1'); setcookie('b', '2'); setcookie('a', '3'); echo "c\n"; break;
    case 'cookie_options': setcookie('opt', 'v a;l', ['expires' => 1, 'path' => '/p', 'domain' => 'example.com',
        'secure' => true, 'httponly' => true, 'samesite' => 'Strict']); echo "c\n"; break;
    case 'cookie_delete': setcookie('gone', ''); echo "c\n"; break;
    case 'cookie_encoded': setcookie('enc', "a b+c=d/é"); echo "c\n"; break;
    case 'rawcookie': setrawcookie('raw', 'a+b%20c', 0, '/', '', false, true); echo "c\n"; break;
    case 'cookie_header': header('Set-Cookie: manual=1; Path=/'); header('Set-Cookie: manual2=2', false); echo "c\n"; break;
    case '204': http_response_code(204); echo "should not be sent"; break;
    case '204_empty': http_response_code(204); break;
    case '304': http_response_code(304); header('ETag: "abc"'); echo "should not be sent"; break;
    case '304_empty': header('HTTP/1.1 304 Not Modified'); break;
    case 'empty': break;
    case 'ob_nested': ob_start(); echo "a"; ob_start(); echo "b"; $in = ob_get_clean(); echo strtoupper($in); ob_end_flush(); echo "c\n"; break;
    case 'ob_callback': ob_start(function ($b) { return strrev($b); }); echo "abc\n"; ob_end_flush(); break;
    case 'ob_get_clean_all': echo "discard"; while (ob_get_level()) ob_end_clean(); echo "kept\n"; break;
    case 'ob_level': echo json_encode([ob_get_level(), ini_get('output_buffering'), ob_list_handlers()]), "\n"; break;
    case 'ob_status': ob_start(); echo "x"; $s = ob_get_status(true); ob_end_clean(); echo json_encode(count($s)), "\n"; break;
    case 'ob_unflushed': ob_start(); ob_start(); echo "left in buffers\n"; break;
    case 'ob_header_after': ob_start(); echo "buffered"; header('X-After-Output: yes'); ob_end_flush(); echo "\n"; break;
    case 'ob_gzhandler': ob_start('ob_gzhandler'); echo str_repeat("gz ", 100), "\n"; break;
    case 'binary': echo implode('', array_map('chr', range(0, 255))); break;
    case 'large_1m': echo str_repeat("0123456789abcdef", 65536); break;
    case 'vary': header('Vary: Accept'); header('Vary: Cookie', false); echo "v\n"; break;
    case 'cache_limiter': session_cache_limiter('nocache'); ini_set('session.save_path', dirname(__DIR__) . '/sessions'); session_start(); session_write_close(); echo "cl\n"; break;
    default: http_response_code(400); echo "unknown case $c\n";
    }
}

keel_diff_serve('keel_diff_out');
