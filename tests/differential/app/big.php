<?php
// A deterministic response of ?mb= megabytes (default 50).
$mb = (int)($_GET['mb'] ?? 50);
header('Content-Type: application/octet-stream');
$block = '';
for ($i = 0; $i < 4096; $i++) $block .= sprintf("%015d\n", $i);   // 64 KiB
for ($i = 0; $i < $mb * 16; $i++) { echo $block; }
