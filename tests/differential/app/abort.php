<?php
// The client closes the connection after the first bytes. The script keeps
// writing (flushing) and records what PHP observed, in a shutdown function.
require __DIR__ . '/lib/side.php';
$ignore = ($_GET['ignore'] ?? '1') === '1';
ignore_user_abort($ignore);
$GLOBALS['obs'] = ['ignore' => $ignore, 'ignore_user_abort' => ignore_user_abort(), 'iterations_after_abort' => 0,
                   'saw_abort' => false, 'status_at_abort' => null, 'reached_end' => false];
register_shutdown_function(function () {
    $o = $GLOBALS['obs'];
    $o['shutdown_aborted'] = connection_aborted();
    $o['shutdown_status'] = connection_status();
    keel_diff_side_write($o);
});
$chunk = str_repeat("x", 65535) . "\n";
$end = microtime(true) + 15;
while (microtime(true) < $end) {
    echo $chunk;
    @ob_flush();
    flush();
    if (connection_aborted()) {
        if (!$GLOBALS['obs']['saw_abort']) {
            $GLOBALS['obs']['saw_abort'] = true;
            $GLOBALS['obs']['status_at_abort'] = connection_status();
        }
        if (++$GLOBALS['obs']['iterations_after_abort'] >= 3) break;
    }
}
$GLOBALS['obs']['reached_end'] = true;
