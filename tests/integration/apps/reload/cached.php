<?php
// What OPcache of this worker's generation holds: whether version.php is
// cached and how many times OPcache restarted itself (in place).
header('Content-Type: application/json');
$s = opcache_get_status(false);
$st = $s['opcache_statistics'] ?? [];
echo json_encode([
    'cached' => opcache_is_script_cached(__DIR__ . '/version.php'),
    'manual_restarts' => $st['manual_restarts'] ?? null,
    'oom_restarts' => $st['oom_restarts'] ?? null,
    'hash_restarts' => $st['hash_restarts'] ?? null,
    'zygote' => posix_getppid(),
]), "\n";
