<?php
// Worker mode: /?fork=1&f=FILE forks as fork.php does, anything else
// answers the worker's pid.
while (keel_handle_request(function () {
    if (isset($_GET['fork'])) {
        require __DIR__ . '/fork.php';
        return;
    }
    echo getmypid(), "\n";
})) {
}
