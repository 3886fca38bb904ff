<?php
echo json_encode(['memory_limit' => ini_get('memory_limit'), 'max_execution_time' => ini_get('max_execution_time'),
    'upload_max_filesize' => ini_get('upload_max_filesize'), 'post_max_size' => ini_get('post_max_size'),
    'display_errors' => ini_get('display_errors')]), "\n";
