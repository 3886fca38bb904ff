<?php
echo json_encode(['prepended' => $GLOBALS['prepended'] ?? 'no', 'included' => array_map('basename', get_included_files()),
    'auto_prepend_file' => ini_get('auto_prepend_file')]), "\n";
