<?php
// Prints, as JSON, everything a PHP script can observe about its request.
// The harness normalises the few values that must differ (see compare.py).

function keel_diff_files($node, $key = null) {
    if (!is_array($node)) return $node;
    $out = [];
    foreach ($node as $k => $v) {
        if ($k === 'tmp_name' || $key === 'tmp_name') {
            // Random file names: report what the app can rely on instead.
            $f = function ($t) use (&$f) {
                if (is_array($t)) return array_map($f, $t);
                if ($t === '') return '';
                return ['dir' => dirname($t), 'name_ok' => (bool)preg_match('/^php[A-Za-z0-9]{6}$/', basename($t)),
                        'is_uploaded' => is_uploaded_file($t), 'md5' => is_file($t) ? md5_file($t) : null];
            };
            $out[$k] = $f($v);
        } else {
            $out[$k] = keel_diff_files($v, $k);
        }
    }
    return $out;
}

function keel_diff_dump(array $extra = []) {
    $input = file_get_contents('php://input');
    $r = [
        'script' => basename($_SERVER['SCRIPT_FILENAME'] ?? ''),
        'server' => $_SERVER,
        'get' => $_GET,
        'post' => $_POST,
        'cookie' => $_COOKIE,
        'request' => $_REQUEST,
        'files' => keel_diff_files($_FILES),
        'input_len' => strlen($input),
        'input_md5' => md5($input),
        'input' => strlen($input) <= 4096 ? $input : null,
        'input_again_md5' => md5(file_get_contents('php://input')),
        'headers' => function_exists('getallheaders') ? getallheaders() : 'missing',
        'cwd' => getcwd(),
        'sapi' => PHP_SAPI,
        'method' => $_SERVER['REQUEST_METHOD'] ?? null,
        'error' => error_get_last(),
        'types' => ['REQUEST_TIME' => gettype($_SERVER['REQUEST_TIME'] ?? null),
                    'REQUEST_TIME_FLOAT' => gettype($_SERVER['REQUEST_TIME_FLOAT'] ?? null),
                    'argc' => gettype($_SERVER['argc'] ?? null)],
    ] + $extra;
    header('Content-Type: application/json');
    echo json_encode($r, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE | JSON_PARTIAL_OUTPUT_ON_ERROR), "\n";
}
