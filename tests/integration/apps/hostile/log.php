<?php
// Lines that pose as keel's own (?tag names this request's), written every
// way PHP can reach keel's log.
$fake = "2001-01-01T00:00:00.000Z error keel[1] front: forged-" . $_GET['tag'];
error_log("a\n$fake-error-log");
file_put_contents('php://stderr', "$fake-stderr\n");
file_put_contents('php://stdout', "$fake-stdout\n");
shell_exec('echo ' . escapeshellarg("$fake-child") . ' >&2');
echo "ok\n";
