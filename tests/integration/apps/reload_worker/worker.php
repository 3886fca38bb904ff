<?php
// Worker mode: the version is read once, when the worker boots.
$v = require __DIR__ . '/version.php';
while (keel_handle_request(function () use ($v) {
    echo "version=$v pid=", getmypid(), " zygote=", posix_getppid(), "\n";
})) {
}
