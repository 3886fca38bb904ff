<?php
require __DIR__ . '/lib/side.php';
header('X-Finish: 1');
echo "response before finish\n";
$ret = fastcgi_finish_request();
echo "after finish (never sent)\n";
header('X-After-Finish: 1');
keel_diff_side_write(['continued' => true, 'ret' => $ret, 'headers_sent' => headers_sent(),
    'aborted' => connection_aborted(), 'status' => connection_status(), 'ob_level' => ob_get_level()]);
