<?php
// Classic-mode fixture: which process answered, and its memory figures.
header('Content-Type: application/json');
echo json_encode([
    'pid' => getmypid(),
    'usage' => memory_get_usage(),
    'peak' => memory_get_peak_usage(),
]);
