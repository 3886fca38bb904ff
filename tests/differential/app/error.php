<?php
require_once __DIR__ . '/lib/serve.php';

function keel_diff_error(): void
{
    $c = $_GET['c'] ?? '';
    switch ($c) {
    case 'exception': echo ""; throw new RuntimeException("boom");
    case 'exception_after_output': echo "partial output\n"; throw new RuntimeException("boom after output");
    case 'exception_after_flush': echo "flushed output\n"; ob_flush(); flush(); throw new RuntimeException("boom after flush");
    case 'undefined_function': no_such_function(); break;
    case 'type_error': strlen([]); break;
    case 'user_error': trigger_error("user fatal", E_USER_ERROR); echo "after\n"; break;
    case 'warning': echo $undefined_variable; $x = [] ; echo $x['nope'] ?? ''; echo "after warning\n"; trigger_error("a notice", E_USER_NOTICE); echo "done\n"; break;
    case 'deprecated': trigger_error("deprecated thing", E_USER_DEPRECATED); echo "done\n"; break;
    case 'parse_error': include __DIR__ . '/inc/broken.php'; break;
    case 'memory': $a = []; while (true) { $a[] = str_repeat('x', 1 << 20); } break;
    case 'exception_404': http_response_code(404); throw new Exception("with 404 set");
    case 'handler': set_exception_handler(function ($e) { http_response_code(500); echo "handled: ", $e->getMessage(), "\n"; }); throw new Exception("to handler");
    case 'error_handler': set_error_handler(function ($no, $str) { echo "handler got: $str\n"; return true; }); echo $undefined; echo "done\n"; break;
    case 'error_log': error_log("a line for the server log"); echo "logged\n"; break;
    case 'shutdown_error': register_shutdown_function(function () { echo json_encode(error_get_last()['message'] ?? null), "\n"; }); no_such_function(); break;
    case 'recursion': function r($n) { return r($n + 1); } r(0); break;
    case 'division': echo 1 % 0; break;
    default: http_response_code(400); echo "unknown case\n";
    }
}

keel_diff_serve('keel_diff_error');
