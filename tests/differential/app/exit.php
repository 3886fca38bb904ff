<?php
$c = $_GET['c'] ?? '';
function bye($m) { echo "in function\n"; exit($m); }
class D { function __destruct() { echo "destructor\n"; } }
switch ($c) {
case 'plain': echo "before\n"; exit; echo "after\n"; break;
case 'die_msg': echo "before\n"; die("dying message\n");
case 'exit_int': echo "before\n"; exit(3);
case 'in_function': echo "a\n"; bye("msg from function\n"); echo "unreachable\n"; break;
case 'in_finally': try { echo "try\n"; exit("x\n"); } finally { echo "finally\n"; } break;
case 'destructor': $d = new D(); echo "main\n"; exit; break;
case 'shutdown': register_shutdown_function(function () { echo "shutdown 1\n"; exit; echo "never\n"; });
    register_shutdown_function(function () { echo "shutdown 2\n"; }); echo "main\n"; break;
case 'exit_in_shutdown_status': register_shutdown_function(function () { http_response_code(503); echo "sd\n"; exit; }); echo "main\n"; break;
case 'ob_callback': ob_start(function ($buf) { return "cb:" . $buf; }); echo "buffered\n"; exit; break;
case 'exit_inside_ob_callback': ob_start(function ($buf) { if (strlen($buf)) { exit; } return $buf; }); echo "buffered\n"; ob_end_flush(); echo "after\n"; break;
case 'ob_open': ob_start(); ob_start(); echo "nested open\n"; exit; break;
case 'after_header': header('X-Before-Exit: 1'); http_response_code(202); exit("accepted\n");
case 'include_exit': echo "a\n"; include __DIR__ . '/inc/exits.php'; echo "b\n"; break;
case 'exit_after_flush': echo "flushed\n"; ob_flush(); flush(); exit("end\n");
default: http_response_code(400); echo "unknown case\n";
}
