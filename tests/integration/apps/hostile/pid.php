<?php
// ?ms=N: hold the worker N milliseconds first, so concurrent clients
// reach every worker.
if (isset($_GET['ms'])) {
    usleep(1000 * min(1000, (int)$_GET['ms']));
}
echo getmypid(), "\n";
