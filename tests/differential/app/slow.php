<?php
// Burns CPU for up to ?s= seconds (max_execution_time counts CPU time).
require __DIR__ . '/lib/side.php';
register_shutdown_function(function () { keel_diff_side_write(['shutdown_ran' => true, 'error' => error_get_last()['message'] ?? null]); });
$end = microtime(true) + (float)($_GET['s'] ?? 5);
$x = 0;
while (microtime(true) < $end) { $x++; }
echo "finished $x\n";
