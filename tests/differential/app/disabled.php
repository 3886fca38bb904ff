<?php
echo json_encode(['exec' => function_exists('exec'), 'shell_exec' => function_exists('shell_exec'),
    'strlen' => function_exists('strlen'), 'disable_functions' => ini_get('disable_functions'),
    'is_callable' => is_callable('exec')]), "\n";
if (($_GET['call'] ?? '') === '1') { exec('true'); echo "after\n"; }
