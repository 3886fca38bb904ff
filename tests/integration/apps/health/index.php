<?php
// The front controller: answers every path no file matches, so a probe
// answered by PHP would say so.
echo "health-app php pid=", getmypid(), " uri=", $_SERVER["REQUEST_URI"], "\n";
