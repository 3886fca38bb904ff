<?php
// pcntl_fork() in a request. The child writes its pid to ?f=FILE; with
// ?linger it then runs on without ever touching keel's plumbing (after
// posix_setsid() with ?setsid), else it ends its copy of the script like
// the parent, which takes it back into keel's code.
$pid = pcntl_fork();
if ($pid === 0) {
    if (isset($_GET['setsid'])) {
        posix_setsid();
    }
    file_put_contents($_GET['f'] . '.tmp', getmypid());
    rename($_GET['f'] . '.tmp', $_GET['f']);
    if (isset($_GET['linger'])) {
        while (true) {
            sleep(1);
        }
    }
    echo "child ", getmypid(), "\n";
    return;
}
echo "parent ", getmypid(), "\n";
