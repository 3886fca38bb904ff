<?php
// The code a deploy changes is version.php; this page reports which
// version, worker and zygote (generation) served it.
$v = require __DIR__ . '/version.php';
echo "version=$v pid=", getmypid(), " zygote=", posix_getppid(), "\n";
