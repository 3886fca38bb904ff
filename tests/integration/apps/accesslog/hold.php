<?php
// Answers once the file named by ?file= exists (bounded by ?max= seconds).
$file = $_GET["file"] ?? "";
$deadline = microtime(true) + (float)($_GET["max"] ?? 10);
while (($file === "" || !file_exists($file)) && microtime(true) < $deadline) {
    usleep(10000);
}
echo "held pid=", getmypid(), "\n";
