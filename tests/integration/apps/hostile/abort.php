<?php
// ignore_user_abort(false): writes and flushes until the client leaves,
// recording in ?f=FILE what PHP saw; the shutdown function runs either way.
ignore_user_abort(false);
$file = $_GET['f'];
register_shutdown_function(function () use ($file) {
    file_put_contents($file, "shutdown aborted=" . connection_aborted() . "\n", FILE_APPEND);
});
for ($i = 0; $i < 200; $i++) {
    echo str_repeat('x', 100), "\n";
    @ob_flush();
    flush();
    file_put_contents($file, "wrote $i aborted=" . connection_aborted() . "\n", FILE_APPEND);
    usleep(50000);
}
file_put_contents($file, "end\n", FILE_APPEND);
