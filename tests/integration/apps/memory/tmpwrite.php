<?php
// Writes (or with ?rm=1 removes) a file of ?mb= MiB in sys_get_temp_dir().
header('Content-Type: application/json');
$dir = sys_get_temp_dir();
$file = $dir . '/' . basename($_GET['name'] ?? 'blob.bin');
if (!empty($_GET['rm'])) {
    @unlink($file);
    echo json_encode(['removed' => $file, 'temp_dir' => $dir]);
    return;
}
$mb = (int)($_GET['mb'] ?? 20);
$chunk = str_repeat("k", 1024 * 1024);
$fh = fopen($file, 'wb');
for ($i = 0; $i < $mb; $i++) {
    fwrite($fh, $chunk);
}
fclose($fh);
clearstatcache();
echo json_encode(['file' => $file, 'temp_dir' => $dir, 'size' => filesize($file)]);
