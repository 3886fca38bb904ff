<?php
// Burns ?s= seconds of CPU time. max_execution_time counts CPU time (a
// profiling timer), so the loop counts it too: one ending by the wall
// clock burnt less than the limit on a busy machine, and the limit did not
// fire. A wall-clock bound keeps the loop finite whatever happens.
require __DIR__ . '/lib/side.php';
register_shutdown_function(function () { keel_diff_side_write(['shutdown_ran' => true, 'error' => error_get_last()['message'] ?? null]); });
function cpu_seconds(): float
{
    $r = getrusage();
    return $r['ru_utime.tv_sec'] + $r['ru_stime.tv_sec'] + ($r['ru_utime.tv_usec'] + $r['ru_stime.tv_usec']) / 1e6;
}
$want = (float)($_GET['s'] ?? 5);
$cpuEnd = cpu_seconds() + $want;
$wallEnd = microtime(true) + 10 * $want + 5;
$x = 0;
while (cpu_seconds() < $cpuEnd && microtime(true) < $wallEnd) { $x++; }
echo "finished $x\n";
