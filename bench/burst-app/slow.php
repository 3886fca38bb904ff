<?php
// bench/burst.sh: a request that takes ?ms= milliseconds (default 500)
// without using the CPU, as one waiting on a database or an API does, and
// says which process answered.
usleep((int)($_GET['ms'] ?? 500) * 1000);
header('Content-Type: text/plain');
echo getmypid(), "\n";
