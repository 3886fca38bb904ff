<?php
header('X-Keel-Test: header-value-1');
header('Content-Type: text/x-keel; charset=utf-8');
http_response_code(404);
echo "custom-not-found-body\n";
