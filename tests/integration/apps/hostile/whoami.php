<?php
// Who PHP runs as, and whether it can signal the front (?front=PID).
$front = (int)($_GET['front'] ?? 0);
$signalled = posix_kill($front, 0);
header('Content-Type: application/json');
echo json_encode([
    'uid' => posix_getuid(),
    'euid' => posix_geteuid(),
    'gid' => posix_getgid(),
    'groups' => posix_getgroups(),
    'signal_front' => $signalled,
    'signal_errno' => $signalled ? 0 : posix_get_last_error(),
    'setuid_root' => @posix_setuid(0),
]);
