<?php
// Every ini value PHP reports, so the two runtimes' configuration is compared wholesale.
$all = ini_get_all(null, false);
echo json_encode($all, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES), "\n";
