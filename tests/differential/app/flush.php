<?php
header('X-Streamed: yes');
for ($i = 0; $i < 5; $i++) {
    echo "part $i\n";
    ob_flush();
    flush();
}
echo "end\n";
