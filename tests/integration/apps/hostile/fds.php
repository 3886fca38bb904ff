<?php
// The descriptors this worker has (with close-on-exec) and those a process
// it starts inherits, as JSON.
function flags(string $fd): ?int
{
    $info = @file_get_contents("/proc/self/fdinfo/$fd");
    if ($info === false || !preg_match('/^flags:\s+([0-7]+)/m', $info, $m)) {
        return null; // the descriptor that lists the directory, gone already
    }
    return octdec($m[1]);
}

$own = [];
foreach (scandir('/proc/self/fd') as $fd) {
    if (!ctype_digit($fd) || ($f = flags($fd)) === null) {
        continue;
    }
    $own[$fd] = ['target' => readlink("/proc/self/fd/$fd"), 'cloexec' => ($f & 02000000) !== 0];
}
// `ls` lists the descriptors of the shell that PHP started ($$), not its own.
$child = [];
foreach (explode("\n", trim((string)shell_exec('ls -l /proc/$$/fd'))) as $line) {
    if (preg_match('/ (\d+) -> (.*)$/', $line, $m)) {
        $child[$m[1]] = $m[2];
    }
}
header('Content-Type: application/json');
echo json_encode(['own' => $own, 'child' => $child], JSON_UNESCAPED_SLASHES);
