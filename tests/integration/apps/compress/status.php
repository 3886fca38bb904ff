<?php
// A big text body with the status of ?s=.
http_response_code((int)($_GET["s"] ?? 200));
header("Content-Type: text/html");
echo str_repeat("status body\n", 500);
