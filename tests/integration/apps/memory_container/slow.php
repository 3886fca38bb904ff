<?php
// Takes ?ms= (default 300) and says which worker answered.
usleep((int)($_GET['ms'] ?? 300) * 1000);
header('Content-Type: application/json');
echo json_encode(['pid' => getmypid()]);
