<?php
// Takes ?mb= MiB of the Zend heap for a moment: the request's peak.
$s = str_repeat("x", (int)($_GET["mb"] ?? 1) << 20);
echo "allocated ", strlen($s), " pid=", getmypid(), "\n";
