<?php
// Holds this worker busy: sends a first line at once, then waits (bounded)
// until the file named by ?file= exists, then sends the rest.
$file = $_GET["file"] ?? "";
$max = (float)($_GET["max"] ?? 10);
while (ob_get_level() > 0) {
    ob_end_flush();
}
echo "first pid=", getmypid(), " zygote=", posix_getppid(), "\n";
flush();
$deadline = microtime(true) + $max;
while (($file === "" || !file_exists($file)) && microtime(true) < $deadline) {
    usleep(10000);
}
echo ($file !== "" && file_exists($file)) ? "second\n" : "timeout\n";
