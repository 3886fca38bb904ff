<?php
// Burns CPU for up to ?max= seconds; max_execution_time should stop it first.
$deadline = microtime(true) + (float)($_GET['max'] ?? 10);
$x = 0;
while (microtime(true) < $deadline) {
    $x++;
}
echo "spun-to-the-end\n";
