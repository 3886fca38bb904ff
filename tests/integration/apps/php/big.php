<?php
// A large response: ?n= bytes of a repeating, position-dependent pattern.
$n = (int)($_GET['n'] ?? 0);
$chunk = '';
for ($i = 0; $i < 256; $i++) {
    $chunk .= chr($i);
}
$out = substr(str_repeat($chunk, intdiv($n, 256) + 1), 0, $n);
header('Content-Type: application/octet-stream');
echo $out;
