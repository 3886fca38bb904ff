<?php
// Worker mode: /?fork=1&f=FILE forks as fork.php does, anything else
// answers the worker's pid (after ?ms=N milliseconds, as pid.php).
while (keel_handle_request(function () {
    if (isset($_GET['fork'])) {
        require __DIR__ . '/fork.php';
        return;
    }
    if (isset($_GET['ms'])) {
        usleep(1000 * min(1000, (int)$_GET['ms']));
    }
    echo getmypid(), "\n";
})) {
}
