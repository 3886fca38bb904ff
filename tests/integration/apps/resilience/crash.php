<?php
// Kills its own worker with the signal ?sig= (9 or 11), as a crashing
// extension would; first records its pid in ?pidfile=.
$sig = (int)($_GET['sig'] ?? 9);
if (isset($_GET['pidfile'])) {
    file_put_contents($_GET['pidfile'], (string)getmypid());
}
posix_kill(getmypid(), $sig);
echo "still alive?!\n";
