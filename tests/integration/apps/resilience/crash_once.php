<?php
// Crashes the first time only: the first run creates ?marker= (holding
// its pid) and kills its worker before any output; later runs answer.
$marker = $_GET['marker'] ?? '';
if ($marker === '') {
    http_response_code(400);
    exit("no marker\n");
}
$fd = @fopen($marker, 'x');
if ($fd !== false) {
    fwrite($fd, (string)getmypid());
    fclose($fd);
    posix_kill(getmypid(), 9);
}
echo "ok pid=", getmypid(), " crashed=", file_get_contents($marker), " method=", $_SERVER['REQUEST_METHOD'], "\n";
