<?php
// The --warmup request: holds the first generation starting until the
// file named by ?file= exists (bounded by ?max= seconds).
$file = $_GET["file"] ?? "";
$deadline = microtime(true) + (float)($_GET["max"] ?? 10);
while (($file === "" || !file_exists($file)) && microtime(true) < $deadline) {
    usleep(10000);
}
echo file_exists($file) ? "warm\n" : "timeout\n";
