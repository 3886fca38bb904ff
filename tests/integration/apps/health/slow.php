<?php
// Answers after ?ms= milliseconds: a request in flight across a stop.
usleep((int)($_GET["ms"] ?? 0) * 1000);
echo "slow done\n";
