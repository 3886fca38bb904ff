<?php
require_once __DIR__ . '/lib/serve.php';

keel_diff_serve(function (): void {
    header('X-Streamed: yes');
    for ($i = 0; $i < 5; $i++) {
        echo "part $i\n";
        ob_flush();
        flush();
    }
    echo "end\n";
});
