<?php
// An application cache on a memory-backed filesystem: each request writes
// one file of ?kb= KiB (default 64) under ?dir= (a directory the test
// made) in app-cache/<shard>/, as a cache bundle would, then sleeps ?ms=
// (default 0). ?rm=1 removes the whole tree.
header('Content-Type: application/json');
$dir = $_GET['dir'] ?? '';
if ($dir === '' || $dir[0] !== '/' || !is_dir($dir)) {
    http_response_code(400);
    echo json_encode(['error' => 'dir']);
    return;
}
$root = $dir . '/app-cache';
if (!empty($_GET['rm'])) {
    $it = new RecursiveIteratorIterator(new RecursiveDirectoryIterator($root, FilesystemIterator::SKIP_DOTS),
                                        RecursiveIteratorIterator::CHILD_FIRST);
    foreach ($it as $f) {
        $f->isDir() ? rmdir($f->getPathname()) : unlink($f->getPathname());
    }
    @rmdir($root);
    echo json_encode(['removed' => $root]);
    return;
}
$kb = (int)($_GET['kb'] ?? 64);
$name = bin2hex(random_bytes(8));
$shard = $root . '/' . substr($name, 0, 1);
if (!is_dir($shard)) {
    @mkdir($shard, 0700, true);
}
file_put_contents("$shard/$name.cache", str_repeat('c', $kb * 1024));
usleep((int)($_GET['ms'] ?? 0) * 1000);
echo json_encode(['pid' => getmypid(), 'file' => "$shard/$name.cache"]);
