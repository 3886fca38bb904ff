<?php echo json_encode(['cwd' => getcwd(), 'dir' => __DIR__]), "\n";
