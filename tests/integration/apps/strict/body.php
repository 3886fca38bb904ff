<?php
// Leaves a marker as soon as it runs, then echoes the body it received.
if (isset($_GET['marker'])) {
    file_put_contents($_GET['marker'], 'ran');
}
$in = file_get_contents('php://input');
header('Content-Type: application/json');
echo json_encode(['len' => strlen($in), 'sha1' => sha1($in)]);
