<?php
// Classic-mode fixture for --max-worker-memory-hard: touches ?mb= MiB of
// memory, then stays in the request (at most ?max= seconds) so the front's
// periodic check sees the worker busy and past the limit. If the worker is
// not killed, it answers 200 with "survived".
$mb = (int)($_GET['mb'] ?? 128);
$max = (float)($_GET['max'] ?? 15);
$blocks = [];
for ($i = 0; $i < $mb; $i++) {
    $blocks[] = str_repeat(chr(65 + $i % 26), 1024 * 1024 - 64);
}
$deadline = microtime(true) + $max;
while (microtime(true) < $deadline) {
    usleep(20000);
}
echo "survived ", count($blocks), "\n";
