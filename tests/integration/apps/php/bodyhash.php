<?php
$in = file_get_contents('php://input');
header('Content-Type: application/json');
echo json_encode(['len' => strlen($in), 'sha1' => sha1($in)]);
