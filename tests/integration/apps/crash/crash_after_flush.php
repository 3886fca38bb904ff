<?php
// Sends part of a response, then its worker dies.
while (ob_get_level() > 0) {
    ob_end_flush();
}
echo "partial-output\n";
flush();
if (function_exists('posix_kill')) {
    posix_kill(getmypid(), 9);
} else {
    shell_exec('kill -9 ' . getmypid());
}
echo "never-sent\n";
