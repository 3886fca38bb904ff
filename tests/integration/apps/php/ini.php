<?php
header('Content-Type: application/json');
$out = [];
foreach (explode(',', $_GET['keys'] ?? '') as $k) {
    $out[$k] = ini_get($k);
}
echo json_encode($out);
