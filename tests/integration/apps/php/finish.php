<?php
// Answers the client, then keeps running until ?file= exists (bounded),
// then leaves ?marker= behind.
echo "finished-early\n";
fastcgi_finish_request();
$deadline = microtime(true) + (float)($_GET['max'] ?? 10);
while (!file_exists($_GET['file']) && microtime(true) < $deadline) {
    usleep(10000);
}
file_put_contents($_GET['marker'], file_exists($_GET['file']) ? 'released' : 'timeout');
