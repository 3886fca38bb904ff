<?php
header('Content-Type: application/json');
$out = ['POST' => $_POST, 'files' => []];
foreach ($_FILES as $k => $f) {
    $out['files'][$k] = [
        'name' => $f['name'],
        'size' => $f['size'],
        'error' => $f['error'],
        'uploaded' => is_uploaded_file($f['tmp_name']),
        'sha1' => is_file($f['tmp_name']) ? sha1_file($f['tmp_name']) : null,
    ];
}
echo json_encode($out);
