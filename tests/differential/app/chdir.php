<?php chdir('/tmp'); echo json_encode(['cwd' => getcwd()]), "\n";
