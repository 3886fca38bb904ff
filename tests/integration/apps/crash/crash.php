<?php
// Kills its own worker process, as a segfaulting extension would. Before
// dying it records its pid in the file named by ?pidfile=.
if (isset($_GET['pidfile'])) {
    file_put_contents($_GET['pidfile'], (string)getmypid());
}
if (function_exists('posix_kill')) {
    posix_kill(getmypid(), 9);
} else {
    shell_exec('kill -9 ' . getmypid());
}
echo "still alive?!\n";
