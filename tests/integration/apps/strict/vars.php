<?php
// What PHP was given of the request: the names keel derives from Host,
// and every HTTP_* entry. Leaves a marker as soon as it runs.
if (isset($_GET['marker'])) {
    file_put_contents($_GET['marker'], 'ran');
}
$http = [];
foreach ($_SERVER as $k => $v) {
    if (strncmp($k, 'HTTP_', 5) === 0 || $k === '') {
        $http[$k] = $v;
    }
}
header('Content-Type: application/json');
echo json_encode(['SERVER_NAME' => $_SERVER['SERVER_NAME'] ?? null, 'HTTP' => $http,
                  'body' => strlen(file_get_contents('php://input'))]);
