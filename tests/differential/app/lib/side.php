<?php
// Side-effect files: the harness gives each request a token (X-Token
// header, different per server) and reads SIDE/<token>.json afterwards.
function keel_diff_side_write(array $data) {
    $tok = preg_replace('/[^A-Za-z0-9_-]/', '', $_SERVER['HTTP_X_TOKEN'] ?? 'none');
    $dir = dirname(__DIR__, 2) . '/side';
    file_put_contents("$dir/$tok.json.tmp", json_encode($data, JSON_UNESCAPED_SLASHES));
    rename("$dir/$tok.json.tmp", "$dir/$tok.json");
}
