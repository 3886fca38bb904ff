<?php
// Streams: a first part, flushed, then (once the file named by ?file=
// exists, bounded) the rest.
header("Content-Type: text/html");
while (ob_get_level() > 0) {
    ob_end_flush();
}
echo str_repeat("first part of the stream\n", 100);
flush();
$file = $_GET["file"] ?? "";
$deadline = microtime(true) + (float)($_GET["max"] ?? 10);
while (($file === "" || !file_exists($file)) && microtime(true) < $deadline) {
    usleep(10000);
}
echo str_repeat("second part\n", 100);
